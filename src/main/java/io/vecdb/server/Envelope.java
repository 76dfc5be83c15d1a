package io.vecdb.server;

import io.vecdb.collection.VecdbException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Writes Qdrant's response envelope: {@code {"result", "status": "ok", "time"}} on success and
 * {@code {"status": {"error": message}, "time"}} on failure, with {@code time} in seconds.
 */
final class Envelope {
  private Envelope() {}

  /** Success with a result already encoded as JSON (by a worker): the event loop copies bytes. */
  static void ok(RoutingContext ctx, ApiReply reply, long startNanos) {
    Buffer body =
        Buffer.buffer(reply.encoded().length() + 48)
            .appendString("{\"result\":")
            .appendBuffer(reply.encoded())
            .appendString(",\"status\":\"ok\",\"time\":")
            .appendString(Double.toString(seconds(startNanos)))
            .appendString("}");
    HttpServerResponse response = ctx.response();
    if (!response.ended() && !response.closed()) {
      response.setStatusCode(200).putHeader("content-type", "application/json").end(body);
    }
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
