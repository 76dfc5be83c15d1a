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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sparse vectors (issue 9, item 3): {@code sparse_vectors} at create (with the {@code idf}
 * modifier), {@code {indices, values}} in upserts (point and columnar forms), an inverted index
 * searched exactly by dot product through search (NamedSparseVector) and the Query API ({@code
 * using}), the hybrid query (dense and sparse prefetches fused by RRF), named-vector rendering and
 * {@code with_vector} lists; all compared with brute force over the points written, again after
 * overwrites, deletes, payload edits and a restart (snapshot image with the sparse section).
 */
@ExtendWith(VertxExtension.class)
class SparseVectorsTest {
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());
  private static final int N = 200;
  private static final int DIMS = 40;

  private final Random random = new Random(SEED);
  private final double[][] dense = new double[N][];
  private final List<Map<Integer, Double>> text = new ArrayList<>(); // null: no vector
  private final List<Map<Integer, Double>> bm = new ArrayList<>();
  private final boolean[] deleted = new boolean[N];

  private Map<Integer, Double> randomSparse() {
    Map<Integer, Double> v = new TreeMap<>();
    int nnz = 2 + random.nextInt(6);
    while (v.size() < nnz) {
      v.put(random.nextInt(DIMS), (double) (float) (0.1 + random.nextDouble()));
    }
    return v;
  }

  private static JsonObject sparseJson(Map<Integer, Double> v) {
    JsonArray i = new JsonArray();
    JsonArray x = new JsonArray();
    // Written unsorted on purpose: the server sorts.
    List<Integer> keys = new ArrayList<>(v.keySet());
    java.util.Collections.reverse(keys);
    for (int k : keys) {
      i.add(k);
      x.add(v.get(k));
    }
    return new JsonObject().put("indices", i).put("values", x);
  }

  private static JsonArray json(double[] v) {
    JsonArray a = new JsonArray();
    for (double d : v) {
      a.add(d);
    }
    return a;
  }

  private JsonObject point(int id) {
    JsonObject vector = new JsonObject().put("", json(dense[id]));
    if (text.get(id) != null) {
      vector.put("text", sparseJson(text.get(id)));
    }
    if (bm.get(id) != null) {
      vector.put("bm", sparseJson(bm.get(id)));
    }
    return new JsonObject()
        .put("id", id)
        .put("vector", vector)
        .put("payload", new JsonObject().put("g", id % 3));
  }

  private static double dot(
      Map<Integer, Double> q, Map<Integer, Double> v, Map<Integer, Double> w) {
    double s = 0;
    for (var e : q.entrySet()) {
      Double x = v.get(e.getKey());
      if (x != null) {
        s += (float) (double) e.getValue() * x * (w == null ? 1 : w.get(e.getKey()));
      }
    }
    return s;
  }

  /** Brute force: ids of points with vector {@code which} sharing a dimension, best first. */
  private List<Integer> sparseTop(
      List<Map<Integer, Double>> which,
      Map<Integer, Double> q,
      int k,
      boolean idf,
      IntPredicate keep) {
    Map<Integer, Double> w = null;
    if (idf) {
      w = new HashMap<>();
      long total = 0;
      for (int i = 0; i < N; i++) {
        total += !deleted[i] && which.get(i) != null ? 1 : 0;
      }
      for (int d : q.keySet()) {
        long n = 0;
        for (int i = 0; i < N; i++) {
          n += !deleted[i] && which.get(i) != null && which.get(i).containsKey(d) ? 1 : 0;
        }
        w.put(d, Math.log((total - n + 0.5) / (n + 0.5) + 1));
      }
    }
    Map<Integer, Double> scores = new HashMap<>();
    for (int i = 0; i < N; i++) {
      Map<Integer, Double> v = which.get(i);
      if (deleted[i]
          || v == null
          || !keep.test(i)
          || q.keySet().stream().noneMatch(v::containsKey)) {
        continue;
      }
      scores.put(i, dot(q, v, w));
    }
    List<Integer> ids = new ArrayList<>(scores.keySet());
    ids.sort(Comparator.comparingDouble((Integer i) -> -scores.get(i)).thenComparing(i -> i));
    return ids.subList(0, Math.min(k, ids.size()));
  }

  private List<Integer> denseTop(double[] q, int k) {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      if (!deleted[i]) {
        ids.add(i);
      }
    }
    ids.sort(
        Comparator.comparingDouble(
                (Integer i) -> {
                  double s = 0;
                  for (int d = 0; d < 4; d++) {
                    s += q[d] * dense[i][d];
                  }
                  return -s;
                })
            .thenComparing(i -> i));
    return ids.subList(0, Math.min(k, ids.size()));
  }

  private static List<Integer> ids(JsonArray hits) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < hits.size(); i++) {
      out.add(hits.getJsonObject(i).getInteger("id"));
    }
    return out;
  }

  private static JsonArray points(TestNode t, String path, JsonObject body) throws Exception {
    TestNode.Reply r = t.post("/collections/s/points/" + path, body);
    assertEquals(200, r.status(), r.text());
    return r.result() instanceof JsonArray a ? a : r.resultObject().getJsonArray("points");
  }

  private void check(TestNode t) throws Exception {
    for (int round = 0; round < 4; round++) {
      Map<Integer, Double> q = randomSparse();
      // Search with a NamedSparseVector, with and without a filter.
      JsonArray hits =
          points(
              t,
              "search",
              new JsonObject()
                  .put("vector", new JsonObject().put("name", "text").put("vector", sparseJson(q)))
                  .put("limit", 8));
      assertEquals(sparseTop(text, q, 8, false, i -> true), ids(hits), "seed " + SEED);
      for (int i = 0; i < hits.size(); i++) {
        int id = hits.getJsonObject(i).getInteger("id");
        assertEquals(dot(q, text.get(id), null), hits.getJsonObject(i).getDouble("score"), 1e-4);
      }
      JsonObject g1 =
          new JsonObject()
              .put(
                  "must",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("key", "g")
                              .put("match", new JsonObject().put("value", 1))));
      assertEquals(
          sparseTop(text, q, 5, false, i -> i % 3 == 1),
          ids(
              points(
                  t,
                  "query",
                  new JsonObject()
                      .put("query", sparseJson(q))
                      .put("using", "text")
                      .put("filter", g1)
                      .put("limit", 5))),
          "filtered, seed " + SEED);
      // IDF-weighted.
      assertEquals(
          sparseTop(bm, q, 6, true, i -> true),
          ids(
              points(
                  t,
                  "query",
                  new JsonObject()
                      .put("query", new JsonObject().put("nearest", sparseJson(q)))
                      .put("using", "bm")
                      .put("limit", 6))),
          "idf, seed " + SEED);
      // Hybrid: dense and sparse prefetches fused by RRF.
      double[] dq = {random.nextGaussian(), random.nextGaussian(), random.nextGaussian(), 1};
      List<Integer> a = denseTop(dq, 20);
      List<Integer> b = sparseTop(text, q, 20, false, i -> true);
      Map<Integer, Double> rrf = new LinkedHashMap<>();
      for (List<Integer> list : List.of(a, b)) {
        for (int r = 0; r < list.size(); r++) {
          rrf.merge(list.get(r), 1.0 / (r + 2), Double::sum);
        }
      }
      List<Integer> fused = new ArrayList<>(rrf.keySet());
      fused.sort(Comparator.comparingDouble((Integer i) -> -rrf.get(i)).thenComparing(i -> i));
      JsonArray hybrid =
          points(
              t,
              "query",
              new JsonObject()
                  .put(
                      "prefetch",
                      new JsonArray()
                          .add(
                              new JsonObject()
                                  .put("query", json(dq))
                                  .put("limit", 20)
                                  .put("params", new JsonObject().put("exact", true)))
                          .add(
                              new JsonObject()
                                  .put("query", sparseJson(q))
                                  .put("using", "text")
                                  .put("limit", 20)))
                  .put("query", new JsonObject().put("fusion", "rrf"))
                  .put("limit", 10));
      for (int i = 0; i < hybrid.size(); i++) {
        assertEquals(
            rrf.get(fused.get(i)), hybrid.getJsonObject(i).getDouble("score"), 1e-6, "rank " + i);
        assertEquals(
            rrf.get(fused.get(i)), rrf.get(hybrid.getJsonObject(i).getInteger("id")), 1e-6);
      }
      assertEquals(Math.min(10, fused.size()), hybrid.size());
    }
  }

  @Test
  void sparseVectorsAreStoredSearchedExactlyAndFusedWithDense(Vertx vertx) throws Exception {
    Path dir = Files.createTempDirectory("vecdb-sparse");
    VecdbOptions options = new VecdbOptions().setDataDir(dir.toString());
    TestNode t = TestNode.start(vertx, new VecdbOptions(options));
    try {
      TestNode.Reply created =
          t.put(
              "/collections/s",
              new JsonObject()
                  .put("vectors", new JsonObject().put("size", 4).put("distance", "Dot"))
                  .put(
                      "sparse_vectors",
                      new JsonObject()
                          .put("text", new JsonObject())
                          .put("bm", new JsonObject().put("modifier", "idf"))));
      assertEquals(200, created.status(), created.text());
      JsonObject params =
          t.get("/collections/s").resultObject().getJsonObject("config").getJsonObject("params");
      assertEquals(
          new JsonObject()
              .put("bm", new JsonObject().put("modifier", "idf"))
              .put("text", new JsonObject()),
          params.getJsonObject("sparse_vectors"));
      JsonArray pts = new JsonArray();
      for (int i = 0; i < N; i++) {
        dense[i] =
            new double[] {random.nextGaussian(), random.nextGaussian(), random.nextGaussian(), 1};
        text.add(i % 7 == 0 ? null : randomSparse());
        bm.add(i % 2 == 0 ? randomSparse() : null);
        if (i < N - 20) {
          pts.add(point(i));
        }
      }
      assertEquals(
          200,
          t.put("/collections/s/points?wait=true", new JsonObject().put("points", pts)).status());
      // The last 20 in the columnar form.
      JsonArray ids = new JsonArray();
      JsonArray denseCol = new JsonArray();
      JsonArray textCol = new JsonArray();
      JsonArray bmCol = new JsonArray();
      for (int i = N - 20; i < N; i++) {
        ids.add(i);
        denseCol.add(json(dense[i]));
        textCol.add(text.get(i) == null ? null : sparseJson(text.get(i)));
        bmCol.add(bm.get(i) == null ? null : sparseJson(bm.get(i)));
      }
      TestNode.Reply batch =
          t.put(
              "/collections/s/points?wait=true",
              new JsonObject()
                  .put(
                      "batch",
                      new JsonObject()
                          .put("ids", ids)
                          .put(
                              "vectors",
                              new JsonObject()
                                  .put("", denseCol)
                                  .put("text", textCol)
                                  .put("bm", bmCol))
                          .put(
                              "payloads",
                              new JsonArray(
                                  java.util.stream.IntStream.range(N - 20, N)
                                      .mapToObj(i -> new JsonObject().put("g", i % 3))
                                      .toList()))));
      assertEquals(200, batch.status(), batch.text());
      check(t);

      // Rendering: the named form, and with_vector lists.
      JsonObject one = t.get("/collections/s/points/2").resultObject();
      JsonObject v = one.getJsonObject("vector");
      assertEquals(4, v.getJsonArray("").size());
      assertEquals(
          new TreeMap<>(text.get(2)).keySet().stream().toList(),
          v.getJsonObject("text").getJsonArray("indices").getList());
      JsonArray onlyText =
          points(
              t,
              "",
              new JsonObject()
                  .put("ids", new JsonArray().add(2))
                  .put("with_vector", new JsonArray().add("text")));
      JsonObject tv = onlyText.getJsonObject(0).getJsonObject("vector");
      assertFalse(tv.containsKey(""));
      assertFalse(tv.containsKey("bm"));
      assertTrue(tv.containsKey("text"));

      // Overwrite, delete and a payload edit; then a restart.
      text.set(5, randomSparse());
      bm.set(5, null);
      t.put(
          "/collections/s/points?wait=true",
          new JsonObject().put("points", new JsonArray().add(point(5))));
      deleted[9] = true;
      t.post(
          "/collections/s/points/delete?wait=true",
          new JsonObject().put("points", new JsonArray().add(9)));
      t.post(
          "/collections/s/points/payload?wait=true",
          new JsonObject()
              .put("payload", new JsonObject().put("extra", 1))
              .put("points", new JsonArray().add(3).add(4)));
      check(t);
      t.close();
      t = TestNode.start(vertx, new VecdbOptions(options));
      check(t);
      assertNull(
          t.get("/collections/s/points/5").resultObject().getJsonObject("vector").getValue("bm"));
    } finally {
      t.close();
    }
  }

  @Test
  void badSparseInputIsRefusedNamingTheField(Vertx vertx) throws Exception {
    try (TestNode t = TestNode.start(vertx)) {
      JsonObject create =
          new JsonObject()
              .put("vectors", new JsonObject().put("size", 2).put("distance", "Dot"))
              .put("sparse_vectors", new JsonObject().put("text", new JsonObject()));
      assertEquals(
          400,
          t.put(
                  "/collections/x",
                  create
                      .copy()
                      .put(
                          "sparse_vectors",
                          new JsonObject()
                              .put(
                                  "text",
                                  new JsonObject()
                                      .put("index", new JsonObject().put("on_disk", true)))))
              .status());
      assertEquals(
          400,
          t.put(
                  "/collections/x",
                  create
                      .copy()
                      .put(
                          "sparse_vectors",
                          new JsonObject().put("text", new JsonObject().put("modifier", "bm25"))))
              .status());
      assertEquals(200, t.put("/collections/s", create).status());
      JsonObject sv =
          new JsonObject()
              .put("indices", new JsonArray().add(1).add(1))
              .put("values", new JsonArray().add(1).add(2));
      JsonObject ok =
          new JsonObject()
              .put("indices", new JsonArray().add(3))
              .put("values", new JsonArray().add(0.5));
      Object[][] cases = {
        {
          new JsonObject()
              .put(
                  "points",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("id", 1)
                              .put(
                                  "vector",
                                  new JsonObject()
                                      .put("", new JsonArray().add(1).add(2))
                                      .put("text", sv)))),
          "appears twice"
        },
        {
          new JsonObject()
              .put(
                  "points",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("id", 1)
                              .put(
                                  "vector",
                                  new JsonObject()
                                      .put("", new JsonArray().add(1).add(2))
                                      .put("other", ok)))),
          "points[0].vector.other"
        },
        {
          new JsonObject()
              .put(
                  "points",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("id", 1)
                              .put("vector", new JsonObject().put("text", ok)))),
          "every point has the collection's dense vector"
        },
      };
      for (Object[] c : cases) {
        TestNode.Reply r = t.put("/collections/s/points?wait=true", c[0]);
        assertEquals(400, r.status(), r.text());
        assertTrue(r.error().contains((String) c[1]), r.error());
      }
      assertEquals(
          0,
          t.post("/collections/s/points/count", new JsonObject())
              .resultObject()
              .getInteger("count"));
      JsonObject q =
          new JsonObject()
              .put("indices", new JsonArray().add(1))
              .put("values", new JsonArray().add(1));
      for (Object[] c :
          new Object[][] {
            {new JsonObject().put("query", q), "using"},
            {new JsonObject().put("query", q).put("using", "nope"), "using"},
            {
              new JsonObject()
                  .put("query", new JsonObject().put("nearest", q).put("mmr", new JsonObject()))
                  .put("using", "text"),
              "mmr"
            },
          }) {
        TestNode.Reply r = t.post("/collections/s/points/query", (JsonObject) c[0]);
        assertEquals(400, r.status(), r.text());
        assertTrue(r.error().contains((String) c[1]), r.error());
      }
      assertEquals(
          400,
          t.patch(
                  "/collections/s",
                  new JsonObject()
                      .put("sparse_vectors", new JsonObject().put("text", new JsonObject())))
              .status());
    }
  }
}
