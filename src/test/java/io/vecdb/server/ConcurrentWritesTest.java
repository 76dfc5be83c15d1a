package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Concurrent clients overwrite the same ids with {@code wait=false} while others search. Every
 * acknowledged write carries its operation id; once a final {@code wait=true} write has completed,
 * each point must hold exactly the content of the acknowledged write with the highest operation id
 * that touched it: operations are applied in log order and none is lost.
 */
@ExtendWith(VertxExtension.class)
class ConcurrentWritesTest {
  private record Written(long op, JsonObject point) {}

  @Test
  void lastLoggedWriteWinsForEveryPoint(Vertx vertx) throws Exception {
    long seed = Long.getLong("tests.seed", System.nanoTime());
    Random random = new Random(seed);
    try (TestNode t = TestNode.start(vertx)) {
      t.put(
          "/collections/w",
          new JsonObject().put("vectors", new JsonObject().put("size", 4).put("distance", "Dot")));
      int writers = 4;
      int batches = 30;
      List<Future<HttpResponse<Buffer>>> inFlight = new ArrayList<>();
      List<JsonArray> bodies = new ArrayList<>();
      for (int b = 0; b < batches; b++) {
        for (int w = 0; w < writers; w++) {
          JsonArray points = new JsonArray();
          for (int i = 0; i < 10; i++) {
            JsonArray v = new JsonArray();
            for (int d = 0; d < 4; d++) {
              v.add((float) random.nextGaussian());
            }
            points.add(
                new JsonObject()
                    .put("id", random.nextInt(100))
                    .put("vector", v)
                    .put("payload", new JsonObject().put("writer", w).put("batch", b).put("i", i)));
          }
          bodies.add(points);
          inFlight.add(
              t.client
                  .put("/collections/w/points")
                  .addQueryParam("wait", "false")
                  .sendJsonObject(new JsonObject().put("points", points)));
        }
        // Searches run alongside the writes.
        inFlight.add(
            t.client
                .post("/collections/w/points/search")
                .sendJsonObject(
                    new JsonObject()
                        .put("vector", new JsonArray().add(1).add(0).add(0).add(0))
                        .put("limit", 5)));
        if (inFlight.size() > 32) {
          TestNode.await(Future.all(inFlight));
        }
      }
      TestNode.await(Future.all(inFlight));
      Map<Object, Written> expected = new HashMap<>();
      int body = 0;
      for (Future<HttpResponse<Buffer>> f : inFlight) {
        HttpResponse<Buffer> r = f.result();
        assertEquals(200, r.statusCode(), r.bodyAsString());
        if (!(r.bodyAsJsonObject().getValue("result") instanceof JsonObject result)) {
          continue; // a search
        }
        assertEquals("acknowledged", result.getString("status"));
        long op = result.getLong("operation_id");
        for (Object o : bodies.get(body)) {
          JsonObject p = (JsonObject) o;
          Written prev = expected.get(p.getValue("id"));
          // Within one batch a later duplicate id wins; across batches the higher operation id.
          if (prev == null || prev.op() <= op) {
            expected.put(p.getValue("id"), new Written(op, p));
          }
        }
        body++;
      }
      assertEquals(writers * batches, body);
      // A waited write on the same collection completes only after every earlier one is applied.
      var fence =
          t.put(
              "/collections/w/points?wait=true",
              new JsonObject()
                  .put(
                      "points",
                      new JsonArray()
                          .add(
                              new JsonObject()
                                  .put("id", 1000)
                                  .put("vector", new JsonArray().add(1).add(1).add(1).add(1)))));
      assertEquals("completed", fence.resultObject().getString("status"));
      JsonArray all =
          t.post(
                  "/collections/w/points/scroll",
                  new JsonObject().put("limit", 1000).put("with_vector", true))
              .resultObject()
              .getJsonArray("points");
      assertEquals(expected.size() + 1, all.size(), "seed " + seed);
      for (Object o : all) {
        JsonObject p = (JsonObject) o;
        if (p.getInteger("id") == 1000) {
          continue;
        }
        Written w = expected.get(p.getInteger("id"));
        assertTrue(w != null, "unexpected id " + p.getInteger("id") + " seed " + seed);
        assertEquals(
            w.point().getJsonObject("payload"),
            p.getJsonObject("payload"),
            "id " + p.getInteger("id") + " seed " + seed);
        JsonArray v = p.getJsonArray("vector");
        for (int d = 0; d < 4; d++) {
          assertEquals(
              w.point().getJsonArray("vector").getFloat(d), v.getFloat(d), 0f, "seed " + seed);
        }
      }
    }
  }
}
