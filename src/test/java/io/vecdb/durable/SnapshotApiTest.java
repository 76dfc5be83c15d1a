package io.vecdb.durable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Qdrant-compatible snapshot API round-trips a collection, durably. */
class SnapshotApiTest {
  static final long SEED = Long.getLong("tests.seed", System.nanoTime());
  static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(); // no h2c upgrade

  /**
   * Regression (issue 12, item 8): a recovery whose checkpoint could not be committed left the
   * restored collection live anyway (installed first), so searches served it while a restart would
   * bring back the old collection and replay later edits onto it. With a storage fault at each step
   * of the restore (hook), the recovery fails, the old collection stays, and a restart agrees with
   * what was served.
   */
  @Test
  void aRecoveryThatCannotCommitItsCheckpointLeavesTheOldCollection() throws Exception {
    Random rnd = new Random(SEED);
    Path dir = DurableTestNode.tempDir("vecdb-snapfault");
    Path downloaded = Files.createTempFile("vecdb-download", ".snapshot");
    JsonObject current;
    try (DurableTestNode n = DurableTestNode.start(dir)) {
      Scenario.create(n, "c", 12, "Cosine");
      n.ok("PUT", "/collections/c/points?wait=true", Scenario.batch(rnd, 0, 200, 12));
      String name = ((JsonObject) n.ok("POST", "/collections/c/snapshots", null)).getString("name");
      HttpResponse<Path> dl =
          HTTP.send(
              HttpRequest.newBuilder(uri(n, "/collections/c/snapshots/" + name)).build(),
              HttpResponse.BodyHandlers.ofFile(downloaded));
      assertEquals(200, dl.statusCode());
      n.ok("PUT", "/collections/c/points?wait=true", Scenario.batch(rnd, 10_000, 50, 12));
      current = Scenario.state(n, "c", new Random(SEED + 1), false);
      for (String step : java.util.List.of("directory", "commit")) {
        n.node
            .storage()
            .checkpointer()
            .restoreFault(
                s -> {
                  if (s.equals(step)) {
                    throw new java.io.IOException("injected fault at " + s);
                  }
                });
        var failed =
            n.call(
                "PUT",
                "/collections/c/snapshots/recover",
                new JsonObject().put("location", downloaded.toUri().toString()));
        assertTrue(failed.status() >= 500, "fault at " + step + ": " + failed.json());
        Scenario.assertSame(
            current,
            Scenario.state(n, "c", new Random(SEED + 1), false),
            "after a fault at " + step + ", seed " + SEED);
      }
      n.node.storage().checkpointer().restoreFault(s -> {});
      n.ok("PUT", "/collections/c/points?wait=true", Scenario.batch(rnd, 20_000, 5, 12));
      current = Scenario.state(n, "c", new Random(SEED + 1), false);
    }
    try (DurableTestNode n = DurableTestNode.start(dir)) {
      Scenario.assertSame(
          current, Scenario.state(n, "c", new Random(SEED + 1), false), "restart, seed " + SEED);
    } finally {
      Files.deleteIfExists(downloaded);
    }
  }

  @Test
  void createDownloadDeleteRecoverAndUpload() throws Exception {
    Random rnd = new Random(SEED);
    Path dir = DurableTestNode.tempDir("vecdb-snapapi");
    JsonObject before;
    Path downloaded = Files.createTempFile("vecdb-download", ".snapshot");
    try (DurableTestNode n = DurableTestNode.start(dir)) {
      Scenario.create(n, "c", 12, "Cosine");
      n.ok(
          "PUT",
          "/collections/c/index",
          new JsonObject().put("field_name", "n").put("field_schema", "integer"));
      for (int b = 0; b < 4; b++) {
        n.ok("PUT", "/collections/c/points?wait=true", Scenario.batch(rnd, b * 300, 300, 12));
      }
      before = Scenario.state(n, "c", new Random(SEED + 1), false);

      JsonObject created = (JsonObject) n.ok("POST", "/collections/c/snapshots", null);
      String name = created.getString("name");
      assertTrue(name.startsWith("c-") && name.endsWith(".snapshot"), created.encode());
      JsonArray listed = (JsonArray) n.ok("GET", "/collections/c/snapshots", null);
      assertEquals(1, listed.size(), listed.encode());
      assertEquals(created.getString("checksum"), listed.getJsonObject(0).getString("checksum"));

      HttpResponse<Path> dl =
          HTTP.send(
              HttpRequest.newBuilder(uri(n, "/collections/c/snapshots/" + name)).build(),
              HttpResponse.BodyHandlers.ofFile(downloaded));
      assertEquals(200, dl.statusCode());
      assertEquals(created.getLong("size").longValue(), Files.size(downloaded));
      assertEquals(created.getString("checksum"), SnapshotService.sha256(downloaded));

      // Writes after the snapshot are undone by recovering it.
      n.ok("PUT", "/collections/c/points?wait=true", Scenario.batch(rnd, 50_000, 10, 12));
      n.ok("DELETE", "/collections/c", null);
      assertEquals(404, n.call("GET", "/collections/c", null).status());
      assertEquals(1, ((JsonArray) n.ok("GET", "/collections/c/snapshots", null)).size(), "kept");
      assertEquals(404, n.call("GET", "/collections/nothing/snapshots", null).status());

      assertEquals(
          400,
          n.call(
                  "PUT",
                  "/collections/c/snapshots/recover",
                  new JsonObject().put("location", "file:///nonexistent/x.snapshot"))
              .status());
      assertEquals(
          400,
          n.call(
                  "PUT",
                  "/collections/c/snapshots/recover",
                  new JsonObject()
                      .put("location", downloaded.toUri().toString())
                      .put("checksum", "00"))
              .status());
      assertEquals(
          true,
          n.ok(
              "PUT",
              "/collections/c/snapshots/recover",
              new JsonObject().put("location", downloaded.toUri().toString())));
      Scenario.assertSame(
          before, Scenario.state(n, "c", new Random(SEED + 1), false), "recovered, seed " + SEED);

      // Upload form, into another collection name.
      HttpResponse<String> up = upload(n, "/collections/copy/snapshots/upload", downloaded);
      assertEquals(200, up.statusCode(), up.body());
      Scenario.assertSame(
          before, Scenario.state(n, "copy", new Random(SEED + 1), false), "uploaded, seed " + SEED);
      assertTrue(
          n.text("/metrics").contains("vecdb_collection_points{collection=\"copy\"} 1200.0"),
          "points gauge of a restored collection, seed " + SEED);

      assertEquals(true, n.ok("DELETE", "/collections/c/snapshots/" + name, null));
      assertEquals(0, ((JsonArray) n.ok("GET", "/collections/c/snapshots", null)).size());
      assertEquals(404, n.call("GET", "/collections/c/snapshots/" + name, null).status());
      assertEquals(400, n.call("DELETE", "/collections/c/snapshots/..%2Fx", null).status());
      // A crash right after the recover: the restored state is durable without a shutdown
      // checkpoint.
      Path image = n.crashImage();
      try (DurableTestNode m = DurableTestNode.start(image)) {
        Scenario.assertSame(
            before,
            Scenario.state(m, "c", new Random(SEED + 1), false),
            "after crash, seed " + SEED);
        Scenario.assertSame(
            before,
            Scenario.state(m, "copy", new Random(SEED + 1), false),
            "after crash, seed " + SEED);
      }
    }
  }

  private static URI uri(DurableTestNode n, String path) {
    return URI.create("http://127.0.0.1:" + n.node.httpPort() + path);
  }

  private static HttpResponse<String> upload(DurableTestNode n, String path, Path file)
      throws Exception {
    String boundary = "vecdb" + SEED;
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(
        ("--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\"snapshot\"; filename=\"s.snapshot\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n")
            .getBytes(StandardCharsets.UTF_8));
    body.write(Files.readAllBytes(file));
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return HTTP.send(
        HttpRequest.newBuilder(uri(n, path))
            .header("content-type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
