package io.vecdb.durability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.durability.AckLedger.Op;
import io.vecdb.durability.AckLedger.Outcome;
import io.vecdb.durability.AckLedger.PointState;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The crash checker itself: it must catch every kind of lost or wrong write, and allow no more. */
class AckLedgerTest {

  private final long seed = TestSeeds.seed(0);
  private final Random rng = new Random(seed);

  private PointState point() {
    float[] vector = new float[4];
    for (int i = 0; i < vector.length; i++) {
      vector[i] = (float) rng.nextGaussian();
    }
    return new PointState(vector, new JsonObject().put("n", rng.nextInt()).put("s", "é"));
  }

  private static Op acked(PointState after) {
    return new Op(0, "test", after, Outcome.ACKED);
  }

  private static Op unknown(PointState after) {
    return new Op(0, "test", after, Outcome.UNKNOWN);
  }

  @Test
  void lostAcknowledgedUpsertIsReported() {
    AckLedger ledger = new AckLedger();
    ledger.record(7, acked(point()));
    List<String> failures = ledger.verify(Map.of(), 10);
    assertEquals(1, failures.size(), "seed=" + seed + " " + failures);
    assertTrue(failures.get(0).startsWith("id 7: found absent"), "seed=" + seed + " " + failures);
  }

  @Test
  void oneFlippedVectorBitIsReported() {
    AckLedger ledger = new AckLedger();
    PointState written = point();
    ledger.record(1, acked(written));
    float[] changed = written.vector().clone();
    changed[2] = Math.nextUp(changed[2]);
    PointState read = new PointState(changed, written.payload().copy());
    assertEquals(1, ledger.verify(Map.of(1L, read), 10).size(), "seed=" + seed);
    assertTrue(ledger.verify(Map.of(1L, written), 10).isEmpty(), "seed=" + seed);
  }

  @Test
  void changedPayloadIsReportedButNumberFormAndKeyOrderAreNot() {
    AckLedger ledger = new AckLedger();
    float[] vector = point().vector();
    ledger.record(
        1, acked(new PointState(vector, new JsonObject().put("a", 1).put("b", 2.5).put("c", "x"))));
    PointState sameValue =
        new PointState(vector, new JsonObject().put("c", "x").put("b", 2.50d).put("a", 1.0d));
    PointState otherValue =
        new PointState(vector, new JsonObject().put("a", 1).put("b", 2.5).put("c", "y"));
    assertTrue(ledger.verify(Map.of(1L, sameValue), 10).isEmpty(), "seed=" + seed);
    assertEquals(1, ledger.verify(Map.of(1L, otherValue), 10).size(), "seed=" + seed);
  }

  @Test
  void acknowledgedDeleteThatCameBackIsReported() {
    AckLedger ledger = new AckLedger();
    PointState written = point();
    ledger.record(3, acked(written));
    ledger.record(3, acked(PointState.ABSENT));
    assertEquals(1, ledger.verify(Map.of(3L, written), 10).size(), "seed=" + seed);
    assertTrue(ledger.verify(Map.of(), 10).isEmpty(), "seed=" + seed);
  }

  @Test
  void unknownOperationsMayOrMayNotHaveHappened() {
    AckLedger ledger = new AckLedger();
    PointState first = point();
    PointState second = point();
    ledger.record(5, acked(first));
    ledger.record(5, unknown(second));
    ledger.record(6, unknown(point()));
    assertTrue(ledger.verify(Map.of(5L, first), 10).isEmpty(), "seed=" + seed);
    assertTrue(ledger.verify(Map.of(5L, second), 10).isEmpty(), "seed=" + seed);
    assertEquals(2, ledger.verify(Map.of(6L, point()), 10).size(), "seed=" + seed);
    assertEquals(1, ledger.verify(Map.of(5L, point()), 10).size(), "seed=" + seed);
  }

  @Test
  void aPointNobodyWroteIsReported() {
    AckLedger ledger = new AckLedger();
    List<String> failures = ledger.verify(Map.of(99L, point()), 10);
    assertEquals(1, failures.size(), "seed=" + seed);
    assertTrue(failures.get(0).contains("never written"), "seed=" + seed + " " + failures);
  }

  @Test
  void settledStateMustHoldThroughTheNextCrash() {
    AckLedger ledger = new AckLedger();
    PointState maybe = point();
    ledger.record(8, unknown(maybe));
    assertTrue(ledger.verify(Map.of(8L, maybe), 10).isEmpty(), "seed=" + seed);
    ledger.settle(Map.of(8L, maybe), "observed");
    // Recovery showed the unknown upsert applied: losing it on the next restart is a loss.
    assertEquals(1, ledger.verify(Map.of(), 10).size(), "seed=" + seed);
  }

  @Test
  void reportIsCappedWithACount() {
    AckLedger ledger = new AckLedger();
    for (long id = 0; id < 50; id++) {
      ledger.record(id, acked(point()));
    }
    List<String> failures = ledger.verify(Map.of(), 5);
    assertEquals(6, failures.size(), "seed=" + seed);
    assertEquals("... and 45 more wrong ids", failures.get(5), "seed=" + seed);
  }
}
