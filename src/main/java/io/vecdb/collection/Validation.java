package io.vecdb.collection;

import io.vecdb.filter.Filter;
import io.vecdb.filter.FilterParser;
import io.vecdb.index.Distance;
import io.vertx.core.json.JsonObject;

/** Checks shared by request parsing and apply (apply re-checks so replay is safe). */
public final class Validation {
  private Validation() {}

  /** Length, finiteness, and non-zero for Cosine; the message names {@code what}. */
  public static void checkVector(float[] v, CollectionConfig config, String what) {
    checkVector(v, config.size(), config.distance(), what);
  }

  /** As {@link #checkVector(float[], CollectionConfig, String)} for one of its dense vectors. */
  public static void checkVector(float[] v, CollectionConfig.DenseParams params, String what) {
    checkVector(v, params.size(), params.distance(), what);
  }

  private static void checkVector(float[] v, int size, Distance distance, String what) {
    if (v.length != size) {
      throw new IllegalArgumentException(
          what + ": expected a vector of " + size + " numbers, got " + v.length);
    }
    boolean zero = true;
    for (int i = 0; i < v.length; i++) {
      if (!Float.isFinite(v[i])) {
        throw new IllegalArgumentException(
            what + "[" + i + "]: expected a finite number, got " + v[i]);
      }
      zero &= v[i] == 0f;
    }
    if (zero && distance == Distance.COSINE) {
      throw new IllegalArgumentException(
          what + ": a zero vector has no direction, expected a non-zero vector for Cosine");
    }
  }

  /** Parses a filter, or returns null for a null/absent one. */
  public static Filter filter(JsonObject json, String field) {
    if (json == null) {
      return null;
    }
    return FilterParser.parse(json, field);
  }

  /** Collection names: 1..255 characters, no path separators or control characters. */
  public static void checkCollectionName(String name) {
    if (name == null
        || name.isEmpty()
        || name.length() > 255
        || name.chars().anyMatch(c -> c == '/' || c == '\\' || c < 0x20 || c == 0x7f)
        || name.equals(".")
        || name.equals("..")) {
      throw new IllegalArgumentException(
          "collection name: expected 1-255 characters without '/', '\\' or control characters, got \""
              + name
              + "\"");
    }
  }
}
