package io.vecdb.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A small real run of {@code vecdb bench-ingest --json} against a server JVM it starts: every phase
 * prints its line with the figures the issue asks for. Slow: it starts three server JVMs.
 */
@Tag("slow")
class IngestBenchCommandRunTest {

  private static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");

  @Test
  void smallRunPrintsEveryPhase() {
    Assumptions.assumeTrue(
        Files.isRegularFile(FASHION.resolve("train-images-idx3-ubyte.gz")),
        "Debian package dataset-fashion-mnist is not installed");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        IngestBenchCommand.run(
            new String[] {
              "--json", "--n", "1000", "--batch", "100", "--clients", "2", "--warmup", "200"
            },
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    String printed = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, status, printed + err.toString(StandardCharsets.UTF_8));
    Map<String, JsonObject> byPhase = new HashMap<>();
    for (String line : printed.strip().split("\n")) {
      JsonObject json = new JsonObject(line);
      byPhase.merge(json.getString("phase"), json, (a, b) -> a);
    }
    for (String phase :
        new String[] {"start", "acknowledged", "searchable", "restart", "summary"}) {
      assertTrue(byPhase.containsKey(phase), phase + " missing in " + printed);
    }
    for (String phase : new String[] {"acknowledged", "searchable"}) {
      JsonObject r = byPhase.get(phase);
      assertEquals(1000, r.getInteger("points"), r.encode());
      assertTrue(r.getDouble("points_per_s") > 0, r.encode());
      assertTrue(r.containsKey("fsyncs_source") && r.containsKey("wal_bytes_source"), r.encode());
    }
    // Every restart (after SIGKILL, after SIGTERM, from the WAL alone) brought all points back.
    int restarts = 0;
    for (String line : printed.strip().split("\n")) {
      JsonObject json = new JsonObject(line);
      if ("restart".equals(json.getString("phase"))) {
        restarts++;
        assertEquals(1000L, json.getLong("points"), json.encode());
      }
    }
    assertEquals(3, restarts, printed);
    assertTrue(byPhase.get("summary").getDouble("restart_without_snapshot_s") > 0, printed);
  }
}
