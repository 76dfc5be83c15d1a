package io.vecdb.filter;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A payload key as Qdrant writes it: {@code a}, {@code a.b}, {@code a[].b}, {@code a[]}, {@code
 * a[2].b}, {@code "dotted.name".c}. Immutable.
 *
 * <p>{@link #values} follows Qdrant's path resolution exactly: {@code .name} steps into an object
 * (and finds nothing in an array), {@code []} steps into every element of an array, {@code [n]}
 * into one element. The leaf value is returned as it is, arrays included; conditions then look at
 * the elements of a leaf array (one level) themselves.
 */
final class JsonKey {
  private static final Object WILDCARD = new Object();

  /** Each step: a String (object field), an Integer (array index) or {@link #WILDCARD}. */
  private final Object[] steps;

  private final String canonical;

  private JsonKey(Object[] steps, String canonical) {
    this.steps = steps;
    this.canonical = canonical;
  }

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException naming {@code path} and what is wrong with the key
   */
  static JsonKey parse(String text, String path) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException(path + ": expected a non-empty payload key");
    }
    List<Object> steps = new ArrayList<>();
    int i = 0;
    int n = text.length();
    boolean first = true;
    while (i < n) {
      char c = text.charAt(i);
      if (first || c == '.') {
        if (!first) {
          i++;
        }
        first = false;
        if (i < n && text.charAt(i) == '"') {
          int close = text.indexOf('"', i + 1);
          if (close < 0) {
            throw badKey(text, path, "unterminated quoted name");
          }
          if (close == i + 1) {
            throw badKey(text, path, "empty quoted name");
          }
          steps.add(text.substring(i + 1, close));
          i = close + 1;
        } else {
          int start = i;
          while (i < n && ".[]\"".indexOf(text.charAt(i)) < 0) {
            i++;
          }
          if (i == start) {
            throw badKey(text, path, "empty name at position " + start);
          }
          steps.add(text.substring(start, i));
        }
      } else if (c == '[') {
        int close = text.indexOf(']', i);
        if (close < 0) {
          throw badKey(text, path, "unclosed '['");
        }
        String inside = text.substring(i + 1, close);
        if (inside.isEmpty()) {
          steps.add(WILDCARD);
        } else {
          int index;
          try {
            index = Integer.parseInt(inside);
          } catch (NumberFormatException e) {
            index = -1;
          }
          if (index < 0 || !inside.chars().allMatch(Character::isDigit)) {
            throw badKey(text, path, "expected [] or [index], got [" + inside + "]");
          }
          steps.add(index);
        }
        i = close + 1;
      } else {
        throw badKey(text, path, "unexpected '" + c + "' at position " + i);
      }
    }
    return new JsonKey(steps.toArray(), render(steps));
  }

  private static IllegalArgumentException badKey(String text, String path, String why) {
    return new IllegalArgumentException(
        path + ": invalid payload key \"" + text + "\": " + why + " (expected e.g. a, a.b, a[].b)");
  }

  private static String render(List<Object> steps) {
    StringBuilder sb = new StringBuilder();
    for (Object s : steps) {
      if (s == WILDCARD) {
        sb.append("[]");
      } else if (s instanceof Integer idx) {
        sb.append('[').append(idx).append(']');
      } else {
        String name = (String) s;
        if (!sb.isEmpty()) {
          sb.append('.');
        }
        boolean plain = name.chars().noneMatch(ch -> ".[]\"".indexOf(ch) >= 0);
        sb.append(plain ? name : "\"" + name + "\"");
      }
    }
    return sb.toString();
  }

  /** This key with a trailing {@code []} (Qdrant's {@code nested} key resolution). */
  JsonKey asArrayKey() {
    if (steps[steps.length - 1] == WILDCARD) {
      return this;
    }
    Object[] s = java.util.Arrays.copyOf(steps, steps.length + 1);
    s[steps.length] = WILDCARD;
    return new JsonKey(s, canonical + "[]");
  }

  /** The values this key selects in {@code root}, in document order; empty if none. */
  List<Object> values(JsonObject root) {
    List<Object> out = new ArrayList<>(1);
    collect(root, 0, out);
    return out;
  }

  private void collect(Object value, int step, List<Object> out) {
    if (step == steps.length) {
      out.add(value);
      return;
    }
    Object s = steps[step];
    if (s instanceof String name) {
      if (value instanceof JsonObject obj && obj.containsKey(name)) {
        collect(obj.getValue(name), step + 1, out);
      }
    } else if (s instanceof Integer index) {
      if (value instanceof JsonArray arr && index < arr.size()) {
        collect(arr.getValue(index), step + 1, out);
      }
    } else if (value instanceof JsonArray arr) {
      for (int i = 0; i < arr.size(); i++) {
        collect(arr.getValue(i), step + 1, out);
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof JsonKey k && k.canonical.equals(canonical);
  }

  @Override
  public int hashCode() {
    return canonical.hashCode();
  }

  /** The canonical text form; equal keys have equal text. */
  @Override
  public String toString() {
    return canonical;
  }
}
