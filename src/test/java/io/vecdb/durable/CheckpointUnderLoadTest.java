package io.vecdb.durable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.wal.WalStorage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Checkpoints taken while writers (upserts, deletes, payload edits, collection create/delete) and
 * searchers run: searches keep succeeding, and a crash image taken afterwards restarts to exactly
 * the live state, although the WAL was truncated behind the checkpoints.
 */
class CheckpointUnderLoadTest {
  static final long SEED = Long.getLong("tests.seed", System.nanoTime());
  static final int OPS_PER_WRITER = 40;
  static final int CHECKPOINTS = 8;

  @Test
  void checkpointsDuringWritesAndSearchesAreConsistentCuts() throws Exception {
    Path dir = DurableTestNode.tempDir("vecdb-ckload");
    var options = DurableTestNode.options(dir);
    options.getDurability().setWalSegmentMb(1).setSnapshotWalMb(0).setSnapshotIntervalMinutes(0);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (DurableTestNode n = DurableTestNode.start(options, WalStorage.files())) {
      String[] names = {"a", "b"};
      for (String c : names) {
        Scenario.create(n, c, 48, "Euclid");
      }
      AtomicBoolean writing = new AtomicBoolean(true);
      AtomicInteger searches = new AtomicInteger();
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < names.length; w++) {
        String c = names[w];
        long seed = SEED + w;
        writers.add(
            pool.submit(
                () -> {
                  Random rnd = new Random(seed);
                  for (int i = 0; i < OPS_PER_WRITER; i++) {
                    int kind = rnd.nextInt(10);
                    if (kind < 6) {
                      n.ok(
                          "PUT",
                          "/collections/" + c + "/points?wait=" + rnd.nextBoolean(),
                          Scenario.batch(rnd, rnd.nextInt(2000), 1 + rnd.nextInt(300), 48));
                    } else if (kind < 8) {
                      JsonArray ids = new JsonArray();
                      for (int k = 0; k < 20; k++) {
                        ids.add(rnd.nextInt(2000));
                      }
                      n.ok(
                          "POST",
                          "/collections/" + c + "/points/delete?wait=true",
                          new JsonObject().put("points", ids));
                    } else if (kind < 9) {
                      n.ok(
                          "POST",
                          "/collections/" + c + "/points/payload?wait=true",
                          new JsonObject()
                              .put("payload", new JsonObject().put("step", i))
                              .put(
                                  "filter",
                                  new JsonObject()
                                      .put(
                                          "must",
                                          new JsonArray()
                                              .add(
                                                  new JsonObject()
                                                      .put("key", "color")
                                                      .put(
                                                          "match",
                                                          new JsonObject().put("value", "red"))))));
                    } else {
                      // Metadata churn on a side collection: created and deleted under load.
                      String side = c + "-side";
                      if (n.call("GET", "/collections/" + side, null).status() == 404) {
                        Scenario.create(n, side, 4, "Dot");
                        n.ok(
                            "PUT",
                            "/collections/" + side + "/points?wait=true",
                            Scenario.batch(rnd, 0, 5, 4));
                      } else {
                        n.ok("DELETE", "/collections/" + side, null);
                      }
                    }
                  }
                  return null;
                }));
      }
      Future<?> searcher =
          pool.submit(
              () -> {
                Random rnd = new Random(SEED + 99);
                while (writing.get()) {
                  String c = names[rnd.nextInt(names.length)];
                  n.ok(
                      "POST",
                      "/collections/" + c + "/points/search",
                      new JsonObject().put("vector", Scenario.vector(rnd, 48)).put("limit", 5));
                  searches.incrementAndGet();
                }
                return null;
              });
      for (int i = 0; i < CHECKPOINTS; i++) {
        DurableTestNode.await(n.node.storage().checkpoint());
      }
      for (Future<?> w : writers) {
        w.get(120, TimeUnit.SECONDS);
      }
      DurableTestNode.await(n.node.storage().checkpoint());
      // A last wait=true write per collection: everything acknowledged before it is applied.
      for (String c : names) {
        n.ok(
            "PUT",
            "/collections/" + c + "/points?wait=true",
            Scenario.batch(new Random(SEED), 5000, 1, 48));
      }
      writing.set(false);
      searcher.get(60, TimeUnit.SECONDS);
      assertTrue(searches.get() > 0, "searches ran during checkpoints, seed " + SEED);
      List<JsonObject> live = new ArrayList<>();
      for (String c : names) {
        live.add(Scenario.state(n, c, new Random(SEED + 5)));
      }
      JsonArray collections =
          ((JsonObject) n.ok("GET", "/collections", null)).getJsonArray("collections");
      String metrics = n.text("/metrics");
      assertTrue(
          !metrics.contains("vecdb_wal_first_lsn 1.0"),
          "the checkpoints truncated the WAL (first LSN > 1), seed " + SEED);
      Path image = n.crashImage();
      try (DurableTestNode m = DurableTestNode.start(image)) {
        for (int i = 0; i < names.length; i++) {
          Scenario.assertSame(
              live.get(i),
              Scenario.state(m, names[i], new Random(SEED + 5)),
              names[i] + " after restart, seed " + SEED);
        }
        assertEquals(
            collections,
            ((JsonObject) m.ok("GET", "/collections", null)).getJsonArray("collections"),
            "collections after restart, seed " + SEED);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
