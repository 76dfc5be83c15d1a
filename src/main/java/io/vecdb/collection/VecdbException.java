package io.vecdb.collection;

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

  /** Wraps anything thrown by validation code: IllegalArgumentException means bad input. */
  public static VecdbException of(Throwable t) {
    if (t instanceof VecdbException e) {
      return e;
    }
    if (t instanceof IllegalArgumentException || t instanceof ClassCastException) {
      return badRequest(t.getMessage());
    }
    return new VecdbException(ErrorCode.INTERNAL, "internal error: " + t);
  }
}
