package io.vecdb.cluster.sim;

import io.vecdb.cluster.raft.GroupClient;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.PriorityQueue;

/**
 * A single-threaded scheduler with a virtual clock in milliseconds: events run in (time, order of
 * scheduling) order, so a run is a pure function of its seed. Not thread-safe: everything in a
 * simulation runs on the thread that calls {@link #runUntil}.
 */
final class SimScheduler implements GroupClient.Timers {
  private record Event(long time, long order, Runnable task) {}

  private final PriorityQueue<Event> queue =
      new PriorityQueue<>(
          (a, b) ->
              a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.order, b.order));
  private long now;
  private long order;
  private long executed;

  @Override
  public long nowMillis() {
    return now;
  }

  @Override
  public void schedule(Runnable task, long delayMillis) {
    queue.add(new Event(now + Math.max(0, delayMillis), order++, task));
  }

  /** Runs events until the clock passes {@code time} or nothing is left. */
  void runUntil(long time) {
    while (!queue.isEmpty() && queue.peek().time <= time) {
      Event e = queue.poll();
      now = e.time;
      executed++;
      e.task.run();
    }
    now = Math.max(now, time);
  }

  long executed() {
    return executed;
  }

  /** The virtual clock as a {@link Clock} (MicroRaft reads time through it). */
  Clock clock() {
    return new Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }

      @Override
      public long millis() {
        return now;
      }

      @Override
      public Instant instant() {
        return Instant.ofEpochMilli(now);
      }
    };
  }
}
