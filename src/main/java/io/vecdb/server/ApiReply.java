package io.vecdb.server;

import io.vertx.core.json.JsonObject;

/**
 * The result of an {@link ApiRequest}: the value of Qdrant's {@code result} field (a JsonObject,
 * JsonArray, Boolean or null). Immutable once sent: the receiver only reads it. JSON form: {@code
 * {"result": ...}}.
 */
public record ApiReply(Object result) {
  public JsonObject toJson() {
    return new JsonObject().put("result", result);
  }

  public static ApiReply fromJson(JsonObject json) {
    return new ApiReply(json.getValue("result"));
  }
}
