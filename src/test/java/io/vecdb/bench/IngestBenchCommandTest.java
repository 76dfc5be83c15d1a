package io.vecdb.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Flags and request encoding of {@code vecdb bench-ingest}; the full run is in the slow suite. */
class IngestBenchCommandTest {

  @Test
  void badFlagsAreNamed() {
    String[][] cases = {
      {"--nope"},
      {"--batch", "0"},
      {"--clients", "x"},
      {"--m", "1"},
      {"--peer", "faiss"},
      {"--url", "ftp://x"},
      {"--ef-construct"},
      {"--server-heap", "lots"},
      {"--url", "http://127.0.0.1:6333", "--keep-data"},
      {"--warmup", "-1"},
    };
    String[] named = {
      "--nope",
      "--batch",
      "--clients",
      "--m",
      "--peer",
      "--url",
      "--ef-construct",
      "--server-heap",
      "--url",
      "--warmup"
    };
    for (int i = 0; i < cases.length; i++) {
      String[] args = cases[i];
      BenchOptions.BadFlag e =
          assertThrows(
              BenchOptions.BadFlag.class,
              () -> IngestBenchCommand.Options.parse(args),
              String.join(" ", args));
      assertTrue(e.getMessage().contains(named[i]), e.getMessage());
      assertEquals(2, IngestBenchCommand.run(args), String.join(" ", args));
    }
  }

  @Test
  void defaultsMatchTheIssue() throws Exception {
    IngestBenchCommand.Options o = IngestBenchCommand.Options.parse(new String[0]);
    assertEquals(60_000, o.n());
    assertEquals(256, o.batch());
    assertEquals(16, o.m());
    assertEquals(100, o.efConstruct());
    assertEquals(null, o.url());
  }

  @Test
  void batchesCarryEveryPointExactly() {
    Dataset data = Dataset.random(1_000, 7, 1, 5);
    List<byte[]> bodies = IngestBenchCommand.encodeBatches(data, 256);
    assertEquals(4, bodies.size());
    int next = 0;
    for (byte[] body : bodies) {
      JsonArray points =
          new JsonObject(new String(body, StandardCharsets.UTF_8)).getJsonArray("points");
      for (Object p : points) {
        JsonObject point = (JsonObject) p;
        assertEquals(next, point.getInteger("id"));
        JsonArray vector = point.getJsonArray("vector");
        for (int d = 0; d < data.dim(); d++) {
          assertEquals(data.train()[next * data.dim() + d], vector.getNumber(d).floatValue());
        }
        next++;
      }
    }
    assertEquals(1_000, next);
  }

  @Test
  void metricsParserSumsLabelledAndUnlabelledSamples() {
    String text =
        """
        # HELP vecdb_wal_fsyncs_total fsyncs
        # TYPE vecdb_wal_fsyncs_total counter
        vecdb_wal_fsyncs_total 42.0
        vecdb_wal_bytes_written_total{sync="always"} 1000.0
        vecdb_wal_bytes_written_total{sync="interval"} 24.0
        vecdb_points{collection="a{b}"} 7 1700000000000
        garbage line
        """;
    var sums = IngestBenchCommand.parseMetrics(text);
    assertEquals(42.0, sums.get("vecdb_wal_fsyncs_total"));
    assertEquals(1024.0, sums.get("vecdb_wal_bytes_written_total"));
    assertEquals(7.0, sums.get("vecdb_points"));
    assertEquals(3, sums.size(), sums.toString());
  }
}
