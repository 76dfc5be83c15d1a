package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Grouped searches (issue 9, item 4): {@code /points/search/groups} and {@code
 * /points/query/groups} give the {@code limit} groups whose best hit is best, each with its {@code
 * group_size} best hits, as computed here by brute force (searches are exact); a point with several
 * values joins each group; {@code with_lookup} attaches the point of another collection named by
 * the group id. One group owns most points near the query, so the others fill only after several
 * rounds of fetching.
 */
@ExtendWith(VertxExtension.class)
class GroupsTest {
  private static final int N = 300;
  private static final int DIM = 6;
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());
  private static final Random random = new Random(SEED);
  private static final double[][] vectors = new double[N][];
  private static final int[] group = new int[N];
  private static final List<List<String>> tags = new ArrayList<>();
  private static TestNode node;

  @BeforeAll
  static void load() throws Exception {
    node = TestNode.start(Vertx.vertx());
    for (String c : List.of("g", "titles")) {
      assertEquals(
          200,
          node.put(
                  "/collections/" + c,
                  new JsonObject()
                      .put("vectors", new JsonObject().put("size", DIM).put("distance", "Euclid")))
              .status());
    }
    JsonArray points = new JsonArray();
    for (int i = 0; i < N; i++) {
      double[] v = new double[DIM];
      for (int d = 0; d < DIM; d++) {
        v[d] = random.nextGaussian();
      }
      vectors[i] = v;
      group[i] = i < 250 ? 0 : 1 + i % 5;
      List<String> t = new ArrayList<>();
      t.add("t" + (i % 4));
      if (i % 3 == 0) {
        t.add("t" + (4 + i % 2));
      }
      tags.add(t);
      points.add(
          new JsonObject()
              .put("id", i)
              .put("vector", json(v))
              .put("payload", new JsonObject().put("g", group[i]).put("tags", new JsonArray(t))));
    }
    assertEquals(
        200,
        node.put("/collections/g/points?wait=true", new JsonObject().put("points", points))
            .status());
    JsonArray titles = new JsonArray();
    for (int gid = 0; gid < 6; gid++) {
      titles.add(
          new JsonObject()
              .put("id", gid)
              .put("vector", json(new double[DIM]))
              .put("payload", new JsonObject().put("title", "group " + gid)));
    }
    node.put("/collections/titles/points?wait=true", new JsonObject().put("points", titles));
  }

  @AfterAll
  static void close() throws Exception {
    node.close();
  }

  private static JsonArray json(double[] v) {
    JsonArray a = new JsonArray();
    for (double x : v) {
      a.add(x);
    }
    return a;
  }

  private static double dist(double[] q, int i) {
    double s = 0;
    for (int d = 0; d < DIM; d++) {
      s += (q[d] - vectors[i][d]) * (q[d] - vectors[i][d]);
    }
    return Math.sqrt(s);
  }

  /** Brute force: group id -> ids, groups by best hit, nearest first within each. */
  private static Map<Object, List<Integer>> expected(
      double[] q, List<Integer> candidates, boolean byTags, int size, int limit) {
    List<Integer> order = new ArrayList<>(candidates);
    order.sort(Comparator.comparingDouble((Integer i) -> dist(q, i)));
    Map<Object, List<Integer>> out = new LinkedHashMap<>();
    for (int i : order) {
      List<Object> keys = byTags ? new ArrayList<>(tags.get(i)) : List.of((Object) group[i]);
      for (Object k : keys) {
        List<Integer> g = out.computeIfAbsent(k, x -> new ArrayList<>());
        if (g.size() < size) {
          g.add(i);
        }
      }
    }
    Map<Object, List<Integer>> first = new LinkedHashMap<>();
    for (var e : out.entrySet()) {
      if (first.size() < limit) {
        first.put(e.getKey(), e.getValue());
      }
    }
    return first;
  }

  private static Map<Object, List<Integer>> actual(JsonArray groups) {
    Map<Object, List<Integer>> out = new LinkedHashMap<>();
    for (int i = 0; i < groups.size(); i++) {
      JsonObject g = groups.getJsonObject(i);
      List<Integer> ids = new ArrayList<>();
      JsonArray hits = g.getJsonArray("hits");
      for (int h = 0; h < hits.size(); h++) {
        ids.add(hits.getJsonObject(h).getInteger("id"));
      }
      Object id = g.getValue("id");
      out.put(id instanceof Number n ? (Object) n.intValue() : id, ids);
    }
    return out;
  }

  private static JsonArray post(String path, JsonObject body) throws Exception {
    TestNode.Reply r = node.post("/collections/g/points/" + path, body);
    assertEquals(200, r.status(), r.text());
    return r.resultObject().getJsonArray("groups");
  }

  private static List<Integer> all() {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      ids.add(i);
    }
    return ids;
  }

  @Test
  void searchGroupsAreTheBestGroupsWithTheirBestHits() throws Exception {
    for (int round = 0; round < 4; round++) {
      double[] q = vectors[random.nextInt(N)].clone();
      q[0] += 0.3;
      int size = 2 + random.nextInt(4);
      int limit = 2 + random.nextInt(4);
      JsonArray got =
          post(
              "search/groups",
              new JsonObject()
                  .put("vector", json(q))
                  .put("group_by", "g")
                  .put("group_size", size)
                  .put("limit", limit)
                  .put("params", new JsonObject().put("exact", true)));
      assertEquals(expected(q, all(), false, size, limit), actual(got), "seed " + SEED);
      // Arrays: a point joins the group of each of its values.
      JsonArray byTags =
          post(
              "search/groups",
              new JsonObject()
                  .put("vector", json(q))
                  .put("group_by", "tags")
                  .put("group_size", size)
                  .put("limit", 6)
                  .put("params", new JsonObject().put("exact", true)));
      assertEquals(expected(q, all(), true, size, 6), actual(byTags), "tags, seed " + SEED);
    }
  }

  @Test
  void queryGroupsGroupTheQueryApisHitsAndLookUpGroupIds() throws Exception {
    double[] a = vectors[random.nextInt(N)];
    double[] b = vectors[random.nextInt(N)];
    // Prefetch the 120 nearest a (exact), re-score them by b, group by g.
    JsonArray got =
        post(
            "query/groups",
            new JsonObject()
                .put(
                    "prefetch",
                    new JsonObject()
                        .put("query", json(a))
                        .put("limit", 120)
                        .put("params", new JsonObject().put("exact", true)))
                .put("query", json(b))
                .put("group_by", "g")
                .put("group_size", 3)
                .put("limit", 4)
                .put("with_payload", true)
                .put("with_lookup", "titles"));
    List<Integer> near = new ArrayList<>(all());
    near.sort(Comparator.comparingDouble((Integer i) -> dist(a, i)));
    assertEquals(expected(b, near.subList(0, 120), false, 3, 4), actual(got), "seed " + SEED);
    for (int i = 0; i < got.size(); i++) {
      JsonObject g = got.getJsonObject(i);
      JsonObject lookup = g.getJsonObject("lookup");
      assertEquals(g.getInteger("id"), lookup.getInteger("id"));
      assertEquals(
          "group " + g.getInteger("id"), lookup.getJsonObject("payload").getString("title"));
      JsonObject hit = g.getJsonArray("hits").getJsonObject(0);
      assertEquals(g.getInteger("id"), hit.getJsonObject("payload").getInteger("g"));
    }
    // The object form: no payload, vectors; a group id that is no point id looks nothing up.
    JsonArray tagged =
        post(
            "query/groups",
            new JsonObject()
                .put("query", json(b))
                .put("group_by", "tags")
                .put(
                    "with_lookup",
                    new JsonObject()
                        .put("collection", "titles")
                        .put("with_payload", false)
                        .put("with_vectors", true)));
    assertFalse(tagged.isEmpty());
    for (int i = 0; i < tagged.size(); i++) {
      assertFalse(tagged.getJsonObject(i).containsKey("lookup"), tagged.encode());
    }
  }

  @Test
  void badGroupRequestsAreRefusedNamingTheField() throws Exception {
    double[] q = vectors[0];
    for (Object[] c :
        new Object[][] {
          {
            new JsonObject().put("vector", json(q)).put("group_size", 2).put("limit", 2), "group_by"
          },
          {
            new JsonObject().put("vector", json(q)).put("group_by", "g").put("limit", 2),
            "group_size"
          },
          {
            new JsonObject()
                .put("vector", json(q))
                .put("group_by", "g")
                .put("group_size", 200)
                .put("limit", 100),
            "group_size"
          },
          {
            new JsonObject()
                .put("vector", json(q))
                .put("group_by", "g")
                .put("group_size", 2)
                .put("limit", 2)
                .put("offset", 3),
            "offset"
          },
        }) {
      TestNode.Reply r = node.post("/collections/g/points/search/groups", (JsonObject) c[0]);
      assertEquals(400, r.status(), r.text());
      assertTrue(r.error().contains((String) c[1]), r.error());
    }
    TestNode.Reply missing =
        node.post(
            "/collections/g/points/query/groups",
            new JsonObject()
                .put("query", json(q))
                .put("group_by", "g")
                .put("with_lookup", "nothing"));
    assertEquals(404, missing.status(), missing.text());
  }
}
