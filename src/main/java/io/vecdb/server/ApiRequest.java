package io.vecdb.server;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * One API call on the bus: the action, its collection, an argument from the path (point id or field
 * name; may be null), the request body as raw JSON bytes (parsed on a worker, never on the event
 * loop; may be null) and Qdrant's {@code wait} flag. Immutable; the body buffer is never modified.
 *
 * <p>{@code params}: a clustered node's request parameters ({@code consistency}, {@code token},
 * {@code write_consistency}, {@code timeout}; see ClusterRequests), or null.
 *
 * <p>JSON form (for bus clients): {@code {"action": "search", "collection": "c", "arg": null,
 * "wait": true, "body": {...}, "params": {...}}}.
 */
public record ApiRequest(
    Action action,
    String collection,
    String arg,
    Buffer body,
    boolean waitApplied,
    JsonObject params) {

  /** A request without cluster parameters. */
  public ApiRequest(
      Action action, String collection, String arg, Buffer body, boolean waitApplied) {
    this(action, collection, arg, body, waitApplied, null);
  }

  public JsonObject toJson() {
    JsonObject json =
        new JsonObject()
            .put("action", action.wireName())
            .put("collection", collection)
            .put("arg", arg)
            .put("wait", waitApplied);
    if (body != null && body.length() > 0) {
      json.put("body", new JsonObject(body));
    }
    if (params != null) {
      json.put("params", params);
    }
    return json;
  }

  /**
   * @throws IllegalArgumentException naming a missing or mistyped field
   */
  public static ApiRequest fromJson(JsonObject json) {
    Object body = json.getValue("body");
    if (body != null && !(body instanceof JsonObject)) {
      throw new IllegalArgumentException("body: expected an object");
    }
    Object wait = json.getValue("wait", Boolean.FALSE);
    if (!(wait instanceof Boolean w)) {
      throw new IllegalArgumentException("wait: expected true or false, got " + wait);
    }
    Object params = json.getValue("params");
    if (params != null && !(params instanceof JsonObject)) {
      throw new IllegalArgumentException(
          "params: expected an object ({\"consistency\", \"token\", \"write_consistency\","
              + " \"timeout\"})");
    }
    return new ApiRequest(
        Action.parse(json.getString("action")),
        json.getString("collection"),
        json.getString("arg"),
        body == null ? null : ((JsonObject) body).toBuffer(),
        w,
        (JsonObject) params);
  }
}
