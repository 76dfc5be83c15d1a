package io.vecdb.cluster.sim;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.cluster.sim.Linearizability.Kind;
import io.vecdb.cluster.sim.Linearizability.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The checker on histories whose answer is known, including random ones from a real register. */
class LinearizabilityTest {
  private static final long UNKNOWN = Long.MAX_VALUE;

  private static Op put(int c, int v, long call, long ret) {
    return new Op(c, "k", Kind.PUT, v, call, ret);
  }

  private static Op read(int c, Integer v, long call, long ret) {
    return new Op(c, "k", Kind.READ, v, call, ret);
  }

  private static Op delete(int c, long call, long ret) {
    return new Op(c, "k", Kind.DELETE, null, call, ret);
  }

  @Test
  void sequentialHistories() {
    assertTrue(Linearizability.checkKey(List.of(put(0, 1, 0, 1), read(0, 1, 2, 3))));
    assertFalse(Linearizability.checkKey(List.of(put(0, 1, 0, 1), read(0, null, 2, 3))));
    assertFalse(Linearizability.checkKey(List.of(put(0, 1, 0, 1), read(0, 2, 2, 3))));
    assertTrue(
        Linearizability.checkKey(List.of(put(0, 1, 0, 1), delete(0, 2, 3), read(1, null, 4, 5))));
    // A stale read after a completed overwrite: what a follower serving "strong" reads returns.
    assertFalse(
        Linearizability.checkKey(List.of(put(0, 1, 0, 1), put(0, 2, 2, 3), read(1, 1, 4, 5))));
  }

  @Test
  void concurrentOperationsMayTakeEffectInEitherOrder() {
    assertTrue(
        Linearizability.checkKey(List.of(put(0, 1, 0, 10), read(1, 1, 2, 3), read(2, null, 1, 4))));
    // Once a read saw the new value, a later read may not see the old one.
    assertFalse(
        Linearizability.checkKey(List.of(put(0, 1, 0, 10), read(1, 1, 2, 3), read(2, null, 4, 5))));
  }

  @Test
  void unknownOutcomesMayHappenLateOrNever() {
    assertTrue(Linearizability.checkKey(List.of(put(0, 1, 0, UNKNOWN), read(1, null, 5, 6))));
    assertTrue(
        Linearizability.checkKey(
            List.of(put(0, 1, 0, UNKNOWN), read(1, null, 5, 6), read(1, 1, 7, 8))));
    assertFalse(
        Linearizability.checkKey(
            List.of(put(0, 1, 0, UNKNOWN), read(1, 1, 5, 6), read(1, null, 7, 8))));
  }

  @Test
  void namesTheBrokenKey() {
    List<Op> ops = new ArrayList<>(List.of(put(0, 1, 0, 1), read(0, 1, 2, 3)));
    ops.add(new Op(0, "other", Kind.READ, 9, 0, 1));
    String report = Linearizability.check(ops);
    assertNotNull(report);
    assertTrue(report.contains("key other"), report);
    assertNull(Linearizability.check(List.of(put(0, 1, 0, 1))));
  }

  /**
   * Histories of an atomic register with random overlapping intervals around each operation's
   * instant are linearizable; shifting one read's answer to a value never current at any time
   * within its interval makes them not.
   */
  @Test
  void randomAtomicRegisterHistories() {
    long seed = Long.getLong("tests.seed", System.nanoTime());
    Random rnd = new Random(seed);
    for (int round = 0; round < 300; round++) {
      List<Op> ops = new ArrayList<>();
      Integer value = null;
      long t = 0;
      int nextValue = 1;
      for (int i = 0; i < 30; i++) {
        t += 1 + rnd.nextInt(5);
        long call = t - rnd.nextInt(8);
        long ret = t + rnd.nextInt(8);
        int c = rnd.nextInt(4);
        switch (rnd.nextInt(3)) {
          case 0 -> {
            value = nextValue++;
            ops.add(put(c, value, call, rnd.nextInt(10) == 0 ? UNKNOWN : ret));
          }
          case 1 -> {
            value = null;
            ops.add(delete(c, call, ret));
          }
          default -> ops.add(read(c, value, call, ret));
        }
      }
      assertTrue(Linearizability.checkKey(ops), "round " + round + ", seed " + seed + ": " + ops);
      ops.add(read(9, -5, t + 20, t + 21)); // a value nobody wrote
      assertFalse(Linearizability.checkKey(ops), "round " + round + ", seed " + seed);
    }
  }
}
