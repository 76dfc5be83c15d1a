package io.vecdb.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.vecdb.collection.Applier;
import io.vecdb.collection.ErrorCode;
import io.vecdb.collection.OperationLog;
import io.vecdb.collection.VecdbException;
import io.vecdb.config.WriteBacklogOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;

/**
 * Owns the {@link OperationLog}: logs each operation, then hands it to the {@link Applier}. Only
 * after the log accepts an operation is it applied. Runs on an event loop; the log's append never
 * blocks (its contract), and apply runs on the applier's worker lanes. Before logging, a write is
 * admitted by the {@link WriteBacklog} (which may hold it while too many logged operations wait to
 * be applied); {@code backlog} is created in {@link #start} and used on this verticle's context.
 */
final class WalVerticle extends VerticleBase {
  private final OperationLog log;
  private final Applier applier;
  private final WriteBacklogOptions backlogOptions;
  private final MeterRegistry registry;
  private WriteBacklog backlog;

  WalVerticle(
      OperationLog log,
      Applier applier,
      WriteBacklogOptions backlogOptions,
      MeterRegistry registry) {
    this.log = log;
    this.applier = applier;
    this.backlogOptions = backlogOptions;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    backlog = new WriteBacklog(context, backlogOptions, registry);
    return vertx
        .eventBus()
        .<LogRequest>localConsumer(Addresses.WAL_APPEND, this::append)
        .completion();
  }

  private void append(Message<LogRequest> message) {
    LogRequest request = message.body();
    backlog
        .admit(WriteBacklog.weight(request.op()))
        .compose(ticket -> logAndApply(request, ticket))
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                message.reply(ar.result());
              } else {
                BusMessages.fail(message, ar.cause());
              }
            });
  }

  /** Logs an admitted operation, hands it to the applier and answers as the request asks. */
  private Future<LogReceipt> logAndApply(LogRequest request, WriteBacklog.Ticket ticket) {
    return log.append(request.op())
        .recover(
            t -> {
              backlog.release(ticket); // not logged: never reaches the applier
              return Future.failedFuture(
                  t instanceof VecdbException
                      ? t
                      : new VecdbException(
                          ErrorCode.UNAVAILABLE, "operation log: " + t.getMessage()));
            })
        .compose(
            seq -> {
              Future<?> applied = applier.submit(seq, request.op());
              applied.onComplete(done -> backlog.release(ticket));
              if (!request.waitApplied()) {
                return Future.succeededFuture(new LogReceipt(seq, false));
              }
              if (request.timeoutMs() <= 0) {
                return applied.map(c -> new LogReceipt(seq, true));
              }
              // timeout: answer "acknowledged" (logged, durable, applied later) if the apply
              // takes longer.
              io.vertx.core.Promise<LogReceipt> answer = io.vertx.core.Promise.promise();
              long timer =
                  vertx.setTimer(
                      request.timeoutMs(), id -> answer.tryComplete(new LogReceipt(seq, false)));
              applied.onComplete(
                  ar -> {
                    vertx.cancelTimer(timer);
                    if (ar.succeeded()) {
                      answer.tryComplete(new LogReceipt(seq, true));
                    } else {
                      answer.tryFail(ar.cause());
                    }
                  });
              return answer.future();
            });
  }

  @Override
  public Future<?> stop() {
    return log.close();
  }
}
