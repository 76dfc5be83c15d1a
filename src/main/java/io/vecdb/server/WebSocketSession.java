package io.vecdb.server;

import io.vecdb.collection.JsonBodies;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;

/**
 * One {@code /ws} connection: JSON requests ({@code {"id", "action", "collection", "wait",
 * "body"}}) forwarded to the bus, each reply carrying the request's id; and change-feed
 * subscriptions ({@code "action": "subscribe"}) pushing applied changes of a collection. Message
 * shapes: docs/websocket.md.
 *
 * <p>Confined to the event loop of the connection: all handlers (frames, decodes finished on a
 * worker, bus replies, feed events) run there, so the subscription table and the count of messages
 * decoding on a worker need no lock.
 */
final class WebSocketSession {
  private final Vertx vertx;
  private final ServerWebSocket ws;
  private final Map<String, MessageConsumer<JsonObject>> subscriptions = new HashMap<>();

  private final boolean readOnly;

  /**
   * @param readOnly the upgrade carried a read-only API key: writes are refused (403)
   */
  WebSocketSession(Vertx vertx, ServerWebSocket ws, boolean readOnly) {
    this.vertx = vertx;
    this.ws = ws;
    this.readOnly = readOnly;
  }

  void start() {
    ws.textMessageHandler(text -> onMessage(Buffer.buffer(text)));
    ws.binaryMessageHandler(this::onMessage);
    ws.closeHandler(v -> subscriptions.values().forEach(MessageConsumer::unregister));
  }

  /** A message decoded: the request to forward, a local action, or an error. */
  private record Decoded(
      Object id, String local, String collection, ApiRequest request, String error) {}

  /** Messages being decoded on a worker; while there are any, later ones queue behind them. */
  private int decoding;

  /**
   * Decodes a message's envelope ({@code id}, {@code action}, ...) and routes it; its {@code body}
   * travels as bytes to the worker that executes it, which parses it (once). A message of at most
   * {@link LocalWrites#INLINE_MAX_BYTES} is decoded here on the event loop, as the body is only
   * delimited, not parsed; a larger one on a worker, so that the event loop never scans megabytes.
   * Decoding keeps arrival order: while a message is decoding on a worker, later ones follow it
   * there.
   */
  private void onMessage(Buffer message) {
    long start = System.nanoTime();
    if (decoding == 0 && message.length() <= LocalWrites.INLINE_MAX_BYTES) {
      dispatch(decode(message), start);
      return;
    }
    decoding++;
    vertx
        .executeBlocking(() -> decode(message), true)
        .onComplete(
            ar -> {
              decoding--;
              if (ar.succeeded()) {
                dispatch(ar.result(), start);
              } else {
                error(null, 500, "internal error: " + ar.cause(), start);
              }
            });
  }

  private void dispatch(Decoded d, long start) {
    if (d.error() != null) {
      error(d.id(), 400, d.error(), start);
    } else if ("subscribe".equals(d.local())) {
      subscribe(d.id(), d.collection(), start);
    } else if ("unsubscribe".equals(d.local())) {
      unsubscribe(d.id(), d.collection(), start);
    } else {
      forward(d.id(), d.request(), start);
    }
  }

  private static Decoded decode(Buffer message) {
    JsonBodies.Envelope envelope;
    try {
      envelope = JsonBodies.envelope(message, "body");
    } catch (JsonBodies.MalformedJson e) {
      return new Decoded(
          null,
          null,
          null,
          null,
          "message: malformed JSON (" + e.getMessage() + "), expected {\"id\", \"action\", ...}");
    }
    JsonObject msg = envelope.fields();
    Object id = msg.getValue("id");
    if (!(msg.getValue("action") instanceof String name)) {
      return new Decoded(
          id,
          null,
          null,
          null,
          "action: expected a string such as \"upsert_points\" or \"search\"");
    }
    Object collection = msg.getValue("collection");
    if (collection != null && !(collection instanceof String)) {
      return new Decoded(id, null, null, null, "collection: expected a string");
    }
    if (name.equals("subscribe") || name.equals("unsubscribe")) {
      return new Decoded(id, name, (String) collection, null, null);
    }
    Buffer body = envelope.raw();
    if (body != null) {
      byte first = body.length() == 0 ? 0 : body.getByte(0);
      if (first == 'n' && body.toString().equals("null")) {
        body = null;
      } else if (first != '{') {
        return new Decoded(id, null, null, null, "body: expected an object");
      }
    }
    try {
      msg.put("action", alias(name)).remove("id");
      ApiRequest r = ApiRequest.fromJson(msg);
      return new Decoded(
          id,
          null,
          (String) collection,
          new ApiRequest(r.action(), r.collection(), r.arg(), body, r.waitApplied(), r.params()),
          null);
    } catch (IllegalArgumentException | ClassCastException e) {
      return new Decoded(id, null, null, null, e.getMessage());
    }
  }

  private void forward(Object id, ApiRequest request, long start) {
    if (readOnly && request.action().isWrite()) {
      error(id, 403, "api-key: a read-only key cannot " + request.action().wireName(), start);
      return;
    }
    String address = request.action().isWrite() ? Addresses.INGEST : Addresses.SEARCH;
    DeliveryOptions delivery =
        new DeliveryOptions()
            .setSendTimeout(IngestVerticle.WRITE_TIMEOUT_MS + 1000)
            .setLocalOnly(true);
    vertx
        .eventBus()
        .<ApiReply>request(address, request, delivery)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                ApiReply reply = ar.result().body();
                String token = ar.result().headers().get(BusMessages.TOKEN_HEADER);
                send(
                    Buffer.buffer(reply.encoded().length() + 64)
                        .appendString("{\"id\":")
                        .appendBuffer(Json.encodeToBuffer(id))
                        .appendString(",\"result\":")
                        .appendBuffer(reply.encoded())
                        .appendString(token == null ? "" : ",\"token\":" + Json.encode(token))
                        .appendString(",\"status\":\"ok\",\"time\":")
                        .appendString(Double.toString(seconds(start)))
                        .appendString("}"));
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
    if (ws.isClosed()) {
      return; // decoded after the close handler ran: registering now would leak the consumer
    }
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
    send(json.toBuffer());
  }

  private void send(Buffer utf8Json) {
    if (!ws.isClosed()) {
      ws.writeTextMessage(utf8Json.toString());
    }
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }
}
