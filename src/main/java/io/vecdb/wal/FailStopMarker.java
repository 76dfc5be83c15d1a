package io.vecdb.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The file {@code FAILSTOP} in a WAL directory. When the WAL's first write or fsync fails, it is
 * overwritten with the last LSN an fsync confirmed before the failure. After an fsync error the
 * kernel may keep the unwritten pages in its cache (marked clean) or drop them, so what a reopened
 * log reads after that LSN proves nothing: the next open drops every record after it (none was
 * acknowledged as durable) and refuses to start if the log ends before it.
 *
 * <p>Format: {@value #BYTES} bytes, {@code clear} or {@code lsn=<decimal>}, padded with spaces to a
 * newline. The file is written and fsynced at every open, so that the failure path only overwrites
 * blocks it already has (it must work on a full disk). Anything else in it (a torn overwrite)
 * refuses the open unless the operator accepts the log as it is ({@link
 * WalOptions#truncateCorruptTail}). Written through the WAL's {@link WalStorage}: at open before
 * the writer exists, at a failure on the writer thread.
 */
final class FailStopMarker {
  static final String FILE = "FAILSTOP";
  static final int BYTES = 32;
  static final long NONE = Long.MAX_VALUE;

  private FailStopMarker() {}

  /** Marks the log as trustworthy (at open, once any repair is durable). */
  static void clear(WalStorage storage, Path dir) throws IOException {
    boolean existed = Files.exists(dir.resolve(FILE));
    put(storage, dir, "clear");
    if (!existed) {
      storage.syncDirectory(dir);
    }
  }

  /** Records that nothing after {@code syncedLsn} was confirmed durable; throws if it could not. */
  static void write(WalStorage storage, Path dir, long syncedLsn) throws IOException {
    put(storage, dir, "lsn=" + syncedLsn);
  }

  private static void put(WalStorage storage, Path dir, String value) throws IOException {
    byte[] text =
        (value + " ".repeat(BYTES - 1 - value.length()) + "\n").getBytes(StandardCharsets.US_ASCII);
    try (StorageFile f = storage.openWrite(dir.resolve(FILE))) {
      ByteBuffer b = ByteBuffer.wrap(text);
      long pos = 0;
      while (b.hasRemaining()) {
        pos += f.write(b, pos);
      }
      f.force(false);
    }
  }

  /**
   * The LSN the marker in {@code dir} names, or {@link #NONE} if the log is trusted as it is (no
   * marker, {@code clear}, or an unreadable one when {@code acceptDamage}).
   */
  static long read(Path dir, boolean acceptDamage) throws IOException {
    Path path = dir.resolve(FILE);
    if (!Files.exists(path)) {
      return NONE;
    }
    String text = new String(Files.readAllBytes(path), StandardCharsets.US_ASCII).trim();
    if (text.equals("clear")) {
      return NONE;
    }
    if (text.startsWith("lsn=")) {
      try {
        long lsn = Long.parseLong(text.substring(4));
        if (lsn >= 0) {
          return lsn;
        }
      } catch (NumberFormatException e) {
        // unreadable: below
      }
    }
    if (acceptDamage) {
      return NONE;
    }
    throw new WalCorruptionException(
        path,
        0,
        0,
        "unreadable fail-stop marker ('"
            + text
            + "'): the WAL failed and its last fsynced LSN is unknown; start with"
            + " --wal-truncate-corrupt to accept the log as it is");
  }
}
