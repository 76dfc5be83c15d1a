package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** /ws: streamed upserts and searches with echoed ids (errors too) and the change feed. */
@ExtendWith(VertxExtension.class)
class WebSocketTest {
  private TestNode t;
  private WebSocketClient wsClient;
  private WebSocket ws;
  private final LinkedBlockingQueue<JsonObject> inbox = new LinkedBlockingQueue<>();

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    t = TestNode.start(vertx);
    wsClient = vertx.createWebSocketClient();
    ws =
        TestNode.await(
            wsClient.connect(
                new WebSocketConnectOptions()
                    .setHost("127.0.0.1")
                    .setPort(t.node.httpPort())
                    .setURI("/ws")));
    ws.textMessageHandler(s -> inbox.add(new JsonObject(s)));
  }

  @AfterEach
  void stop() throws Exception {
    TestNode.await(ws.close());
    TestNode.await(wsClient.close());
    t.close();
  }

  private JsonObject next() throws InterruptedException {
    JsonObject m = inbox.poll(10, TimeUnit.SECONDS);
    assertTrue(m != null, "no message within 10 s");
    return m;
  }

  private void send(JsonObject m) throws Exception {
    TestNode.await(ws.writeTextMessage(m.encode()));
  }

  private JsonObject request(Object id, JsonObject m) throws Exception {
    send(m.put("id", id));
    JsonObject reply = next();
    while (!id.equals(reply.getValue("id"))) {
      reply = next(); // change events may interleave
    }
    return reply;
  }

  /** A 2-d Euclid collection, created over the socket. */
  private void createCollection(String name) throws Exception {
    JsonObject created =
        request(
            "create-" + name,
            new JsonObject()
                .put("action", "create_collection")
                .put("collection", name)
                .put(
                    "body",
                    new JsonObject()
                        .put(
                            "vectors", new JsonObject().put("size", 2).put("distance", "Euclid"))));
    assertEquals("ok", created.getString("status"), created.encode());
  }

  @Test
  void streamsRequestsAndEchoesIds() throws Exception {
    createCollection("w");
    JsonArray points = new JsonArray();
    for (int i = 0; i < 20; i++) {
      points.add(new JsonObject().put("id", i).put("vector", new JsonArray().add(i).add(0)));
    }
    // Pipelined: several requests in flight on one connection, replies matched by id.
    List<Integer> ids = List.of(101, 102, 103);
    for (int id : ids) {
      send(
          new JsonObject()
              .put("id", id)
              .put("action", "upsert")
              .put("collection", "w")
              .put("wait", true)
              .put("body", new JsonObject().put("points", points)));
    }
    List<Object> echoed = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      JsonObject r = next();
      assertEquals("completed", r.getJsonObject("result").getString("status"), r.encode());
      echoed.add(r.getValue("id"));
    }
    assertTrue(echoed.containsAll(ids), echoed.toString());
    JsonObject hits =
        request(
            "s1",
            new JsonObject()
                .put("action", "search")
                .put("collection", "w")
                .put(
                    "body",
                    new JsonObject()
                        .put("vector", new JsonArray().add(7.2).add(0))
                        .put("limit", 2)));
    JsonArray result = hits.getJsonArray("result");
    assertEquals(7, result.getJsonObject(0).getInteger("id"));
    assertEquals(8, result.getJsonObject(1).getInteger("id"));
    // Errors carry the id too, with the status code and a message naming the field.
    JsonObject bad =
        request(
            "e1",
            new JsonObject()
                .put("action", "upsert")
                .put("collection", "w")
                .put(
                    "body",
                    new JsonObject()
                        .put(
                            "points",
                            new JsonArray()
                                .add(
                                    new JsonObject()
                                        .put("id", 1)
                                        .put("vector", new JsonArray().add(1))))));
    assertEquals(400, bad.getInteger("code"));
    assertTrue(
        bad.getJsonObject("status").getString("error").contains("points[0].vector"), bad.encode());
    JsonObject unknown =
        request("e2", new JsonObject().put("action", "frobnicate").put("collection", "w"));
    assertTrue(unknown.getJsonObject("status").getString("error").contains("frobnicate"));
    JsonObject missing =
        request(
            "e3",
            new JsonObject()
                .put("action", "search")
                .put("collection", "nope")
                .put("body", new JsonObject().put("vector", new JsonArray().add(1))));
    assertEquals(404, missing.getInteger("code"));
    send(new JsonObject().put("id", 5)); // no action
    JsonObject noAction = next();
    assertEquals(5, noAction.getInteger("id"));
    assertEquals(400, noAction.getInteger("code"));
  }

  /**
   * A message's body travels to the worker as bytes: one that is not an object, or is malformed
   * inside balanced brackets, is refused there with the request's id; a message above 64 KiB is
   * decoded off the event loop, and a small one right behind it is still answered.
   */
  @Test
  void bodiesAreParsedOnceByTheWorkerThatExecutesThem() throws Exception {
    createCollection("b");
    JsonObject notObject =
        request(
            "n1",
            new JsonObject()
                .put("action", "search")
                .put("collection", "b")
                .put("body", new JsonArray().add(1)));
    assertEquals(400, notObject.getInteger("code"), notObject.encode());
    assertTrue(
        notObject.getJsonObject("status").getString("error").startsWith("body:"),
        notObject.encode());
    TestNode.await(
        ws.writeTextMessage(
            "{\"id\":\"m1\",\"action\":\"search\",\"collection\":\"b\","
                + "\"body\":{\"vector\":[1,,2]}}"));
    JsonObject malformed = next();
    assertEquals("m1", malformed.getValue("id"), malformed.encode());
    assertEquals(400, malformed.getInteger("code"), malformed.encode());
    assertTrue(
        malformed.getJsonObject("status").getString("error").startsWith("body: malformed JSON"),
        malformed.encode());
    JsonArray points = new JsonArray();
    for (int i = 0; i < 4000; i++) {
      points.add(new JsonObject().put("id", i).put("vector", new JsonArray().add(i).add(0.5)));
    }
    JsonObject big =
        new JsonObject()
            .put("id", "big")
            .put("action", "upsert")
            .put("collection", "b")
            .put("wait", true)
            .put("body", new JsonObject().put("points", points));
    assertTrue(big.encode().length() > 64 * 1024, "above the inline limit");
    send(big);
    send(new JsonObject().put("id", "small").put("action", "count").put("collection", "b"));
    java.util.Map<Object, JsonObject> replies = new java.util.HashMap<>();
    while (replies.size() < 2) {
      JsonObject r = next();
      replies.put(r.getValue("id"), r);
    }
    assertEquals("completed", replies.get("big").getJsonObject("result").getString("status"));
    assertEquals("ok", replies.get("small").getString("status"), replies.get("small").encode());
    JsonObject count =
        request("c2", new JsonObject().put("action", "count").put("collection", "b"));
    assertEquals(4000, count.getJsonObject("result").getInteger("count"), count.encode());
  }

  @Test
  void changeFeedPushesAppliedChangesWithSequenceNumbers() throws Exception {
    t.put(
        "/collections/f",
        new JsonObject().put("vectors", new JsonObject().put("size", 2).put("distance", "Dot")));
    JsonObject sub =
        request("sub", new JsonObject().put("action", "subscribe").put("collection", "f"));
    assertEquals("f", sub.getJsonObject("result").getString("subscribed"));
    var up =
        t.put(
            "/collections/f/points?wait=true",
            new JsonObject()
                .put(
                    "points",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("id", 1)
                                .put("vector", new JsonArray().add(1).add(2)))
                        .add(
                            new JsonObject()
                                .put("id", "00000000-0000-0000-0000-000000000001")
                                .put("vector", new JsonArray().add(1).add(2)))));
    long seq = up.resultObject().getLong("operation_id");
    JsonObject change = next();
    assertEquals("change", change.getString("type"));
    assertEquals("sub", change.getValue("subscription"));
    assertEquals("f", change.getString("collection"));
    assertEquals(seq, change.getLong("seq"));
    assertEquals(
        new JsonArray().add(1).add("00000000-0000-0000-0000-000000000001"),
        change.getJsonArray("upserted"));
    var del =
        t.post(
            "/collections/f/points/delete?wait=true",
            new JsonObject().put("points", new JsonArray().add(1)));
    JsonObject deleted = next();
    assertEquals(del.resultObject().getLong("operation_id"), deleted.getLong("seq"));
    assertEquals(new JsonArray().add(1), deleted.getJsonArray("deleted"));
    assertEquals(new JsonArray(), deleted.getJsonArray("upserted"));
    JsonObject unsub =
        request("u", new JsonObject().put("action", "unsubscribe").put("collection", "f"));
    assertEquals("f", unsub.getJsonObject("result").getString("unsubscribed"));
    t.post(
        "/collections/f/points/delete?wait=true",
        new JsonObject()
            .put("points", new JsonArray().add("00000000-0000-0000-0000-000000000001")));
    JsonObject ping =
        request(
            "after",
            new JsonObject()
                .put("action", "count")
                .put("collection", "f")
                .put("body", new JsonObject()));
    assertEquals(0, ping.getJsonObject("result").getInteger("count"));
    assertNull(inbox.poll(), "no change events after unsubscribe");
  }
}
