package io.vecdb.server;

import io.vecdb.collection.MutationRequests;
import io.vecdb.collection.Operation;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A single node's write path: validates a write request into an {@link Operation}, sends it to the
 * log ({@link Addresses#WAL_APPEND}) and forms Qdrant's update result. {@link IngestVerticle} runs
 * it on its workers for requests from the bus and for large bodies; {@link HttpApiVerticle} runs it
 * on its event loop for bodies of at most {@link #INLINE_MAX_BYTES}, whose parsing takes
 * microseconds, which saves the two thread hand-offs to and from a worker. (WebSocket frames are
 * decoded on an ordered worker per session and keep the bus path.) A clustered node never uses it:
 * its writes go through {@link ClusterRequests}.
 *
 * <p>Concurrency: stateless apart from its final fields, so any Vert.x context may call {@link
 * #write}; its future completes on the caller's context.
 */
final class LocalWrites {
  /**
   * Bodies up to this size are parsed on the event loop that received them: a one-point upsert of
   * 1,536 dimensions is about 20 KB, parsed in well under 100 microseconds.
   */
  static final int INLINE_MAX_BYTES = 64 * 1024;

  private final Vertx vertx;
  private final MutationRequests mutations;

  LocalWrites(Vertx vertx, MutationRequests mutations) {
    this.vertx = vertx;
    this.mutations = mutations;
  }

  /** Whether {@code request} may be handled on an event loop (a small body, or none). */
  static boolean inline(ApiRequest request) {
    return request.body() == null || request.body().length() <= INLINE_MAX_BYTES;
  }

  /**
   * Logs {@code request} (applied too if it asks to wait) and completes with its {@code result}: an
   * update result, {@code true} for collection-level actions, one result per operation of a batch.
   * A bad request fails the future and logs nothing.
   */
  Future<Object> write(ApiRequest request) {
    Operation op;
    long timeoutMs;
    try {
      timeoutMs = RequestTimeout.seconds(request.params()) * 1000;
      if (request.action() == Action.DELETE_COLLECTION && !mutations.exists(request.collection())) {
        return Future.succeededFuture(Boolean.FALSE); // as Qdrant: 200 with result false
      }
      // Upserts stream from the raw bytes: no JSON tree of boxed floats.
      op =
          operation(
              request, request.action() == Action.UPSERT_POINTS ? null : BusMessages.body(request));
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    boolean wait = request.waitApplied() || request.action().alwaysWaits();
    boolean collectionLevel = request.action().answersBoolean();
    return vertx
        .eventBus()
        .<LogReceipt>request(
            Addresses.WAL_APPEND,
            new LogRequest(op, wait, timeoutMs),
            new DeliveryOptions().setSendTimeout(IngestVerticle.WRITE_TIMEOUT_MS))
        .map(
            message -> {
              LogReceipt receipt = message.body();
              JsonObject update =
                  new JsonObject()
                      .put("operation_id", receipt.seq())
                      .put("status", receipt.applied() ? "completed" : "acknowledged");
              if (op instanceof Operation.Batch b) {
                // One update result per operation, as Qdrant: one log record, one id.
                JsonArray each = new JsonArray();
                for (int i = 0; i < b.operations().size(); i++) {
                  each.add(update.copy());
                }
                return each;
              }
              return collectionLevel ? Boolean.TRUE : update;
            });
  }

  private Operation operation(ApiRequest r, JsonObject body) {
    String c = r.collection();
    return switch (r.action()) {
      case CREATE_COLLECTION -> mutations.createCollection(c, body);
      case DELETE_COLLECTION -> mutations.deleteCollection(c);
      case UPDATE_COLLECTION -> mutations.updateCollection(c, body);
      case UPSERT_POINTS -> mutations.upsert(c, r.body());
      case DELETE_POINTS -> mutations.deletePoints(c, body);
      case SET_PAYLOAD -> mutations.setPayload(c, body);
      case OVERWRITE_PAYLOAD -> mutations.overwritePayload(c, body);
      case DELETE_PAYLOAD -> mutations.deletePayload(c, body);
      case CLEAR_PAYLOAD -> mutations.clearPayload(c, body);
      case UPDATE_VECTORS -> mutations.updateVectors(c, body);
      case DELETE_VECTORS -> mutations.deleteVectors(c, body);
      case BATCH_UPDATE -> mutations.batch(c, body);
      case CREATE_FIELD_INDEX -> mutations.createFieldIndex(c, body);
      case DELETE_FIELD_INDEX -> mutations.deleteFieldIndex(c, r.arg());
      case CHANGE_ALIASES -> mutations.changeAliases(body);
      default ->
          throw new IllegalArgumentException(
              "action: '" + r.action().wireName() + "' is a read, send it to " + Addresses.SEARCH);
    };
  }
}
