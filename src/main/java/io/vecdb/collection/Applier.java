package io.vecdb.collection;

import io.vecdb.metrics.LockName;
import io.vecdb.metrics.SynchronizationMetrics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Applies logged operations to {@link Collections} strictly in sequence order per collection, on
 * worker threads (never an event loop).
 *
 * <p>Concurrency: any thread may {@link #submit}. Logged operations can arrive out of order (the
 * log completes appends on several threads); a reorder buffer, guarded by {@code orderLock},
 * releases them in sequence order to one {@link SerialLane} per collection name, so lanes of
 * different collections run in parallel and each lane sees its operations in log order. Listeners
 * are a copy-on-write list. Lanes are kept per collection name for the life of the node (one small
 * object per name ever written).
 */
public final class Applier {
  private static final Logger LOG = Logger.getLogger(Applier.class.getName());

  private final Collections collections;
  private final Executor pool;
  private final SynchronizationMetrics sync;
  private final List<AppliedListener> listeners = new CopyOnWriteArrayList<>();
  private final ConcurrentHashMap<String, SerialLane> lanes = new ConcurrentHashMap<>();
  private final ReentrantLock orderLock = new ReentrantLock();
  private final TreeMap<Long, Pending> waiting = new TreeMap<>(); // guarded by orderLock
  private long next = 1; // guarded by orderLock

  public Applier(Collections collections, Executor pool, SynchronizationMetrics sync) {
    this.collections = collections;
    this.pool = pool;
    this.sync = sync;
  }

  public void addListener(AppliedListener listener) {
    listeners.add(listener);
  }

  /**
   * Sets the next sequence number expected (after restoring a snapshot taken at {@code seq - 1}).
   * Call before the first submit.
   */
  public void expectNext(long seq) {
    try (var held = sync.acquire(LockName.APPLY_ORDER, orderLock)) {
      next = seq;
    }
  }

  /** Applies {@code op}, logged as {@code seq}, after every earlier sequence number. */
  public Future<ChangeSet> submit(long seq, Operation op) {
    Promise<ChangeSet> done = Promise.promise();
    try (var held = sync.acquire(LockName.APPLY_ORDER, orderLock)) {
      if (seq < next) {
        return Future.failedFuture(
            new VecdbException(
                ErrorCode.INTERNAL, "sequence " + seq + " already applied (next " + next + ")"));
      }
      waiting.put(seq, new Pending(seq, op, done));
      // Dispatch under the lock: lanes receive operations in sequence order.
      for (Pending p = waiting.remove(next); p != null; p = waiting.remove(next)) {
        next++;
        Pending task = p;
        lanes
            .computeIfAbsent(task.op.collection(), n -> new SerialLane(pool))
            .execute(() -> run(task));
      }
    }
    return done.future();
  }

  private void run(Pending p) {
    ChangeSet changes;
    try {
      changes = collections.apply(p.seq, p.op);
    } catch (RuntimeException e) {
      VecdbException failure = VecdbException.of(e);
      if (failure.code() == ErrorCode.INTERNAL) {
        LOG.log(Level.SEVERE, "applying operation " + p.seq + " failed", e);
      }
      p.done.fail(failure);
      return;
    }
    for (AppliedListener l : listeners) {
      try {
        l.applied(p.seq, p.op, changes);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "applied-listener failed on operation " + p.seq, e);
      }
    }
    p.done.complete(changes);
  }

  private record Pending(long seq, Operation op, Promise<ChangeSet> done) {}
}
