package io.vecdb.durable;

import io.vecdb.config.VecdbOptions;
import io.vecdb.server.VecdbNode;
import io.vecdb.wal.WalStorage;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A durable node on a free 127.0.0.1 port over a given data directory, with a blocking JSON HTTP
 * helper. Used from the JUnit thread only.
 */
final class DurableTestNode implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1) // no h2c upgrade: its race once mangled a response
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  final VecdbNode node;
  final Path dataDir;

  private DurableTestNode(VecdbNode node, Path dataDir) {
    this.node = node;
    this.dataDir = dataDir;
  }

  private static final java.util.Queue<Path> TEMP =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  for (Path dir : TEMP) {
                    deleteTree(dir);
                  }
                }));
  }

  /** A temporary directory deleted when the test JVM exits (data dirs and crash images). */
  static Path tempDir(String prefix) throws IOException {
    Path dir = Files.createTempDirectory(prefix);
    TEMP.add(dir);
    return dir;
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // best effort: it is a temporary directory
    }
  }

  static VecdbOptions options(Path dataDir) {
    return new VecdbOptions()
        .setHttpPort(0)
        .setGrpcPort(0)
        .setHost("127.0.0.1")
        .setDataDir(dataDir.toString())
        .setSearchInstances(2);
  }

  static DurableTestNode start(Path dataDir) throws Exception {
    return start(options(dataDir), WalStorage.files());
  }

  static DurableTestNode start(VecdbOptions options, WalStorage storage) throws Exception {
    return new DurableTestNode(
        await(VecdbNode.start(options, storage)), Path.of(options.getDataDir()));
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  /** Status and JSON body of a request. */
  record Reply(int status, JsonObject json) {
    Object result() {
      return json == null ? null : json.getValue("result");
    }

    String error() {
      return json == null || json.getJsonObject("status") == null
          ? null
          : json.getJsonObject("status").getString("error");
    }
  }

  Reply call(String method, String path, Object body) throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
            .timeout(Duration.ofSeconds(60));
    String text =
        body == null
            ? null
            : body instanceof JsonObject o ? o.encode() : ((JsonArray) body).encode();
    b.method(
        method,
        text == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(text));
    if (text != null) {
      b.header("content-type", "application/json");
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonObject json = null;
    try {
      json = new JsonObject(r.body());
    } catch (RuntimeException e) {
      // not JSON
    }
    return new Reply(r.statusCode(), json);
  }

  /** GET {@code path} as text (e.g. /metrics). */
  String text(String path) throws IOException, InterruptedException {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** Calls and requires HTTP 200; returns "result". */
  Object ok(String method, String path, Object body) throws Exception {
    Reply r = call(method, path, body);
    if (r.status() != 200) {
      throw new AssertionError(method + " " + path + " -> " + r.status() + " " + r.json());
    }
    return r.result();
  }

  /**
   * Copies the data directory while the node runs: with sync=always every acknowledged write is on
   * disk, so the copy is what a crash (kill -9) at this moment would leave behind.
   */
  Path crashImage() throws IOException {
    Path copy = tempDir("vecdb-crash");
    try (Stream<Path> files = Files.walk(dataDir)) {
      // Directories first, then each WAL's sync marker before its segments: the marker only ever
      // names what an fsync already covered, so read first it never claims more than the copied
      // segments hold (a crash leaves them that way too).
      List<Path> ordered =
          files
              .sorted(
                  java.util.Comparator.comparing((Path p) -> !Files.isDirectory(p))
                      .thenComparing(p -> !p.getFileName().toString().equals("SYNCED")))
              .toList();
      for (Path p : ordered) {
        Path target = copy.resolve(dataDir.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
    return copy;
  }

  @Override
  public void close() throws Exception {
    await(node.close());
  }
}
