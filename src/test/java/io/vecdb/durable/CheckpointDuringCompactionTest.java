package io.vecdb.durable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.collection.Collection;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Regression (issue 12, item 5): a checkpoint waited for a running compaction of the collection
 * (first on its apply lane, so writes to it stalled for the whole compaction; then, deferred, off
 * the lane, so the WAL could not be truncated until the compaction ended), and then wrote the whole
 * collection on its lane. Now a checkpoint captures the collection on the lane in reference copies,
 * whatever the compaction is doing, and writes it out off the lane.
 *
 * <p>The hook holds a compaction in the middle of its repairs: the graph has some lists repaired
 * and most not, and the nodes to free are still tombstones. A checkpoint round completes meanwhile,
 * a write is applied meanwhile, and a node started from a copy of the data directory taken then
 * (the mid-compaction snapshot and the WAL after it) has exactly the live node's state.
 */
class CheckpointDuringCompactionTest {
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  @Test
  void aCheckpointDuringACompactionNeitherWaitsForItNorHoldsWritesBack() throws Exception {
    Random rnd = new Random(SEED);
    String where = "seed " + SEED;
    Path dir = DurableTestNode.tempDir("vecdb-ckpt-compact");
    Path copy;
    io.vertx.core.json.JsonObject expected;
    try (DurableTestNode n = DurableTestNode.start(dir)) {
      Scenario.create(n, "c", 8, "Euclid");
      n.ok("PUT", "/collections/c/points?wait=true", Scenario.batch(rnd, 0, 2_000, 8));
      io.vertx.core.json.JsonArray gone = new io.vertx.core.json.JsonArray();
      for (int i = 0; i < 400; i++) {
        gone.add(i * 5);
      }
      n.ok(
          "POST",
          "/collections/c/points/delete?wait=true",
          new io.vertx.core.json.JsonObject().put("points", gone));
      Checkpointer checkpointer = n.node.storage().checkpointer();
      Collection c = n.node.collections().get("c");
      CountDownLatch repaired = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Integer> compaction =
          CompletableFuture.supplyAsync(
              () ->
                  c.compact(
                      () -> {
                        repaired.countDown();
                        try {
                          release.await(60, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                      }),
              runnable -> new Thread(runnable, "test-compaction").start());
      try {
        assertTrue(repaired.await(30, TimeUnit.SECONDS), "the compaction reached its hook");
        assertEquals(400, c.tombstones(), "nothing freed yet, " + where);
        CompletableFuture<Checkpointer.Round> round =
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return checkpointer.checkpoint();
                  } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                  }
                },
                runnable -> new Thread(runnable, "test-checkpoint").start());
        // The old code waited for the compaction here (the round would time out).
        Checkpointer.Round r = round.get(20, TimeUnit.SECONDS);
        assertEquals(1, r.written(), "the collection was checkpointed mid-compaction, " + where);
        assertTrue(r.walFirstLsnToKeep() > 1, "and the WAL behind it can go, " + where);
        // Writes go on while the compaction is still held.
        n.ok("PUT", "/collections/c/points?wait=true", Scenario.batch(rnd, 5_000, 10, 8));
        assertFalse(compaction.isDone(), "the compaction is still held, " + where);
        expected = Scenario.state(n, "c", new Random(SEED + 1));
        assertEquals(1_610, expected.getInteger("count"), where);
        copy = n.crashImage(); // the mid-compaction snapshot, and the WAL after it
      } finally {
        release.countDown();
      }
      assertEquals(400, compaction.get(60, TimeUnit.SECONDS), "the compaction freed the deletes");
      Scenario.assertSame(
          expected, Scenario.state(n, "c", new Random(SEED + 1)), "after the compaction, " + where);
    }
    try (DurableTestNode m = DurableTestNode.start(copy)) {
      assertEquals(1, m.node.storage().loadedSnapshots(), "the snapshot was loaded, " + where);
      Scenario.assertSame(
          expected,
          Scenario.state(m, "c", new Random(SEED + 1)),
          "restarted from the mid-compaction checkpoint, " + where);
      Collection c = m.node.collections().get("c");
      assertEquals(400, c.tombstones(), "the image kept the unfreed tombstones, " + where);
      assertEquals(400, c.compact(), where);
      Scenario.assertSame(
          expected,
          Scenario.state(m, "c", new Random(SEED + 1)),
          "after compacting the restored graph, " + where);
    }
  }
}
