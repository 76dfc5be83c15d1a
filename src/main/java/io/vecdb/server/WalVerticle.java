package io.vecdb.server;

import io.vecdb.collection.Applier;
import io.vecdb.collection.ErrorCode;
import io.vecdb.collection.OperationLog;
import io.vecdb.collection.VecdbException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;

/**
 * Owns the {@link OperationLog}: logs each operation, then hands it to the {@link Applier}. Only
 * after the log accepts an operation is it applied. Runs on an event loop; the log's append never
 * blocks (its contract), and apply runs on the applier's worker lanes.
 */
final class WalVerticle extends VerticleBase {
  private final OperationLog log;
  private final Applier applier;

  WalVerticle(OperationLog log, Applier applier) {
    this.log = log;
    this.applier = applier;
  }

  @Override
  public Future<?> start() {
    return vertx.eventBus().<LogRequest>consumer(Addresses.WAL_APPEND, this::append).completion();
  }

  private void append(Message<LogRequest> message) {
    LogRequest request = message.body();
    log.append(request.op())
        .recover(
            t ->
                Future.failedFuture(
                    t instanceof VecdbException
                        ? t
                        : new VecdbException(
                            ErrorCode.UNAVAILABLE, "operation log: " + t.getMessage())))
        .compose(
            seq -> {
              Future<?> applied = applier.submit(seq, request.op());
              return request.waitApplied()
                  ? applied.map(c -> new LogReceipt(seq, true))
                  : Future.succeededFuture(new LogReceipt(seq, false));
            })
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                message.reply(ar.result());
              } else {
                BusMessages.fail(message, ar.cause());
              }
            });
  }

  @Override
  public Future<?> stop() {
    return log.close();
  }
}
