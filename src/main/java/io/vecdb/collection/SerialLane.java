package io.vecdb.collection;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs submitted tasks one at a time, in submission order, on a shared executor (an actor without a
 * thread of its own). Any thread may {@link #execute}; at most one pool thread drains the queue at
 * a time, guarded by the {@code pending} counter, which also orders consecutive tasks
 * (happens-before through its atomic updates).
 *
 * <p>Fairness: a drain runs at most {@link #BATCH} tasks, then hands the rest of the queue to a new
 * pool task, so that a busy lane cannot keep a pool thread from the other lanes (Raft groups
 * sharing a small pool: one group's stream of work must not delay another's heartbeat checks).
 */
public final class SerialLane implements Executor {
  private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pending = new AtomicInteger();
  private final Executor pool;

  public SerialLane(Executor pool) {
    this.pool = pool;
  }

  @Override
  public void execute(Runnable task) {
    queue.add(task);
    if (pending.getAndIncrement() == 0) {
      pool.execute(this::drain);
    }
  }

  /** Tasks one drain runs before it yields its pool thread. */
  static final int BATCH = 32;

  private void drain() {
    for (int ran = 1; ; ran++) {
      Runnable task = queue.poll();
      task.run(); // tasks catch their own failures
      if (pending.decrementAndGet() == 0) {
        return;
      }
      if (ran == BATCH) {
        pool.execute(this::drain); // still the only drainer: pending > 0 was not handed over
        return;
      }
    }
  }
}
