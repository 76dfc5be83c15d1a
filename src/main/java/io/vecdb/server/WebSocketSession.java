package io.vecdb.server;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * One {@code /ws} connection: JSON requests ({@code {"id", "action", "collection", "wait",
 * "body"}}) forwarded to the bus, each reply carrying the request's id; and change-feed
 * subscriptions ({@code "action": "subscribe"}) pushing applied changes of a collection. Message
 * shapes: docs/websocket.md.
 *
 * <p>Confined to the event loop of the connection: all handlers (frames, bus replies, feed events)
 * run there, so the subscription table needs no lock.
 */
final class WebSocketSession {
  private final Vertx vertx;
  private final ServerWebSocket ws;
  private final Map<String, MessageConsumer<JsonObject>> subscriptions = new HashMap<>();

  WebSocketSession(Vertx vertx, ServerWebSocket ws) {
    this.vertx = vertx;
    this.ws = ws;
  }

  void start() {
    ws.textMessageHandler(this::onText);
    ws.binaryMessageHandler(b -> onText(b.toString()));
    ws.closeHandler(v -> subscriptions.values().forEach(MessageConsumer::unregister));
  }

  private void onText(String text) {
    long start = System.nanoTime();
    JsonObject msg;
    try {
      msg = new JsonObject(text);
    } catch (DecodeException e) {
      error(null, 400, "message: malformed JSON, expected {\"id\", \"action\", ...}", start);
      return;
    }
    Object id = msg.getValue("id");
    Object actionName = msg.getValue("action");
    if (!(actionName instanceof String name)) {
      error(id, 400, "action: expected a string such as \"upsert_points\" or \"search\"", start);
      return;
    }
    Object collection = msg.getValue("collection");
    if (collection != null && !(collection instanceof String)) {
      error(id, 400, "collection: expected a string", start);
      return;
    }
    switch (name) {
      case "subscribe" -> subscribe(id, (String) collection, start);
      case "unsubscribe" -> unsubscribe(id, (String) collection, start);
      default -> forward(id, name, msg, start);
    }
  }

  private void forward(Object id, String name, JsonObject msg, long start) {
    ApiRequest request;
    try {
      JsonObject json = msg.copy().put("action", alias(name));
      json.remove("id");
      request = ApiRequest.fromJson(json);
    } catch (IllegalArgumentException | ClassCastException e) {
      error(id, 400, e.getMessage(), start);
      return;
    }
    String address = request.action().isWrite() ? Addresses.INGEST : Addresses.SEARCH;
    DeliveryOptions delivery =
        new DeliveryOptions().setSendTimeout(IngestVerticle.WRITE_TIMEOUT_MS + 1000);
    vertx
        .eventBus()
        .<ApiReply>request(address, request, delivery)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                send(
                    new JsonObject()
                        .put("id", id)
                        .put("result", ar.result().body().result())
                        .put("status", "ok")
                        .put("time", seconds(start)));
              } else {
                var e = BusMessages.unwrap(ar.cause());
                error(id, HttpStatus.of(e.code()), e.getMessage(), start);
              }
            });
  }

  private static String alias(String name) {
    return switch (name) {
      case "upsert" -> "upsert_points";
      case "delete" -> "delete_points";
      default -> name;
    };
  }

  private void subscribe(Object id, String collection, long start) {
    if (collection == null) {
      error(id, 400, "collection: expected the name of the collection to follow", start);
      return;
    }
    if (!subscriptions.containsKey(collection)) {
      MessageConsumer<JsonObject> consumer =
          vertx
              .eventBus()
              .consumer(
                  Addresses.changes(collection),
                  m -> send(m.body().copy().put("type", "change").put("subscription", id)));
      subscriptions.put(collection, consumer);
      consumer
          .completion()
          .onComplete(
              ar ->
                  send(
                      new JsonObject()
                          .put("id", id)
                          .put("result", new JsonObject().put("subscribed", collection))
                          .put("status", "ok")
                          .put("time", seconds(start))));
      return;
    }
    send(
        new JsonObject()
            .put("id", id)
            .put("result", new JsonObject().put("subscribed", collection))
            .put("status", "ok")
            .put("time", seconds(start)));
  }

  private void unsubscribe(Object id, String collection, long start) {
    MessageConsumer<JsonObject> consumer =
        collection == null ? null : subscriptions.remove(collection);
    if (consumer == null) {
      error(id, 404, "collection: no subscription to \"" + collection + "\"", start);
      return;
    }
    consumer.unregister();
    send(
        new JsonObject()
            .put("id", id)
            .put("result", new JsonObject().put("unsubscribed", collection))
            .put("status", "ok")
            .put("time", seconds(start)));
  }

  private void error(Object id, int code, String message, long start) {
    send(
        new JsonObject()
            .put("id", id)
            .put("status", new JsonObject().put("error", message))
            .put("code", code)
            .put("time", seconds(start)));
  }

  private void send(JsonObject json) {
    if (!ws.isClosed()) {
      ws.writeTextMessage(json.encode());
    }
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
