package io.vecdb.filter;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Payload keys as Qdrant writes them ({@code a.b}, {@code a[].b}, {@code a[2]}), for callers
 * outside the filter package: what a key finds in a payload, resolved as filters resolve it.
 * Stateless.
 */
public final class PayloadKeys {
  private PayloadKeys() {}

  /**
   * The numbers {@code key} finds in a payload (a leaf array contributes its numeric elements).
   *
   * @throws IllegalArgumentException naming {@code path} if the key is malformed
   */
  public static Function<JsonObject, List<Double>> numbers(String key, String path) {
    JsonKey k = JsonKey.parse(key, path);
    return payload -> {
      List<Double> out = new ArrayList<>(1);
      for (Object v : k.values(payload)) {
        if (v instanceof Number n) {
          out.add(n.doubleValue());
        } else if (v instanceof JsonArray a) {
          for (Object e : a) {
            if (e instanceof Number n) {
              out.add(n.doubleValue());
            }
          }
        }
      }
      return out;
    };
  }

  /**
   * The values {@code key} finds that can name a group (Qdrant's {@code group_by}): strings and
   * integers, a leaf array contributing its elements, each once.
   *
   * @throws IllegalArgumentException naming {@code path} if the key is malformed
   */
  public static Function<JsonObject, List<Object>> groupValues(String key, String path) {
    JsonKey k = JsonKey.parse(key, path);
    return payload -> {
      java.util.LinkedHashSet<Object> out = new java.util.LinkedHashSet<>(2);
      for (Object v : k.values(payload)) {
        if (v instanceof JsonArray a) {
          for (Object e : a) {
            addGroupValue(e, out);
          }
        } else {
          addGroupValue(v, out);
        }
      }
      return new ArrayList<>(out);
    };
  }

  private static void addGroupValue(Object v, java.util.Set<Object> out) {
    if (v instanceof String s) {
      out.add(s);
    } else {
      Long l = Condition.asLong(v);
      if (l != null) {
        out.add(l);
      }
    }
  }
}
