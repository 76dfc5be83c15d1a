package io.vecdb.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/** Shared checks for the sections of {@code conf/vecdb.json}. Stateless. */
final class ConfigJson {
  private ConfigJson() {}

  static void checkKeys(JsonObject json, Set<String> keys, String section) {
    for (String key : json.fieldNames()) {
      if (!keys.contains(key)) {
        throw new IllegalArgumentException(
            "unknown setting '"
                + section
                + "."
                + key
                + "': expected one of "
                + String.join(", ", keys.stream().sorted().toList()));
      }
    }
  }

  static long integer(JsonObject json, String key, String path) {
    Object v = json.getValue(key);
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new IllegalArgumentException(path + ": expected an integer, got " + v);
    }
    return n.longValue();
  }

  /** {@code value} if it lies in {@code [min, max]}, else an error naming {@code path}. */
  static long inRange(String path, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          path + ": expected " + min + ".." + max + ", got " + value);
    }
    return value;
  }
}
