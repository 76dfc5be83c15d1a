package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.config.VecdbOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Qdrant's {@code timeout} parameter on a single node (issue 11, item 5): validated on reads and
 * writes; a read that runs past it is stopped on its search worker and answered 408, and the worker
 * serves the next request at once.
 */
@ExtendWith(VertxExtension.class)
class RequestTimeoutTest {
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  @Test
  void aReadPastItsTimeoutIsStoppedAndAnswered408(Vertx vertx) throws Exception {
    Random r = new Random(SEED);
    int dim = 32;
    try (TestNode t = TestNode.start(vertx, new VecdbOptions())) {
      JsonObject create =
          new JsonObject()
              .put("vectors", new JsonObject().put("size", dim).put("distance", "Euclid"));
      assertEquals(200, t.call(HttpMethod.PUT, "/collections/c", create).status());
      int n = 30_000;
      for (int from = 0; from < n; from += 2_000) {
        JsonArray pts = new JsonArray();
        for (int id = from; id < from + 2_000; id++) {
          pts.add(new JsonObject().put("id", id).put("vector", vector(r, dim)));
        }
        assertEquals(
            200,
            t.call(
                    HttpMethod.PUT,
                    "/collections/c/points?wait=true",
                    new JsonObject().put("points", pts))
                .status());
      }
      // Bad values are refused, naming the parameter.
      for (String bad : new String[] {"0", "abc", "3601"}) {
        TestNode.Reply reply =
            t.call(
                HttpMethod.POST,
                "/collections/c/points/search?timeout=" + bad,
                new JsonObject().put("vector", vector(r, dim)).put("limit", 1));
        assertEquals(400, reply.status(), bad);
        assertTrue(reply.error().contains("timeout"), reply.error());
        assertEquals(
            400,
            t.call(
                    HttpMethod.PUT,
                    "/collections/c/points?wait=true&timeout=" + bad,
                    new JsonObject().put("points", new JsonArray()))
                .status());
      }
      // A timeout that leaves room: answered as usual.
      TestNode.Reply quick =
          t.call(
              HttpMethod.POST,
              "/collections/c/points/search?timeout=30",
              new JsonObject().put("vector", vector(r, dim)).put("limit", 3));
      assertEquals(200, quick.status(), quick.text());
      // Thousands of exact scans over 30,000 points (many seconds of work): stopped after 1 s.
      JsonArray searches = new JsonArray();
      for (int i = 0; i < 8_000; i++) {
        searches.add(
            new JsonObject()
                .put("vector", vector(r, dim))
                .put("limit", 1)
                .put("params", new JsonObject().put("exact", true)));
      }
      long started = System.nanoTime();
      TestNode.Reply stopped =
          t.call(
              HttpMethod.POST,
              "/collections/c/points/search/batch?timeout=1",
              new JsonObject().put("searches", searches));
      double seconds = (System.nanoTime() - started) / 1e9;
      assertEquals(408, stopped.status(), stopped.text());
      assertTrue(stopped.error().contains("timeout of 1 s"), stopped.error());
      assertTrue(seconds < 4, "answered after " + seconds + " s: the work was not stopped");
      TestNode.Reply after =
          t.call(
              HttpMethod.POST,
              "/collections/c/points/search",
              new JsonObject().put("vector", vector(r, dim)).put("limit", 3));
      assertEquals(200, after.status());
      assertEquals(3, ((JsonArray) after.result()).size());
      // A write with wait=true and room to spare completes as usual.
      TestNode.Reply write =
          t.call(
              HttpMethod.PUT,
              "/collections/c/points?wait=true&timeout=30",
              new JsonObject()
                  .put(
                      "points",
                      new JsonArray()
                          .add(new JsonObject().put("id", n).put("vector", vector(r, dim)))));
      assertEquals(200, write.status(), write.text());
      assertEquals("completed", write.resultObject().getString("status"));
    }
  }

  /** The WebSocket carries {@code params.timeout} as the bus does: validated, and applied. */
  @Test
  void theWebSocketTakesTimeoutInParams(Vertx vertx) throws Exception {
    try (TestNode t = TestNode.start(vertx)) {
      JsonObject create =
          new JsonObject().put("vectors", new JsonObject().put("size", 2).put("distance", "Dot"));
      assertEquals(200, t.call(HttpMethod.PUT, "/collections/c", create).status());
      io.vertx.core.http.WebSocketClient client = vertx.createWebSocketClient();
      io.vertx.core.http.WebSocket ws =
          TestNode.await(
              client.connect(
                  new io.vertx.core.http.WebSocketConnectOptions()
                      .setHost("127.0.0.1")
                      .setPort(t.node.httpPort())
                      .setURI("/ws")));
      java.util.concurrent.LinkedBlockingQueue<JsonObject> inbox =
          new java.util.concurrent.LinkedBlockingQueue<>();
      ws.textMessageHandler(s -> inbox.add(new JsonObject(s)));
      JsonObject search =
          new JsonObject().put("vector", new JsonArray().add(1).add(0)).put("limit", 1);
      for (Object timeout : new Object[] {"abc", 5}) {
        TestNode.await(
            ws.writeTextMessage(
                new JsonObject()
                    .put("id", 1)
                    .put("action", "search")
                    .put("collection", "c")
                    .put("params", new JsonObject().put("timeout", timeout))
                    .put("body", search)
                    .encode()));
        JsonObject reply = inbox.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        if (timeout.equals("abc")) {
          assertTrue(reply.encode().contains("timeout: expected an integer"), reply.encode());
        } else {
          assertEquals("ok", reply.getString("status"), reply.encode());
        }
      }
      TestNode.await(ws.close());
    }
  }

  private static JsonArray vector(Random r, int dim) {
    JsonArray v = new JsonArray();
    for (int d = 0; d < dim; d++) {
      v.add(r.nextFloat());
    }
    return v;
  }
}
