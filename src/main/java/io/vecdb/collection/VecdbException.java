package io.vecdb.collection;

import io.vecdb.wal.WalException;

/** A failure with a code, carried as a failed future. The message is shown to the user. */
public final class VecdbException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final ErrorCode code;

  public VecdbException(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }

  public static VecdbException badRequest(String message) {
    return new VecdbException(ErrorCode.BAD_REQUEST, message);
  }

  public static VecdbException notFound(String message) {
    return new VecdbException(ErrorCode.NOT_FOUND, message);
  }

  /**
   * The one mapping of failures to codes: IllegalArgumentException means bad input; a {@link
   * WalException} that cannot write (I/O failure, closed) is UNAVAILABLE (503), an oversized record
   * PAYLOAD_TOO_LARGE, damage INTERNAL.
   */
  public static VecdbException of(Throwable t) {
    if (t instanceof VecdbException e) {
      return e;
    }
    if (t instanceof WalException w) {
      ErrorCode code =
          switch (w.code()) {
            case IO_FAILED, CLOSED -> ErrorCode.UNAVAILABLE;
            case INVALID_ARGUMENT -> ErrorCode.PAYLOAD_TOO_LARGE;
            case CORRUPT, TRUNCATED -> ErrorCode.INTERNAL;
          };
      return new VecdbException(code, "write-ahead log: " + w.getMessage());
    }
    if (t instanceof io.vecdb.index.Deadline.DeadlineExceeded d) {
      return new VecdbException(ErrorCode.TIMEOUT, d.getMessage());
    }
    if (t instanceof IllegalArgumentException || t instanceof ClassCastException) {
      return badRequest(t.getMessage());
    }
    return new VecdbException(ErrorCode.INTERNAL, "internal error: " + t);
  }
}
