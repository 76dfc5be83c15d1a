package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Qdrant's Query API beyond a single nearest search (issue 9, item 3): prefetch (nested), query
 * over a prefetch's results, fusion (rrf with k and weights, dbsf), mmr, order_by and sample. Every
 * answer is checked against one computed here by brute force over the points the test wrote
 * (prefetches search exactly, so the server's candidates are the true ones), and malformed trees
 * are refused naming the field.
 */
@ExtendWith(VertxExtension.class)
class QueryApiTest {
  private static final int N = 300;
  private static final int DIM = 8;
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  private static TestNode node;
  private static final double[][] vectors = new double[N][]; // normalised, as stored
  private static final int[] group = new int[N];
  private static final int[] rank = new int[N];
  private static final Random random = new Random(SEED);

  @BeforeAll
  static void load() throws Exception {
    node = TestNode.start(Vertx.vertx());
    assertEquals(
        200,
        node.put(
                "/collections/q",
                new JsonObject()
                    .put("vectors", new JsonObject().put("size", DIM).put("distance", "Cosine")))
            .status());
    JsonArray points = new JsonArray();
    for (int i = 0; i < N; i++) {
      double[] v = new double[DIM];
      for (int d = 0; d < DIM; d++) {
        v[d] = random.nextGaussian();
      }
      group[i] = i % 3;
      rank[i] = random.nextInt(1_000_000);
      vectors[i] = normalised(v);
      points.add(
          new JsonObject()
              .put("id", i)
              .put("vector", json(v))
              .put(
                  "payload",
                  new JsonObject()
                      .put("group", group[i])
                      .put("meta", new JsonObject().put("rank", rank[i]))));
    }
    TestNode.Reply r =
        node.put("/collections/q/points?wait=true", new JsonObject().put("points", points));
    assertEquals(200, r.status(), r.text());
  }

  @AfterAll
  static void close() throws Exception {
    node.close();
  }

  // ---------------------------------------------------------------- brute force

  private static double[] normalised(double[] v) {
    double n = 0;
    for (double x : v) {
      n += x * x;
    }
    n = Math.sqrt(n);
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i] / n;
    }
    return out;
  }

  private static JsonArray json(double[] v) {
    JsonArray a = new JsonArray();
    for (double x : v) {
      a.add(x);
    }
    return a;
  }

  private static double[] randomVector() {
    double[] v = new double[DIM];
    for (int d = 0; d < DIM; d++) {
      v[d] = random.nextGaussian();
    }
    return v;
  }

  private static double cos(double[] q, int i) {
    double[] nq = normalised(q);
    double s = 0;
    for (int d = 0; d < DIM; d++) {
      s += nq[d] * vectors[i][d];
    }
    return s;
  }

  /** The ids of the {@code k} points nearest {@code q} among those {@code keep} accepts. */
  private static List<Integer> top(double[] q, int k, IntPredicate keep) {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      if (keep.test(i)) {
        ids.add(i);
      }
    }
    ids.sort(Comparator.comparingDouble((Integer i) -> -cos(q, i)).thenComparing(i -> i));
    return ids.subList(0, Math.min(k, ids.size()));
  }

  private static JsonObject groupIs(int g) {
    return new JsonObject()
        .put(
            "must",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("key", "group")
                        .put("match", new JsonObject().put("value", g))));
  }

  private static JsonObject exactPrefetch(double[] q, int limit, JsonObject filter) {
    JsonObject p =
        new JsonObject()
            .put("query", json(q))
            .put("limit", limit)
            .put("params", new JsonObject().put("exact", true));
    return filter == null ? p : p.put("filter", filter);
  }

  private static JsonArray query(JsonObject body) throws Exception {
    TestNode.Reply r = node.post("/collections/q/points/query", body);
    assertEquals(200, r.status(), "seed " + SEED + ": " + r.text());
    return r.resultObject().getJsonArray("points");
  }

  private static List<Integer> ids(JsonArray points) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < points.size(); i++) {
      out.add(points.getJsonObject(i).getInteger("id"));
    }
    return out;
  }

  private static void refused(JsonObject body, String field) throws Exception {
    TestNode.Reply r = node.post("/collections/q/points/query", body);
    assertEquals(400, r.status(), r.text());
    assertTrue(r.error().contains(field), field + " not named in: " + r.error());
  }

  // ---------------------------------------------------------------- tests

  @Test
  void aNearestQueryRescoresThePrefetchedPointsUnderTheRootFilter() throws Exception {
    double[] q1 = randomVector();
    double[] q2 = randomVector();
    // Two prefetches (group 0 and group 1, 40 each by q1); the root filter (rank below the
    // median) applies inside both; the root re-scores their union by q2.
    JsonObject lowRank =
        new JsonObject()
            .put(
                "must",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("key", "meta.rank")
                            .put("range", new JsonObject().put("lt", 500_000))));
    JsonArray got =
        query(
            new JsonObject()
                .put(
                    "prefetch",
                    new JsonArray()
                        .add(exactPrefetch(q1, 40, groupIs(0)))
                        .add(exactPrefetch(q1, 40, groupIs(1))))
                .put("query", json(q2))
                .put("filter", lowRank)
                .put("limit", 7)
                .put("offset", 2));
    Set<Integer> candidates = new HashSet<>();
    candidates.addAll(top(q1, 40, i -> group[i] == 0 && rank[i] < 500_000));
    candidates.addAll(top(q1, 40, i -> group[i] == 1 && rank[i] < 500_000));
    List<Integer> expected = top(q2, 9, candidates::contains).subList(2, 9);
    assertEquals(expected, ids(got), "seed " + SEED);
    for (int i = 0; i < got.size(); i++) {
      JsonObject p = got.getJsonObject(i);
      assertEquals(cos(q2, p.getInteger("id")), p.getDouble("score"), 1e-4);
    }
  }

  @Test
  void rrfAndDbsfFuseThePrefetchesAsQdrantDefinesThem() throws Exception {
    double[] a = randomVector();
    double[] b = randomVector();
    List<Integer> la = top(a, 30, i -> true);
    List<Integer> lb = top(b, 20, i -> group[i] != 2);
    JsonArray prefetch =
        new JsonArray()
            .add(exactPrefetch(a, 30, null))
            .add(
                exactPrefetch(
                    b, 20, new JsonObject().put("must_not", groupIs(2).getJsonArray("must"))));
    // Default rrf: k = 2, score = sum of 1 / (rank + 2).
    assertFused(
        query(
            new JsonObject()
                .put("prefetch", prefetch)
                .put("query", new JsonObject().put("fusion", "rrf"))
                .put("limit", 15)),
        rrf(List.of(la, lb), 2, new double[] {1, 1}),
        15);
    // rrf with k and weights: 1 / ((rank + 1) / w + k - 1).
    assertFused(
        query(
            new JsonObject()
                .put("prefetch", prefetch)
                .put(
                    "query",
                    new JsonObject()
                        .put(
                            "rrf",
                            new JsonObject()
                                .put("k", 60)
                                .put("weights", new JsonArray().add(3.0).add(1.0))))
                .put("limit", 15)),
        rrf(List.of(la, lb), 60, new double[] {3, 1}),
        15);
    // dbsf: each list normalised by mean +/- 3 sample sd, summed.
    Map<Integer, Double> dbsf = new HashMap<>();
    for (var list : List.of(Map.entry(la, a), Map.entry(lb, b))) {
      double[] s = list.getKey().stream().mapToDouble(i -> cos(list.getValue(), i)).toArray();
      double mean = java.util.Arrays.stream(s).average().orElse(0);
      double var =
          java.util.Arrays.stream(s).map(x -> (x - mean) * (x - mean)).sum() / (s.length - 1);
      double lo = mean - 3 * Math.sqrt(var);
      double hi = mean + 3 * Math.sqrt(var);
      for (int k = 0; k < s.length; k++) {
        dbsf.merge(list.getKey().get(k), (s[k] - lo) / (hi - lo), Double::sum);
      }
    }
    assertFused(
        query(
            new JsonObject()
                .put("prefetch", prefetch)
                .put("query", new JsonObject().put("fusion", "dbsf"))
                .put("limit", 12)),
        dbsf,
        12);
    // score_threshold applies to the fused score.
    JsonArray above =
        query(
            new JsonObject()
                .put("prefetch", prefetch)
                .put("query", new JsonObject().put("fusion", "rrf"))
                .put("score_threshold", 0.3)
                .put("limit", 50));
    for (int i = 0; i < above.size(); i++) {
      assertTrue(above.getJsonObject(i).getDouble("score") >= 0.3);
    }
    long expectedAbove =
        rrf(List.of(la, lb), 2, new double[] {1, 1}).values().stream()
            .filter(s -> s >= 0.3)
            .count();
    assertEquals(expectedAbove, above.size());
  }

  private static Map<Integer, Double> rrf(List<List<Integer>> lists, int k, double[] weights) {
    Map<Integer, Double> out = new LinkedHashMap<>();
    for (int l = 0; l < lists.size(); l++) {
      for (int r = 0; r < lists.get(l).size(); r++) {
        out.merge(lists.get(l).get(r), 1.0 / ((r + 1) / weights[l] + k - 1), Double::sum);
      }
    }
    return out;
  }

  /** The response is the {@code limit} best of {@code expected} (ties by id), with its scores. */
  private static void assertFused(JsonArray got, Map<Integer, Double> expected, int limit) {
    List<Integer> order = new ArrayList<>(expected.keySet());
    order.sort(Comparator.comparingDouble((Integer i) -> -expected.get(i)).thenComparing(i -> i));
    // Scores equal in float may differ in double: compare the score sequence, then the ids of
    // clearly separated ranks.
    assertEquals(limit, got.size(), got.encode());
    for (int i = 0; i < limit; i++) {
      int id = got.getJsonObject(i).getInteger("id");
      assertEquals(expected.get(id), got.getJsonObject(i).getDouble("score"), 1e-5, "seed " + SEED);
      assertEquals(
          expected.get(order.get(i)), expected.get(id), 1e-5, "rank " + i + " seed " + SEED);
    }
  }

  @Test
  void mmrPicksDiverseCandidatesAndKeepsTheirQueryScores() throws Exception {
    double[] q = randomVector();
    // Independent MMR: lambda = 1 - diversity; first the most relevant, then the best of lambda *
    // relevance - (1 - lambda) * max similarity to those picked.
    for (double diversity : new double[] {0.0, 0.5, 0.9}) {
      JsonArray got =
          query(
              new JsonObject()
                  .put(
                      "query",
                      new JsonObject()
                          .put("nearest", json(q))
                          .put(
                              "mmr",
                              new JsonObject()
                                  .put("diversity", diversity)
                                  .put("candidates_limit", 25)))
                  .put("params", new JsonObject().put("exact", true))
                  .put("limit", 6));
      List<Integer> candidates = top(q, 25, i -> true);
      List<Integer> picked = new ArrayList<>();
      double lambda = 1 - diversity;
      while (picked.size() < 6) {
        int best = -1;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int c : candidates) {
          if (picked.contains(c)) {
            continue;
          }
          double maxSim = Double.NEGATIVE_INFINITY;
          for (int p : picked) {
            maxSim = Math.max(maxSim, dot(vectors[c], vectors[p]));
          }
          double score = picked.isEmpty() ? cos(q, c) : lambda * cos(q, c) - (1 - lambda) * maxSim;
          if (score > bestScore) {
            best = c;
            bestScore = score;
          }
        }
        picked.add(best);
      }
      assertEquals(picked, ids(got), "diversity " + diversity + ", seed " + SEED);
      for (int i = 0; i < got.size(); i++) {
        JsonObject p = got.getJsonObject(i);
        assertEquals(cos(q, p.getInteger("id")), p.getDouble("score"), 1e-4);
      }
      if (diversity == 0.0) {
        assertEquals(top(q, 6, i -> true), ids(got), "diversity 0 is plain top-k");
      }
    }
  }

  @Test
  void mmrSkipsNearDuplicates() throws Exception {
    // Four copies of one direction next to the query, among the collection's random points.
    TestNode.Reply created =
        node.put(
            "/collections/dups",
            new JsonObject()
                .put("vectors", new JsonObject().put("size", DIM).put("distance", "Cosine")));
    assertEquals(200, created.status());
    double[] q = randomVector();
    JsonArray points = new JsonArray();
    for (int i = 0; i < 4; i++) {
      double[] v = q.clone();
      v[0] += 1e-4 * i;
      points.add(new JsonObject().put("id", 1000 + i).put("vector", json(v)));
    }
    for (int i = 0; i < 40; i++) {
      points.add(new JsonObject().put("id", i).put("vector", json(randomVector())));
    }
    node.put("/collections/dups/points?wait=true", new JsonObject().put("points", points));
    JsonObject nearest = new JsonObject().put("nearest", json(q));
    List<Integer> plain =
        ids(query("dups", new JsonObject().put("query", nearest.copy()).put("limit", 4)));
    assertEquals(Set.of(1000, 1001, 1002, 1003), new HashSet<>(plain));
    List<Integer> diverse =
        ids(
            query(
                "dups",
                new JsonObject()
                    .put(
                        "query",
                        nearest
                            .copy()
                            .put(
                                "mmr",
                                new JsonObject().put("diversity", 0.7).put("candidates_limit", 20)))
                    .put("limit", 4)
                    .put("with_vector", true)));
    assertEquals(4, diverse.size());
    assertEquals(1, diverse.stream().filter(id -> id >= 1000).count(), diverse.toString());
  }

  private static JsonArray query(String collection, JsonObject body) throws Exception {
    TestNode.Reply r = node.post("/collections/" + collection + "/points/query", body);
    assertEquals(200, r.status(), r.text());
    return r.resultObject().getJsonArray("points");
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  @Test
  void orderBySampleAndNestedPrefetchesWorkOnTheCandidates() throws Exception {
    double[] q = randomVector();
    JsonObject candidates = exactPrefetch(q, 50, groupIs(1));
    // order_by over a prefetch: its points by meta.rank descending, with order_value, score 0.
    JsonArray ordered =
        query(
            new JsonObject()
                .put("prefetch", candidates)
                .put(
                    "query",
                    new JsonObject()
                        .put(
                            "order_by",
                            new JsonObject().put("key", "meta.rank").put("direction", "desc")))
                .put("limit", 10));
    List<Integer> expected = new ArrayList<>(top(q, 50, i -> group[i] == 1));
    expected.sort(Comparator.comparingInt((Integer i) -> -rank[i]));
    assertEquals(expected.subList(0, 10), ids(ordered), "seed " + SEED);
    for (int i = 0; i < ordered.size(); i++) {
      JsonObject p = ordered.getJsonObject(i);
      assertEquals(rank[p.getInteger("id")], p.getLong("order_value"));
      assertEquals(0.0, p.getDouble("score"));
    }
    // order_by without prefetch: the whole (filtered) collection.
    JsonArray all =
        query(
            new JsonObject()
                .put("query", new JsonObject().put("order_by", "meta.rank"))
                .put("filter", groupIs(0))
                .put("limit", 5));
    List<Integer> lowest = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      if (group[i] == 0) {
        lowest.add(i);
      }
    }
    lowest.sort(Comparator.comparingInt((Integer i) -> rank[i]));
    assertEquals(lowest.subList(0, 5), ids(all));
    // sample: distinct points, all from the prefetch, and not always the same order.
    Set<Integer> pool = new HashSet<>(top(q, 50, i -> group[i] == 1));
    Set<List<Integer>> seen = new HashSet<>();
    for (int round = 0; round < 8; round++) {
      List<Integer> s =
          ids(
              query(
                  new JsonObject()
                      .put("prefetch", candidates)
                      .put("query", new JsonObject().put("sample", "random"))
                      .put("limit", 10)));
      assertEquals(10, new HashSet<>(s).size());
      assertTrue(pool.containsAll(s), s.toString());
      seen.add(s);
    }
    assertTrue(seen.size() > 1, "8 random samples of 10 from 50 were all the same");
    // Nested: fuse (rrf) two prefetches, each itself re-scoring a wide exact prefetch.
    double[] a = randomVector();
    double[] b = randomVector();
    JsonObject inner1 =
        new JsonObject()
            .put("prefetch", exactPrefetch(q, 60, null))
            .put("query", json(a))
            .put("limit", 10);
    JsonObject inner2 =
        new JsonObject()
            .put("prefetch", exactPrefetch(q, 60, null))
            .put("query", json(b))
            .put("limit", 10);
    JsonArray nested =
        query(
            new JsonObject()
                .put("prefetch", new JsonArray().add(inner1).add(inner2))
                .put("query", new JsonObject().put("fusion", "rrf"))
                .put("limit", 20));
    Set<Integer> wide = new HashSet<>(top(q, 60, i -> true));
    List<Integer> la = top(a, 10, wide::contains);
    List<Integer> lb = top(b, 10, wide::contains);
    Map<Integer, Double> fused = rrf(List.of(la, lb), 2, new double[] {1, 1});
    assertFused(nested, fused, fused.size());
  }

  @Test
  void malformedQueryTreesAreRefusedNamingTheField() throws Exception {
    double[] q = randomVector();
    refused(new JsonObject().put("query", new JsonObject().put("fusion", "rrf")), "query");
    refused(new JsonObject().put("prefetch", exactPrefetch(q, 5, null)), "query");
    refused(
        new JsonObject()
            .put("prefetch", new JsonArray().add(exactPrefetch(q, 5, null)))
            .put(
                "query",
                new JsonObject()
                    .put("rrf", new JsonObject().put("weights", new JsonArray().add(1).add(2)))),
        "query.rrf.weights");
    refused(
        new JsonObject()
            .put("prefetch", exactPrefetch(q, 5, null))
            .put("query", new JsonObject().put("fusion", "max")),
        "query.fusion");
    refused(
        new JsonObject()
            .put("prefetch", exactPrefetch(q, 5, null).put("using", "text"))
            .put("query", new JsonObject().put("fusion", "rrf")),
        "prefetch.using");
    refused(
        new JsonObject()
            .put("prefetch", exactPrefetch(q, 5, null).put("colour", 1))
            .put("query", new JsonObject().put("fusion", "rrf")),
        "prefetch.colour");
    refused(
        new JsonObject().put("query", new JsonObject().put("recommend", new JsonObject())),
        "query.recommend");
    refused(
        new JsonObject()
            .put(
                "query",
                new JsonObject()
                    .put("nearest", json(q))
                    .put("mmr", new JsonObject().put("diversity", 1.5))),
        "query.mmr.diversity");
    refused(
        new JsonObject()
            .put("query", new JsonObject().put("order_by", "meta.rank"))
            .put("score_threshold", 0.5),
        "score_threshold");
    JsonObject deep = exactPrefetch(q, 5, null);
    for (int i = 0; i < 70; i++) {
      deep = new JsonObject().put("prefetch", deep).put("query", json(q));
    }
    refused(new JsonObject().put("prefetch", deep).put("query", json(q)), "prefetch");
    // Nothing refused ran: the collection is unchanged and still answers.
    assertEquals(
        N,
        node.post("/collections/q/points/count", new JsonObject())
            .resultObject()
            .getInteger("count"));
    assertNotEquals(0, query(new JsonObject().put("query", json(q))).size());
  }
}
