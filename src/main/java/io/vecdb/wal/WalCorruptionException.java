package io.vecdb.wal;

import java.nio.file.Path;

/**
 * A damaged record or segment that is not a torn tail: there is valid data after it, so truncating
 * there would drop records that were acknowledged. Opening the WAL stops with this exception unless
 * {@link WalOptions#truncateCorruptTail(boolean)} allows truncating at the damage.
 */
public final class WalCorruptionException extends WalException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final long offset;
  private final long lsn;

  WalCorruptionException(Path file, long offset, long lsn, String detail) {
    super(
        Code.CORRUPT,
        "corrupt WAL record in "
            + file
            + " at byte offset "
            + offset
            + " (expected LSN "
            + lsn
            + "): "
            + detail
            + "; valid records follow, so this is not a torn tail. Restore from a backup or start"
            + " with --wal-truncate-corrupt to drop this record and everything after it");
    this.file = file;
    this.offset = offset;
    this.lsn = lsn;
  }

  /** The segment file holding the damaged record. */
  public Path file() {
    return file;
  }

  /** Byte offset of the damaged record within {@link #file()}. */
  public long offset() {
    return offset;
  }

  /** The LSN the damaged record should have carried. */
  public long lsn() {
    return lsn;
  }
}
