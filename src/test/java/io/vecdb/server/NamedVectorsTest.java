package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.config.VecdbOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Named dense vectors over REST (issue 9, item 2): a collection of two named vectors of their own
 * size and distance (and a sparse one), upserts in the point and columnar forms with the second
 * vector left out for some points, searches by NamedVector and the Query API's {@code using}
 * (exact, compared with brute force), {@code has_vector}, {@code with_vector} lists, {@code PUT
 * /points/vectors}, {@code POST /points/vectors/delete} and both in {@code /points/batch}; bad
 * input is refused naming the field and changes nothing; everything holds after a restart.
 */
@ExtendWith(VertxExtension.class)
class NamedVectorsTest {
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());
  private static final int N = 80;

  private final Random random = new Random(SEED);
  // What was written: image (3-d, Euclid), text (4-d, Dot); null: the point has none.
  private final double[][] image = new double[N][];
  private final double[][] text = new double[N][];
  private final boolean[] deleted = new boolean[N];

  private double[] vector(int dim) {
    double[] v = new double[dim];
    for (int i = 0; i < dim; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }

  private static JsonArray json(double[] v) {
    JsonArray a = new JsonArray();
    for (double d : v) {
      a.add(d);
    }
    return a;
  }

  private JsonObject point(int id) {
    JsonObject vector = new JsonObject();
    if (image[id] != null) {
      vector.put("image", json(image[id]));
    }
    if (text[id] != null) {
      vector.put("text", json(text[id]));
    }
    return new JsonObject()
        .put("id", id)
        .put("vector", vector)
        .put("payload", new JsonObject().put("g", id % 3));
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  private static double l2(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (a[i] - b[i]) * (a[i] - b[i]);
    }
    return Math.sqrt(s);
  }

  /** Brute force: the k best live ids by text (dot, points with text) or image (Euclid). */
  private List<Integer> top(double[] q, boolean byText, int k, Integer group) {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      if (!deleted[i]
          && (byText ? text[i] != null : image[i] != null)
          && (group == null || i % 3 == group)) {
        ids.add(i);
      }
    }
    Comparator<Integer> order =
        byText
            ? Comparator.comparingDouble(i -> -dot(q, text[i]))
            : Comparator.comparingDouble(i -> l2(q, image[i]));
    ids.sort(order.thenComparing(i -> i));
    return ids.subList(0, Math.min(k, ids.size()));
  }

  private static List<Integer> ids(JsonArray hits) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < hits.size(); i++) {
      out.add(hits.getJsonObject(i).getInteger("id"));
    }
    return out;
  }

  private static JsonArray points(TestNode t, String op, JsonObject body) throws Exception {
    TestNode.Reply r = t.post("/collections/nv/points" + (op.isEmpty() ? "" : "/" + op), body);
    assertEquals(200, r.status(), r.text());
    Object result = r.result();
    return result instanceof JsonObject o ? o.getJsonArray("points") : (JsonArray) result;
  }

  private static JsonObject exact() {
    return new JsonObject().put("exact", true);
  }

  private long count(TestNode t, JsonObject filter) throws Exception {
    return t.post("/collections/nv/points/count", new JsonObject().put("filter", filter))
        .resultObject()
        .getLong("count");
  }

  private static JsonObject hasText(boolean has) {
    return new JsonObject()
        .put(
            has ? "must" : "must_not",
            new JsonArray().add(new JsonObject().put("has_vector", "text")));
  }

  private void check(TestNode t) throws Exception {
    long live = 0;
    long withText = 0;
    for (int i = 0; i < N; i++) {
      if (!deleted[i]) {
        live++;
        withText += text[i] == null ? 0 : 1;
      }
    }
    assertEquals(withText, count(t, hasText(true)), "has_vector text, seed " + SEED);
    assertEquals(live - withText, count(t, hasText(false)));
    for (int round = 0; round < 4; round++) {
      double[] qt = vector(4);
      double[] qi = vector(3);
      JsonArray byText =
          points(
              t,
              "search",
              new JsonObject()
                  .put("vector", new JsonObject().put("name", "text").put("vector", json(qt)))
                  .put("params", exact())
                  .put("limit", 7));
      assertEquals(top(qt, true, 7, null), ids(byText), "search by text, seed " + SEED);
      for (int i = 0; i < byText.size(); i++) {
        int id = byText.getJsonObject(i).getInteger("id");
        assertEquals(dot(qt, text[id]), byText.getJsonObject(i).getDouble("score"), 1e-4);
      }
      assertEquals(
          top(qi, false, 7, null),
          ids(
              points(
                  t,
                  "query",
                  new JsonObject()
                      .put("query", json(qi))
                      .put("using", "image")
                      .put("params", exact())
                      .put("limit", 7))),
          "query using image, seed " + SEED);
      JsonObject g2 =
          new JsonObject()
              .put(
                  "must",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("key", "g")
                              .put("match", new JsonObject().put("value", 2))));
      assertEquals(
          top(qt, true, 5, 2),
          ids(
              points(
                  t,
                  "query",
                  new JsonObject()
                      .put("query", new JsonObject().put("nearest", json(qt)))
                      .put("using", "text")
                      .put("filter", g2)
                      .put("params", exact())
                      .put("limit", 5))),
          "filtered query using text, seed " + SEED);
      // Prefetch by image, rescored by text: the text order among the image candidates.
      List<Integer> candidates = top(qi, false, 20, null);
      List<Integer> rescored = new ArrayList<>();
      for (int id : candidates) {
        if (text[id] != null) {
          rescored.add(id);
        }
      }
      rescored.sort(
          Comparator.comparingDouble((Integer i) -> -dot(qt, text[i])).thenComparing(i -> i));
      assertEquals(
          rescored.subList(0, Math.min(5, rescored.size())),
          ids(
              points(
                  t,
                  "query",
                  new JsonObject()
                      .put(
                          "prefetch",
                          new JsonObject()
                              .put("query", json(qi))
                              .put("using", "image")
                              .put("params", exact())
                              .put("limit", 20))
                      .put("query", json(qt))
                      .put("using", "text")
                      .put("limit", 5))),
          "rescoring across vectors, seed " + SEED);
    }
    // Rendering: every vector the point has, or the names asked for.
    for (int id = 0; id < N; id++) {
      TestNode.Reply r = t.get("/collections/nv/points/" + id);
      if (deleted[id]) {
        assertEquals(404, r.status());
        continue;
      }
      JsonObject v = r.resultObject().getJsonObject("vector");
      assertEquals(image[id] != null, v.containsKey("image"), "point " + id + ": " + v);
      assertEquals(text[id] != null, v.containsKey("text"), "point " + id + ": " + v);
    }
    JsonArray some =
        points(
            t,
            "",
            new JsonObject()
                .put("ids", new JsonArray().add(firstWithText()))
                .put("with_vector", new JsonArray().add("text")));
    JsonObject only = some.getJsonObject(0).getJsonObject("vector");
    assertEquals(List.of("text"), new ArrayList<>(only.fieldNames()));
  }

  private int firstWithText() {
    for (int i = 0; i < N; i++) {
      if (!deleted[i] && text[i] != null) {
        return i;
      }
    }
    throw new AssertionError("no point with text");
  }

  @Test
  void namedVectorsAreStoredSearchedUpdatedAndDeletedByName(Vertx vertx) throws Exception {
    Path dir = Files.createTempDirectory("vecdb-named");
    VecdbOptions options = new VecdbOptions().setDataDir(dir.toString());
    TestNode t = TestNode.start(vertx, new VecdbOptions(options));
    try {
      TestNode.Reply created =
          t.put(
              "/collections/nv",
              new JsonObject()
                  .put(
                      "vectors",
                      new JsonObject()
                          .put(
                              "image",
                              new JsonObject()
                                  .put("size", 3)
                                  .put("distance", "Euclid")
                                  .put("hnsw_config", new JsonObject().put("m", 8)))
                          .put("text", new JsonObject().put("size", 4).put("distance", "Dot")))
                  .put("sparse_vectors", new JsonObject().put("kw", new JsonObject())));
      assertEquals(200, created.status(), created.text());
      JsonObject vectors =
          t.get("/collections/nv")
              .resultObject()
              .getJsonObject("config")
              .getJsonObject("params")
              .getJsonObject("vectors");
      assertEquals(3, vectors.getJsonObject("image").getInteger("size"));
      assertEquals("Euclid", vectors.getJsonObject("image").getString("distance"));
      assertEquals(8, vectors.getJsonObject("image").getJsonObject("hnsw_config").getInteger("m"));
      assertEquals("Dot", vectors.getJsonObject("text").getString("distance"));

      JsonArray pts = new JsonArray();
      for (int i = 0; i < N; i++) {
        image[i] = i % 10 == 9 ? null : vector(3);
        text[i] = i % 4 == 0 ? null : vector(4);
        if (i < N - 20) {
          pts.add(point(i));
        }
      }
      assertEquals(
          200,
          t.put("/collections/nv/points?wait=true", new JsonObject().put("points", pts)).status());
      JsonArray ids = new JsonArray();
      JsonArray imageCol = new JsonArray();
      JsonArray textCol = new JsonArray();
      JsonArray payloads = new JsonArray();
      for (int i = N - 20; i < N; i++) {
        ids.add(i);
        imageCol.add(image[i] == null ? null : json(image[i]));
        textCol.add(text[i] == null ? null : json(text[i]));
        payloads.add(new JsonObject().put("g", i % 3));
      }
      TestNode.Reply batch =
          t.put(
              "/collections/nv/points?wait=true",
              new JsonObject()
                  .put(
                      "batch",
                      new JsonObject()
                          .put("ids", ids)
                          .put(
                              "vectors",
                              new JsonObject().put("image", imageCol).put("text", textCol))
                          .put("payloads", payloads)));
      assertEquals(200, batch.status(), batch.text());
      check(t);

      // PUT /points/vectors: a text vector for a point without one, a new image for another.
      text[4] = vector(4);
      image[5] = vector(3);
      TestNode.Reply updated =
          t.put(
              "/collections/nv/points/vectors?wait=true",
              new JsonObject()
                  .put(
                      "points",
                      new JsonArray()
                          .add(
                              new JsonObject()
                                  .put("id", 4)
                                  .put("vector", new JsonObject().put("text", json(text[4]))))
                          .add(
                              new JsonObject()
                                  .put("id", 5)
                                  .put("vector", new JsonObject().put("image", json(image[5]))))));
      assertEquals(200, updated.status(), updated.text());
      assertEquals(
          5 % 3,
          t.get("/collections/nv/points/5").resultObject().getJsonObject("payload").getInteger("g"),
          "the payload is kept");
      // POST /points/vectors/delete: text off every point of group 1.
      for (int i = 0; i < N; i++) {
        if (i % 3 == 1) {
          text[i] = null;
        }
      }
      TestNode.Reply dropped =
          t.post(
              "/collections/nv/points/vectors/delete?wait=true",
              new JsonObject()
                  .put(
                      "filter",
                      new JsonObject()
                          .put(
                              "must",
                              new JsonArray()
                                  .add(
                                      new JsonObject()
                                          .put("key", "g")
                                          .put("match", new JsonObject().put("value", 1)))))
                  .put("vector", new JsonArray().add("text")));
      assertEquals(200, dropped.status(), dropped.text());
      // A point may lose every vector (and keep its payload).
      image[10] = null;
      text[10] = null;
      TestNode.Reply bare =
          t.post(
              "/collections/nv/points/vectors/delete?wait=true",
              new JsonObject()
                  .put("points", new JsonArray().add(10))
                  .put("vector", new JsonArray().add("image").add("text").add("kw")));
      assertEquals(200, bare.status(), bare.text());
      // Both in a batch, with a delete.
      text[6] = vector(4);
      text[7] = null;
      deleted[8] = true;
      TestNode.Reply ops =
          t.post(
              "/collections/nv/points/batch?wait=true",
              new JsonObject()
                  .put(
                      "operations",
                      new JsonArray()
                          .add(
                              new JsonObject()
                                  .put(
                                      "update_vectors",
                                      new JsonObject()
                                          .put(
                                              "points",
                                              new JsonArray()
                                                  .add(
                                                      new JsonObject()
                                                          .put("id", 6)
                                                          .put(
                                                              "vector",
                                                              new JsonObject()
                                                                  .put("text", json(text[6])))))))
                          .add(
                              new JsonObject()
                                  .put(
                                      "delete_vectors",
                                      new JsonObject()
                                          .put("points", new JsonArray().add(7))
                                          .put("vector", new JsonArray().add("text"))))
                          .add(
                              new JsonObject()
                                  .put(
                                      "delete",
                                      new JsonObject().put("points", new JsonArray().add(8))))));
      assertEquals(200, ops.status(), ops.text());
      check(t);

      // Refused, naming the field, and nothing changes.
      Object[][] bad = {
        {
          "PUT",
          "/collections/nv/points?wait=true",
          new JsonObject()
              .put(
                  "points",
                  new JsonArray()
                      .add(new JsonObject().put("id", 1000).put("vector", json(vector(3))))),
          "points[0].vector: expected named vectors"
        },
        {
          "PUT",
          "/collections/nv/points?wait=true",
          new JsonObject()
              .put(
                  "points",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("id", 1000)
                              .put(
                                  "vector",
                                  new JsonObject()
                                      .put("image", json(vector(3)))
                                      .put("text", json(vector(3)))))),
          "points[0].vector.text: expected a vector of 4"
        },
        {
          "PUT",
          "/collections/nv/points?wait=true",
          new JsonObject()
              .put(
                  "points",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("id", 1000)
                              .put(
                                  "vector",
                                  new JsonObject()
                                      .put("image", json(vector(3)))
                                      .put("audio", json(vector(3)))))),
          "points[0].vector.audio"
        },
        {
          "PUT",
          "/collections/nv/points/vectors?wait=true",
          new JsonObject()
              .put(
                  "points",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("id", 0)
                              .put("vector", new JsonObject().put("text", json(vector(4)))))
                      .add(
                          new JsonObject()
                              .put("id", 5000)
                              .put("vector", new JsonObject().put("text", json(vector(4)))))),
          "5000"
        },
        {
          "POST",
          "/collections/nv/points/vectors/delete?wait=true",
          new JsonObject().put("points", new JsonArray().add(1)).put("vector", new JsonArray()),
          "vector: expected a non-empty list"
        },
        {
          "POST",
          "/collections/nv/points/vectors/delete?wait=true",
          new JsonObject()
              .put("points", new JsonArray().add(1))
              .put("vector", new JsonArray().add("nope")),
          "vector[0]"
        },
        {
          "POST",
          "/collections/nv/points/search",
          new JsonObject().put("vector", json(vector(3))),
          "vector"
        },
        {
          "POST",
          "/collections/nv/points/query",
          new JsonObject().put("query", json(vector(4))).put("using", "audio"),
          "using"
        },
        {
          "POST",
          "/collections/nv/points/count",
          new JsonObject()
              .put(
                  "filter",
                  new JsonObject().put("must", new JsonObject().put("has_vector", "audio"))),
          "has_vector"
        },
      };
      for (Object[] c : bad) {
        TestNode.Reply r =
            c[0].equals("PUT") ? t.put((String) c[1], c[2]) : t.post((String) c[1], c[2]);
        assertTrue(r.status() == 400 || r.status() == 404, r.text());
        assertTrue(r.error().contains((String) c[3]), c[3] + " in " + r.error());
      }
      check(t);

      t.close();
      t = TestNode.start(vertx, new VecdbOptions(options));
      check(t);
      assertNull(t.get("/collections/nv/points/8").result());
      assertFalse(
          t.get("/collections/nv/points/7")
              .resultObject()
              .getJsonObject("vector")
              .containsKey("text"));
      assertTrue(new TreeMap<>(vectors.getMap()).containsKey("text"));
    } finally {
      t.close();
    }
  }
}
