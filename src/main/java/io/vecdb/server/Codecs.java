package io.vecdb.server;

import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/** Registers the default codecs of VecDB's bus records; once per Vert.x instance. */
public final class Codecs {
  private Codecs() {}

  public static void register(EventBus bus) {
    bus.registerDefaultCodec(
        ApiRequest.class,
        new JsonRecordCodec<>(ApiRequest.class, ApiRequest::toJson, ApiRequest::fromJson));
    bus.registerDefaultCodec(
        ApiReply.class,
        new JsonRecordCodec<>(ApiReply.class, ApiReply::toJson, ApiReply::fromJson));
    bus.registerDefaultCodec(
        LogReceipt.class,
        new JsonRecordCodec<>(
            LogReceipt.class,
            r -> new JsonObject().put("seq", r.seq()).put("applied", r.applied()),
            j -> new LogReceipt(j.getLong("seq"), j.getBoolean("applied"))));
    bus.registerDefaultCodec(LogRequest.class, new LogRequestCodec());
  }
}
