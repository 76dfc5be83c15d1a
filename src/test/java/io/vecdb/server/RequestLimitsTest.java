package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.collection.Limits;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The per-request bounds of {@link Limits} (issue 11, item 5): each is refused with 400 naming the
 * field and the bound, and the refused request changes nothing; at the bound it is served.
 */
@ExtendWith(VertxExtension.class)
class RequestLimitsTest {
  private static JsonArray v(float x) {
    return new JsonArray().add(x);
  }

  private static void refused(TestNode.Reply r, String field) {
    assertEquals(400, r.status(), r.text());
    assertTrue(r.error().startsWith(field + ":"), r.error());
    assertTrue(r.error().contains("at most") || r.error().contains("in [1, "), r.error());
  }

  @Test
  void oversizedRequestsAreRefusedNamingTheBound(Vertx vertx) throws Exception {
    try (TestNode t = TestNode.start(vertx)) {
      JsonObject create =
          new JsonObject()
              .put("vectors", new JsonObject().put("size", 1).put("distance", "Euclid"));
      assertEquals(200, t.call(HttpMethod.PUT, "/collections/c", create).status());
      JsonArray pts = new JsonArray();
      for (int i = 0; i < 100; i++) {
        pts.add(new JsonObject().put("id", i).put("vector", v(i)));
      }
      assertEquals(
          200,
          t.call(
                  HttpMethod.PUT,
                  "/collections/c/points?wait=true",
                  new JsonObject().put("points", pts))
              .status());
      String search = "/collections/c/points/search";
      refused(
          t.call(
              HttpMethod.POST, search, new JsonObject().put("vector", v(1)).put("limit", 10_001)),
          "limit");
      refused(
          t.call(
              HttpMethod.POST,
              search,
              new JsonObject().put("vector", v(1)).put("limit", 9_000).put("offset", 2_000)),
          "offset");
      TestNode.Reply atBound =
          t.call(
              HttpMethod.POST,
              search,
              new JsonObject().put("vector", v(1)).put("limit", 5_000).put("offset", 5_000));
      assertEquals(200, atBound.status(), atBound.text());
      refused(
          t.call(
              HttpMethod.POST,
              "/collections/c/points/query",
              new JsonObject().put("query", v(1)).put("limit", 10_001)),
          "limit");
      JsonArray many = new JsonArray();
      for (int i = 0; i <= Limits.BATCH_SEARCHES; i++) {
        many.add(new JsonObject().put("vector", v(1)).put("limit", 1));
      }
      refused(
          t.call(HttpMethod.POST, search + "/batch", new JsonObject().put("searches", many)),
          "searches");
      JsonArray wide = new JsonArray();
      for (int i = 0; i < 11; i++) {
        wide.add(new JsonObject().put("vector", v(1)).put("limit", 10_000));
      }
      refused(
          t.call(HttpMethod.POST, search + "/batch", new JsonObject().put("searches", wide)),
          "searches");
      refused(
          t.call(
              HttpMethod.POST,
              "/collections/c/points/scroll",
              new JsonObject().put("limit", Limits.SCROLL_PAGE + 1)),
          "limit");
      JsonArray ids = new JsonArray();
      for (int i = 0; i <= Limits.POINTS_PER_REQUEST; i++) {
        ids.add(i);
      }
      refused(
          t.call(HttpMethod.POST, "/collections/c/points", new JsonObject().put("ids", ids)),
          "ids");
      refused(
          t.call(
              HttpMethod.POST,
              "/collections/c/points/delete?wait=true",
              new JsonObject().put("points", ids)),
          "points");
      JsonArray tooMany = new JsonArray();
      for (int i = 0; i <= Limits.POINTS_PER_REQUEST; i++) {
        tooMany.add(new JsonObject().put("id", 1_000 + i).put("vector", v(i)));
      }
      refused(
          t.call(
              HttpMethod.PUT,
              "/collections/c/points?wait=true",
              new JsonObject().put("points", tooMany)),
          "points");
      // Nothing changed.
      TestNode.Reply count =
          t.call(HttpMethod.POST, "/collections/c/points/count", new JsonObject());
      assertEquals(100L, count.resultObject().getLong("count"));
    }
  }
}
