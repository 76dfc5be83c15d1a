package io.vecdb.wal;

/**
 * What opening a WAL found: segments and records scanned (all of them, from the first LSN on), how
 * long it took, and what was cut off (a torn tail, an incomplete batch, or — only with {@link
 * WalOptions#truncateCorruptTail} — a corrupt record and everything after it).
 */
public record RecoveryStats(
    int segments,
    long records,
    long bytes,
    long millis,
    long firstLsn,
    long lastLsn,
    long truncatedBytes,
    boolean corruptionTruncated) {}
