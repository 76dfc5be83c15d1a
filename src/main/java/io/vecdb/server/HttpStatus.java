package io.vecdb.server;

import io.vecdb.collection.ErrorCode;

/** The one mapping from {@link ErrorCode} to HTTP status. */
final class HttpStatus {
  private HttpStatus() {}

  static int of(ErrorCode code) {
    return switch (code) {
      case BAD_REQUEST -> 400;
      case NOT_FOUND -> 404;
      case CONFLICT -> 409;
      case PAYLOAD_TOO_LARGE -> 413;
      case TIMEOUT -> 408;
      case NOT_IMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
      case INTERNAL -> 500;
      case OUTCOME_UNKNOWN -> 504;
    };
  }
}
