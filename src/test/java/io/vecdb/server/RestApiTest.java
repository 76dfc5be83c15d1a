package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every REST endpoint against a running node, checked against independently computed answers. */
@ExtendWith(VertxExtension.class)
class RestApiTest {
  private final long seed = Long.getLong("tests.seed", System.nanoTime());
  private final Random random = new Random(seed);
  private TestNode t;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    t = TestNode.start(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    t.close();
  }

  private String msg() {
    return "seed " + seed;
  }

  private void create(String name, int dim, String distance) throws Exception {
    var r =
        t.put(
            "/collections/" + name,
            new JsonObject()
                .put("vectors", new JsonObject().put("size", dim).put("distance", distance)));
    assertEquals(200, r.status(), r.text());
    assertEquals(Boolean.TRUE, r.result());
  }

  private JsonArray vec(float[] v) {
    JsonArray a = new JsonArray();
    for (float f : v) {
      a.add(f);
    }
    return a;
  }

  private float[] randomVector(int dim) {
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }

  @Test
  void rootProbesAndOpenApi() throws Exception {
    var root = t.get("/");
    assertEquals(200, root.status());
    assertEquals("vecdb - vector search engine", root.json().getString("title"));
    assertNotNull(root.json().getString("version"));
    assertNotNull(root.json().getString("vector_math"));
    assertNotNull(root.json().getString("transport"));
    assertEquals(200, t.get("/healthz").status());
    assertEquals(200, t.get("/livez").status());
    assertEquals(200, t.get("/readyz").status());
    var spec = t.get("/openapi.json");
    assertEquals(200, spec.status());
    JsonObject paths = spec.json().getJsonObject("paths");
    for (String p :
        List.of(
            "/",
            "/healthz",
            "/collections",
            "/collections/{collection_name}",
            "/collections/{collection_name}/exists",
            "/collections/{collection_name}/index",
            "/collections/{collection_name}/index/{field_name}",
            "/collections/{collection_name}/points",
            "/collections/{collection_name}/points/{id}",
            "/collections/{collection_name}/points/delete",
            "/collections/{collection_name}/points/payload",
            "/collections/{collection_name}/points/payload/delete",
            "/collections/{collection_name}/points/payload/clear",
            "/collections/{collection_name}/points/vectors",
            "/collections/{collection_name}/points/vectors/delete",
            "/collections/{collection_name}/points/scroll",
            "/collections/{collection_name}/points/count",
            "/collections/{collection_name}/points/search",
            "/collections/{collection_name}/points/search/batch",
            "/collections/{collection_name}/points/query",
            "/collections/{collection_name}/points/query/batch",
            "/collections/{collection_name}/points/search/groups",
            "/collections/{collection_name}/points/query/groups",
            "/collections/{collection_name}/cluster",
            "/collections/aliases",
            "/aliases",
            "/collections/{collection_name}/aliases",
            "/cluster")) {
      assertTrue(paths.containsKey(p), "openapi.json lacks " + p);
    }
  }

  @Test
  void collectionsCrud() throws Exception {
    assertEquals(new JsonArray(), t.get("/collections").resultObject().getJsonArray("collections"));
    create("c1", 4, "Dot");
    create("c2", 3, "Manhattan");
    JsonArray list = t.get("/collections").resultObject().getJsonArray("collections");
    assertEquals(
        List.of("c1", "c2"), list.stream().map(o -> ((JsonObject) o).getString("name")).toList());
    JsonObject info = t.get("/collections/c1").resultObject();
    JsonObject vectors =
        info.getJsonObject("config").getJsonObject("params").getJsonObject("vectors");
    assertEquals(4, vectors.getInteger("size"));
    assertEquals("Dot", vectors.getString("distance"));
    assertEquals(0, info.getInteger("points_count"));
    assertEquals(true, t.get("/collections/c1/exists").resultObject().getBoolean("exists"));
    assertEquals(false, t.get("/collections/nope/exists").resultObject().getBoolean("exists"));
    // A single node: one local shard holding every point, Qdrant's shape.
    JsonObject shards = t.get("/collections/c1/cluster").resultObject();
    assertEquals(1, shards.getInteger("shard_count"));
    assertEquals(0, shards.getJsonArray("local_shards").getJsonObject(0).getInteger("shard_id"));
    assertEquals("Active", shards.getJsonArray("local_shards").getJsonObject(0).getString("state"));
    assertEquals(0, shards.getJsonArray("remote_shards").size());
    assertEquals(404, t.get("/collections/nope/cluster").status());
    var patched =
        t.patch(
            "/collections/c1",
            new JsonObject()
                .put("hnsw_config", new JsonObject().put("m", 32))
                .put("optimizers_config", new JsonObject().put("indexing_threshold", 1234)));
    assertEquals(200, patched.status(), patched.text());
    JsonObject config = t.get("/collections/c1").resultObject().getJsonObject("config");
    assertEquals(32, config.getJsonObject("hnsw_config").getInteger("m"));
    assertEquals(100, config.getJsonObject("hnsw_config").getInteger("ef_construct"));
    assertEquals(1234, config.getJsonObject("optimizer_config").getInteger("indexing_threshold"));
    assertEquals(200, t.delete("/collections/c1").status());
    assertEquals(false, t.get("/collections/c1/exists").resultObject().getBoolean("exists"));
    assertEquals(404, t.get("/collections/c1").status());
    // Deleting a collection that does not exist is not an error in Qdrant: 200, result false
    // (clients' "recreate collection" deletes first, whether or not it exists).
    var again = t.delete("/collections/c1");
    assertEquals(200, again.status(), again.text());
    assertEquals(Boolean.FALSE, again.json().getValue("result"));
  }

  @Test
  void upsertFormsWaitAndRetrieve() throws Exception {
    create("c", 3, "Euclid");
    String uuid = UUID.randomUUID().toString();
    var r =
        t.put(
            "/collections/c/points?wait=true",
            new JsonObject()
                .put(
                    "points",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("id", 1)
                                .put("vector", new JsonArray().add(1).add(2).add(3))
                                .put("payload", new JsonObject().put("a", 1).put("b", "x")))
                        .add(
                            new JsonObject()
                                .put("id", uuid)
                                .put("vector", new JsonArray().add(0).add(0).add(1)))));
    assertEquals(200, r.status(), r.text());
    assertEquals("completed", r.resultObject().getString("status"));
    long firstOp = r.resultObject().getLong("operation_id");
    var batch =
        t.put(
            "/collections/c/points?wait=false",
            new JsonObject()
                .put(
                    "batch",
                    new JsonObject()
                        .put("ids", new JsonArray().add(2).add(3))
                        .put(
                            "vectors",
                            new JsonArray()
                                .add(new JsonArray().add(4).add(5).add(6))
                                .add(new JsonArray().add(7).add(8).add(9)))
                        .put(
                            "payloads",
                            new JsonArray().add(new JsonObject().put("k", 2)).addNull())));
    assertEquals(200, batch.status(), batch.text());
    assertEquals("acknowledged", batch.resultObject().getString("status"));
    assertTrue(batch.resultObject().getLong("operation_id") > firstOp);
    pollCount("c", 4);

    JsonArray got =
        t.post(
                "/collections/c/points",
                new JsonObject()
                    .put("ids", new JsonArray().add(1).add(uuid).add(99))
                    .put("with_payload", new JsonObject().put("include", new JsonArray().add("a")))
                    .put("with_vector", true))
            .json()
            .getJsonArray("result");
    assertEquals(2, got.size(), "missing ids are skipped");
    assertEquals(new JsonObject().put("a", 1), got.getJsonObject(0).getJsonObject("payload"));
    assertEquals(
        new JsonArray().add(1.0).add(2.0).add(3.0), got.getJsonObject(0).getJsonArray("vector"));
    assertEquals(uuid, got.getJsonObject(1).getString("id"));
    JsonArray excluded =
        t.post(
                "/collections/c/points",
                new JsonObject()
                    .put("ids", new JsonArray().add(1))
                    .put("with_payload", new JsonObject().put("exclude", new JsonArray().add("a"))))
            .json()
            .getJsonArray("result");
    assertEquals(
        new JsonObject().put("b", "x"), excluded.getJsonObject(0).getJsonObject("payload"));
    assertNull(excluded.getJsonObject(0).getValue("vector"));

    JsonObject p2 = t.get("/collections/c/points/2").resultObject();
    assertEquals(2, p2.getInteger("id"));
    assertEquals(new JsonObject().put("k", 2), p2.getJsonObject("payload"));
    assertEquals(new JsonArray().add(4.0).add(5.0).add(6.0), p2.getJsonArray("vector"));
    assertEquals(uuid, t.get("/collections/c/points/" + uuid).resultObject().getString("id"));
    var missing = t.get("/collections/c/points/12345");
    assertEquals(404, missing.status());
    assertTrue(missing.error().contains("12345"), missing.text());

    // Upsert of an existing id replaces vector and payload.
    t.put(
        "/collections/c/points?wait=true",
        new JsonObject()
            .put(
                "points",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("id", 2)
                            .put("vector", new JsonArray().add(-1).add(-1).add(-1)))));
    JsonObject replaced = t.get("/collections/c/points/2").resultObject();
    assertEquals(new JsonObject(), replaced.getJsonObject("payload"));
    assertEquals(new JsonArray().add(-1.0).add(-1.0).add(-1.0), replaced.getJsonArray("vector"));
    assertEquals(
        4,
        t.post("/collections/c/points/count", new JsonObject()).resultObject().getInteger("count"));
  }

  private void pollCount(String collection, int expected) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    int count = -1;
    while (System.nanoTime() < deadline) {
      count =
          t.post("/collections/" + collection + "/points/count", new JsonObject())
              .resultObject()
              .getInteger("count");
      if (count == expected) {
        return;
      }
      Thread.onSpinWait();
    }
    assertEquals(expected, count, "count never reached " + expected);
  }

  /** Independent brute-force scoring with Qdrant's conventions. */
  private static float score(String distance, float[] q, float[] v) {
    double s = 0;
    switch (distance) {
      case "Cosine" -> {
        double nq = 0;
        double nv = 0;
        for (int i = 0; i < q.length; i++) {
          s += q[i] * v[i];
          nq += q[i] * q[i];
          nv += v[i] * v[i];
        }
        return (float) (s / Math.sqrt(nq) / Math.sqrt(nv));
      }
      case "Dot" -> {
        for (int i = 0; i < q.length; i++) {
          s += q[i] * v[i];
        }
        return (float) s;
      }
      case "Euclid" -> {
        for (int i = 0; i < q.length; i++) {
          s += (q[i] - v[i]) * (q[i] - v[i]);
        }
        return (float) Math.sqrt(s);
      }
      default -> {
        for (int i = 0; i < q.length; i++) {
          s += Math.abs(q[i] - v[i]);
        }
        return (float) s;
      }
    }
  }

  @Test
  void searchAndQueryMatchBruteForce() throws Exception {
    for (String distance : List.of("Cosine", "Euclid", "Dot", "Manhattan")) {
      String c = "s_" + distance;
      int dim = 2 + random.nextInt(12);
      int n = 50 + random.nextInt(150);
      create(c, dim, distance);
      float[][] data = new float[n][];
      JsonArray points = new JsonArray();
      for (int i = 0; i < n; i++) {
        data[i] = randomVector(dim);
        points.add(
            new JsonObject()
                .put("id", i)
                .put("vector", vec(data[i]))
                .put("payload", new JsonObject().put("group", i % 3).put("name", "p" + i)));
      }
      assertEquals(
          200,
          t.put("/collections/" + c + "/points?wait=true", new JsonObject().put("points", points))
              .status());
      float[] q = randomVector(dim);
      boolean higher = distance.equals("Cosine") || distance.equals("Dot");
      Comparator<Integer> best =
          Comparator.comparingDouble(
              (Integer i) -> (higher ? -1 : 1) * score(distance, q, data[i]));
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        order.add(i);
      }
      order.sort(best);
      int k = 1 + random.nextInt(10);
      JsonArray hits =
          t.post(
                  "/collections/" + c + "/points/search",
                  new JsonObject().put("vector", vec(q)).put("limit", k).put("with_payload", true))
              .json()
              .getJsonArray("result");
      assertEquals(k, hits.size(), msg());
      for (int i = 0; i < k; i++) {
        JsonObject h = hits.getJsonObject(i);
        int id = h.getInteger("id");
        assertEquals(
            score(distance, q, data[order.get(i)]),
            h.getFloat("score"),
            1e-3,
            msg() + " " + distance + " rank " + i);
        assertEquals(score(distance, q, data[id]), h.getFloat("score"), 1e-3, msg());
        assertEquals("p" + id, h.getJsonObject("payload").getString("name"));
      }
      // offset skips the best ones
      JsonArray offset =
          t.post(
                  "/collections/" + c + "/points/search",
                  new JsonObject().put("vector", vec(q)).put("limit", 2).put("offset", 3))
              .json()
              .getJsonArray("result");
      assertEquals(order.get(3), offset.getJsonObject(0).getInteger("id"), msg());
      assertNull(offset.getJsonObject(0).getValue("payload"), "with_payload defaults to false");
      // score_threshold cuts the tail
      float threshold = score(distance, q, data[order.get(4)]);
      JsonArray cut =
          t.post(
                  "/collections/" + c + "/points/search",
                  new JsonObject()
                      .put("vector", vec(q))
                      .put("limit", 50)
                      .put("score_threshold", threshold))
              .json()
              .getJsonArray("result");
      for (int i = 0; i < cut.size(); i++) {
        float s = cut.getJsonObject(i).getFloat("score");
        assertTrue(higher ? s >= threshold : s <= threshold, msg());
      }
      assertTrue(
          cut.size() >= 4 && cut.size() <= 6,
          "threshold keeps about 5, got " + cut.size() + " " + msg());
      // filter during search: k hits whenever k points match
      JsonObject filter =
          new JsonObject()
              .put(
                  "must",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("key", "group")
                              .put("match", new JsonObject().put("value", 1))));
      JsonArray filtered =
          t.post(
                  "/collections/" + c + "/points/search",
                  new JsonObject()
                      .put("vector", vec(q))
                      .put("limit", k)
                      .put("filter", filter)
                      .put("with_payload", true))
              .json()
              .getJsonArray("result");
      List<Integer> expectedFiltered = order.stream().filter(i -> i % 3 == 1).limit(k).toList();
      assertEquals(
          expectedFiltered,
          filtered.stream().map(o -> ((JsonObject) o).getInteger("id")).toList(),
          msg());
      // batch search
      JsonArray batch =
          t.post(
                  "/collections/" + c + "/points/search/batch",
                  new JsonObject()
                      .put(
                          "searches",
                          new JsonArray()
                              .add(new JsonObject().put("vector", vec(q)).put("limit", 1))
                              .add(
                                  new JsonObject()
                                      .put("vector", vec(q))
                                      .put("limit", 2)
                                      .put("filter", filter))))
              .json()
              .getJsonArray("result");
      assertEquals(order.get(0), batch.getJsonArray(0).getJsonObject(0).getInteger("id"), msg());
      assertEquals(
          expectedFiltered.get(0), batch.getJsonArray(1).getJsonObject(0).getInteger("id"), msg());
      // query: vector, {"nearest": vector}, by id (excluded from its own results), no query
      JsonArray qv =
          t.post(
                  "/collections/" + c + "/points/query",
                  new JsonObject().put("query", vec(q)).put("limit", 3))
              .resultObject()
              .getJsonArray("points");
      assertEquals(order.get(0), qv.getJsonObject(0).getInteger("id"), msg());
      JsonArray qn =
          t.post(
                  "/collections/" + c + "/points/query",
                  new JsonObject()
                      .put("query", new JsonObject().put("nearest", vec(q)))
                      .put("limit", 3))
              .resultObject()
              .getJsonArray("points");
      SameHits.assertSame(qv, qn, msg());
      int anchor = order.get(0);
      JsonArray byId =
          t.post(
                  "/collections/" + c + "/points/query",
                  new JsonObject().put("query", anchor).put("limit", 5))
              .resultObject()
              .getJsonArray("points");
      assertEquals(5, byId.size());
      for (int i = 0; i < byId.size(); i++) {
        assertFalse(
            byId.getJsonObject(i).getInteger("id") == anchor, "query by id excludes that id");
      }
      JsonArray plain =
          t.post(
                  "/collections/" + c + "/points/query",
                  new JsonObject().put("limit", 3).put("offset", 2))
              .resultObject()
              .getJsonArray("points");
      assertEquals(
          List.of(2, 3, 4), plain.stream().map(o -> ((JsonObject) o).getInteger("id")).toList());
      JsonArray qb =
          t.post(
                  "/collections/" + c + "/points/query/batch",
                  new JsonObject()
                      .put(
                          "searches",
                          new JsonArray()
                              .add(new JsonObject().put("query", vec(q)).put("limit", 3))))
              .json()
              .getJsonArray("result");
      SameHits.assertSame(qv, qb.getJsonObject(0).getJsonArray("points"), msg());
    }
  }

  @Test
  void scrollCountAndOrder() throws Exception {
    create("c", 2, "Dot");
    int n = 20 + random.nextInt(60);
    JsonArray points = new JsonArray();
    for (int i = 0; i < n; i++) {
      points.add(
          new JsonObject()
              .put("id", 1000 - i * 7)
              .put("vector", new JsonArray().add(1).add(i))
              .put(
                  "payload",
                  new JsonObject().put("rank", random.nextInt(1000)).put("even", i % 2 == 0)));
    }
    t.put("/collections/c/points?wait=true", new JsonObject().put("points", points));
    List<Integer> seen = new ArrayList<>();
    Object offset = null;
    int pages = 0;
    do {
      JsonObject body = new JsonObject().put("limit", 7);
      if (offset != null) {
        body.put("offset", offset);
      }
      JsonObject page = t.post("/collections/c/points/scroll", body).resultObject();
      page.getJsonArray("points").forEach(p -> seen.add(((JsonObject) p).getInteger("id")));
      offset = page.getValue("next_page_offset");
      pages++;
    } while (offset != null && pages < 100);
    List<Integer> expected = new ArrayList<>();
    for (int i = n - 1; i >= 0; i--) {
      expected.add(1000 - i * 7);
    }
    assertEquals(expected, seen, "scroll returns every point once, in id order; " + msg());
    JsonObject even =
        new JsonObject()
            .put(
                "must",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("key", "even")
                            .put("match", new JsonObject().put("value", true))));
    assertEquals(
        (n + 1) / 2,
        t.post(
                "/collections/c/points/count",
                new JsonObject().put("filter", even).put("exact", true))
            .resultObject()
            .getInteger("count"));
    assertEquals(
        n,
        t.post("/collections/c/points/count", new JsonObject()).resultObject().getInteger("count"));
    JsonArray filtered =
        t.post(
                "/collections/c/points/scroll",
                new JsonObject().put("filter", even).put("limit", 1000))
            .resultObject()
            .getJsonArray("points");
    assertEquals((n + 1) / 2, filtered.size());
    JsonArray ordered =
        t.post(
                "/collections/c/points/scroll",
                new JsonObject()
                    .put("limit", 5)
                    .put("order_by", new JsonObject().put("key", "rank").put("direction", "desc")))
            .resultObject()
            .getJsonArray("points");
    List<Integer> ranks =
        ordered.stream()
            .map(o -> ((JsonObject) o).getJsonObject("payload").getInteger("rank"))
            .toList();
    List<Integer> allRanks = new ArrayList<>();
    points.forEach(p -> allRanks.add(((JsonObject) p).getJsonObject("payload").getInteger("rank")));
    allRanks.sort(Comparator.reverseOrder());
    assertEquals(allRanks.subList(0, 5), ranks, msg());
  }

  /** order_by on a nested key (issue 9: it used to find nothing) and on a multi-valued one. */
  @Test
  void scrollOrdersByNestedAndMultiValuedKeys() throws Exception {
    create("c", 2, "Cosine");
    JsonArray points = new JsonArray();
    int[][] prices = {{30}, {10, 50}, {20}, {}, {40, 5}};
    for (int i = 0; i < prices.length; i++) {
      JsonArray ps = new JsonArray();
      for (int p : prices[i]) {
        ps.add(p);
      }
      points.add(
          new JsonObject()
              .put("id", i + 1)
              .put("vector", new JsonArray().add(1).add(i))
              .put(
                  "payload",
                  new JsonObject()
                      .put("meta", new JsonObject().put("rank", 100 - i))
                      .put("prices", ps)));
    }
    t.put("/collections/c/points?wait=true", new JsonObject().put("points", points));
    JsonArray byRank =
        t.post(
                "/collections/c/points/scroll",
                new JsonObject().put("limit", 3).put("order_by", "meta.rank"))
            .resultObject()
            .getJsonArray("points");
    assertEquals(
        List.of(5L, 4L, 3L),
        byRank.stream().map(o -> ((JsonObject) o).getLong("id")).toList(),
        "ascending by meta.rank");
    JsonArray byPriceAsc =
        t.post(
                "/collections/c/points/scroll",
                new JsonObject().put("limit", 10).put("order_by", "prices"))
            .resultObject()
            .getJsonArray("points");
    // Lowest value first: 5 (id 5), 10 (id 2), 20 (id 3), 30 (id 1); id 4 has no price.
    assertEquals(
        List.of(5L, 2L, 3L, 1L),
        byPriceAsc.stream().map(o -> ((JsonObject) o).getLong("id")).toList());
    JsonArray byPriceDesc =
        t.post(
                "/collections/c/points/scroll",
                new JsonObject()
                    .put("limit", 10)
                    .put(
                        "order_by", new JsonObject().put("key", "prices").put("direction", "desc")))
            .resultObject()
            .getJsonArray("points");
    // Highest value first: 50 (id 2), 40 (id 5), 30 (id 1), 20 (id 3).
    assertEquals(
        List.of(2L, 5L, 1L, 3L),
        byPriceDesc.stream().map(o -> ((JsonObject) o).getLong("id")).toList());
  }

  @Test
  void payloadOperationsAndDeletes() throws Exception {
    create("c", 2, "Cosine");
    JsonArray points = new JsonArray();
    for (int i = 1; i <= 10; i++) {
      points.add(
          new JsonObject()
              .put("id", i)
              .put("vector", new JsonArray().add(1).add(i))
              .put("payload", new JsonObject().put("n", i).put("tag", i <= 5 ? "low" : "high")));
    }
    t.put("/collections/c/points?wait=true", new JsonObject().put("points", points));
    JsonObject low =
        new JsonObject()
            .put(
                "must",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("key", "tag")
                            .put("match", new JsonObject().put("value", "low"))));
    // set payload by ids, and under a nested key
    assertEquals(
        200,
        t.post(
                "/collections/c/points/payload?wait=true",
                new JsonObject()
                    .put("payload", new JsonObject().put("color", "red"))
                    .put("points", new JsonArray().add(1).add(2)))
            .status());
    assertEquals(
        200,
        t.post(
                "/collections/c/points/payload?wait=true",
                new JsonObject()
                    .put("payload", new JsonObject().put("x", 1))
                    .put("points", new JsonArray().add(1))
                    .put("key", "meta"))
            .status());
    JsonObject p1 = t.get("/collections/c/points/1").resultObject().getJsonObject("payload");
    assertEquals(
        new JsonObject()
            .put("n", 1)
            .put("tag", "low")
            .put("color", "red")
            .put("meta", new JsonObject().put("x", 1)),
        p1);
    // set payload by filter
    t.post(
        "/collections/c/points/payload?wait=true",
        new JsonObject().put("payload", new JsonObject().put("low", true)).put("filter", low));
    JsonObject lowCount =
        new JsonObject()
            .put(
                "filter",
                new JsonObject()
                    .put(
                        "must",
                        new JsonArray()
                            .add(
                                new JsonObject()
                                    .put("key", "low")
                                    .put("match", new JsonObject().put("value", true)))));
    assertEquals(
        5, t.post("/collections/c/points/count", lowCount).resultObject().getInteger("count"));
    // overwrite
    t.put(
        "/collections/c/points/payload?wait=true",
        new JsonObject()
            .put("payload", new JsonObject().put("only", 1))
            .put("points", new JsonArray().add(2)));
    assertEquals(
        new JsonObject().put("only", 1),
        t.get("/collections/c/points/2").resultObject().getJsonObject("payload"));
    // delete keys
    t.post(
        "/collections/c/points/payload/delete?wait=true",
        new JsonObject()
            .put("keys", new JsonArray().add("color").add("meta.x"))
            .put("points", new JsonArray().add(1)));
    assertEquals(
        new JsonObject()
            .put("n", 1)
            .put("tag", "low")
            .put("meta", new JsonObject())
            .put("low", true),
        t.get("/collections/c/points/1").resultObject().getJsonObject("payload"));
    // clear
    t.post(
        "/collections/c/points/payload/clear?wait=true",
        new JsonObject().put("points", new JsonArray().add(3)));
    assertEquals(
        new JsonObject(), t.get("/collections/c/points/3").resultObject().getJsonObject("payload"));
    // delete by ids and by filter
    var del =
        t.post(
            "/collections/c/points/delete?wait=true",
            new JsonObject().put("points", new JsonArray().add(10).add(9)));
    assertEquals("completed", del.resultObject().getString("status"));
    assertEquals(
        8,
        t.post("/collections/c/points/count", new JsonObject()).resultObject().getInteger("count"));
    t.post("/collections/c/points/delete?wait=true", new JsonObject().put("filter", low));
    // points 1,4,5 still have tag low (2 was overwritten, 3 cleared)
    assertEquals(
        5,
        t.post("/collections/c/points/count", new JsonObject()).resultObject().getInteger("count"));
    assertEquals(404, t.get("/collections/c/points/1").status());
    assertEquals(200, t.get("/collections/c/points/2").status());
  }

  @Test
  void payloadFieldIndex() throws Exception {
    create("c", 2, "Dot");
    JsonArray points = new JsonArray();
    for (int i = 0; i < 30; i++) {
      points.add(
          new JsonObject()
              .put("id", i)
              .put("vector", new JsonArray().add(1).add(i))
              .put(
                  "payload",
                  i % 2 == 0 ? new JsonObject().put("city", "c" + (i % 4)) : new JsonObject()));
    }
    t.put("/collections/c/points?wait=true", new JsonObject().put("points", points));
    var created =
        t.put(
            "/collections/c/index?wait=true",
            new JsonObject().put("field_name", "city").put("field_schema", "keyword"));
    assertEquals(200, created.status(), created.text());
    // Qdrant's shape: an update result, not `true`; typed params in the payload schema.
    assertEquals("completed", created.resultObject().getString("status"), created.text());
    assertTrue(created.resultObject().containsKey("operation_id"), created.text());
    JsonObject schema = t.get("/collections/c").resultObject().getJsonObject("payload_schema");
    assertEquals("keyword", schema.getJsonObject("city").getString("data_type"));
    assertEquals("keyword", schema.getJsonObject("city").getJsonObject("params").getString("type"));
    assertEquals(15, schema.getJsonObject("city").getInteger("points"));
    JsonObject filter =
        new JsonObject()
            .put(
                "must",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("key", "city")
                            .put("match", new JsonObject().put("value", "c2"))));
    JsonArray hits =
        t.post(
                "/collections/c/points/search",
                new JsonObject()
                    .put("vector", new JsonArray().add(0).add(1))
                    .put("limit", 3)
                    .put("filter", filter))
            .json()
            .getJsonArray("result");
    assertEquals(
        List.of(26, 22, 18), hits.stream().map(o -> ((JsonObject) o).getInteger("id")).toList());
    var dropped = t.delete("/collections/c/index/city?wait=true");
    assertEquals(200, dropped.status(), dropped.text());
    assertEquals("completed", dropped.resultObject().getString("status"), dropped.text());
    assertTrue(t.get("/collections/c").resultObject().getJsonObject("payload_schema").isEmpty());
    assertEquals(404, t.delete("/collections/c/index/city").status());
  }
}
