package io.vecdb.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The file {@code SYNCED} in a WAL directory: a durable note of how far the log is known to be on
 * disk, so that recovery can tell a torn tail (records that were never acknowledged) from damage to
 * acknowledged records, and can repair a log after a fail-stop.
 *
 * <ul>
 *   <li>{@code synced=N}: every record up to LSN N was fsynced (and so may have been acknowledged).
 *       Written at open, at a clean close, before a suffix truncation cuts below N, and while the
 *       log runs at most once per {@link WalOptions#syncMarkIntervalMillis} after an fsync (one
 *       small extra fsync per interval, off the acknowledgement path). A log that, opened, holds
 *       damage at or before N, or ends before N, has lost acknowledged records: the open refuses
 *       (unless {@link WalOptions#truncateCorruptTail}). Damage after N is a torn tail, as before.
 *   <li>{@code failed=N}: the WAL's first write or fsync failed, and N is the last LSN an fsync
 *       confirmed. After an fsync error the kernel may keep the unwritten pages in its cache
 *       (marked clean) or drop them, so what a reopened log reads after N proves nothing: the open
 *       drops every record after N (none was acknowledged as durable), besides the checks above.
 * </ul>
 *
 * <p>Format: {@value #BYTES} bytes, the state padded with spaces to a newline, always overwritten
 * in place (the failure path must work on a full disk: it only rewrites blocks the file has). An
 * unreadable marker (a torn overwrite) refuses the open unless the operator accepts the log as it
 * is. Written through the WAL's {@link WalStorage}: at open before the writer exists, then on the
 * writer thread.
 */
final class SyncMarker {
  static final String FILE = "SYNCED";
  static final int BYTES = 32;

  /** What a marker says; {@code failed}: drop every record after {@code lsn}. */
  record State(long lsn, boolean failed) {}

  private SyncMarker() {}

  /** Every record up to {@code lsn} is on disk. */
  static void synced(WalStorage storage, Path dir, long lsn) throws IOException {
    boolean existed = Files.exists(dir.resolve(FILE));
    put(storage, dir, "synced=" + lsn);
    if (!existed) {
      storage.syncDirectory(dir);
    }
  }

  /** The WAL failed; nothing after {@code syncedLsn} was confirmed durable. */
  static void failed(WalStorage storage, Path dir, long syncedLsn) throws IOException {
    put(storage, dir, "failed=" + syncedLsn);
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
   * The marker in {@code dir}, or null if there is none (a log written before markers existed) or
   * it is unreadable and {@code acceptDamage}.
   */
  static State read(Path dir, boolean acceptDamage) throws IOException {
    Path path = dir.resolve(FILE);
    if (!Files.exists(path)) {
      return null;
    }
    String text = new String(Files.readAllBytes(path), StandardCharsets.US_ASCII).trim();
    boolean failed = text.startsWith("failed=");
    if (failed || text.startsWith("synced=")) {
      try {
        long lsn = Long.parseLong(text.substring(text.indexOf('=') + 1));
        if (lsn >= 0) {
          return new State(lsn, failed);
        }
      } catch (NumberFormatException e) {
        // unreadable: below
      }
    }
    if (acceptDamage) {
      return null;
    }
    throw new WalCorruptionException(
        path,
        0,
        0,
        "unreadable sync marker ('"
            + text
            + "'): how far the log was on disk is unknown; start with --wal-truncate-corrupt to"
            + " accept the log as it is");
  }
}
