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

  private void drain() {
    do {
      Runnable task = queue.poll();
      task.run(); // tasks catch their own failures
    } while (pending.decrementAndGet() > 0);
  }
}
