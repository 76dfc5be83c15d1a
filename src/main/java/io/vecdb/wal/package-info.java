/**
 * The write-ahead log: every acknowledged write is here first.
 *
 * <p>Public face: {@link io.vecdb.wal.Wal} (append, appendBatch, sync, read from an LSN,
 * truncateSuffix, truncatePrefix, firstLsn/lastLsn, close), its file-based implementation {@link
 * io.vecdb.wal.SegmentedWal} opened with {@link io.vecdb.wal.WalOptions}, the storage seam {@link
 * io.vecdb.wal.WalStorage}/{@link io.vecdb.wal.StorageFile}, and failures {@link
 * io.vecdb.wal.WalException} (with a code) and {@link io.vecdb.wal.WalCorruptionException}.
 *
 * <p>Guarantees. LSNs are dense, start at 1 and continue across restarts. With {@link
 * io.vecdb.wal.SyncPolicy#ALWAYS} (default) a future completes only after the fsync that covers its
 * record (group commit: one write and one fsync per group of waiting appends), so a crash or power
 * failure loses nothing acknowledged. {@link io.vecdb.wal.SyncPolicy#INTERVAL} and {@link
 * io.vecdb.wal.SyncPolicy#NEVER} acknowledge after the write to the OS: a process crash (kill -9)
 * loses nothing, a power failure or kernel crash loses up to the last interval (or whatever the OS
 * had not written back). On open, a torn tail — damage at the end of the last segment followed by
 * nothing that was written after an fsync — is truncated with a warning; damage with durable
 * records after it stops the open with {@link io.vecdb.wal.WalCorruptionException} (file, offset,
 * LSN) unless {@link io.vecdb.wal.WalOptions#truncateCorruptTail(boolean)} is set. An I/O error
 * (full disk, failed fsync) fails the affected appends and makes the WAL refuse all further writes
 * (fail-stop); reopening recovers every acknowledged record.
 *
 * <p>The WAL has no Vert.x types: a verticle wraps it and hops from the writer thread (where
 * futures complete, unless {@link io.vecdb.wal.WalOptions#completionExecutor} is set) back to its
 * context.
 */
package io.vecdb.wal;
