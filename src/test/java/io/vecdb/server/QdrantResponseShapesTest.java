package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every REST endpoint VecDB serves answers in the shape Qdrant publishes for that operation (issue
 * 9, item 1): a scenario calls each route (successes and errors: bad input, unknown collection and
 * point, an existing collection) and validates every JSON response against the schema of Qdrant's
 * OpenAPI document for its path, method and status ({@link QdrantOpenApi}). The document is read
 * from {@code ../shared/qdrant/openapi-1.17.json}; where a checkout lacks it, the test is skipped
 * and says so.
 */
@ExtendWith(VertxExtension.class)
class QdrantResponseShapesTest {
  private final List<String> problems = new ArrayList<>();
  private final Set<String> covered = new TreeSet<>();
  private QdrantOpenApi api;
  private TestNode t;

  private TestNode.Reply call(HttpMethod method, String path, Object body) throws Exception {
    TestNode.Reply r = t.call(method, path, body);
    String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    Object json = r.json();
    for (String p : api.check(method.name(), bare, r.status(), json)) {
      problems.add(method + " " + path + " -> " + r.status() + ": " + p);
    }
    covered.add(method + " " + api.template(bare) + " " + r.status());
    return r;
  }

  private static JsonObject point(Object id, double... v) {
    JsonArray vector = new JsonArray();
    for (double x : v) {
      vector.add(x);
    }
    return new JsonObject()
        .put("id", id)
        .put("vector", vector)
        .put(
            "payload",
            new JsonObject()
                .put("color", v[0] > 0.5 ? "red" : "blue")
                .put("n", (int) (v[1] * 100))
                .put("tags", new JsonArray().add("a").add("b"))
                .put("nested", new JsonObject().put("x", v.length > 2 ? v[2] : 0)));
  }

  @Test
  void everyServedEndpointAnswersInQdrantsPublishedShape(Vertx vertx) throws Exception {
    Assumptions.assumeTrue(
        Files.isRegularFile(QdrantOpenApi.DOCUMENT),
        "Qdrant's OpenAPI document is not at " + QdrantOpenApi.DOCUMENT);
    api = new QdrantOpenApi(QdrantOpenApi.DOCUMENT);
    t = TestNode.start(vertx);
    try {
      String c = "/collections/shapes";
      String uuid = "5c56c793-69f3-4fbf-87e6-c4bf54c28c26";
      call(HttpMethod.GET, "/", null);
      call(HttpMethod.GET, "/cluster", null);
      call(
          HttpMethod.PUT,
          c,
          new JsonObject()
              .put("vectors", new JsonObject().put("size", 4).put("distance", "Cosine")));
      call(
          HttpMethod.PUT,
          c,
          new JsonObject()
              .put("vectors", new JsonObject().put("size", 4).put("distance", "Cosine")));
      call(HttpMethod.PUT, "/collections/bad%20name", new JsonObject().put("vectors", 3));
      call(
          HttpMethod.PUT,
          c + "/index?wait=true",
          new JsonObject().put("field_name", "color").put("field_schema", "keyword"));
      call(
          HttpMethod.PUT,
          c + "/index?wait=true",
          new JsonObject()
              .put("field_name", "n")
              .put("field_schema", new JsonObject().put("type", "integer").put("range", true)));
      // The other index types, a text one with its tokenizer (typed params in collection info).
      call(
          HttpMethod.PUT,
          c + "/index?wait=true",
          new JsonObject()
              .put("field_name", "body")
              .put(
                  "field_schema",
                  new JsonObject()
                      .put("type", "text")
                      .put("tokenizer", "prefix")
                      .put("min_token_len", 2)
                      .put("max_token_len", 10)));
      for (String[] f : new String[][] {{"ts", "datetime"}, {"where", "geo"}, {"ref", "uuid"}}) {
        call(
            HttpMethod.PUT,
            c + "/index?wait=true",
            new JsonObject().put("field_name", f[0]).put("field_schema", f[1]));
      }
      JsonArray points = new JsonArray();
      java.util.Random r = new java.util.Random(7);
      for (int i = 1; i <= 40; i++) {
        points.add(
            point(i == 40 ? uuid : i, r.nextDouble(), r.nextDouble(), r.nextDouble(), 0.1 + i));
      }
      call(HttpMethod.PUT, c + "/points?wait=true", new JsonObject().put("points", points));
      call(
          HttpMethod.PUT,
          c + "/points",
          new JsonObject().put("points", new JsonArray().add(point(41, 0.2, 0.3, 0.4, 0.5))));
      call(
          HttpMethod.PUT,
          c + "/points?wait=true",
          new JsonObject().put("points", new JsonArray().add(point(42, 0.2, 0.3))));
      call(HttpMethod.GET, "/collections", null);
      call(HttpMethod.GET, c, null);
      call(HttpMethod.GET, "/collections/missing", null);
      call(HttpMethod.GET, c + "/exists", null);
      call(HttpMethod.GET, c + "/cluster", null);
      call(
          HttpMethod.PATCH,
          c,
          new JsonObject()
              .put("optimizers_config", new JsonObject().put("deleted_threshold", 0.3)));
      call(
          HttpMethod.POST,
          c + "/points",
          new JsonObject()
              .put("ids", new JsonArray().add(1).add(uuid).add(999))
              .put("with_payload", true)
              .put("with_vector", true));
      call(HttpMethod.GET, c + "/points/2", null);
      call(HttpMethod.GET, c + "/points/12345", null);
      JsonArray q = new JsonArray().add(0.3).add(0.1).add(0.9).add(0.5);
      JsonObject filter =
          new JsonObject()
              .put(
                  "must",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("key", "color")
                              .put("match", new JsonObject().put("value", "red"))));
      call(
          HttpMethod.POST, c + "/points/search", new JsonObject().put("vector", q).put("limit", 3));
      call(
          HttpMethod.POST,
          c + "/points/search",
          new JsonObject()
              .put("vector", q)
              .put("limit", 3)
              .put("filter", filter)
              .put("with_payload", new JsonArray().add("n"))
              .put("with_vector", true)
              .put("score_threshold", 0.1));
      call(
          HttpMethod.POST,
          c + "/points/search",
          new JsonObject().put("vector", new JsonArray().add(1)));
      call(
          HttpMethod.POST, "/collections/missing/points/search", new JsonObject().put("vector", q));
      call(HttpMethod.POST, c + "/points/search", "{not json");
      call(
          HttpMethod.POST,
          c + "/points/search/batch",
          new JsonObject()
              .put(
                  "searches",
                  new JsonArray()
                      .add(new JsonObject().put("vector", q).put("limit", 2))
                      .add(
                          new JsonObject()
                              .put("vector", q)
                              .put("limit", 2)
                              .put("filter", filter))));
      call(HttpMethod.POST, c + "/points/query", new JsonObject().put("query", q).put("limit", 3));
      call(
          HttpMethod.POST,
          c + "/points/query",
          new JsonObject().put("query", 3).put("limit", 3).put("with_payload", true));
      call(HttpMethod.POST, c + "/points/query", new JsonObject().put("limit", 3));
      // The Query API's stages: fusion over prefetches, re-scoring, mmr, order_by, sample.
      JsonArray prefetch =
          new JsonArray()
              .add(new JsonObject().put("query", q).put("limit", 5))
              .add(new JsonObject().put("query", q).put("filter", filter).put("limit", 5));
      for (JsonObject query :
          List.of(
              new JsonObject().put("fusion", "rrf"),
              new JsonObject().put("fusion", "dbsf"),
              new JsonObject().put("rrf", new JsonObject().put("k", 10)),
              new JsonObject().put("nearest", q),
              new JsonObject()
                  .put("nearest", q)
                  .put("mmr", new JsonObject().put("diversity", 0.5).put("candidates_limit", 8)),
              new JsonObject().put("order_by", "n"),
              new JsonObject().put("sample", "random"))) {
        call(
            HttpMethod.POST,
            c + "/points/query",
            new JsonObject().put("prefetch", prefetch).put("query", query).put("limit", 3));
      }
      call(
          HttpMethod.POST,
          c + "/points/query",
          new JsonObject().put("query", new JsonObject().put("fusion", "rrf")));
      // Aliases: change (and a refused change), list, list per collection, and use.
      JsonObject createAlias =
          new JsonObject()
              .put(
                  "create_alias",
                  new JsonObject().put("collection_name", "shapes").put("alias_name", "shape"));
      call(
          HttpMethod.POST,
          "/collections/aliases",
          new JsonObject().put("actions", new JsonArray().add(createAlias)));
      call(
          HttpMethod.POST,
          "/collections/aliases",
          new JsonObject()
              .put(
                  "actions",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("delete_alias", new JsonObject().put("alias_name", "nope")))));
      call(HttpMethod.GET, "/aliases", null);
      call(HttpMethod.GET, c + "/aliases", null);
      call(HttpMethod.GET, "/collections/nothing/aliases", null);
      call(HttpMethod.GET, "/collections/shape", null);
      call(
          HttpMethod.POST,
          c + "/points/search/groups",
          new JsonObject()
              .put("vector", q)
              .put("group_by", "color")
              .put("group_size", 2)
              .put("limit", 3)
              .put("with_payload", true));
      call(
          HttpMethod.POST,
          c + "/points/query/groups",
          new JsonObject().put("query", q).put("group_by", "n").put("with_lookup", "shapes"));
      call(
          HttpMethod.POST,
          c + "/points/query/groups",
          new JsonObject().put("query", q).put("with_lookup", "shapes"));
      call(
          HttpMethod.POST,
          c + "/points/query/batch",
          new JsonObject()
              .put(
                  "searches",
                  new JsonArray()
                      .add(new JsonObject().put("query", q))
                      .add(new JsonObject().put("query", 5))));
      String h = "/collections/hybrid";
      call(
          HttpMethod.PUT,
          h,
          new JsonObject()
              .put("vectors", new JsonObject().put("size", 3).put("distance", "Cosine"))
              .put(
                  "sparse_vectors",
                  new JsonObject().put("text", new JsonObject().put("modifier", "idf"))));
      JsonArray hybridPoints = new JsonArray();
      for (int i = 1; i <= 6; i++) {
        hybridPoints.add(
            new JsonObject()
                .put("id", i)
                .put(
                    "vector",
                    new JsonObject()
                        .put("", new JsonArray().add(i).add(1).add(0.5))
                        .put(
                            "text",
                            new JsonObject()
                                .put("indices", new JsonArray().add(i % 3).add(7))
                                .put("values", new JsonArray().add(1.0).add(0.5 * i)))));
      }
      call(HttpMethod.PUT, h + "/points?wait=true", new JsonObject().put("points", hybridPoints));
      call(HttpMethod.GET, h, null);
      JsonObject sparseQuery =
          new JsonObject()
              .put("indices", new JsonArray().add(1).add(7))
              .put("values", new JsonArray().add(1.0).add(1.0));
      call(
          HttpMethod.POST,
          h + "/points/query",
          new JsonObject()
              .put(
                  "prefetch",
                  new JsonArray()
                      .add(new JsonObject().put("query", q).put("limit", 4))
                      .add(
                          new JsonObject()
                              .put("query", sparseQuery)
                              .put("using", "text")
                              .put("limit", 4)))
              .put("query", new JsonObject().put("fusion", "rrf"))
              .put("with_vector", new JsonArray().add("text"))
              .put("limit", 3));
      call(
          HttpMethod.POST,
          h + "/points/search",
          new JsonObject()
              .put("vector", new JsonObject().put("name", "text").put("vector", sparseQuery.copy()))
              .put("with_vector", true)
              .put("limit", 3));
      call(
          HttpMethod.POST,
          h + "/points/query",
          new JsonObject().put("query", sparseQuery.copy()).put("using", "nothing"));
      call(
          HttpMethod.PUT,
          h + "/points/vectors?wait=true",
          new JsonObject()
              .put(
                  "points",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("id", 1)
                              .put("vector", new JsonObject().put("text", sparseQuery.copy())))));
      call(
          HttpMethod.PUT,
          h + "/points/vectors",
          new JsonObject()
              .put(
                  "points",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("id", 999)
                              .put("vector", new JsonObject().put("text", sparseQuery.copy())))));
      call(
          HttpMethod.POST,
          h + "/points/vectors/delete?wait=true",
          new JsonObject()
              .put("points", new JsonArray().add(2))
              .put("vector", new JsonArray().add("text")));
      call(
          HttpMethod.POST,
          h + "/points/vectors/delete",
          new JsonObject().put("points", new JsonArray().add(2)).put("vector", new JsonArray()));
      call(HttpMethod.DELETE, h, null);
      String nv = "/collections/named";
      call(
          HttpMethod.PUT,
          nv,
          new JsonObject()
              .put(
                  "vectors",
                  new JsonObject()
                      .put("a", new JsonObject().put("size", 2).put("distance", "Dot"))
                      .put(
                          "b",
                          new JsonObject()
                              .put("size", 3)
                              .put("distance", "Euclid")
                              .put("hnsw_config", new JsonObject().put("m", 4)))));
      call(
          HttpMethod.PUT,
          nv + "/points?wait=true",
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
                                      .put("a", new JsonArray().add(1).add(2))
                                      .put("b", new JsonArray().add(1).add(2).add(3))))));
      call(HttpMethod.GET, nv, null);
      call(HttpMethod.GET, nv + "/points/1", null);
      call(
          HttpMethod.POST,
          nv + "/points/query",
          new JsonObject()
              .put("query", new JsonArray().add(1).add(2).add(3))
              .put("using", "b")
              .put("with_vector", true));
      call(HttpMethod.DELETE, nv, null);
      call(HttpMethod.POST, c + "/points/scroll", new JsonObject().put("limit", 10));
      call(
          HttpMethod.POST,
          c + "/points/scroll",
          new JsonObject()
              .put("limit", 5)
              .put("filter", filter)
              .put("with_vector", true)
              .put("order_by", new JsonObject().put("key", "n").put("direction", "desc")));
      call(HttpMethod.POST, c + "/points/count", new JsonObject().put("filter", filter));
      call(
          HttpMethod.POST,
          c + "/points/count",
          new JsonObject().put("filter", new JsonObject().put("must", 3)));
      call(
          HttpMethod.POST,
          c + "/points/payload?wait=true",
          new JsonObject()
              .put("payload", new JsonObject().put("flag", true))
              .put("points", new JsonArray().add(1)));
      call(
          HttpMethod.PUT,
          c + "/points/payload?wait=true",
          new JsonObject().put("payload", new JsonObject().put("only", 1)).put("filter", filter));
      call(
          HttpMethod.POST,
          c + "/points/payload/delete?wait=true",
          new JsonObject()
              .put("keys", new JsonArray().add("flag"))
              .put("points", new JsonArray().add(1)));
      call(
          HttpMethod.POST,
          c + "/points/payload/clear?wait=true",
          new JsonObject().put("points", new JsonArray().add(2)));
      call(HttpMethod.DELETE, c + "/index/color?wait=true", null);
      call(HttpMethod.DELETE, c + "/index/nothing?wait=true", null);
      call(
          HttpMethod.POST,
          c + "/points/delete?wait=true",
          new JsonObject().put("points", new JsonArray().add(3).add(4)));
      call(HttpMethod.POST, c + "/points/delete", new JsonObject().put("filter", filter));
      call(
          HttpMethod.POST,
          c + "/points/batch?wait=true",
          new JsonObject()
              .put(
                  "operations",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put(
                                  "upsert",
                                  new JsonObject()
                                      .put(
                                          "points",
                                          new JsonArray().add(point(50, 0.1, 0.2, 0.3, 0.4)))))
                      .add(
                          new JsonObject()
                              .put(
                                  "delete",
                                  new JsonObject().put("points", new JsonArray().add(50))))));
      call(
          HttpMethod.POST,
          c + "/points/batch",
          new JsonObject().put("operations", new JsonArray().add(new JsonObject().put("nope", 1))));
      call(HttpMethod.POST, c + "/snapshots", null);
      TestNode.Reply listed = call(HttpMethod.GET, c + "/snapshots", null);
      if (listed.status() == 200 && !((JsonArray) listed.result()).isEmpty()) {
        String name = ((JsonArray) listed.result()).getJsonObject(0).getString("name");
        call(HttpMethod.DELETE, c + "/snapshots/" + name, null);
      }
      call(HttpMethod.DELETE, c + "/snapshots/none.snapshot", null);
      call(HttpMethod.DELETE, c, null);
      call(HttpMethod.DELETE, c, null);
      assertTrue(covered.size() >= 35, "covered " + covered);
      assertEquals(List.of(), problems, "responses outside Qdrant's schema; covered " + covered);
    } finally {
      t.close();
    }
  }
}
