package io.vecdb.collection;

import io.vecdb.model.Payload;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Qdrant's {@code with_payload}: {@code true}, {@code false}, a list of keys, {@code {"include":
 * [...]}} or {@code {"exclude": [...]}}. Keys may be dotted paths. Immutable.
 */
public record PayloadSelector(boolean enabled, List<String> include, List<String> exclude) {
  public static final PayloadSelector ALL = new PayloadSelector(true, null, null);
  public static final PayloadSelector NONE = new PayloadSelector(false, null, null);

  public static PayloadSelector parse(Object json, String path, PayloadSelector dflt) {
    if (json == null) {
      return dflt;
    }
    if (json instanceof Boolean b) {
      return b ? ALL : NONE;
    }
    if (json instanceof JsonArray a) {
      return new PayloadSelector(true, keys(a, path), null);
    }
    if (json instanceof JsonObject o) {
      if (o.getValue("include") instanceof JsonArray a) {
        return new PayloadSelector(true, keys(a, path + ".include"), null);
      }
      if (o.getValue("exclude") instanceof JsonArray a) {
        return new PayloadSelector(true, null, keys(a, path + ".exclude"));
      }
    }
    throw JsonFields.bad(
        path, "true, false, a list of keys, {\"include\": [...]} or {\"exclude\": [...]}", json);
  }

  private static List<String> keys(JsonArray a, String path) {
    List<String> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      if (!(a.getValue(i) instanceof String s)) {
        throw JsonFields.bad(path + "[" + i + "]", "a payload key string", a.getValue(i));
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  /** The payload to return, or null when disabled. */
  public JsonObject select(Payload payload) {
    if (!enabled) {
      return null;
    }
    JsonObject source = payload.json();
    if (include != null) {
      JsonObject out = new JsonObject();
      for (String key : include) {
        Object v = source.getValue(key);
        if (v != null || source.containsKey(key)) {
          out.put(key, v);
        } else if (key.contains(".")) {
          copyPath(source, out, key.split("\\."));
        }
      }
      return out;
    }
    if (exclude != null) {
      return PayloadEdits.delete(payload, exclude).json();
    }
    return source;
  }

  private static void copyPath(JsonObject source, JsonObject out, String[] parts) {
    Object v = source;
    for (String part : parts) {
      if (!(v instanceof JsonObject o)) {
        return;
      }
      v = o.getValue(part);
    }
    if (v == null) {
      return;
    }
    JsonObject target = out;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonObject next = target.getJsonObject(parts[i]);
      if (next == null) {
        next = new JsonObject();
        target.put(parts[i], next);
      }
      target = next;
    }
    target.put(parts[parts.length - 1], v);
  }
}
