package io.vecdb.collection;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Renders points as Qdrant's {@code Record} and {@code ScoredPoint} JSON. A collection without
 * sparse vectors shows its vector as an array; one with sparse vectors as Qdrant's named form
 * ({@code {"": [...], "<sparse name>": {indices, values}}}).
 */
final class PointJson {
  private PointJson() {}

  static JsonObject record(
      Collection c, PointView p, PayloadSelector payload, VectorSelector vectors) {
    JsonObject out = new JsonObject().put("id", p.id().toJson());
    out.put("payload", payload.select(p.payload()));
    out.put("vector", vectors.any() ? vector(c, p, vectors) : null);
    return out;
  }

  static JsonObject scored(
      Collection c, PointView p, PayloadSelector payload, VectorSelector vectors) {
    JsonObject out =
        new JsonObject()
            .put("id", p.id().toJson())
            .put("version", p.version())
            .put("score", p.score());
    out.put("payload", payload.select(p.payload()));
    out.put("vector", vectors.any() ? vector(c, p, vectors) : null);
    return out;
  }

  static JsonArray scored(
      Collection c, List<PointView> points, PayloadSelector payload, VectorSelector vectors) {
    JsonArray out = new JsonArray();
    for (PointView p : points) {
      out.add(scored(c, p, payload, vectors));
    }
    return out;
  }

  /** The read's vectors; callers render inside the read section their read ran in. */
  private static Object vector(Collection c, PointView p, VectorSelector vectors) {
    JsonArray dense = null;
    if (vectors.wants("")) {
      float[] v = c.vectorAsRead(p);
      if (v != null) {
        dense = new JsonArray();
        for (float f : v) {
          dense.add(f);
        }
      }
    }
    if (c.config().sparseVectors().isEmpty()) {
      return dense;
    }
    JsonObject named = new JsonObject();
    if (dense != null) {
      named.put("", dense);
    }
    for (var e : new java.util.TreeMap<>(p.sparse()).entrySet()) {
      if (vectors.wants(e.getKey())) {
        named.put(e.getKey(), e.getValue().toJson());
      }
    }
    return named;
  }
}
