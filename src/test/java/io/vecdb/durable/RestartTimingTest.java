package io.vecdb.durable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Restart times of a larger collection (Fashion-MNIST's shape: 784 dimensions): from a checkpoint
 * (graph loaded) versus from the WAL alone (graph rebuilt by replay). Prints the figures; asserts
 * only that both restarts restore every point and that the checkpoint restart replays nothing.
 * Size: {@code -Dvecdb.timing.points} (default 20000).
 */
@Tag("slow")
class RestartTimingTest {
  static final long SEED = Long.getLong("tests.seed", System.nanoTime());
  static final int POINTS = Integer.getInteger("vecdb.timing.points", 20_000);
  static final int DIM = 784;

  @Test
  void restartFromCheckpointVersusWalReplay() throws Exception {
    Random rnd = new Random(SEED);
    Path dir = DurableTestNode.tempDir("vecdb-timing");
    Path walOnly;
    long t0 = System.nanoTime();
    try (DurableTestNode n = DurableTestNode.start(dir)) {
      Scenario.create(n, "f", DIM, "Euclid");
      for (int i = 0; i < POINTS; i += 256) {
        n.ok(
            "PUT",
            "/collections/f/points?wait=true",
            Scenario.batch(rnd, i, Math.min(256, POINTS - i), DIM));
      }
      double ingest = (System.nanoTime() - t0) / 1e9;
      walOnly = n.crashImage();
      long c0 = System.nanoTime();
      DurableTestNode.await(n.node.storage().checkpoint());
      System.out.printf(
          "timing: %d x %d ingested (wait=true, batches of 256) in %.1f s; checkpoint %.2f s%n",
          POINTS, DIM, ingest, (System.nanoTime() - c0) / 1e9);
    }
    long s0 = System.nanoTime();
    try (DurableTestNode n = DurableTestNode.start(dir)) {
      double s = (System.nanoTime() - s0) / 1e9;
      assertEquals(0, n.node.storage().replayedRecords(), "seed " + SEED);
      assertEquals(POINTS, count(n), "seed " + SEED);
      System.out.printf("timing: restart from checkpoint %.2f s (graph loaded)%n", s);
    }
    long w0 = System.nanoTime();
    try (DurableTestNode n = DurableTestNode.start(walOnly)) {
      double s = (System.nanoTime() - w0) / 1e9;
      assertTrue(n.node.storage().replayedRecords() > 0, "seed " + SEED);
      assertEquals(POINTS, count(n), "seed " + SEED);
      System.out.printf("timing: restart from the WAL only %.2f s (graph rebuilt by replay)%n", s);
    }
  }

  private static long count(DurableTestNode n) throws Exception {
    return ((JsonObject) n.ok("POST", "/collections/f/points/count", new JsonObject()))
        .getLong("count");
  }
}
