/**
 * Durability verified from the outside: real server processes ({@link
 * io.vecdb.durability.ServerProcess}) driven through the Qdrant REST API only, so the tests hold
 * for any implementation of the operation log behind it.
 *
 * <ul>
 *   <li>{@code CrashRecoveryTest} (default suite, three seeds, two SIGKILL cycles each): concurrent
 *       upserts and deletes, SIGKILL with requests in flight, restart, every acknowledged write
 *       present exactly and every acknowledged delete gone ({@code AckLedger} holds the rules). Its
 *       no-crash case shows the checker accepts a correct live server.
 *   <li>{@code CrashRecoverySoakTest} ({@code @Tag("slow")}, {@code ./vecdb test-slow}): ten seeds
 *       ({@code -Dtests.crash.seeds=N}), eight writers, 128-dim vectors, four cycles each.
 *   <li>{@code RestartTest}: after SIGTERM and after SIGKILL, collections, their params, payload
 *       indexes and points survive two restarts; search and filtered search work after them.
 * </ul>
 *
 * <p>Seeds: {@code -Dtests.seed=N} replays run 0 with seed N (run i uses N + i); every failure
 * names its seed. The seed fixes the operations and the kill threshold; thread interleaving and the
 * exact kill instant depend on timing. A SIGKILL leaves the OS page cache intact, so these tests
 * show that nothing is acknowledged before it reached the kernel, not that it was fsynced: fsync
 * and disk-full behaviour are tested at the WAL level ({@code io.vecdb.wal}).
 */
package io.vecdb.durability;
