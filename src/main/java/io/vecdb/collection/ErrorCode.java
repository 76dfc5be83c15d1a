package io.vecdb.collection;

/**
 * Why a request failed. Travels as the failure code of event-bus replies ({@link #code()}); the
 * HTTP layer maps it to a status in one place.
 */
public enum ErrorCode {
  /** Malformed or invalid input: names the field and what was expected. */
  BAD_REQUEST(400),
  /** Unknown collection or point. */
  NOT_FOUND(404),
  /** The collection already exists. */
  CONFLICT(409),
  /** The request body is over the configured limit. */
  PAYLOAD_TOO_LARGE(413),
  /** A read ran past its {@code timeout} and was stopped. */
  TIMEOUT(408),
  /** A feature this mode of VecDB does not serve yet: the message says what and why. */
  NOT_IMPLEMENTED(501),
  /** The node cannot take writes now (log failure, shutting down). */
  UNAVAILABLE(503),
  /** A bug: logged with its stack trace. */
  INTERNAL(500),
  /**
   * A replicated write whose outcome cannot be known (its leader was lost after taking it): it may
   * or may not take effect.
   */
  OUTCOME_UNKNOWN(504);

  private final int code;

  ErrorCode(int code) {
    this.code = code;
  }

  /** The event-bus failure code; equal to the HTTP status by design, so the mapping is trivial. */
  public int code() {
    return code;
  }

  public static ErrorCode ofCode(int code) {
    for (ErrorCode c : values()) {
      if (c.code == code) {
        return c;
      }
    }
    return INTERNAL;
  }
}
