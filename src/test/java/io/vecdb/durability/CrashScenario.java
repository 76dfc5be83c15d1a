package io.vecdb.durability;

import io.vecdb.durability.AckLedger.PointState;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One seeded crash run: start a server, create a collection, then {@code cycles} times: run the
 * {@link CrashWorkload}, SIGKILL the server at a random moment while requests are in flight,
 * restart it on the same data dir, and check every point against the {@link AckLedger}. Between
 * cycles the observed state becomes the new baseline, so a later crash must also keep what an
 * earlier recovery showed.
 *
 * <p>What is random: the seed picks the operations, the kill's threshold of acknowledged operations
 * and its extra delay. The interleaving of the worker threads and the kill's exact moment depend on
 * timing, so a seed reproduces the workload, not the exact crash point.
 */
final class CrashScenario {

  static final String COLLECTION = "crash";

  private CrashScenario() {}

  /** Runs the scenario; throws an AssertionError naming the seed and the lost writes. */
  static void run(CrashWorkload.Settings settings, long seed, Path workDir) throws Exception {
    Random rng = new Random(seed);
    Path dataDir = workDir.resolve("data");
    Path log = workDir.resolve("server.log");
    AckLedger ledger = new AckLedger();
    CrashWorkload workload = new CrashWorkload(settings, seed, COLLECTION, ledger);
    String context = "seed=" + seed + " (rerun: -Dtests.seed=" + seed + ")";

    ServerProcess server = ServerProcess.start(dataDir, log);
    try {
      try (QdrantHttp http = new QdrantHttp(server.baseUri())) {
        http.expectOk(
            "PUT",
            "/collections/" + COLLECTION,
            new JsonObject()
                .put(
                    "vectors",
                    new JsonObject().put("size", settings.dim()).put("distance", "Euclid"))
                .encode());
      }
      for (int cycle = 1; cycle <= settings.cycles(); cycle++) {
        String where = context + " cycle=" + cycle + "/" + settings.cycles();
        CrashWorkload.Running running = workload.start(server.baseUri(), cycle);
        long threshold =
            settings.minAckedBeforeKill() + rng.nextInt(settings.minAckedBeforeKill() + 1);
        long cycleStart = System.nanoTime();
        try {
          running.awaitAcked(threshold, Duration.ofSeconds(30), Duration.ofMinutes(5));
        } catch (AssertionError e) {
          // The workers end when the finally below kills the server; they are daemons.
          throw new AssertionError(
              where
                  + ": "
                  + e.getMessage()
                  + "\n"
                  + server.logTail(60)
                  + "\n"
                  + server.threadDump(),
              e);
        }
        Thread.sleep(rng.nextInt(settings.maxExtraDelayMillis() + 1)); // random kill moment
        running.awaitInFlight(Duration.ofSeconds(10));
        int inFlightAtKill = running.inFlight();
        server.kill();
        running.join(Duration.ofSeconds(90));
        if (!running.unexpectedReplies().isEmpty()) {
          throw new AssertionError(
              where + ": valid requests were rejected: " + running.unexpectedReplies());
        }
        String stats =
            "acked="
                + running.acked()
                + " in "
                + (System.nanoTime() - cycleStart) / 1_000_000
                + " ms"
                + " sent="
                + running.sent()
                + " in flight at SIGKILL="
                + inFlightAtKill;

        server = server.restart();
        try (QdrantHttp http = new QdrantHttp(server.baseUri())) {
          checkCollection(http, settings, where, server);
          Map<Long, PointState> scrolled = PointsReader.scrollAll(http, COLLECTION);
          List<String> failures = ledger.verify(scrolled, 20);
          if (!failures.isEmpty()) {
            throw new AssertionError(
                where
                    + ": "
                    + "acknowledged writes lost or wrong after SIGKILL + restart ("
                    + stats
                    + ", points found="
                    + scrolled.size()
                    + "):\n  "
                    + String.join("\n  ", failures)
                    + "\n"
                    + server.logTail(40));
          }
          Map<Long, PointState> byId =
              PointsReader.getByIds(http, COLLECTION, new ArrayList<>(scrolled.keySet()));
          checkSameViews(scrolled, byId, where);
          long count =
              http.expectOk(
                      "POST",
                      "/collections/" + COLLECTION + "/points/count",
                      new JsonObject().put("exact", true).encode())
                  .getJsonObject("result")
                  .getLong("count");
          if (count != scrolled.size()) {
            throw new AssertionError(
                where + ": exact count " + count + " but scroll returned " + scrolled.size());
          }
          ledger.settle(scrolled, "observed after cycle " + cycle);
          System.out.println("[crash] " + where + " ok: " + stats + " points=" + scrolled.size());
        }
      }
    } finally {
      server.close();
    }
  }

  /**
   * The same workload and checks without a crash, against the live server: every acknowledged write
   * must become visible (polled with a deadline, since {@code wait=false} writes are applied
   * asynchronously). This shows the checker accepts a correct server, so a failure of {@link #run}
   * is about durability, not about the harness.
   */
  static void runWithoutCrash(CrashWorkload.Settings settings, long seed, Path workDir)
      throws Exception {
    AckLedger ledger = new AckLedger();
    CrashWorkload workload = new CrashWorkload(settings, seed, COLLECTION, ledger);
    String where = "seed=" + seed + " (rerun: -Dtests.seed=" + seed + ") no crash";
    try (ServerProcess server =
            ServerProcess.start(workDir.resolve("data"), workDir.resolve("server.log"));
        QdrantHttp http = new QdrantHttp(server.baseUri())) {
      http.expectOk(
          "PUT",
          "/collections/" + COLLECTION,
          new JsonObject()
              .put(
                  "vectors", new JsonObject().put("size", settings.dim()).put("distance", "Euclid"))
              .encode());
      CrashWorkload.Running running = workload.start(server.baseUri(), 1);
      running.awaitAcked(
          settings.minAckedBeforeKill() * 2L, Duration.ofSeconds(30), Duration.ofMinutes(5));
      running.join(Duration.ofSeconds(60));
      if (!running.unexpectedReplies().isEmpty()) {
        throw new AssertionError(
            where + ": valid requests rejected: " + running.unexpectedReplies());
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      List<String> failures;
      Map<Long, PointState> scrolled;
      do {
        scrolled = PointsReader.scrollAll(http, COLLECTION);
        failures = ledger.verify(scrolled, 20);
      } while (!failures.isEmpty() && System.nanoTime() < deadline && pause());
      if (!failures.isEmpty()) {
        throw new AssertionError(
            where
                + ": acknowledged writes not visible on the live server (acked="
                + running.acked()
                + "):\n  "
                + String.join("\n  ", failures)
                + "\n"
                + server.logTail(40));
      }
      checkSameViews(
          scrolled,
          PointsReader.getByIds(http, COLLECTION, new ArrayList<>(scrolled.keySet())),
          where);
    }
  }

  private static boolean pause() throws InterruptedException {
    Thread.sleep(50); // poll interval
    return true;
  }

  private static void checkCollection(
      QdrantHttp http, CrashWorkload.Settings settings, String where, ServerProcess server)
      throws Exception {
    QdrantHttp.Reply reply = http.get("/collections/" + COLLECTION);
    if (!reply.ok()) {
      throw new AssertionError(
          where
              + ": collection '"
              + COLLECTION
              + "' (created before the crash, acknowledged) is gone after restart: "
              + reply
              + "\n"
              + server.logTail(40));
    }
    JsonObject vectors =
        reply
            .resultObject()
            .getJsonObject("config")
            .getJsonObject("params")
            .getJsonObject("vectors");
    if (vectors.getInteger("size") != settings.dim()
        || !"Euclid".equals(vectors.getString("distance"))) {
      throw new AssertionError(
          where + ": collection params changed across restart: " + vectors.encode());
    }
  }

  private static void checkSameViews(
      Map<Long, PointState> scrolled, Map<Long, PointState> byId, String where) {
    for (Map.Entry<Long, PointState> entry : scrolled.entrySet()) {
      PointState other = byId.get(entry.getKey());
      if (other == null || !other.sameAs(entry.getValue())) {
        throw new AssertionError(
            where
                + ": id "
                + entry.getKey()
                + " scroll shows "
                + entry.getValue().describe()
                + " but get-by-id shows "
                + (other == null ? "nothing" : other.describe()));
      }
    }
  }
}
