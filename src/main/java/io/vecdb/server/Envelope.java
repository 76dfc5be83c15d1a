package io.vecdb.server;

import io.vecdb.collection.VecdbException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Writes Qdrant's response envelope: {@code {"result", "status": "ok", "time"}} on success and
 * {@code {"status": {"error": message}, "time"}} on failure, with {@code time} in seconds.
 */
final class Envelope {
  private Envelope() {}

  static void ok(RoutingContext ctx, Object result, long startNanos) {
    JsonObject body =
        new JsonObject().put("result", result).put("status", "ok").put("time", seconds(startNanos));
    send(ctx, 200, body);
  }

  static void error(RoutingContext ctx, VecdbException e, long startNanos) {
    error(ctx, HttpStatus.of(e.code()), e.getMessage(), startNanos);
  }

  static void error(RoutingContext ctx, int status, String message, long startNanos) {
    JsonObject body =
        new JsonObject()
            .put("status", new JsonObject().put("error", message))
            .put("time", seconds(startNanos));
    send(ctx, status, body);
  }

  private static void send(RoutingContext ctx, int status, JsonObject body) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.closed()) {
      return;
    }
    response
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(body.toBuffer());
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
