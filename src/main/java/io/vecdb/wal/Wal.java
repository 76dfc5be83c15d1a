package io.vecdb.wal;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * An append-only log of typed records addressed by LSN (log sequence number). LSNs are dense (no
 * gaps), start at 1 for a new log and continue across restarts. General enough to be a Raft log
 * store: append, read from an LSN, truncate a suffix (conflicting entries) and a prefix (after a
 * snapshot).
 *
 * <p>Threading contract: implementations are thread-safe. Any thread may call any method; appends
 * from many threads are ordered by the order in which the WAL accepts them, and each future
 * completes with its record's LSN. Futures complete in LSN order. Reads ({@link #read}, {@link
 * #firstLsn}, {@link #lastLsn}) never block on writers. Methods never block except {@link
 * #close()}.
 *
 * <p>Failures travel as exceptionally completed futures carrying a {@link WalException}. After an
 * I/O failure the WAL is fail-stop: every later write fails with {@link
 * WalException.Code#IO_FAILED} and nothing already acknowledged is lost; reopen it to continue.
 */
public interface Wal extends AutoCloseable {

  /**
   * Appends one record. The future completes with its LSN once the record is durable according to
   * the sync policy (for {@link SyncPolicy#ALWAYS}: after the fsync covering it) and readable by
   * {@link #read}.
   */
  CompletableFuture<Long> append(byte type, byte[] payload);

  /**
   * Appends {@code entries} as one contiguous run of consecutive LSNs, written together and never
   * split across segments. All-or-nothing on recovery: if a crash leaves only part of the run on
   * disk, recovery drops that part. The future completes with the LSN of the last entry.
   */
  CompletableFuture<Long> appendBatch(List<WalEntry> entries);

  /**
   * Forces everything written so far to the device, whatever the sync policy; completes with the
   * last durable LSN.
   */
  CompletableFuture<Long> sync();

  /**
   * A cursor over records from {@code fromLsn} on. {@code fromLsn} must lie in [{@link
   * #firstLsn()}, {@link #lastLsn()} + 1].
   *
   * @throws WalException code {@code TRUNCATED} if {@code fromLsn} is outside that range
   */
  WalCursor read(long fromLsn);

  /**
   * Drops every record with LSN >= {@code fromLsn} (Raft log conflict). The next append gets {@code
   * fromLsn}. Ordered with appends: appends accepted before this call are written first. {@code
   * fromLsn} must lie in [{@link #firstLsn()}, {@link #lastLsn()} + 1].
   */
  CompletableFuture<Void> truncateSuffix(long fromLsn);

  /**
   * Drops whole segments whose records all lie below {@code firstLsnToKeep} (after a snapshot that
   * covers them); records >= {@code firstLsnToKeep} always remain, and {@link #firstLsn()} may stay
   * below it because whole segments are dropped. If {@code firstLsnToKeep} is beyond {@link
   * #lastLsn()}, the log becomes empty and the next append gets {@code max(lastLsn()+1,
   * firstLsnToKeep)} (Raft: install a snapshot).
   */
  CompletableFuture<Void> truncatePrefix(long firstLsnToKeep);

  /**
   * LSN of the first record still stored; {@code lastLsn() + 1} if the log is empty. Never blocks.
   */
  long firstLsn();

  /**
   * LSN of the last acknowledged record (the last one whose append future completed or is
   * completing), 0 or {@code firstLsn() - 1} if none. Never blocks.
   */
  long lastLsn();

  /**
   * Writes and fsyncs everything accepted so far, completes or fails all pending futures, and
   * releases files. Blocks until done; later calls fail with {@link WalException.Code#CLOSED}.
   */
  @Override
  void close();
}
