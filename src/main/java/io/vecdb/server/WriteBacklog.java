package io.vecdb.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vecdb.collection.ErrorCode;
import io.vecdb.collection.Operation;
import io.vecdb.collection.PointStruct;
import io.vecdb.collection.VecdbException;
import io.vecdb.config.WriteBacklogOptions;
import io.vecdb.metrics.MetricNames;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the node's logged-but-unapplied operations. {@link WalVerticle} asks {@link #admit} before
 * logging a write and calls {@link #release} once it is applied (or failed to log). While the
 * backlog is at its limit (operations or estimated bytes), new writes wait in a FIFO queue of
 * promises, released in arrival order as the applier drains; a write that waits longer than the
 * timeout fails with 503 ({@link ErrorCode#UNAVAILABLE}) and is never logged. Nothing blocks a
 * thread: waiting is a pending future.
 *
 * <p>Concurrency: confined to {@code context} (the WAL verticle's event loop): {@link #admit} is
 * called there, timers fire there, and {@link #release}, which any thread may call (apply lanes
 * complete there), hops onto it. So the counters and the queue need no lock. The meters read atomic
 * copies of the counters from the scrape thread.
 */
final class WriteBacklog {
  /** Estimated bytes per point beyond its vector (id, payload reference, bookkeeping). */
  static final long POINT_OVERHEAD = 64;

  /** Estimated bytes of an operation that carries no vectors. */
  static final long OTHER_OPERATION = 256;

  private final Context context;
  private final int maxOperations;
  private final long maxBytes;
  private final long timeoutMs;
  private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
  private int operations; // admitted, not yet released; context only
  private long bytes; // context only
  private final AtomicInteger operationsGauge = new AtomicInteger();
  private final AtomicLong bytesGauge = new AtomicLong();
  private final AtomicInteger waitingGauge = new AtomicInteger();
  private final Counter rejected;

  WriteBacklog(Context context, WriteBacklogOptions options, MeterRegistry registry) {
    this.context = context;
    this.maxOperations = options.getMaxOperations();
    this.maxBytes = options.getMaxBytes();
    this.timeoutMs = options.getTimeoutMs();
    Gauge.builder(MetricNames.BACKLOG_OPERATIONS, operationsGauge, AtomicInteger::get)
        .description("Logged operations not yet applied")
        .register(registry);
    Gauge.builder(MetricNames.BACKLOG_BYTES, bytesGauge, AtomicLong::get)
        .description("Estimated bytes of logged operations not yet applied")
        .register(registry);
    Gauge.builder(MetricNames.BACKLOG_WAITING, waitingGauge, AtomicInteger::get)
        .description("Writes held back, not yet logged, because the write backlog is full")
        .register(registry);
    this.rejected =
        Counter.builder(MetricNames.BACKLOG_REJECTED)
            .description("Writes refused with 503 after waiting for the write backlog")
            .register(registry);
  }

  /** Estimated memory an operation holds until it is applied: its vectors plus overheads. */
  static long weight(Operation op) {
    if (op instanceof Operation.UpsertPoints u) {
      long w = OTHER_OPERATION;
      for (PointStruct p : u.points()) {
        w += (long) p.vector().length * Float.BYTES + POINT_OVERHEAD;
      }
      return w;
    }
    if (op instanceof Operation.Batch b) {
      long w = 0;
      for (Operation sub : b.operations()) {
        w += weight(sub);
      }
      return w;
    }
    return OTHER_OPERATION;
  }

  /**
   * Completes (on the context) once {@code weight} more fits in the backlog and every earlier
   * waiter was admitted; fails with 503 after the timeout. Call on the context. The caller must
   * {@link #release} the same weight exactly once after a successful admission.
   */
  Future<Void> admit(long weight) {
    if (waiting.isEmpty() && fits(weight)) {
      take(weight);
      return Future.succeededFuture();
    }
    Waiter w = new Waiter(weight, Promise.promise());
    waiting.addLast(w);
    waitingGauge.set(waiting.size());
    w.timer = context.owner().setTimer(timeoutMs, id -> expire(w));
    return w.promise.future();
  }

  /** Returns an admitted operation's weight (applied, or failed before it was logged). */
  void release(long weight) {
    context.runOnContext(
        v -> {
          operations--;
          bytes -= weight;
          publish();
          drain();
        });
  }

  /** Operations admitted and not yet released (context only; tests read the gauge instead). */
  int operations() {
    return operations;
  }

  private boolean fits(long weight) {
    if (operations == 0) {
      return true; // an operation over the byte limit on its own still gets in, alone
    }
    return operations < maxOperations && bytes + weight <= maxBytes;
  }

  private void take(long weight) {
    operations++;
    bytes += weight;
    publish();
  }

  private void drain() {
    while (!waiting.isEmpty() && fits(waiting.peekFirst().weight)) {
      Waiter w = waiting.pollFirst();
      context.owner().cancelTimer(w.timer);
      take(w.weight);
      w.promise.complete();
    }
    waitingGauge.set(waiting.size());
  }

  private void expire(Waiter w) {
    if (!waiting.remove(w)) {
      return; // admitted meanwhile
    }
    rejected.increment();
    w.promise.fail(
        new VecdbException(
            ErrorCode.UNAVAILABLE,
            "write backlog full: "
                + operations
                + " operations waiting to be applied ("
                + bytes
                + " bytes; limits write_backlog.max_operations "
                + maxOperations
                + ", max_bytes "
                + maxBytes
                + "); waited "
                + timeoutMs
                + " ms, nothing was written; retry later"));
    drain(); // the next waiter may be smaller and fit now
  }

  private void publish() {
    operationsGauge.set(operations);
    bytesGauge.set(bytes);
  }

  private static final class Waiter {
    final long weight;
    final Promise<Void> promise;
    long timer;

    Waiter(long weight, Promise<Void> promise) {
      this.weight = weight;
      this.promise = promise;
    }
  }
}
