package io.vecdb.collection;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Renders points as Qdrant's {@code Record} and {@code ScoredPoint} JSON. */
final class PointJson {
  private PointJson() {}

  static JsonObject record(Collection c, PointView p, PayloadSelector payload, boolean withVector) {
    JsonObject out = new JsonObject().put("id", p.id().toJson());
    out.put("payload", payload.select(p.payload()));
    out.put("vector", withVector ? vector(c, p) : null);
    return out;
  }

  static JsonObject scored(Collection c, PointView p, PayloadSelector payload, boolean withVector) {
    JsonObject out =
        new JsonObject()
            .put("id", p.id().toJson())
            .put("version", p.version())
            .put("score", p.score());
    out.put("payload", payload.select(p.payload()));
    out.put("vector", withVector ? vector(c, p) : null);
    return out;
  }

  static JsonArray scored(
      Collection c, List<PointView> points, PayloadSelector payload, boolean withVector) {
    JsonArray out = new JsonArray();
    for (PointView p : points) {
      out.add(scored(c, p, payload, withVector));
    }
    return out;
  }

  /** The read's vector; callers render inside the read section their read ran in. */
  private static JsonArray vector(Collection c, PointView p) {
    float[] v = c.vectorAsRead(p);
    if (v == null) {
      return null;
    }
    JsonArray a = new JsonArray();
    for (float f : v) {
      a.add(f);
    }
    return a;
  }
}
