package io.vecdb.model;

import io.vertx.core.json.JsonObject;

/**
 * A point's payload: an immutable JSON object. The wrapped object must not be mutated after
 * construction; {@link #json()} hands out the shared instance for reading only, {@link #copy()} a
 * private copy for writing.
 */
public record Payload(JsonObject json) {
  public static final Payload EMPTY = new Payload(new JsonObject());

  public Payload {
    json = json == null ? new JsonObject() : json;
  }

  public JsonObject copy() {
    return json.copy();
  }

  public boolean isEmpty() {
    return json.isEmpty();
  }
}
