package io.vecdb.durable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A WAL of operation format 2 (the conditional upsert and the batch of point operations), checked
 * in as {@code src/test/resources/wal-format-v2}, is read back to the state it was written with.
 * Regenerate it only for a new format, beside it: {@code ./vecdb test -Dtest=WalFormatV2Test
 * -Dwal.fixture.write=DIR}.
 */
class WalFormatV2Test {
  private static final String SEGMENT = "wal-00000000000000000001.log";

  private static JsonObject point(long id, double x, int v) {
    return new JsonObject()
        .put("id", id)
        .put("vector", new JsonArray().add(x).add(1.0))
        .put("payload", new JsonObject().put("v", v));
  }

  private static void writeOperations(DurableTestNode n) throws Exception {
    n.ok(
        "PUT",
        "/collections/v2",
        new JsonObject().put("vectors", new JsonObject().put("size", 2).put("distance", "Dot")));
    n.ok(
        "PUT",
        "/collections/v2/points?wait=true",
        new JsonObject().put("points", new JsonArray().add(point(1, 1, 10)).add(point(2, 2, 20))));
    n.ok(
        "PUT",
        "/collections/v2/points?wait=true",
        new JsonObject()
            .put("points", new JsonArray().add(point(1, 9, 11)).add(point(3, 3, 30)))
            .put("update_mode", "insert_only"));
    n.ok(
        "PUT",
        "/collections/v2/points?wait=true",
        new JsonObject()
            .put("points", new JsonArray().add(point(1, 1, 12)).add(point(2, 2, 22)))
            .put(
                "update_filter",
                new JsonObject()
                    .put(
                        "must",
                        new JsonArray()
                            .add(
                                new JsonObject()
                                    .put("key", "v")
                                    .put("match", new JsonObject().put("value", 10))))));
    n.ok(
        "POST",
        "/collections/v2/points/batch?wait=true",
        new JsonObject()
            .put(
                "operations",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put(
                                "upsert",
                                new JsonObject()
                                    .put("points", new JsonArray().add(point(4, 4, 40)))))
                    .add(
                        new JsonObject()
                            .put("delete", new JsonObject().put("points", new JsonArray().add(2))))
                    .add(
                        new JsonObject()
                            .put(
                                "set_payload",
                                new JsonObject()
                                    .put("payload", new JsonObject().put("hot", true))
                                    .put("points", new JsonArray().add(3))))));
  }

  @Test
  void aWalWrittenByFormatTwoIsReadBackToTheSameState() throws Exception {
    String target = System.getProperty("wal.fixture.write");
    if (target != null) {
      Path data = DurableTestNode.tempDir("vecdb-wal-v2-write");
      try (DurableTestNode n = DurableTestNode.start(data)) {
        writeOperations(n);
        Files.createDirectories(Path.of(target));
        Files.copy(
            data.resolve("wal").resolve(SEGMENT), Path.of(target).resolve(SEGMENT + ".fixture"));
      }
      return;
    }
    Path data = DurableTestNode.tempDir("vecdb-wal-v2");
    Path wal = Files.createDirectories(data.resolve("wal"));
    try (InputStream in =
        WalFormatV2Test.class.getResourceAsStream("/wal-format-v2/" + SEGMENT + ".fixture")) {
      assertTrue(in != null, "fixture segment on the test class path");
      Files.copy(in, wal.resolve(SEGMENT));
    }
    try (DurableTestNode n = DurableTestNode.start(data)) {
      JsonArray points =
          ((JsonObject)
                  n.ok(
                      "POST",
                      "/collections/v2/points/scroll",
                      new JsonObject().put("limit", 10).put("with_vector", true)))
              .getJsonArray("points");
      assertEquals(
          "[{\"id\":1,\"payload\":{\"v\":12},\"vector\":[1.0,1.0]},"
              + "{\"id\":3,\"payload\":{\"v\":30,\"hot\":true},\"vector\":[3.0,1.0]},"
              + "{\"id\":4,\"payload\":{\"v\":40},\"vector\":[4.0,1.0]}]",
          points.encode());
    }
  }
}
