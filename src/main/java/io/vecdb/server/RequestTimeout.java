package io.vecdb.server;

import io.vecdb.collection.VecdbException;
import io.vertx.core.json.JsonObject;

/**
 * Qdrant's {@code timeout} request parameter on a single node: seconds, 1 to 3600. A read is
 * stopped where it runs once past it ({@link io.vecdb.index.Deadline}: 408); a write with {@code
 * wait=true} is answered {@code acknowledged} (logged and durable, applied later) instead of {@code
 * completed} if its apply takes longer. (A clustered node bounds its waits with it the same way;
 * see {@link ClusterRequests}.) Stateless.
 */
final class RequestTimeout {
  static final long MAX_SECONDS = 3600;

  private RequestTimeout() {}

  /** The {@code timeout} in {@code params}, or 0 if none. */
  static long seconds(JsonObject params) {
    Object v = params == null ? null : params.getValue("timeout");
    if (v == null) {
      return 0;
    }
    try {
      long n = Long.parseLong(String.valueOf(v).trim());
      if (n >= 1 && n <= MAX_SECONDS) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw VecdbException.badRequest(
        "timeout: expected an integer number of seconds in [1, "
            + MAX_SECONDS
            + "], got \""
            + v
            + "\"");
  }
}
