package io.vecdb.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code vecdb bench-server} on a small random collection: every API and connection count prints
 * its line, and the recall measured from the server's replies equals the in-process collection
 * search's, query for query the same results (so the request path parsed every vector exactly).
 */
class ServerBenchCommandTest {
  @Test
  void everyApiAnswersWhatTheEngineAnswers() throws Exception {
    ServerBenchCommand.Options o =
        ServerBenchCommand.parse(
            new String[] {
              "--dataset",
              "random",
              "--n",
              "2000",
              "--dim",
              "16",
              "--queries",
              "100",
              "--ef",
              "16",
              "--seconds",
              "0.5",
              "--connections",
              "1,4",
              "--batch",
              "8",
              "--json"
            });
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int rc =
        ServerBenchCommand.run(
            o,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
    List<JsonObject> lines =
        out.toString(StandardCharsets.UTF_8).lines().map(JsonObject::new).toList();
    assertEquals(2 + 3 * 2, lines.size(), lines.toString());
    JsonObject graph = lines.get(0);
    JsonObject collection = lines.get(1);
    assertEquals("engine-graph", graph.getString("phase"));
    assertEquals("engine-collection", collection.getString("phase"));
    assertTrue(graph.getDouble("recall") > 0.8, graph.encode());
    int i = 2;
    for (String api : List.of("search", "batch", "ws")) {
      for (int conns : new int[] {1, 4}) {
        JsonObject line = lines.get(i++);
        assertEquals(api, line.getString("phase"), line.encode());
        assertEquals(conns, line.getInteger("connections"), line.encode());
        assertEquals(collection.getDouble("recall"), line.getDouble("recall"), line.encode());
        assertTrue(line.getDouble("qps") > 0, line.encode());
        assertTrue(line.getDouble("p99_ms") >= line.getDouble("p50_ms"), line.encode());
      }
    }
  }

  @Test
  void badFlagsNameTheFlag() {
    BenchOptions.BadFlag e =
        assertThrows(
            BenchOptions.BadFlag.class,
            () -> ServerBenchCommand.parse(new String[] {"--apis", "search,grpc"}));
    assertTrue(e.getMessage().startsWith("--apis:"), e.getMessage());
    e =
        assertThrows(
            BenchOptions.BadFlag.class,
            () -> ServerBenchCommand.parse(new String[] {"--seconds", "0"}));
    assertTrue(e.getMessage().startsWith("--seconds:"), e.getMessage());
  }
}
