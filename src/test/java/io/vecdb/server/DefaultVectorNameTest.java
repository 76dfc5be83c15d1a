package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Qdrant's default vector name, the empty string, as LangChain's Python store uses it (issue 9):
 * created as {@code vectors: {"": {...}}} with {@code sparse_vectors: {}}, upserted as {@code
 * vector: {"": [...]}}, searched with {@code using: ""} or a named vector of name "". Other names
 * are refused, naming the field.
 */
@ExtendWith(VertxExtension.class)
class DefaultVectorNameTest {
  @Test
  void theEmptyNameIsTheUnnamedVectorEverywhere(Vertx vertx) throws Exception {
    try (TestNode t = TestNode.start(vertx)) {
      JsonObject create =
          new JsonObject()
              .put(
                  "vectors",
                  new JsonObject()
                      .put("", new JsonObject().put("size", 3).put("distance", "Cosine")))
              .put("sparse_vectors", new JsonObject());
      TestNode.Reply created = t.call(HttpMethod.PUT, "/collections/lc", create);
      assertEquals(200, created.status(), created.text());
      JsonArray points = new JsonArray();
      float[][] vs = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
      for (int i = 0; i < vs.length; i++) {
        points.add(
            new JsonObject()
                .put("id", i + 1)
                .put(
                    "vector",
                    new JsonObject()
                        .put("", new JsonArray().add(vs[i][0]).add(vs[i][1]).add(vs[i][2])))
                .put("payload", new JsonObject().put("page_content", "doc " + (i + 1))));
      }
      TestNode.Reply upserted =
          t.call(
              HttpMethod.PUT,
              "/collections/lc/points?wait=true",
              new JsonObject().put("points", points));
      assertEquals(200, upserted.status(), upserted.text());
      TestNode.Reply queried =
          t.call(
              HttpMethod.POST,
              "/collections/lc/points/query",
              new JsonObject()
                  .put("query", new JsonArray().add(0).add(1).add(0.1))
                  .put("using", "")
                  .put("limit", 1)
                  .put("with_payload", true));
      assertEquals(200, queried.status(), queried.text());
      JsonObject hit = queried.resultObject().getJsonArray("points").getJsonObject(0);
      assertEquals(2, hit.getLong("id"));
      assertEquals("doc 2", hit.getJsonObject("payload").getString("page_content"));
      TestNode.Reply searched =
          t.call(
              HttpMethod.POST,
              "/collections/lc/points/search",
              new JsonObject()
                  .put(
                      "vector",
                      new JsonObject()
                          .put("name", "")
                          .put("vector", new JsonArray().add(0).add(0).add(1)))
                  .put("limit", 1));
      assertEquals(200, searched.status(), searched.text());
      assertEquals(3, ((JsonArray) searched.result()).getJsonObject(0).getLong("id"));
      JsonObject info = t.call(HttpMethod.GET, "/collections/lc", null).resultObject();
      JsonObject vectors =
          info.getJsonObject("config").getJsonObject("params").getJsonObject("vectors");
      assertEquals(3, vectors.getInteger("size"), info.encode());

      JsonObject named =
          new JsonObject()
              .put(
                  "vectors",
                  new JsonObject()
                      .put(
                          "text-dense", new JsonObject().put("size", 3).put("distance", "Cosine")));
      // A collection of named vectors only (LlamaIndex's "text-dense"): a plain vector, which is
      // the vector named "", is refused there, naming the vectors it has.
      assertEquals(200, t.call(HttpMethod.PUT, "/collections/li", named).status());
      TestNode.Reply refused =
          t.put(
              "/collections/li/points?wait=true",
              new JsonObject()
                  .put(
                      "points",
                      new JsonArray()
                          .add(
                              new JsonObject()
                                  .put("id", 1)
                                  .put("vector", new JsonArray().add(1).add(0).add(0)))));
      assertEquals(400, refused.status(), refused.text());
      assertTrue(refused.error().contains("[text-dense]"), refused.error());
    }
  }
}
