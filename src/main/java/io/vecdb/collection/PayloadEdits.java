package io.vecdb.collection;

import io.vecdb.model.Payload;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Pure functions computing a new payload from an old one; inputs are never modified. */
final class PayloadEdits {
  private PayloadEdits() {}

  /**
   * Qdrant set_payload: merges {@code values} at the top level, or into the object at {@code key}.
   */
  static Payload set(Payload old, JsonObject values, String key) {
    JsonObject json = old.copy();
    if (key == null || key.isEmpty()) {
      values.forEach(e -> json.put(e.getKey(), copyValue(e.getValue())));
      return new Payload(json);
    }
    JsonObject target = json;
    for (String part : key.split("\\.")) {
      if (!(target.getValue(part) instanceof JsonObject)) {
        target.put(part, new JsonObject());
      }
      target = target.getJsonObject(part);
    }
    JsonObject t = target;
    values.forEach(e -> t.put(e.getKey(), copyValue(e.getValue())));
    return new Payload(json);
  }

  /** Removes each key; a dotted key removes a nested field. */
  static Payload delete(Payload old, List<String> keys) {
    JsonObject json = old.copy();
    for (String key : keys) {
      if (json.containsKey(key)) {
        json.remove(key);
        continue;
      }
      String[] parts = key.split("\\.");
      JsonObject target = json;
      for (int i = 0; i < parts.length - 1 && target != null; i++) {
        target = target.getValue(parts[i]) instanceof JsonObject o ? o : null;
      }
      if (target != null) {
        target.remove(parts[parts.length - 1]);
      }
    }
    return new Payload(json);
  }

  private static Object copyValue(Object v) {
    if (v instanceof JsonObject o) {
      return o.copy();
    }
    if (v instanceof io.vertx.core.json.JsonArray a) {
      return a.copy();
    }
    return v;
  }
}
