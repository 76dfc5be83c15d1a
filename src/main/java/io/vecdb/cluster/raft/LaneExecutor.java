package io.vecdb.cluster.raft;

import io.microraft.executor.RaftNodeExecutor;
import io.vecdb.collection.SerialLane;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * MicroRaft's executor for one Raft node: a {@link SerialLane} on a pool shared by every group of
 * the node, so that a node with hundreds of shard groups needs no thread per group, and a lane may
 * block on fsync without holding up an event loop. Delayed tasks wait on a shared scheduler and are
 * then queued on the lane, so every task of the group still runs one at a time, in order.
 *
 * <p>Concurrency: any thread may call any method. Tasks of one lane run one at a time and are
 * ordered by happens-before (the lane's counter); lanes of different groups run in parallel. A task
 * that throws is logged and does not stop the lane (MicroRaft's own tasks catch their failures;
 * this is the last guard).
 */
public final class LaneExecutor implements RaftNodeExecutor {
  private static final Logger LOG = Logger.getLogger(LaneExecutor.class.getName());

  private final String name;
  private final SerialLane lane;
  private final ScheduledExecutorService timers;

  /**
   * @param name the group and node, for log messages
   * @param pool the shared pool lanes drain on (never an event loop)
   * @param timers the shared scheduler for delayed tasks (it only hands them to the lane)
   */
  public LaneExecutor(String name, Executor pool, ScheduledExecutorService timers) {
    this.name = name;
    this.lane = new SerialLane(pool);
    this.timers = timers;
  }

  @Override
  public void execute(Runnable task) {
    lane.execute(() -> runGuarded(task));
  }

  @Override
  public void submit(Runnable task) {
    execute(task);
  }

  @Override
  public void schedule(Runnable task, long delay, TimeUnit unit) {
    try {
      timers.schedule(() -> execute(task), delay, unit);
    } catch (RejectedExecutionException e) {
      // The node is shutting down: timers of a stopped group are dropped.
      LOG.fine(name + ": timer dropped after shutdown");
    }
  }

  private void runGuarded(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException | Error e) {
      LOG.log(Level.SEVERE, name + ": Raft task failed", e);
    }
  }
}
