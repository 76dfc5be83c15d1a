package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.config.VecdbOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Each bad input gets a 4xx JSON error that names the field and what was expected, and leaves the
 * node's state exactly as it was.
 */
@ExtendWith(VertxExtension.class)
class BadInputTest {
  private static final long MAX_BODY = 64 * 1024;
  private final long seed = Long.getLong("tests.seed", System.nanoTime());
  private final Random random = new Random(seed);
  private TestNode t;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    t = TestNode.start(vertx, new VecdbOptions().setMaxRequestBytes(MAX_BODY));
    t.put(
        "/collections/c",
        new JsonObject().put("vectors", new JsonObject().put("size", 3).put("distance", "Cosine")));
    JsonArray points = new JsonArray();
    for (int i = 0; i < 20; i++) {
      points.add(
          point(i, random.nextFloat() + 0.1f, random.nextFloat(), random.nextFloat())
              .put("payload", new JsonObject().put("i", i)));
    }
    assertEquals(
        200,
        t.put("/collections/c/points?wait=true", new JsonObject().put("points", points)).status());
  }

  @AfterEach
  void stop() throws Exception {
    t.close();
  }

  private static JsonObject point(Object id, Object... vector) {
    JsonArray v = new JsonArray();
    for (Object x : vector) {
      v.add(x);
    }
    return new JsonObject().put("id", id).put("vector", v);
  }

  /** Everything observable: collections, their configs and all points with payloads and vectors. */
  private JsonObject state() throws Exception {
    JsonObject s = new JsonObject().put("collections", t.get("/collections").result());
    for (Object o : t.get("/collections").resultObject().getJsonArray("collections")) {
      String name = ((JsonObject) o).getString("name");
      JsonObject info = t.get("/collections/" + name).resultObject();
      s.put(name + ".config", info.getJsonObject("config"))
          .put(name + ".schema", info.getJsonObject("payload_schema"));
      s.put(
          name + ".points",
          t.post(
                  "/collections/" + name + "/points/scroll",
                  new JsonObject().put("limit", 10_000).put("with_vector", true))
              .result());
    }
    return s;
  }

  private void rejects(int status, HttpMethod method, String path, Object body, String... mentions)
      throws Exception {
    JsonObject before = state();
    var r = t.call(method, path, body);
    String m = method + " " + path + " -> " + r.status() + " " + r.text() + " (seed " + seed + ")";
    assertEquals(status, r.status(), m);
    assertNotNull(r.json(), "JSON error body: " + m);
    assertNotNull(r.error(), "status.error: " + m);
    assertNotNull(r.json().getValue("time"), m);
    for (String s : mentions) {
      assertTrue(r.error().contains(s), "error should mention '" + s + "': " + m);
    }
    assertEquals(before, state(), "state changed after " + m);
  }

  private static JsonObject points(JsonObject... ps) {
    JsonArray a = new JsonArray();
    for (JsonObject p : ps) {
      a.add(p);
    }
    return new JsonObject().put("points", a);
  }

  @Test
  void malformedJson() throws Exception {
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/c/points?wait=true",
        "{\"points\": [",
        "body",
        "malformed JSON");
    rejects(400, HttpMethod.POST, "/collections/c/points/search", "[1,2,3]", "body", "JSON object");
    rejects(400, HttpMethod.PUT, "/collections/d", "not json", "malformed JSON");
  }

  @Test
  void wrongVectorLengthRejectsTheWholeBatch() throws Exception {
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/c/points?wait=true",
        points(point(100, 1, 2, 3), point(101, 1, 2), point(102, 3, 2, 1)),
        "points[1].vector",
        "3 numbers",
        "got 2");
    rejects(
        400,
        HttpMethod.POST,
        "/collections/c/points/search",
        new JsonObject().put("vector", new JsonArray().add(1).add(2).add(3).add(4)),
        "vector",
        "3 numbers");
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/c/points",
        new JsonObject()
            .put(
                "batch",
                new JsonObject()
                    .put("ids", new JsonArray().add(200).add(201))
                    .put("vectors", new JsonArray().add(new JsonArray().add(1).add(1).add(1)))),
        "batch",
        "equal length");
  }

  @Test
  void nanAndInfinity() throws Exception {
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/c/points?wait=true",
        points(point(100, 1, 2, 3), point(101, 1, "NaN", 3)),
        "points[1].vector[1]",
        "finite");
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/c/points?wait=true",
        "{\"points\":[{\"id\":5,\"vector\":[1e999,1,1]}]}",
        "points[0].vector[0]",
        "finite");
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/c/points?wait=true",
        "{\"points\":[{\"id\":5,\"vector\":[1,\"Infinity\",1]}]}",
        "points[0].vector[1]",
        "finite");
    rejects(
        400,
        HttpMethod.POST,
        "/collections/c/points/search",
        "{\"vector\":[1,\"-Infinity\",1]}",
        "vector[1]",
        "finite");
  }

  @Test
  void cosineZeroVectorNamesThePoint() throws Exception {
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/c/points?wait=true",
        points(point(100, 1, 2, 3), point(7, 0, 0, 0)),
        "points[1].vector",
        "zero vector",
        "Cosine");
  }

  @Test
  void unknownCollection() throws Exception {
    rejects(
        404,
        HttpMethod.PUT,
        "/collections/nope/points?wait=true",
        points(point(1, 1, 2, 3)),
        "nope");
    rejects(
        404,
        HttpMethod.POST,
        "/collections/nope/points/search",
        new JsonObject().put("vector", new JsonArray().add(1)),
        "nope");
    rejects(404, HttpMethod.GET, "/collections/nope", null, "nope");
    rejects(404, HttpMethod.POST, "/collections/nope/points/scroll", new JsonObject(), "nope");
  }

  @Test
  void unknownDistanceAndBadCollectionParams() throws Exception {
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/d",
        new JsonObject().put("vectors", new JsonObject().put("size", 3).put("distance", "Hamming")),
        "vectors.distance",
        "Hamming",
        "Cosine, Euclid, Dot, Manhattan");
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/d",
        new JsonObject().put("vectors", new JsonObject().put("size", 0).put("distance", "Dot")),
        "vectors.size");
    rejects(400, HttpMethod.PUT, "/collections/d", new JsonObject(), "vectors");
    rejects(
        400,
        HttpMethod.PATCH,
        "/collections/c",
        new JsonObject().put("hnsw_config", new JsonObject().put("m", -1)),
        "hnsw_config.m");
  }

  /**
   * Fields Qdrant defines that VecDB does not implement, and fields nobody defines, are refused
   * with a 400 naming them; before, each was skipped and the request did something else.
   */
  @Test
  void fieldsVecdbDoesNotImplementAreRefusedNotIgnored() throws Exception {
    JsonObject vectors = new JsonObject().put("size", 3).put("distance", "Dot");
    JsonArray q = new JsonArray().add(1).add(0).add(0);
    JsonObject[][] createCases = {
      {
        new JsonObject()
            .put("quantization_config", new JsonObject().put("scalar", new JsonObject()))
      },
      {
        new JsonObject()
            .put(
                "sparse_vectors",
                new JsonObject()
                    .put("s", new JsonObject().put("index", new JsonObject().put("on_disk", true))))
      },
      {new JsonObject().put("strict_mode_config", new JsonObject().put("enabled", true))},
      {new JsonObject().put("sharding_method", "custom")},
      {new JsonObject().put("shard_nmber", 2)},
    };
    String[] createNames = {
      "quantization_config",
      "sparse_vectors.s.index.on_disk",
      "strict_mode_config",
      "sharding_method",
      "shard_nmber"
    };
    for (int i = 0; i < createCases.length; i++) {
      JsonObject body = createCases[i][0].copy().put("vectors", vectors.copy());
      rejects(400, HttpMethod.PUT, "/collections/d", body, createNames[i]);
    }
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/d",
        new JsonObject().put("vectors", vectors.copy().put("on_disk", "yes")),
        "vectors.on_disk");
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/d",
        new JsonObject().put("vectors", vectors.copy().put("datatype", "uint8")),
        "vectors.datatype");
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/d",
        new JsonObject()
            .put(
                "vectors",
                vectors
                    .copy()
                    .put("multivector_config", new JsonObject().put("comparator", "max_sim"))),
        "vectors.multivector_config");
    // Upserts: an unknown update mode, a malformed update filter (both are implemented:
    // ConditionalUpsertTest), custom shard keys, unknown point fields.
    JsonObject one = points(point(100, 1, 2, 3));
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/c/points?wait=true",
        one.copy().put("update_mode", "sometimes"),
        "update_mode",
        "insert_only");
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/c/points?wait=true",
        one.copy().put("update_filter", new JsonObject().put("must", 3)),
        "update_filter");
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/c/points?wait=true",
        one.copy().put("shard_key", "tenant-1"),
        "shard_key");
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/c/points?wait=true",
        points(point(100, 1, 2, 3).put("vectors", new JsonArray())),
        "points[0].vectors",
        "unknown field");
    // Searches and queries: lookup_from, named vectors, unknown params and MMR fields.
    rejects(
        400,
        HttpMethod.POST,
        "/collections/c/points/query",
        new JsonObject()
            .put(
                "query",
                new JsonObject()
                    .put("nearest", q)
                    .put("mmr", new JsonObject().put("diversity", 0.5).put("lambda", 0.5))),
        "query.mmr.lambda");
    rejects(
        400,
        HttpMethod.POST,
        "/collections/c/points/query",
        new JsonObject()
            .put("query", q)
            .put("lookup_from", new JsonObject().put("collection", "c")),
        "lookup_from");
    rejects(
        400,
        HttpMethod.POST,
        "/collections/c/points/query",
        new JsonObject().put("query", q).put("using", "text-dense"),
        "using",
        "text-dense");
    rejects(
        400,
        HttpMethod.POST,
        "/collections/c/points/search",
        new JsonObject().put("vector", new JsonObject().put("name", "image").put("vector", q)),
        "vector.name");
    rejects(
        400,
        HttpMethod.POST,
        "/collections/c/points/search",
        new JsonObject().put("vector", q).put("params", new JsonObject().put("hnsw", 64)),
        "params.hnsw",
        "unknown field");
    rejects(
        400,
        HttpMethod.POST,
        "/collections/c/points/scroll",
        new JsonObject().put("limt", 5),
        "limt",
        "unknown field");
    rejects(
        400,
        HttpMethod.POST,
        "/collections/c/points/count",
        new JsonObject().put("shard_key", "tenant-1"),
        "shard_key");
    // Graph and optimizer settings, PATCH, payload and delete bodies.
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/d",
        new JsonObject()
            .put("vectors", vectors.copy())
            .put("hnsw_config", new JsonObject().put("payload_m", 16)),
        "hnsw_config.payload_m");
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/d",
        new JsonObject()
            .put("vectors", vectors.copy())
            .put("optimizers_config", new JsonObject().put("indexing_treshold", 10)),
        "optimizers_config.indexing_treshold",
        "unknown field");
    rejects(
        400,
        HttpMethod.PATCH,
        "/collections/c",
        new JsonObject().put("hnsw_config", new JsonObject().put("on_disk", true)),
        "hnsw_config.on_disk");
    rejects(
        400,
        HttpMethod.PATCH,
        "/collections/c",
        new JsonObject()
            .put(
                "quantization_config",
                new JsonObject().put("product", new JsonObject().put("compression", "x4"))),
        "quantization_config.product");
    rejects(
        400,
        HttpMethod.POST,
        "/collections/c/points/delete?wait=true",
        new JsonObject().put("points", new JsonArray().add(1)).put("shard_key", "t"),
        "shard_key");
    rejects(
        400,
        HttpMethod.POST,
        "/collections/c/points/payload?wait=true",
        new JsonObject()
            .put("payload", new JsonObject().put("a", 1))
            .put("points", new JsonArray().add(1))
            .put("ordering", "strong"),
        "ordering",
        "unknown field");
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/c/index?wait=true",
        new JsonObject()
            .put("field_name", "i")
            .put("field_schema", new JsonObject().put("type", "keyword").put("is_tenant", true)),
        "field_schema.is_tenant");
    // What Qdrant defines as a hint, or null for "not used", is accepted.
    var ok =
        t.put(
            "/collections/d",
            new JsonObject()
                .put("vectors", vectors.copy().put("on_disk", false).put("datatype", "float32"))
                .put("on_disk_payload", true)
                .put("sparse_vectors", new JsonObject())
                .put("quantization_config", (Object) null)
                .put("sharding_method", "auto"));
    assertEquals(200, ok.status(), ok.text());
    var search =
        t.post(
            "/collections/c/points/search",
            new JsonObject()
                .put("vector", q)
                .put("shard_key", (Object) null)
                .put("params", new JsonObject().put("indexed_only", true).put("hnsw_ef", 32)));
    assertEquals(200, search.status(), search.text());
  }

  @Test
  void collectionThatExists() throws Exception {
    rejects(
        409,
        HttpMethod.PUT,
        "/collections/c",
        new JsonObject().put("vectors", new JsonObject().put("size", 5).put("distance", "Dot")),
        "`c`",
        "already exists");
  }

  @Test
  void invalidFilter() throws Exception {
    JsonObject bad =
        new JsonObject()
            .put(
                "must",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("key", "i")
                            .put("range", new JsonObject().put("gt", "x"))));
    rejects(
        400,
        HttpMethod.POST,
        "/collections/c/points/search",
        new JsonObject().put("vector", new JsonArray().add(1).add(1).add(1)).put("filter", bad),
        "filter.must[0]");
    rejects(
        400,
        HttpMethod.POST,
        "/collections/c/points/count",
        new JsonObject().put("filter", new JsonObject().put("must", "nope")),
        "filter.must");
    rejects(
        400,
        HttpMethod.POST,
        "/collections/c/points/delete?wait=true",
        new JsonObject().put("filter", bad),
        "filter.must[0]");
    rejects(
        400,
        HttpMethod.POST,
        "/collections/c/points/scroll",
        new JsonObject().put("filter", 5),
        "filter",
        "object");
  }

  @Test
  void bodyOverTheLimit() throws Exception {
    StringBuilder sb = new StringBuilder("{\"points\":[");
    int i = 0;
    while (sb.length() < MAX_BODY + 1000) {
      sb.append(i == 0 ? "" : ",")
          .append("{\"id\":")
          .append(1000 + i++)
          .append(",\"vector\":[1,2,3]}");
    }
    sb.append("]}");
    rejects(
        413,
        HttpMethod.PUT,
        "/collections/c/points?wait=true",
        sb.toString(),
        "body",
        "limit",
        String.valueOf(MAX_BODY));
  }

  @Test
  void invalidIds() throws Exception {
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/c/points?wait=true",
        points(point(1, 1, 2, 3), point(-1, 1, 2, 3)),
        "points[1].id",
        "-1",
        "unsigned 64-bit integer or a UUID");
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/c/points?wait=true",
        points(point("not-a-uuid", 1, 2, 3)),
        "points[0].id",
        "not-a-uuid");
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/c/points?wait=true",
        points(point(1.5, 1, 2, 3)),
        "points[0].id",
        "1.5");
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/c/points?wait=true",
        "{\"points\":[{\"id\":18446744073709551616,\"vector\":[1,2,3]}]}",
        "points[0].id");
    rejects(
        400,
        HttpMethod.POST,
        "/collections/c/points/delete?wait=true",
        new JsonObject().put("points", new JsonArray().add(true)),
        "points[0]");
    rejects(400, HttpMethod.GET, "/collections/c/points/xyz", null, "id", "xyz");
    rejects(
        400,
        HttpMethod.POST,
        "/collections/c/points",
        new JsonObject().put("ids", new JsonArray().add(-3)),
        "ids[0]");
  }

  @Test
  void otherBadFields() throws Exception {
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/c/points?wait=maybe",
        points(point(1, 1, 2, 3)),
        "wait",
        "maybe");
    rejects(
        400,
        HttpMethod.POST,
        "/collections/c/points/search",
        new JsonObject().put("vector", new JsonArray().add(1).add(1).add(1)).put("limit", 0),
        "limit");
    rejects(
        400,
        HttpMethod.POST,
        "/collections/c/points/search",
        new JsonObject().put("vector", new JsonArray().add(1).add(1).add(1)).put("with_payload", 3),
        "with_payload");
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/c/points?wait=true",
        points(point(1, 1, 2, 3).put("payload", new JsonArray())),
        "points[0].payload",
        "object");
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/c/points?wait=true",
        new JsonObject(),
        "points",
        "batch");
    rejects(
        400,
        HttpMethod.POST,
        "/collections/c/points/payload?wait=true",
        new JsonObject().put("payload", new JsonObject().put("a", 1)),
        "points",
        "filter");
    rejects(
        400,
        HttpMethod.PUT,
        "/collections/c/index",
        new JsonObject().put("field_name", "i").put("field_schema", "fulltext"),
        "field_schema",
        "fulltext");
    rejects(
        400,
        HttpMethod.POST,
        "/collections/c/points/search/batch",
        new JsonObject()
            .put(
                "searches",
                new JsonArray().add(new JsonObject().put("vector", new JsonArray().add(1)))),
        "searches[0]",
        "vector");
    rejects(404, HttpMethod.GET, "/no/such/path", null, "/no/such/path");
    rejects(405, HttpMethod.DELETE, "/collections/c/points/search", null, "DELETE");
    rejects(400, HttpMethod.GET, "/collections/c%ZZ", null, "path:", "percent-encoding");
  }
}
