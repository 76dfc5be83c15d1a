package io.vecdb.durable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Restarting a node on the same data directory keeps collections, points and indexes. */
class RestartTest {
  static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  @Test
  void restartKeepsEverything() throws Exception {
    Random rnd = new Random(SEED);
    Path dir = DurableTestNode.tempDir("vecdb-restart");
    JsonObject before;
    Path image;
    try (DurableTestNode n = DurableTestNode.start(dir)) {
      Scenario.create(n, "docs", 8, "Euclid");
      Scenario.create(n, "gone", 4, "Dot");
      n.ok(
          "PUT",
          "/collections/docs/index",
          new JsonObject().put("field_name", "color").put("field_schema", "keyword"));
      for (int b = 0; b < 6; b++) {
        n.ok(
            "PUT",
            "/collections/docs/points?wait=" + (b % 2 == 0),
            Scenario.batch(rnd, b * 50, 50, 8));
      }
      n.ok(
          "POST",
          "/collections/docs/points/delete?wait=true",
          new JsonObject().put("points", new JsonArray().add(3).add(77).add(150)));
      n.ok(
          "POST",
          "/collections/docs/points/payload?wait=true",
          new JsonObject()
              .put("payload", new JsonObject().put("tag", "x"))
              .put("points", new JsonArray().add(10).add(11)));
      n.ok(
          "PATCH",
          "/collections/docs",
          new JsonObject().put("hnsw_config", new JsonObject().put("full_scan_threshold", 123)));
      n.ok("DELETE", "/collections/gone", null);
      before = Scenario.state(n, "docs", new Random(SEED + 1));
      image = n.crashImage();
    }
    try (DurableTestNode n = DurableTestNode.start(image)) {
      assertEquals(0, n.node.storage().loadedSnapshots(), "seed " + SEED);
      Scenario.assertSame(
          before, Scenario.state(n, "docs", new Random(SEED + 1)), "WAL replay, seed " + SEED);
    }
    try (DurableTestNode n = DurableTestNode.start(dir)) {
      assertEquals(1, n.node.storage().loadedSnapshots(), "shutdown checkpoint, seed " + SEED);
      assertTrue(
          n.text("/metrics").contains("vecdb_collection_points{collection=\"docs\"} 297.0"),
          "points gauge of a recovered collection, seed " + SEED);
      Scenario.assertSame(before, Scenario.state(n, "docs", new Random(SEED + 1)), "seed " + SEED);
      assertEquals(404, n.call("GET", "/collections/gone", null).status(), "seed " + SEED);
      JsonObject info = (JsonObject) n.ok("GET", "/collections/docs", null);
      assertEquals(
          123,
          info.getJsonObject("config")
              .getJsonObject("hnsw_config")
              .getInteger("full_scan_threshold"),
          "seed " + SEED);
      assertNotNull(
          info.getJsonObject("payload_schema").getJsonObject("color"),
          "payload index survives, seed " + SEED);
      // Writes continue with fresh sequence numbers after the recovered ones.
      n.ok(
          "PUT",
          "/collections/docs/points?wait=true",
          Scenario.batch(new Random(SEED + 1), 1000, 5, 8));
      assertEquals(
          297 + 5L,
          ((JsonObject)
                  n.ok(
                      "POST",
                      "/collections/docs/points/count",
                      new JsonObject().put("exact", true)))
              .getLong("count"),
          "seed " + SEED);
    }
  }

  @Test
  void restartAfterCheckpointLoadsGraphAndReplaysOnlyTheTail() throws Exception {
    Random rnd = new Random(SEED);
    Path dir = DurableTestNode.tempDir("vecdb-ckpt");
    Path image;
    JsonObject before;
    try (DurableTestNode n = DurableTestNode.start(dir)) {
      Scenario.create(n, "c", 16, "Cosine");
      for (int b = 0; b < 10; b++) {
        n.ok("PUT", "/collections/c/points?wait=true", Scenario.batch(rnd, b * 200, 200, 16));
      }
      DurableTestNode.await(n.node.storage().checkpoint());
      n.ok("PUT", "/collections/c/points?wait=true", Scenario.batch(rnd, 5000, 7, 16));
      n.ok(
          "POST",
          "/collections/c/points/delete?wait=true",
          new JsonObject().put("points", new JsonArray().add(1).add(2)));
      // Exact searches: the tail is inserted into the loaded graph again, and the SIMD kernels may
      // round differently once JIT-compiled, so a graph search may differ slightly after replay.
      before = Scenario.state(n, "c", new Random(SEED + 7), true);
      image = n.crashImage(); // no final checkpoint: as if killed here
    }
    try (DurableTestNode n = DurableTestNode.start(image)) {
      assertEquals(1, n.node.storage().loadedSnapshots(), "seed " + SEED);
      // 2000 points came from the snapshot's graph; only the upsert and the delete after it ran.
      assertEquals(2, n.node.storage().replayedRecords(), "seed " + SEED);
      Scenario.assertSame(
          before, Scenario.state(n, "c", new Random(SEED + 7), true), "seed " + SEED);
    }
  }

  @Test
  void cleanShutdownCheckpointsAndTruncatesTheWal() throws Exception {
    Random rnd = new Random(SEED);
    Path dir = DurableTestNode.tempDir("vecdb-shutdown");
    JsonObject before;
    var options = DurableTestNode.options(dir);
    options.getDurability().setWalSegmentMb(1);
    try (DurableTestNode n = DurableTestNode.start(options, io.vecdb.wal.WalStorage.files())) {
      Scenario.create(n, "c", 32, "Euclid");
      for (int b = 0; b < 20; b++) {
        n.ok("PUT", "/collections/c/points?wait=false", Scenario.batch(rnd, b * 500, 500, 32));
      }
      // Applied in log order: once this one is applied, so are the acknowledged ones before it.
      n.ok("PUT", "/collections/c/points?wait=true", Scenario.batch(rnd, 9000, 1, 32));
      before = Scenario.state(n, "c", new Random(SEED + 3), false);
    }
    long segments;
    try (var files = Files.list(dir.resolve("wal"))) {
      segments = files.filter(p -> p.getFileName().toString().startsWith("wal-")).count();
    }
    assertTrue(
        segments <= 2,
        "WAL segments left after the shutdown checkpoint: " + segments + ", seed " + SEED);
    try (DurableTestNode n = DurableTestNode.start(dir)) {
      assertEquals(0, n.node.storage().replayedRecords(), "seed " + SEED);
      Scenario.assertSame(
          before, Scenario.state(n, "c", new Random(SEED + 3), false), "seed " + SEED);
    }
  }

  @Test
  void checkpointsInTheBackgroundAfterNMegabytesOfWal() throws Exception {
    Random rnd = new Random(SEED);
    Path dir = DurableTestNode.tempDir("vecdb-bg");
    var options = DurableTestNode.options(dir);
    options.getDurability().setSnapshotWalMb(1).setWalSegmentMb(1);
    try (DurableTestNode n = DurableTestNode.start(options, io.vecdb.wal.WalStorage.files())) {
      Scenario.create(n, "c", 64, "Dot");
      for (int b = 0; b < 12; b++) { // ~1.5 MB of WAL
        n.ok("PUT", "/collections/c/points?wait=false", Scenario.batch(rnd, b * 400, 400, 64));
      }
      Path snapshots = dir.resolve("snapshots").resolve("c-c");
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      boolean found = false;
      while (!found && System.nanoTime() < deadline) {
        if (Files.isDirectory(snapshots)) {
          try (var files = Files.list(snapshots)) {
            found = files.anyMatch(p -> p.toString().endsWith(".vsnap"));
          }
        }
        if (!found) {
          java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        }
      }
      assertTrue(found, "no background checkpoint after >1 MB of WAL within 30 s, seed " + SEED);
      // Writes and searches go on during and after it.
      n.ok("PUT", "/collections/c/points?wait=true", Scenario.batch(rnd, 10_000, 10, 64));
      assertEquals(
          4810L,
          ((JsonObject) n.ok("POST", "/collections/c/points/count", new JsonObject()))
              .getLong("count"),
          "seed " + SEED);
    }
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"interval", "never"})
  void otherSyncPoliciesLoseNothingOnAProcessCrash(String policy) throws Exception {
    Random rnd = new Random(SEED);
    Path dir = DurableTestNode.tempDir("vecdb-" + policy);
    var options = DurableTestNode.options(dir);
    options.getDurability().setWalSync(policy).setWalSyncIntervalMs(50);
    JsonObject before;
    Path image;
    try (DurableTestNode n = DurableTestNode.start(options, io.vecdb.wal.WalStorage.files())) {
      Scenario.create(n, "c", 8, "Euclid");
      for (int b = 0; b < 5; b++) {
        n.ok("PUT", "/collections/c/points?wait=true", Scenario.batch(rnd, b * 100, 100, 8));
      }
      before = Scenario.state(n, "c", new Random(SEED + 2));
      // The copy reads what the OS holds, as the node would after kill -9 (not a power failure).
      image = n.crashImage();
    }
    try (DurableTestNode n = DurableTestNode.start(image)) {
      Scenario.assertSame(
          before, Scenario.state(n, "c", new Random(SEED + 2)), policy + ", seed " + SEED);
    }
  }
}
