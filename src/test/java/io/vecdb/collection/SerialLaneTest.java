package io.vecdb.collection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Order within a lane, and fairness between lanes on one pool thread. Regression: a lane drained
 * its whole queue before giving the pool thread back, so a group with a long queue held up every
 * other Raft group on the node (their heartbeat checks waited, and followers started elections
 * under load). The pool here is a queue the test runs by hand: a deterministic interleaving.
 */
class SerialLaneTest {

  @Test
  void aBusyLaneYieldsThePoolThreadToOtherLanesAndKeepsItsOrder() {
    ArrayDeque<Runnable> pool = new ArrayDeque<>();
    SerialLane busy = new SerialLane(pool::add);
    SerialLane other = new SerialLane(pool::add);
    List<String> ran = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      int n = i;
      busy.execute(() -> ran.add("busy-" + n));
    }
    other.execute(() -> ran.add("other"));
    while (!pool.isEmpty()) {
      pool.poll().run(); // one pool thread, first come first served
    }
    assertEquals(201, ran.size());
    int at = ran.indexOf("other");
    assertTrue(
        at <= SerialLane.BATCH, "the other lane waited for " + at + " tasks of the busy lane");
    List<String> busyOrder = ran.stream().filter(r -> r.startsWith("busy")).toList();
    for (int i = 0; i < 200; i++) {
      assertEquals("busy-" + i, busyOrder.get(i), "a lane runs its tasks in order");
    }
  }
}
