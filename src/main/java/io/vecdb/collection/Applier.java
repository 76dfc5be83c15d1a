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
 *
 * <p>Coalescing: a lane holds its items (operations, and the tasks of {@link #onLane} and {@link
 * #barrier}) in a queue, and each of its serial steps takes the head. When the head is an upsert
 * and more upserts wait right behind it (many small concurrent writes), the step takes them too, up
 * to {@link #MAX_COALESCED_POINTS} points, and inserts all their points into the graph as one
 * parallel batch; then it maps ids in log order, each point versioned by its own operation, so the
 * state is the one applying them one by one would leave. Only steps poll the queue, one at a time,
 * so a peek followed by a poll sees the same item.
 */
public final class Applier {
  private static final Logger LOG = Logger.getLogger(Applier.class.getName());

  private final Collections collections;
  private final Executor pool;
  private final SynchronizationMetrics sync;
  private final List<AppliedListener> listeners = new CopyOnWriteArrayList<>();
  private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();

  /** At most this many points go into one coalesced insertion. */
  static final int MAX_COALESCED_POINTS = 4096;

  // Operations applied as part of a coalesced insertion, and those insertions (metrics).
  private final java.util.concurrent.atomic.AtomicLong coalescedOps =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong coalescedBatches =
      new java.util.concurrent.atomic.AtomicLong();

  /** Upserts applied in coalesced insertions so far. Any thread. */
  public long coalescedOperations() {
    return coalescedOps.get();
  }

  /** Coalesced insertions so far (each of two or more upserts). Any thread. */
  public long coalescedBatches() {
    return coalescedBatches.get();
  }

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
        lane(p.op.collection()).add(p);
      }
    }
    return done.future();
  }

  /**
   * Runs {@code task} on the lane of {@code collection} after every operation dispatched so far and
   * before any later one, passing the highest sequence number dispatched so far: when the task
   * runs, every operation on {@code collection} up to that number has been applied and none after
   * it (a consistent cut, used by checkpoints). The future completes on the lane thread.
   */
  public <T> Future<T> onLane(String collection, LaneTask<T> task) {
    Promise<T> done = Promise.promise();
    try (var held = sync.acquire(LockName.APPLY_ORDER, orderLock)) {
      long cut = next - 1;
      lane(collection)
          .add(
              (Runnable)
                  () -> {
                    try {
                      done.complete(task.run(cut));
                    } catch (Exception | Error e) {
                      done.fail(e);
                    }
                  });
    }
    return done.future();
  }

  /**
   * Completes with a sequence number {@code cut} once every operation up to {@code cut} (all that
   * were dispatched when this was called) has been applied on every lane. Checkpoints use it so
   * that a collection being created in flight is seen before the WAL is truncated.
   */
  public Future<Long> barrier() {
    Promise<Long> done = Promise.promise();
    try (var held = sync.acquire(LockName.APPLY_ORDER, orderLock)) {
      long cut = next - 1;
      List<Lane> all = List.copyOf(lanes.values());
      if (all.isEmpty()) {
        done.complete(cut);
      }
      java.util.concurrent.atomic.AtomicInteger left =
          new java.util.concurrent.atomic.AtomicInteger(all.size());
      for (Lane lane : all) {
        lane.add(
            (Runnable)
                () -> {
                  if (left.decrementAndGet() == 0) {
                    done.complete(cut);
                  }
                });
      }
    }
    return done.future();
  }

  /** Work done on a collection's lane at a sequence-number cut; see {@link #onLane}. */
  @FunctionalInterface
  public interface LaneTask<T> {
    T run(long appliedSeq) throws Exception;
  }

  private Lane lane(String collection) {
    return lanes.computeIfAbsent(collection, n -> new Lane());
  }

  /** One collection's items, applied in order by serial steps (see the class comment). */
  private final class Lane {
    private final SerialLane serial = new SerialLane(pool);
    private final java.util.concurrent.ConcurrentLinkedQueue<Object> items =
        new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** A {@link Pending} operation or a {@link Runnable} lane task. */
    void add(Object item) {
      items.add(item);
      serial.execute(this::step);
    }

    private void step() {
      Object head = items.poll();
      if (head == null) {
        return; // an earlier step took it into its batch
      }
      if (head instanceof Runnable task) {
        task.run();
        return;
      }
      Pending p = (Pending) head;
      if (!(p.op instanceof Operation.UpsertPoints first)) {
        run(p);
        return;
      }
      List<Pending> batch = null;
      int points = first.points().size();
      while (points < MAX_COALESCED_POINTS
          && items.peek() instanceof Pending next
          && next.op instanceof Operation.UpsertPoints more) {
        items.poll();
        if (batch == null) {
          batch = new java.util.ArrayList<>();
          batch.add(p);
        }
        batch.add(next);
        points += more.points().size();
      }
      if (batch == null) {
        run(p);
      } else {
        runUpserts(batch);
      }
    }
  }

  /**
   * Applies consecutive upserts of one collection as one insertion. If the batch is rejected (an
   * unknown collection, a wrong dimension), nothing was changed: each is applied alone, so the
   * rejected one fails as it would have and the others succeed.
   */
  private void runUpserts(List<Pending> batch) {
    long[] seqs = new long[batch.size()];
    List<Operation.UpsertPoints> ops = new java.util.ArrayList<>(batch.size());
    for (int i = 0; i < seqs.length; i++) {
      seqs[i] = batch.get(i).seq;
      ops.add((Operation.UpsertPoints) batch.get(i).op);
    }
    List<ChangeSet> changes;
    try {
      changes = collections.applyUpserts(seqs, ops);
    } catch (VecdbException | IllegalArgumentException rejected) {
      if (!(rejected instanceof VecdbException v) || v.code() != ErrorCode.INTERNAL) {
        for (Pending p : batch) {
          run(p);
        }
        return;
      }
      fail(batch, rejected);
      return;
    } catch (RuntimeException e) {
      fail(batch, e);
      return;
    }
    coalescedBatches.incrementAndGet();
    coalescedOps.addAndGet(seqs.length);
    for (int i = 0; i < seqs.length; i++) {
      Pending p = batch.get(i);
      for (AppliedListener l : listeners) {
        try {
          l.applied(p.seq, p.op, changes.get(i));
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "applied-listener failed on operation " + p.seq, e);
        }
      }
      p.done.complete(changes.get(i));
    }
  }

  private void fail(List<Pending> batch, RuntimeException e) {
    LOG.log(
        Level.SEVERE,
        "applying operations " + batch.get(0).seq + ".." + batch.getLast().seq + " failed",
        e);
    VecdbException failure = VecdbException.of(e);
    for (Pending p : batch) {
      p.done.fail(failure);
    }
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
