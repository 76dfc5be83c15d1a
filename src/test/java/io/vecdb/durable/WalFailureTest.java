package io.vecdb.durable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.wal.FaultyStorage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** WAL failures at server level: writes are refused with a 5xx and nothing acknowledged is lost. */
class WalFailureTest {
  static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  @Test
  void failingFsyncRefusesWritesAndLosesNothingAcknowledged() throws Exception {
    failAndRecover(true);
  }

  @Test
  void fullDiskRefusesWritesAndLosesNothingAcknowledged() throws Exception {
    failAndRecover(false);
  }

  private void failAndRecover(boolean fsync) throws Exception {
    Random rnd = new Random(SEED);
    Path dir = DurableTestNode.tempDir("vecdb-walfail");
    FaultyStorage storage = new FaultyStorage();
    JsonObject before;
    try (DurableTestNode n = DurableTestNode.start(DurableTestNode.options(dir), storage)) {
      Scenario.create(n, "c", 8, "Dot");
      for (int b = 0; b < 4; b++) {
        n.ok("PUT", "/collections/c/points?wait=" + (b == 3), Scenario.batch(rnd, b * 100, 100, 8));
      }
      before = Scenario.state(n, "c", new Random(SEED + 1));
      if (fsync) {
        storage.forceBudget.set(0); // every further fsync fails: a dying disk
      } else {
        storage.writeBudget.set(0); // every further write fails: a full disk
      }
      for (int i = 0; i < 2; i++) {
        DurableTestNode.Reply r =
            n.call("PUT", "/collections/c/points?wait=true", Scenario.batch(rnd, 500 + i, 1, 8));
        assertEquals(503, r.status(), "seed " + SEED + ": " + r.json());
        assertNotNull(r.error(), "seed " + SEED);
        assertTrue(r.error().contains("write-ahead log"), r.error() + ", seed " + SEED);
      }
      // Reads go on, and show nothing of the refused writes.
      Scenario.assertSame(before, Scenario.state(n, "c", new Random(SEED + 1)), "seed " + SEED);
      storage.forceBudget.set(-1);
      storage.writeBudget.set(-1);
    }
    try (DurableTestNode n = DurableTestNode.start(dir)) {
      JsonObject after = Scenario.state(n, "c", new Random(SEED + 1));
      // A refused write may or may not have reached the disk; every acknowledged one did.
      JsonArray points = after.getJsonArray("points");
      JsonArray kept = new JsonArray();
      for (int i = 0; i < points.size(); i++) {
        if (points.getJsonObject(i).getLong("id") < 500) {
          kept.add(points.getJsonObject(i));
        }
      }
      assertEquals(before.getJsonArray("points"), kept, "seed " + SEED);
    }
  }

  private static double metric(String text, String name) {
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no metric " + name);
  }

  @Test
  void noWriteIsAcknowledgedBeforeItsFsync() throws Exception {
    Path dir = DurableTestNode.tempDir("vecdb-walhold");
    FaultyStorage storage = new FaultyStorage();
    try (DurableTestNode n = DurableTestNode.start(DurableTestNode.options(dir), storage)) {
      Scenario.create(n, "c", 4, "Euclid");
      CountDownLatch release = new CountDownLatch(1);
      storage.holdForce = release;
      CompletableFuture<DurableTestNode.Reply> reply =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return n.call(
                      "PUT",
                      "/collections/c/points?wait=false",
                      Scenario.batch(new Random(SEED), 0, 3, 4));
                } catch (Exception e) {
                  throw new RuntimeException(e);
                }
              });
      assertTrue(storage.forceEntered.await(30, TimeUnit.SECONDS), "fsync reached");
      assertFalse(reply.isDone(), "acknowledged while its fsync was still running");
      storage.holdForce = null;
      release.countDown();
      assertEquals(200, reply.get(30, TimeUnit.SECONDS).status());
      String metrics = n.text("/metrics");
      double fsyncs = metric(metrics, "vecdb_wal_fsyncs_total");
      double records = metric(metrics, "vecdb_wal_records_total");
      assertTrue(fsyncs >= 1 && records >= 2, "fsyncs " + fsyncs + ", records " + records);
      assertTrue(metric(metrics, "vecdb_wal_written_bytes_total") > 0, metrics);
    }
    try (DurableTestNode n = DurableTestNode.start(dir)) {
      assertEquals(
          3L,
          ((JsonObject) n.ok("POST", "/collections/c/points/count", new JsonObject()))
              .getLong("count"));
    }
  }
}
