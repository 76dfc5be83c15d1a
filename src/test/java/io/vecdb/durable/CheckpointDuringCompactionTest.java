package io.vecdb.durable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.collection.Collection;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Regression (issue 12, item 5): a checkpoint waited for a running compaction of the collection, on
 * the collection's apply lane, so writes to it stalled for the whole compaction. The hook holds a
 * compaction after its scan; a checkpoint round meanwhile defers the collection at once, a write to
 * it is applied, and the next round, after the compaction, writes its checkpoint.
 */
class CheckpointDuringCompactionTest {
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  @Test
  void aCheckpointDefersACollectionBeingCompactedInsteadOfStallingItsWrites() throws Exception {
    Random rnd = new Random(SEED);
    Path dir = DurableTestNode.tempDir("vecdb-ckpt-compact");
    try (DurableTestNode n = DurableTestNode.start(dir)) {
      Scenario.create(n, "c", 8, "Euclid");
      n.ok("PUT", "/collections/c/points?wait=true", Scenario.batch(rnd, 0, 2_000, 8));
      io.vertx.core.json.JsonArray gone = new io.vertx.core.json.JsonArray();
      for (int i = 0; i < 400; i++) {
        gone.add(i);
      }
      n.ok(
          "POST",
          "/collections/c/points/delete?wait=true",
          new io.vertx.core.json.JsonObject().put("points", gone));
      Checkpointer checkpointer = n.node.storage().checkpointer();
      Collection c = n.node.collections().get("c");
      CountDownLatch scanned = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Integer> compaction =
          CompletableFuture.supplyAsync(
              () ->
                  c.compact(
                      () -> {
                        scanned.countDown();
                        try {
                          release.await(60, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                      }),
              runnable -> new Thread(runnable, "test-compaction").start());
      CompletableFuture<Checkpointer.Round> round;
      try {
        assertTrue(scanned.await(30, TimeUnit.SECONDS), "the compaction reached its hook");
        long deferredBefore = checkpointer.deferred();
        round =
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return checkpointer.checkpoint();
                  } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                  }
                },
                runnable -> new Thread(runnable, "test-checkpoint").start());
        // The round waits for the compaction off the collection's lane: a write to it is applied
        // meanwhile (the old code held the lane, so this write waited for the release).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (checkpointer.deferred() == deferredBefore && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        assertEquals(deferredBefore + 1, checkpointer.deferred(), "the capture was put off");
        CompletableFuture<Object> write =
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return n.ok(
                        "PUT",
                        "/collections/c/points?wait=true",
                        Scenario.batch(rnd, 5_000, 10, 8));
                  } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                  }
                },
                runnable -> new Thread(runnable, "test-write").start());
        write.get(20, TimeUnit.SECONDS);
        assertTrue(!round.isDone(), "the round still waits for the compaction");
      } finally {
        release.countDown();
      }
      assertEquals(400, compaction.get(60, TimeUnit.SECONDS), "the compaction freed the deletes");
      Checkpointer.Round r = round.get(60, TimeUnit.SECONDS);
      assertEquals(1, r.written(), "once the compaction ended, the round checkpointed it");
      assertTrue(r.walFirstLsnToKeep() > 1, "and the WAL behind it can go");
    }
  }
}
