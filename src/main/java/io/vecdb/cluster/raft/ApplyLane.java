package io.vecdb.cluster.raft;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Where one shard replica applies its committed entries: a serial queue drained on a shared apply
 * pool, off the group's Raft lane, so that inserting a batch into the HNSW graph (or rebuilding a
 * replica from a snapshot) never holds up that group's heartbeats, votes and log appends.
 *
 * <p>{@link #exclusive} lets the Raft lane catch the queue up and act on the state as of the last
 * task queued (a snapshot must describe exactly the state at its index): it runs what is queued on
 * the calling thread, then the action, while no pool drain runs.
 *
 * <p>Concurrency: any thread may call {@link #execute} and {@link #exclusive}. {@code lock} is held
 * while tasks run (by a pool drain or by {@link #exclusive}): tasks run one at a time, in queue
 * order, each after the previous one's effects (happens-before through the lock). {@code scheduled}
 * is true while a pool drain is queued or running; it is cleared under the lock after the queue was
 * seen empty, and the queue is looked at again after it is cleared, so no task is left behind.
 */
final class ApplyLane implements Executor {
  /** Tasks one drain runs before it hands its pool thread to another shard's lane. */
  static final int BATCH = 8;

  private static final Logger LOG = Logger.getLogger(ApplyLane.class.getName());

  private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final Executor pool;

  /**
   * @param pool the threads lanes drain on; {@code Runnable::run} applies on the caller.
   */
  ApplyLane(Executor pool) {
    this.pool = pool;
  }

  @Override
  public void execute(Runnable task) {
    queue.add(task);
    if (scheduled.compareAndSet(false, true)) {
      pool.execute(this::drain);
    }
  }

  /** Runs every queued task, then {@code action}, on the calling thread, with no drain running. */
  void exclusive(Runnable action) {
    lock.lock();
    try {
      for (Runnable task = queue.poll(); task != null; task = queue.poll()) {
        run(task);
      }
      action.run();
    } finally {
      lock.unlock();
    }
  }

  private static void run(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException | Error e) {
      // The last guard: a task that throws must not stop the lane (scheduled would stay set).
      LOG.log(Level.SEVERE, "apply task failed", e);
    }
  }

  private void drain() {
    boolean more;
    lock.lock();
    try {
      int ran = 0;
      Runnable task;
      while (ran < BATCH && (task = queue.poll()) != null) {
        run(task);
        ran++;
      }
      more = ran == BATCH;
      if (!more) {
        scheduled.set(false);
      }
    } finally {
      lock.unlock();
    }
    if (more) {
      pool.execute(this::drain); // still scheduled: hand over to a fresh pool task
    } else if (!queue.isEmpty() && scheduled.compareAndSet(false, true)) {
      pool.execute(this::drain); // a task arrived between the last poll and the clear
    }
  }
}
