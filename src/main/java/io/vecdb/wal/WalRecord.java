package io.vecdb.wal;

/**
 * A record read back from the log: its LSN, type byte and payload (a fresh array owned by the
 * reader).
 */
public record WalRecord(long lsn, byte type, byte[] payload) {}
