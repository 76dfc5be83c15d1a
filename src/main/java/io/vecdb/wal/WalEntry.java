package io.vecdb.wal;

/**
 * One record to append: a caller-defined type byte and an opaque payload. The WAL does not copy the
 * payload; callers must not modify the array until the append's future completes.
 */
public record WalEntry(byte type, byte[] payload) {
  public WalEntry {
    if (payload == null) {
      throw new IllegalArgumentException("payload: expected a byte array, got null");
    }
  }
}
