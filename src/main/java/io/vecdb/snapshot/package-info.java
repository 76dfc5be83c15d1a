/**
 * Snapshot files: {@link io.vecdb.snapshot.AtomicFileWriter} (temp file, fsync, atomic rename,
 * directory fsync), a versioned container with per-section CRC32C ({@link
 * io.vecdb.snapshot.SnapshotWriter}, {@link io.vecdb.snapshot.SnapshotReader}) that index, payload
 * and id-map code fill through {@code WritableByteChannel}s, and {@link
 * io.vecdb.snapshot.SnapshotDirectory}, which names snapshots by the last WAL LSN they include and
 * finds the newest one that verifies.
 *
 * <p>Recovery order for a collection: {@code newestValid()} → load its sections → replay the WAL
 * from {@code lsn + 1} → serve; after a new snapshot at LSN s is committed, {@code
 * wal.truncatePrefix(s + 1)} and {@code deleteOlderThan(s)}.
 */
package io.vecdb.snapshot;
