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
 * logging a write and calls {@link #release} with its {@link Ticket} once it is applied (or failed
 * to log). While the backlog is at its limit (operations, estimated bytes, or the age of its oldest
 * admitted write), new writes wait in a FIFO queue of promises, released in arrival order as the
 * applier drains; a write that waits longer than the timeout fails with 503 ({@link
 * ErrorCode#UNAVAILABLE}) and is never logged. Nothing blocks a thread: waiting is a pending
 * future.
 *
 * <p>The age bound ({@code burst_ms}) is what a burst meets. A burst of small writes is logged far
 * faster than the graph takes them in, so it is acknowledged at the log's pace until its oldest
 * unapplied write is that old. From then on the backlog may not grow: each applied write lets one
 * waiting write in, so acknowledgements follow the apply rate, in arrival order, and no write is
 * starved. Under sustained load that keeps the cores for applying rather than for accepting writes
 * ever further ahead. The lag stays at what the burst built up (more than {@code burst_ms}) until
 * the load lets the backlog drain.
 *
 * <p>Concurrency: confined to {@code context} (the WAL verticle's event loop): {@link #admit} is
 * called there, timers fire there, and {@link #release}, which any thread may call (apply lanes
 * complete there), hops onto it. So the counters and the queues need no lock. The meters read
 * atomic copies of the counters from the scrape thread.
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
  private final long burstNanos; // 0: no bound by age
  private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
  // Admitted, in admission order; released ones are dropped from the head (context only).
  private final ArrayDeque<Ticket> admitted = new ArrayDeque<>();
  private final AtomicLong oldestGauge = new AtomicLong(); // admission nanoTime of the head, or 0
  private int operations; // admitted, not yet released; context only
  private int frozenAt = -1; // the size the backlog may not exceed while lagging, or -1; context
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
    this.burstNanos = options.getBurstMs() * 1_000_000;
    Gauge.builder(MetricNames.BACKLOG_OPERATIONS, operationsGauge, AtomicInteger::get)
        .description("Logged operations not yet applied")
        .register(registry);
    Gauge.builder(MetricNames.BACKLOG_BYTES, bytesGauge, AtomicLong::get)
        .description("Estimated bytes of logged operations not yet applied")
        .register(registry);
    Gauge.builder(
            MetricNames.BACKLOG_LAG,
            oldestGauge,
            g -> {
              long t = g.get();
              return t == 0 ? 0 : (System.nanoTime() - t) / 1e9;
            })
        .description("Seconds since the oldest logged write not yet applied was admitted")
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

  /** One admitted write: what {@link #release} gives back. */
  static final class Ticket {
    final long weight;
    final long admittedNanos;
    boolean released; // context only

    private Ticket(long weight, long admittedNanos) {
      this.weight = weight;
      this.admittedNanos = admittedNanos;
    }
  }

  /**
   * Completes (on the context) once {@code weight} more fits in the backlog and every earlier
   * waiter was admitted; fails with 503 after the timeout. Call on the context. The caller must
   * {@link #release} the ticket exactly once.
   */
  Future<Ticket> admit(long weight) {
    if (waiting.isEmpty() && fits(weight)) {
      return Future.succeededFuture(take(weight));
    }
    Waiter w = new Waiter(weight, Promise.promise());
    waiting.addLast(w);
    waitingGauge.set(waiting.size());
    w.timer = context.owner().setTimer(timeoutMs, id -> expire(w));
    return w.promise.future();
  }

  /** Returns an admitted operation's ticket (applied, or failed before it was logged). */
  void release(Ticket ticket) {
    context.runOnContext(
        v -> {
          if (ticket.released) {
            return;
          }
          ticket.released = true;
          operations--;
          bytes -= ticket.weight;
          while (!admitted.isEmpty() && admitted.peekFirst().released) {
            admitted.pollFirst();
          }
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
    if (operations >= maxOperations || bytes + weight > maxBytes) {
      return false;
    }
    boolean lagging =
        burstNanos > 0
            && !admitted.isEmpty()
            && System.nanoTime() - admitted.peekFirst().admittedNanos > burstNanos;
    if (!lagging) {
      frozenAt = -1;
      return true;
    }
    // Too far behind: the backlog may not grow, so each applied write lets one new write in.
    if (frozenAt < 0) {
      frozenAt = operations;
    }
    return operations < frozenAt;
  }

  private Ticket take(long weight) {
    operations++;
    bytes += weight;
    Ticket t = new Ticket(weight, System.nanoTime());
    admitted.addLast(t);
    publish();
    return t;
  }

  private void drain() {
    while (!waiting.isEmpty() && fits(waiting.peekFirst().weight)) {
      Waiter w = waiting.pollFirst();
      context.owner().cancelTimer(w.timer);
      w.promise.complete(take(w.weight));
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
                + ", burst_ms "
                + burstNanos / 1_000_000
                + "); waited "
                + timeoutMs
                + " ms, nothing was written; retry later"));
    drain(); // the next waiter may be smaller and fit now
  }

  private void publish() {
    operationsGauge.set(operations);
    bytesGauge.set(bytes);
    oldestGauge.set(admitted.isEmpty() ? 0 : admitted.peekFirst().admittedNanos);
  }

  private static final class Waiter {
    final long weight;
    final Promise<Ticket> promise;
    long timer;

    Waiter(long weight, Promise<Ticket> promise) {
      this.weight = weight;
      this.promise = promise;
    }
  }
}
