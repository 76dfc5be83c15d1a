package io.vecdb.durable;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Random;

/** Seeded requests and a comparable dump of a collection's state (points, searches). */
final class Scenario {
  private static final String[] COLORS = {"red", "green", "blue", "black"};

  private Scenario() {}

  static void create(DurableTestNode n, String name, int dim, String distance) throws Exception {
    n.ok(
        "PUT",
        "/collections/" + name,
        new JsonObject()
            .put("vectors", new JsonObject().put("size", dim).put("distance", distance))
            .put("hnsw_config", new JsonObject().put("full_scan_threshold", 100)));
  }

  static JsonArray vector(Random rnd, int dim) {
    JsonArray v = new JsonArray();
    for (int i = 0; i < dim; i++) {
      v.add((float) rnd.nextGaussian());
    }
    return v;
  }

  static JsonObject batch(Random rnd, int firstId, int count, int dim) {
    JsonArray points = new JsonArray();
    for (int i = 0; i < count; i++) {
      points.add(
          new JsonObject()
              .put("id", firstId + i)
              .put("vector", vector(rnd, dim))
              .put(
                  "payload",
                  new JsonObject()
                      .put("color", COLORS[rnd.nextInt(COLORS.length)])
                      .put("n", rnd.nextInt(1000))));
    }
    return new JsonObject().put("points", points);
  }

  /**
   * Every point (id, payload, vector) in id order, and the results of a few searches, with {@code
   * exact} or approximate (HNSW) search.
   */
  static JsonObject state(DurableTestNode n, String c, Random rnd, boolean exact) throws Exception {
    JsonObject scroll =
        (JsonObject)
            n.ok(
                "POST",
                "/collections/" + c + "/points/scroll",
                new JsonObject()
                    .put("limit", 100_000)
                    .put("with_payload", true)
                    .put("with_vector", true));
    JsonObject info = (JsonObject) n.ok("GET", "/collections/" + c, null);
    int dim =
        info.getJsonObject("config")
            .getJsonObject("params")
            .getJsonObject("vectors")
            .getInteger("size");
    JsonArray searches = new JsonArray();
    for (int i = 0; i < 5; i++) {
      JsonObject q =
          new JsonObject()
              .put("vector", vector(rnd, dim))
              .put("limit", 10)
              .put("with_payload", true)
              .put("params", new JsonObject().put("exact", exact));
      if (i % 2 == 1) {
        q.put(
            "filter",
            new JsonObject()
                .put(
                    "must",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("key", "color")
                                .put("match", new JsonObject().put("value", "red")))));
      }
      searches.add(n.ok("POST", "/collections/" + c + "/points/search", q));
    }
    return new JsonObject()
        .put("points", scroll.getJsonArray("points"))
        .put("count", scroll.getJsonArray("points").size())
        .put("searches", searches);
  }

  static JsonObject state(DurableTestNode n, String c, Random rnd) throws Exception {
    return state(n, c, rnd, true);
  }

  /** Fails with a short description of the first difference (the states can be megabytes). */
  static void assertSame(JsonObject expected, JsonObject actual, String message) {
    int en = expected.getInteger("count");
    int an = actual.getInteger("count");
    if (en != an) {
      throw new AssertionError(message + ": " + an + " points, expected " + en);
    }
    for (int i = 0; i < en; i++) {
      Object e = expected.getJsonArray("points").getValue(i);
      Object a = actual.getJsonArray("points").getValue(i);
      if (!e.equals(a)) {
        throw new AssertionError(message + ": point #" + i + " is " + a + ", expected " + e);
      }
    }
    JsonArray es = expected.getJsonArray("searches");
    JsonArray as = actual.getJsonArray("searches");
    for (int i = 0; i < es.size(); i++) {
      if (!sameHits(es.getJsonArray(i), as.getJsonArray(i))) {
        throw new AssertionError(
            message
                + ": search #"
                + i
                + " gave "
                + as.getValue(i)
                + ", expected "
                + es.getValue(i));
      }
    }
  }

  /**
   * Same points in the same order with the same payloads and versions; scores equal up to float
   * rounding (the SIMD kernels may sum in a different order once the JIT has compiled them).
   */
  private static boolean sameHits(JsonArray e, JsonArray a) {
    if (e.size() != a.size()) {
      return false;
    }
    for (int i = 0; i < e.size(); i++) {
      JsonObject x = e.getJsonObject(i).copy();
      JsonObject y = a.getJsonObject(i).copy();
      double sx = ((Number) x.remove("score")).doubleValue();
      double sy = ((Number) y.remove("score")).doubleValue();
      if (!x.equals(y) || Math.abs(sx - sy) > 1e-4 * Math.max(1, Math.abs(sx))) {
        return false;
      }
    }
    return true;
  }
}
