package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.config.VecdbOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * API keys (issue 11, item 3): with {@code api_key} and {@code read_only_api_key} set, every route
 * but the health probes needs a key (401 without or with a wrong one), a read-only key reads and is
 * refused every write (403, nothing changes), the full key does anything; the same on the
 * WebSocket, checked at the upgrade and per message.
 */
@ExtendWith(VertxExtension.class)
class ApiKeysTest {
  private static final String FULL = "full-key-0123";
  private static final String READ = "read-only-key-4567";
  private static final Map<String, String> NONE = Map.of();
  private static final Map<String, String> WRONG = Map.of("api-key", "guess");
  private static final Map<String, String> RO = Map.of("Authorization", "Bearer " + READ);
  private static final Map<String, String> ALL = Map.of("api-key", FULL);

  private TestNode t;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    t = TestNode.start(vertx, new VecdbOptions().setApiKey(FULL).setReadOnlyApiKey(READ));
    JsonObject create =
        new JsonObject().put("vectors", new JsonObject().put("size", 2).put("distance", "Dot"));
    assertEquals(200, t.call(HttpMethod.PUT, "/collections/c", create, ALL).status());
    JsonObject points = upsertOf(1, 1, 0);
    assertEquals(
        200, t.call(HttpMethod.PUT, "/collections/c/points?wait=true", points, ALL).status());
  }

  @AfterEach
  void stop() throws Exception {
    t.close();
  }

  /** An upsert body of one 2-d point. */
  private static JsonObject upsertOf(long id, float x, float y) {
    return new JsonObject()
        .put(
            "points",
            new JsonArray()
                .add(new JsonObject().put("id", id).put("vector", new JsonArray().add(x).add(y))));
  }

  private int status(HttpMethod m, String path, Object body, Map<String, String> headers)
      throws Exception {
    return t.call(m, path, body, headers).status();
  }

  @Test
  void everyRouteNeedsAKeyAndAReadOnlyKeyOnlyReads() throws Exception {
    for (String probe : new String[] {"/healthz", "/livez", "/readyz"}) {
      assertEquals(200, status(HttpMethod.GET, probe, null, NONE), probe + " stays open");
    }
    JsonObject search =
        new JsonObject().put("vector", new JsonArray().add(1).add(0)).put("limit", 1);
    JsonObject upsert = upsertOf(2, 0, 1);
    Object[][] reads = {
      {HttpMethod.GET, "/collections", null},
      {HttpMethod.GET, "/collections/c", null},
      {HttpMethod.GET, "/", null},
      {HttpMethod.GET, "/metrics", null},
      {HttpMethod.GET, "/collections/c/snapshots", null},
      {HttpMethod.POST, "/collections/c/points/search", search},
      {HttpMethod.POST, "/collections/c/points/scroll", new JsonObject()},
      {HttpMethod.POST, "/collections/c/points/count", new JsonObject()},
      {
        HttpMethod.POST,
        "/collections/c/points",
        new JsonObject().put("ids", new JsonArray().add(1))
      },
    };
    for (Object[] r : reads) {
      HttpMethod m = (HttpMethod) r[0];
      String path = (String) r[1];
      assertEquals(401, status(m, path, r[2], NONE), m + " " + path + " without a key");
      assertEquals(401, status(m, path, r[2], WRONG), m + " " + path + " with a wrong key");
      assertEquals(200, status(m, path, r[2], RO), m + " " + path + " with the read-only key");
      assertEquals(200, status(m, path, r[2], ALL), m + " " + path + " with the full key");
    }
    Object[][] writes = {
      {HttpMethod.PUT, "/collections/c/points?wait=true", upsert},
      {
        HttpMethod.POST,
        "/collections/c/points/delete?wait=true",
        new JsonObject().put("points", new JsonArray().add(1))
      },
      {
        HttpMethod.PUT,
        "/collections/d",
        new JsonObject().put("vectors", new JsonObject().put("size", 2).put("distance", "Dot"))
      },
      {HttpMethod.DELETE, "/collections/c", null},
      {HttpMethod.POST, "/collections/c/snapshots", null},
    };
    for (Object[] w : writes) {
      HttpMethod m = (HttpMethod) w[0];
      String path = (String) w[1];
      assertEquals(401, status(m, path, w[2], NONE), m + " " + path + " without a key");
      var refused = t.call(m, path, w[2], RO);
      assertEquals(403, refused.status(), m + " " + path + " with the read-only key");
      assertTrue(refused.error().contains("read-only"), refused.text());
    }
    // Nothing the refused writes asked for happened.
    JsonObject c = t.call(HttpMethod.GET, "/collections/c", null, ALL).resultObject();
    assertEquals(1, c.getLong("points_count"));
    assertEquals(404, status(HttpMethod.GET, "/collections/d", null, ALL));
    // The full key writes.
    assertEquals(200, status(HttpMethod.PUT, "/collections/c/points?wait=true", upsert, ALL));
  }

  @Test
  void theWebSocketChecksTheKeyAtTheUpgradeAndWritesPerMessage(Vertx vertx) throws Exception {
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      WebSocketConnectOptions plain =
          new WebSocketConnectOptions()
              .setHost("127.0.0.1")
              .setPort(t.node.httpPort())
              .setURI("/ws");
      Throwable refused =
          org.junit.jupiter.api.Assertions.assertThrows(
              Exception.class, () -> TestNode.await(client.connect(plain)));
      assertTrue(String.valueOf(refused).contains("401"), String.valueOf(refused));
      WebSocket ws =
          TestNode.await(
              client.connect(new WebSocketConnectOptions(plain).addHeader("api-key", READ)));
      LinkedBlockingQueue<JsonObject> inbox = new LinkedBlockingQueue<>();
      ws.textMessageHandler(s -> inbox.add(new JsonObject(s)));
      TestNode.await(
          ws.writeTextMessage(
              new JsonObject()
                  .put("id", 1)
                  .put("action", "search")
                  .put("collection", "c")
                  .put("body", new JsonObject().put("vector", new JsonArray().add(1).add(0)))
                  .encode()));
      JsonObject searched = inbox.poll(10, TimeUnit.SECONDS);
      assertEquals("ok", searched.getString("status"), searched.encode());
      TestNode.await(
          ws.writeTextMessage(
              new JsonObject()
                  .put("id", 2)
                  .put("action", "upsert_points")
                  .put("collection", "c")
                  .put("body", upsertOf(9, 0, 1))
                  .encode()));
      JsonObject written = inbox.poll(10, TimeUnit.SECONDS);
      assertTrue(written.encode().contains("read-only"), written.encode());
      TestNode.await(ws.close());
      assertEquals(
          1,
          t.call(HttpMethod.GET, "/collections/c", null, ALL)
              .resultObject()
              .getLong("points_count"));
    } finally {
      TestNode.await(client.close());
    }
  }
}
