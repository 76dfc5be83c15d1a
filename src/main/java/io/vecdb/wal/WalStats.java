package io.vecdb.wal;

/**
 * Counters since open: records appended, group writes (one per group commit), fsyncs and bytes
 * written. Read without locks; figures may be a moment apart from each other.
 */
public record WalStats(long records, long groups, long fsyncs, long bytesWritten) {}
