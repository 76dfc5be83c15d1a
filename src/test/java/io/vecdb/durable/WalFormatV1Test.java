package io.vecdb.durable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A WAL written by this version, checked in (issue 12, item 12): every later release must read it
 * back to the same state. {@code src/test/resources/wal-format-v1/} holds the WAL of a node that
 * ran {@link #writeOperations} (every kind of operation, record type 1 = operation format 1); the
 * test copies it into a fresh data directory, starts a node on it (recovery replays every record,
 * there is no checkpoint) and checks what it holds. Regenerate it only for a new format, alongside
 * it (keep this one): {@code ./vecdb test -Dtest=WalFormatV1Test -Dwal.fixture.write=DIR}.
 */
class WalFormatV1Test {
  private static final String FIXTURE = "wal-format-v1";
  private static final List<String> SEGMENTS = List.of("wal-00000000000000000001.log");

  @Test
  void aWalWrittenByFormatOneIsReadBackToTheSameState() throws Exception {
    String target = System.getProperty("wal.fixture.write");
    if (target != null) {
      writeFixture(Path.of(target));
      return;
    }
    Path data = DurableTestNode.tempDir("vecdb-wal-v1");
    Path wal = Files.createDirectories(data.resolve("wal"));
    for (String segment : SEGMENTS) {
      // Stored as <segment>.fixture: *.log files are ignored by git.
      try (InputStream in =
          WalFormatV1Test.class.getResourceAsStream("/" + FIXTURE + "/" + segment + ".fixture")) {
        assertTrue(in != null, "fixture segment " + segment + " on the test class path");
        Files.copy(in, wal.resolve(segment));
      }
    }
    try (DurableTestNode n = DurableTestNode.start(data)) {
      JsonArray names = obj(n, "GET", "/collections", null).getJsonArray("collections");
      assertEquals(1, names.size(), names.encode());
      JsonObject info = obj(n, "GET", "/collections/v1", null);
      assertEquals(3, info.getLong("points_count"));
      assertEquals(8, info.getJsonObject("config").getJsonObject("hnsw_config").getInteger("m"));
      assertEquals(
          "integer",
          info.getJsonObject("payload_schema").getJsonObject("n").getString("data_type"));
      JsonArray points =
          obj(
                  n,
                  "POST",
                  "/collections/v1/points/scroll",
                  new JsonObject().put("limit", 10).put("with_vector", true))
              .getJsonArray("points");
      assertEquals(
          "[{\"id\":1,\"payload\":{\"n\":1,\"tag\":\"b\"},\"vector\":[1.0,0.5,0.25]},"
              + "{\"id\":4,\"payload\":{},\"vector\":[4.0,0.5,0.25]},"
              + "{\"id\":\"2f2b4b0e-8c6a-4f7e-9a53-7d1c8f0a6b11\",\"payload\":{\"replaced\":true},"
              + "\"vector\":[0.0,-1.0,2.0]}]",
          points.encode());
    }
  }

  /** A record of a format this release does not know stops recovery with an error that says so. */
  @Test
  void aRecordOfANewerFormatIsRefusedByName() throws Exception {
    Path data = DurableTestNode.tempDir("vecdb-wal-v2");
    try (io.vecdb.wal.SegmentedWal wal =
        io.vecdb.wal.SegmentedWal.open(new io.vecdb.wal.WalOptions(data.resolve("wal")))) {
      wal.append((byte) (io.vecdb.collection.OperationCodec.VERSION + 1), new byte[] {1, 2, 3})
          .join();
    }
    Exception e =
        org.junit.jupiter.api.Assertions.assertThrows(
            Exception.class, () -> DurableTestNode.start(data).close());
    StringBuilder messages = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      messages.append(t.getMessage()).append(" | ");
    }
    assertTrue(
        messages.toString().contains("format " + (io.vecdb.collection.OperationCodec.VERSION + 1)),
        messages.toString());
  }

  private static JsonObject obj(DurableTestNode n, String method, String path, Object body)
      throws Exception {
    return (JsonObject) n.ok(method, path, body);
  }

  /** The operations the fixture holds, through the REST API of a running node. */
  private static void writeOperations(DurableTestNode n) throws Exception {
    JsonObject vectors = new JsonObject().put("size", 3).put("distance", "Dot");
    n.ok("PUT", "/collections/v1", new JsonObject().put("vectors", vectors));
    n.ok("PUT", "/collections/gone", new JsonObject().put("vectors", vectors));
    JsonArray pts = new JsonArray();
    for (int i = 1; i <= 4; i++) {
      pts.add(
          new JsonObject()
              .put("id", i)
              .put("vector", new JsonArray().add(i).add(0.5).add(0.25))
              .put("payload", new JsonObject().put("n", i).put("tag", "a")));
    }
    pts.add(
        new JsonObject()
            .put("id", "2f2b4b0e-8c6a-4f7e-9a53-7d1c8f0a6b11")
            .put("vector", new JsonArray().add(0).add(-1).add(2))
            .put("payload", new JsonObject().put("n", 9)));
    n.ok("PUT", "/collections/v1/points?wait=true", new JsonObject().put("points", pts));
    n.ok(
        "PUT",
        "/collections/v1/index?wait=true",
        new JsonObject().put("field_name", "n").put("field_schema", "integer"));
    n.ok(
        "PUT",
        "/collections/v1/index?wait=true",
        new JsonObject().put("field_name", "tag").put("field_schema", "keyword"));
    n.ok("DELETE", "/collections/v1/index/tag?wait=true", null);
    n.ok(
        "POST",
        "/collections/v1/points/payload?wait=true",
        new JsonObject()
            .put("payload", new JsonObject().put("tag", "b"))
            .put("points", new JsonArray().add(1)));
    n.ok(
        "PUT",
        "/collections/v1/points/payload?wait=true",
        new JsonObject()
            .put("payload", new JsonObject().put("replaced", true))
            .put("points", new JsonArray().add("2f2b4b0e-8c6a-4f7e-9a53-7d1c8f0a6b11")));
    n.ok(
        "POST",
        "/collections/v1/points/payload/delete?wait=true",
        new JsonObject()
            .put("keys", new JsonArray().add("tag"))
            .put("points", new JsonArray().add(3)));
    n.ok(
        "POST",
        "/collections/v1/points/payload/clear?wait=true",
        new JsonObject().put("points", new JsonArray().add(4)));
    n.ok(
        "POST",
        "/collections/v1/points/delete?wait=true",
        new JsonObject().put("points", new JsonArray().add(2)));
    n.ok(
        "POST",
        "/collections/v1/points/delete?wait=true",
        new JsonObject()
            .put(
                "filter",
                new JsonObject()
                    .put(
                        "must",
                        new JsonArray()
                            .add(
                                new JsonObject()
                                    .put("key", "n")
                                    .put("match", new JsonObject().put("value", 3))))));
    n.ok(
        "PATCH",
        "/collections/v1",
        new JsonObject().put("hnsw_config", new JsonObject().put("m", 8)));
    n.ok("DELETE", "/collections/gone", null);
  }

  /** Writes the fixture: runs the operations, then copies the WAL as it is on disk. */
  private static void writeFixture(Path target) throws Exception {
    Path data = DurableTestNode.tempDir("vecdb-wal-v1-write");
    try (DurableTestNode n = DurableTestNode.start(data)) {
      writeOperations(n);
      Files.createDirectories(target);
      // Copied while the node runs: every write was answered, so fsynced; no checkpoint yet.
      try (var files = Files.list(data.resolve("wal"))) {
        for (Path p : files.toList()) {
          if (p.getFileName().toString().endsWith(".log")) {
            Files.copy(p, target.resolve(p.getFileName() + ".fixture"));
          }
        }
      }
    } catch (IOException e) {
      throw new IOException("writing the WAL fixture to " + target, e);
    }
  }
}
