package io.vecdb.collection;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Renders points as Qdrant's {@code Record} and {@code ScoredPoint} JSON. A collection of one
 * unnamed dense vector shows it as an array; one with named or sparse vectors in Qdrant's named
 * form ({@code {"<dense name>": [...], "<sparse name>": {indices, values}}}, the vectors the point
 * has).
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
    CollectionConfig config = c.config();
    if (!config.namedDense() && config.sparseVectors().isEmpty()) {
      float[] v = vectors.wants("") ? c.vectorAsRead(p) : null;
      return v == null ? null : array(v);
    }
    JsonObject named = new JsonObject();
    for (String name : config.denseNames()) {
      if (vectors.wants(name)) {
        float[] v = c.vectorAsRead(name, p);
        if (v != null) {
          named.put(name, array(v));
        }
      }
    }
    for (var e : new java.util.TreeMap<>(p.sparse()).entrySet()) {
      if (vectors.wants(e.getKey())) {
        named.put(e.getKey(), e.getValue().toJson());
      }
    }
    return named;
  }

  private static JsonArray array(float[] v) {
    JsonArray out = new JsonArray();
    for (float f : v) {
      out.add(f);
    }
    return out;
  }
}
