package io.vecdb.optimizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vecdb.config.OptimizerOptions;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CompactionPolicyTest {
  static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  private final CompactionPolicy policy =
      new CompactionPolicy(
          new OptimizerOptions()
              .setDeletedThreshold(0.2)
              .setMinDeleted(1000)
              .setRepairAfterInserts(50_000));

  @Test
  void tombstonesNeedBothTheFractionAndTheMinimum() {
    assertEquals(CompactionPolicy.Reason.TOMBSTONES, policy.due(1000, 4000, 0, false));
    assertNull(policy.due(999, 1, 0, false), "under min_deleted");
    assertNull(policy.due(1000, 4001, 0, false), "under 20%");
    assertEquals(CompactionPolicy.Reason.TOMBSTONES, policy.due(5000, 0, 0, false));
  }

  @Test
  void repairWaitsForManyInsertsAndAPause() {
    assertNull(policy.due(0, 60_000, 60_000, false), "inserts still running");
    // Inserts that never pause: a pass after twice the threshold, or half the live points.
    assertNull(policy.due(0, 60_000, 99_999, false), "under 2 x repair_after_inserts");
    assertEquals(CompactionPolicy.Reason.REPAIR, policy.due(0, 60_000, 100_000, false));
    assertNull(policy.due(0, 1_000_000, 499_999, false), "under half the live points");
    assertEquals(CompactionPolicy.Reason.REPAIR, policy.due(0, 1_000_000, 500_000, false));
    assertNull(policy.due(0, 60_000, 49_999, true), "too few inserts");
    assertEquals(CompactionPolicy.Reason.REPAIR, policy.due(0, 60_000, 50_000, true));
    CompactionPolicy off = new CompactionPolicy(new OptimizerOptions().setRepairAfterInserts(0));
    assertNull(off.due(0, 60_000, 1_000_000, true), "repair off");
  }

  @Test
  void matchesTheDefinitionOnRandomCounters() {
    Random rnd = new Random(SEED);
    for (int i = 0; i < 10_000; i++) {
      int dead = rnd.nextInt(3000);
      int live = rnd.nextInt(20_000);
      CompactionPolicy.Reason r = policy.due(dead, live, 0, false);
      boolean expected = dead >= 1000 && dead * 5L >= dead + (long) live;
      assertEquals(
          expected, r == CompactionPolicy.Reason.TOMBSTONES, dead + "/" + live + " " + SEED);
    }
  }
}
