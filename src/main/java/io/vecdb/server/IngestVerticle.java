package io.vecdb.server;

import io.vecdb.collection.MutationRequests;
import io.vecdb.collection.Operation;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * Validates write requests ({@link Addresses#INGEST}) into {@link Operation}s and sends them to the
 * log ({@link Addresses#WAL_APPEND}); on a clustered node, to the metadata or shard groups through
 * {@link ClusterRequests}. A bad request is rejected whole before anything is logged. Deployed as a
 * worker: JSON parsing and validation of large batches never run on an event loop.
 */
final class IngestVerticle extends VerticleBase {
  /** Applying a very large batch with wait=true can take a while; reads use the bus default. */
  static final long WRITE_TIMEOUT_MS = 300_000;

  private final MutationRequests mutations;
  private final ClusterRequests cluster;

  /**
   * @param cluster how a clustered node routes writes to shard groups; null on a single node
   */
  IngestVerticle(MutationRequests mutations, ClusterRequests cluster) {
    this.mutations = mutations;
    this.cluster = cluster;
  }

  @Override
  public Future<?> start() {
    return vertx.eventBus().consumer(Addresses.INGEST, this::handle).completion();
  }

  private void handle(Message<Object> message) {
    ApiRequest request;
    Operation op;
    long timeoutMs;
    try {
      request = BusMessages.request(message.body());
      if (cluster != null) {
        cluster
            .write(
                request,
                request.action() == Action.UPSERT_POINTS ? null : BusMessages.body(request))
            .whenComplete(
                (reply, error) -> {
                  if (error != null) {
                    BusMessages.fail(message, error);
                  } else {
                    BusMessages.reply(message, reply.result(), reply.token());
                  }
                });
        return;
      }
      timeoutMs = RequestTimeout.seconds(request.params()) * 1000;
      if (request.action() == Action.DELETE_COLLECTION && !mutations.exists(request.collection())) {
        BusMessages.reply(message, Boolean.FALSE); // as Qdrant: 200 with result false
        return;
      }
      // Upserts stream from the raw bytes: no JSON tree of boxed floats.
      op =
          operation(
              request, request.action() == Action.UPSERT_POINTS ? null : BusMessages.body(request));
    } catch (RuntimeException e) {
      BusMessages.fail(message, e);
      return;
    }
    boolean wait = request.waitApplied() || request.action().alwaysWaits();
    boolean collectionLevel = request.action().answersBoolean();
    vertx
        .eventBus()
        .<LogReceipt>request(
            Addresses.WAL_APPEND,
            new LogRequest(op, wait, timeoutMs),
            new DeliveryOptions().setSendTimeout(WRITE_TIMEOUT_MS))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                BusMessages.fail(message, ar.cause());
                return;
              }
              LogReceipt receipt = ar.result().body();
              JsonObject update =
                  new JsonObject()
                      .put("operation_id", receipt.seq())
                      .put("status", receipt.applied() ? "completed" : "acknowledged");
              Object result = collectionLevel ? Boolean.TRUE : update;
              if (op instanceof Operation.Batch b) {
                // One update result per operation, as Qdrant: one log record, one id.
                io.vertx.core.json.JsonArray each = new io.vertx.core.json.JsonArray();
                for (int i = 0; i < b.operations().size(); i++) {
                  each.add(update.copy());
                }
                result = each;
              }
              BusMessages.reply(message, result);
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
      case BATCH_UPDATE -> mutations.batch(c, body);
      case CREATE_FIELD_INDEX -> mutations.createFieldIndex(c, body);
      case DELETE_FIELD_INDEX -> mutations.deleteFieldIndex(c, r.arg());
      default ->
          throw new IllegalArgumentException(
              "action: '" + r.action().wireName() + "' is a read, send it to " + Addresses.SEARCH);
    };
  }
}
