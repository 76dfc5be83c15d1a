package io.vecdb.durability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real server process whose WAL fsync fails (issue 12, item 9): it stops with exit status 74
 * instead of going on, the write in flight is not acknowledged, and the restart keeps every
 * acknowledged write and none of the failed one (its bytes were written before the failing fsync,
 * so without the fail-stop marker the restart would read it back). The fault is injected with
 * {@code --fault-injection} and {@code POST /debug/wal-fault}: from then on every fsync fails after
 * its bytes reached the page cache, as on a failing device.
 */
class FailStopProcessTest {
  private static final long SEED = TestSeeds.seed(0);

  @TempDir Path work;

  @Test
  void aFailedFsyncStopsTheProcessAndTheRestartDropsWhatItDidNotConfirm() throws Exception {
    Random r = new Random(SEED);
    String context = "seed=" + SEED;
    ServerProcess.Options options =
        new ServerProcess.Options(
            work.resolve("data"),
            work.resolve("server.log"),
            "512m",
            List.of("--fault-injection"),
            ServerProcess.DEFAULT_READY_TIMEOUT);
    int acked = 5 + r.nextInt(20);
    float[][] vectors = new float[acked][];
    ServerProcess server = ServerProcess.start(options);
    try (QdrantHttp http = new QdrantHttp(server.baseUri())) {
      http.expectOk(
          "PUT",
          "/collections/fs",
          new JsonObject()
              .put("vectors", new JsonObject().put("size", 4).put("distance", "Euclid"))
              .encode());
      for (int i = 0; i < acked; i++) {
        vectors[i] = new float[] {r.nextFloat(), r.nextFloat(), r.nextFloat(), r.nextFloat()};
        http.expectOk("PUT", "/collections/fs/points?wait=true", upsert(i + 1, vectors[i]));
      }
      QdrantHttp.Reply armed = http.post("/debug/wal-fault", "{}");
      assertEquals(200, armed.status(), armed.toString());
      int status;
      try {
        status = http.put("/collections/fs/points?wait=true", upsert(1000, vectors[0])).status();
      } catch (java.io.IOException closed) {
        status = -1; // the process went away before answering: not acknowledged either
      }
      assertNotEquals(200, status, "a write whose fsync failed was acknowledged, " + context);
      Integer exit = server.awaitExit(Duration.ofSeconds(20));
      assertEquals(74, exit, "exit status after the WAL failed\n" + server.logTail(40));
      assertTrue(
          server.logTail(80).contains("FATAL: write-ahead log I/O failure"), server.logTail(40));
      assertTrue(
          Files.readString(work.resolve("data/wal/SYNCED")).startsWith("failed="),
          "the fail-stop marker names the last fsynced LSN");
    } finally {
      if (server.isAlive()) {
        server.kill();
      }
    }

    ServerProcess again = server.restart();
    try (QdrantHttp http = new QdrantHttp(again.baseUri())) {
      JsonArray ids = new JsonArray();
      for (int i = 0; i <= acked; i++) {
        ids.add(i + 1);
      }
      ids.add(1000);
      QdrantHttp.Reply got =
          http.post(
              "/collections/fs/points",
              new JsonObject().put("ids", ids).put("with_vector", true).encode());
      assertEquals(200, got.status(), got.toString());
      JsonArray points = got.resultArray();
      assertEquals(acked, points.size(), "every acknowledged write and nothing else: " + points);
      for (int k = 0; k < points.size(); k++) {
        JsonObject p = points.getJsonObject(k);
        long id = p.getLong("id");
        assertTrue(id >= 1 && id <= acked, "unexpected point " + p + ", " + context);
        JsonArray v = p.getJsonArray("vector");
        for (int d = 0; d < 4; d++) {
          assertEquals(vectors[(int) id - 1][d], v.getFloat(d), 1e-6, "point " + id);
        }
      }
      // The log goes on: the failed write, retried with the same id, is applied once.
      http.expectOk("PUT", "/collections/fs/points?wait=true", upsert(1000, vectors[0]));
      QdrantHttp.Reply one = http.get("/collections/fs/points/1000");
      assertEquals(200, one.status(), one.toString());
      assertEquals(1000L, one.resultObject().getLong("id"), one.toString());
    } finally {
      again.stop();
    }
  }

  private static String upsert(long id, float[] v) {
    JsonArray vector = new JsonArray();
    for (float x : v) {
      vector.add(x);
    }
    return new JsonObject()
        .put("points", new JsonArray().add(new JsonObject().put("id", id).put("vector", vector)))
        .encode();
  }
}
