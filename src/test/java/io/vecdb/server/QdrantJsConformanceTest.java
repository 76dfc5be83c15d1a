package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.config.VecdbOptions;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Conformance with the official Qdrant JS client: installs {@code @qdrant/js-client-rest} from the
 * npm registry into src/test/js (versions pinned by the committed lockfile) and runs
 * conformance.mjs against a node on a free 127.0.0.1 port. The script checks every result (create,
 * upsert 1,000 points, search with and without a filter, scroll, count, set payload, delete by
 * filter, delete collection) and prints OK; langchain.mjs does the same through LangChain's store.
 */
class QdrantJsConformanceTest {
  private static final Path JS_DIR =
      Path.of(System.getProperty("vecdb.project.dir", "."), "src", "test", "js");

  @Test
  void officialJsClientScenario() throws Exception {
    runScript("conformance.mjs");
  }

  /**
   * LangChain's JS vector store ({@code @langchain/qdrant}): documents added, similarity search
   * with and without a metadata filter, MMR search, delete by ids, a second store on the same
   * collection; each answer checked against brute force over the documents (langchain.mjs).
   */
  @Test
  void langChainVectorStore() throws Exception {
    runScript("langchain.mjs");
  }

  /**
   * The official client's hybrid query: dense and sparse prefetches fused by RRF, against brute
   * force (hybrid.mjs).
   */
  @Test
  void officialClientHybridQuery() throws Exception {
    runScript("hybrid.mjs");
  }

  private static void runScript(String script) throws Exception {
    long seed = Long.getLong("tests.seed", System.nanoTime());
    install();
    Path dir = Files.createTempDirectory("vecdb-conformance");
    VecdbNode node =
        TestNode.await(
            VecdbNode.start(
                new VecdbOptions()
                    .setHost("127.0.0.1")
                    .setHttpPort(0)
                    .setGrpcPort(0)
                    .setDataDir(dir.toString())
                    .setSearchInstances(2)));
    try {
      Result r =
          run(
              List.of(
                  "node",
                  script,
                  "http://127.0.0.1:" + node.httpPort(),
                  Long.toString(seed & 0xffffffffL)),
              180);
      assertEquals(0, r.exit, script + " failed (seed " + seed + "):\n" + r.output);
      assertTrue(r.output.contains("OK"), "seed " + seed + ":\n" + r.output);
    } finally {
      TestNode.await(node.close());
    }
  }

  private static synchronized void install() throws Exception {
    boolean fresh = !Files.isDirectory(JS_DIR.resolve("node_modules/@langchain/qdrant"));
    List<String> cmd =
        fresh
            ? List.of("npm", "ci", "--no-audit", "--no-fund")
            : List.of("npm", "install", "--no-audit", "--no-fund");
    Result r = run(cmd, 300);
    assertEquals(0, r.exit, String.join(" ", cmd) + " failed:\n" + r.output);
  }

  private record Result(int exit, String output) {}

  private static Result run(List<String> command, long timeoutSeconds)
      throws IOException, InterruptedException {
    File log = Files.createTempFile("vecdb-js", ".log").toFile();
    Process p =
        new ProcessBuilder(command)
            .directory(JS_DIR.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log)
            .start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return new Result(-1, "timed out after " + timeoutSeconds + " s\n" + read(log));
    }
    return new Result(p.exitValue(), read(log));
  }

  private static String read(File f) throws IOException {
    return Files.readString(f.toPath(), StandardCharsets.UTF_8);
  }
}
