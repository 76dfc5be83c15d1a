package io.vecdb.server;

import io.vecdb.collection.Operation;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;

/**
 * Validates write requests ({@link Addresses#INGEST}) into {@link Operation}s and sends them to the
 * log ({@link Addresses#WAL_APPEND}); on a clustered node, to the metadata or shard groups through
 * {@link ClusterRequests}. A bad request is rejected whole before anything is logged. Deployed as a
 * worker: JSON parsing and validation of large batches never run on an event loop. (Small bodies
 * from HTTP and WebSocket clients of a single node take the same path, {@link LocalWrites}, on the
 * event loop that received them; see there.)
 */
final class IngestVerticle extends VerticleBase {
  /** Applying a very large batch with wait=true can take a while; reads use the bus default. */
  static final long WRITE_TIMEOUT_MS = 300_000;

  private final LocalWrites local;
  private final ClusterRequests cluster;

  /**
   * @param cluster how a clustered node routes writes to shard groups; null on a single node
   */
  IngestVerticle(LocalWrites local, ClusterRequests cluster) {
    this.local = local;
    this.cluster = cluster;
  }

  @Override
  public Future<?> start() {
    return vertx.eventBus().consumer(Addresses.INGEST, this::handle).completion();
  }

  private void handle(Message<Object> message) {
    ApiRequest request;
    java.util.concurrent.CompletableFuture<ClusterRequests.Reply> clustered = null;
    try {
      request = BusMessages.request(message.body());
      if (cluster != null) {
        clustered =
            cluster.write(
                request,
                request.action() == Action.UPSERT_POINTS ? null : BusMessages.body(request));
      }
    } catch (RuntimeException e) {
      BusMessages.fail(message, e);
      return;
    }
    if (clustered != null) {
      clustered.whenComplete(
          (reply, error) -> {
            if (error != null) {
              BusMessages.fail(message, error);
            } else {
              BusMessages.reply(message, reply.result(), reply.token());
            }
          });
      return;
    }
    local
        .write(request)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                BusMessages.reply(message, ar.result());
              } else {
                BusMessages.fail(message, ar.cause());
              }
            });
  }
}
