package io.vecdb.server;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/**
 * The result of an {@link ApiRequest}: the value of Qdrant's {@code result} field (a JsonObject,
 * JsonArray, Boolean or null) and its JSON encoding, made by the worker that computed it so that
 * the event loop only copies bytes into the response. Immutable once sent: receivers only read it.
 * JSON form: {@code {"result": ...}}.
 */
public record ApiReply(Object result, Buffer encoded) {

  /** Encodes {@code result}; call on a worker. */
  public static ApiReply of(Object result) {
    return new ApiReply(result, Json.encodeToBuffer(result));
  }

  public JsonObject toJson() {
    return new JsonObject().put("result", result);
  }

  public static ApiReply fromJson(JsonObject json) {
    return of(json.getValue("result"));
  }
}
