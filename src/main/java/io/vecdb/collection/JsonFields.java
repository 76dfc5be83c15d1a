package io.vecdb.collection;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Typed reads of request fields that fail with a message naming the path and what was expected. */
final class JsonFields {
  private JsonFields() {}

  /**
   * Refuses every field of {@code json} not in {@code known}: a request field VecDB does not know
   * is an error, never silently ignored. {@code path}: where {@code json} is ("" for the body).
   */
  static void onlyKnown(JsonObject json, String path, java.util.Set<String> known) {
    if (json == null) {
      return;
    }
    for (String k : json.fieldNames()) {
      if (!known.contains(k)) {
        throw new IllegalArgumentException(
            (path.isEmpty() ? "" : path + ".")
                + k
                + ": unknown field; expected one of "
                + new java.util.TreeSet<>(known));
      }
    }
  }

  /**
   * Refuses {@code key} unless it is absent, null or an empty object: a field Qdrant defines that
   * VecDB does not implement ({@code what} says which feature).
   */
  static void notImplemented(JsonObject json, String key, String path, String what) {
    if (json == null) {
      return;
    }
    Object v = json.getValue(key);
    if (v != null && !(v instanceof JsonObject o && o.isEmpty())) {
      throw new IllegalArgumentException(
          (path.isEmpty() ? "" : path + ".") + key + ": " + what + " is not supported by VecDB");
    }
  }

  static JsonObject object(JsonObject json, String key, String path) {
    Object v = json.getValue(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonObject o)) {
      throw bad(path, "an object", v);
    }
    return o;
  }

  static JsonArray array(JsonObject json, String key, String path) {
    Object v = json.getValue(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonArray a)) {
      throw bad(path, "an array", v);
    }
    return a;
  }

  static String string(JsonObject json, String key, String path) {
    Object v = json.getValue(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw bad(path, "a string", v);
    }
    return s;
  }

  static Boolean bool(JsonObject json, String key, String path) {
    Object v = json.getValue(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Boolean b)) {
      throw bad(path, "true or false", v);
    }
    return b;
  }

  /** An integer in [min, max], or {@code dflt} when absent or null. */
  static long integer(JsonObject json, String key, String path, long min, long max, long dflt) {
    Object v = json.getValue(key);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Number n)
        || n.doubleValue() != Math.rint(n.doubleValue())
        || n.doubleValue() < min
        || n.doubleValue() > max) {
      throw bad(path, "an integer in [" + min + ", " + max + "]", v);
    }
    return n.longValue();
  }

  static Float number(JsonObject json, String key, String path) {
    Object v = json.getValue(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
      throw bad(path, "a finite number", v);
    }
    return n.floatValue();
  }

  static IllegalArgumentException bad(String path, String expected, Object got) {
    String shown = got instanceof String s ? "\"" + s + "\"" : String.valueOf(got);
    if (shown.length() > 80) {
      shown = shown.substring(0, 77) + "...";
    }
    return new IllegalArgumentException(path + ": expected " + expected + ", got " + shown);
  }

  /**
   * Reads a vector: an array of finite numbers of length {@code dimension}. NaN and Infinity cannot
   * be written in JSON, but arrive as strings ("NaN") or huge literals (1e999); both are rejected.
   */
  static float[] vector(Object v, String path, int dimension) {
    if (!(v instanceof JsonArray a)) {
      throw bad(path, "an array of " + dimension + " numbers", v);
    }
    if (a.size() != dimension) {
      throw new IllegalArgumentException(
          path + ": expected a vector of " + dimension + " numbers, got " + a.size());
    }
    if (a.getList() instanceof PackedNumbers packed) {
      float[] out = packed.toFloats();
      if (out != null) {
        for (int i = 0; i < dimension; i++) {
          if (!Float.isFinite(out[i])) {
            throw bad(path + "[" + i + "]", "a finite float32 number", a.getValue(i));
          }
        }
        return out;
      }
    }
    float[] out = new float[dimension];
    for (int i = 0; i < dimension; i++) {
      Object x = a.getValue(i);
      if (!(x instanceof Number n)) {
        throw bad(path + "[" + i + "]", "a finite number", x);
      }
      float f = n.floatValue();
      if (!Float.isFinite(f)) {
        throw bad(path + "[" + i + "]", "a finite float32 number", x);
      }
      out[i] = f;
    }
    return out;
  }
}
