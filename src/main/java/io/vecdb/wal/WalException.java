package io.vecdb.wal;

/**
 * A WAL failure with a code. Append and sync futures complete exceptionally with this type; {@link
 * WalCorruptionException} is thrown when opening a damaged log.
 */
public class WalException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong; the server maps codes to HTTP statuses. */
  public enum Code {
    /** The WAL was closed; no more writes are accepted. */
    CLOSED,
    /**
     * A write, fsync or file operation failed (full disk, I/O error). The WAL is fail-stop: it
     * refuses every later write; reopen it to recover what was acknowledged.
     */
    IO_FAILED,
    /** A record or segment on disk is damaged. */
    CORRUPT,
    /** The requested LSN is no longer (or not yet) in the log. */
    TRUNCATED,
    /** A caller passed an invalid argument (LSN out of range, oversized record). */
    INVALID_ARGUMENT
  }

  private final Code code;

  public WalException(Code code, String message) {
    super(message);
    this.code = code;
  }

  public WalException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public Code code() {
    return code;
  }
}
