package io.vecdb.server;

import io.vecdb.collection.ErrorCode;
import io.vecdb.collection.VecdbException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Helpers shared by the bus handlers: request decoding, replies, and failures as codes. */
final class BusMessages {
  private static final Logger LOG = Logger.getLogger(BusMessages.class.getName());

  private BusMessages() {}

  /** The request in a message: an {@link ApiRequest} record or its JSON form (bus clients). */
  static ApiRequest request(Object body) {
    if (body instanceof ApiRequest r) {
      return r;
    }
    if (body instanceof JsonObject json) {
      return ApiRequest.fromJson(json);
    }
    throw new IllegalArgumentException(
        "message: expected an ApiRequest or a JSON object, got "
            + (body == null ? "null" : body.getClass().getSimpleName()));
  }

  /**
   * Parses the body JSON; null when absent. Runs on workers, or on an event loop for bodies of at
   * most {@link LocalWrites#INLINE_MAX_BYTES}.
   */
  static JsonObject body(ApiRequest request) {
    Buffer raw = request.body();
    if (raw == null || raw.length() == 0) {
      return null;
    }
    Object value;
    try {
      value = io.vecdb.collection.JsonBodies.decode(raw);
    } catch (io.vecdb.collection.JsonBodies.MalformedJson e) {
      throw VecdbException.badRequest("body: malformed JSON: " + e.getMessage());
    }
    if (!(value instanceof JsonObject o)) {
      throw VecdbException.badRequest("body: expected a JSON object");
    }
    return o;
  }

  /** Replies in the form the sender used: a record for records, JSON for JSON. */
  static void reply(Message<Object> message, Object result) {
    if (message.body() instanceof JsonObject) {
      message.reply(new JsonObject().put("result", result));
    } else {
      message.reply(ApiReply.of(result));
    }
  }

  /** The reply header that carries a clustered read's or write's consistency token. */
  static final String TOKEN_HEADER = "vecdb-token";

  /** As {@link #reply(Message, Object)}, with a consistency token (none if null). */
  static void reply(Message<Object> message, Object result, String token) {
    if (token == null) {
      reply(message, result);
      return;
    }
    io.vertx.core.eventbus.DeliveryOptions headers =
        new io.vertx.core.eventbus.DeliveryOptions().addHeader(TOKEN_HEADER, token);
    if (message.body() instanceof JsonObject) {
      message.reply(new JsonObject().put("result", result).put("token", token), headers);
    } else {
      message.reply(ApiReply.of(result), headers);
    }
  }

  /** Fails {@code message} with the code of {@code t} (an {@link ErrorCode}) and its message. */
  static void fail(Message<?> message, Throwable t) {
    VecdbException e = failure(t);
    message.fail(e.code().code(), e.getMessage());
  }

  /**
   * What a request's failure {@code t} tells its client: the {@link VecdbException} inside any
   * completion wrapper or bus reply failure. An internal error is logged here, once.
   */
  static VecdbException failure(Throwable t) {
    while ((t instanceof java.util.concurrent.CompletionException
            || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    VecdbException e = VecdbException.of(unwrap(t));
    if (e.code() == ErrorCode.INTERNAL) {
      LOG.log(Level.SEVERE, "request failed", t);
    }
    return e;
  }

  /** A failed bus reply back as a {@link VecdbException}. */
  static VecdbException unwrap(Throwable t) {
    if (t instanceof ReplyException r) {
      return switch (r.failureType()) {
        case RECIPIENT_FAILURE ->
            new VecdbException(ErrorCode.ofCode(r.failureCode()), r.getMessage());
        case TIMEOUT -> new VecdbException(ErrorCode.UNAVAILABLE, "timed out: " + r.getMessage());
        default -> new VecdbException(ErrorCode.UNAVAILABLE, "no handler: " + r.getMessage());
      };
    }
    return VecdbException.of(t);
  }
}
