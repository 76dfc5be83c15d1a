package io.vecdb.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class BenchCommandTest {
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  @Test
  void badFlagsNameTheFlag() {
    for (String[] args :
        List.of(
            new String[] {"--ef", "10,x"},
            new String[] {"--m", "0"},
            new String[] {"--dataset", "sift"},
            new String[] {"--peer", "faiss"},
            new String[] {"--n"},
            new String[] {"--frobnicate"})) {
      BenchOptions.BadFlag e =
          assertThrows(BenchOptions.BadFlag.class, () -> BenchOptions.parse(args));
      assertTrue(e.getMessage().contains(args[0]), e.getMessage());
    }
    assertEquals(2, BenchCommand.run(new String[] {"--build-threads", "-1"}));
  }

  @Test
  void randomRunPrintsOneJsonLinePerEf() throws Exception {
    BenchOptions o =
        BenchOptions.parse(
            new String[] {
              "--dataset",
              "random",
              "--n",
              "3000",
              "--dim",
              "12",
              "--queries",
              "200",
              "--seed",
              Long.toString(SEED),
              "--m",
              "12",
              "--ef-construction",
              "100",
              "--ef",
              "10,80",
              "--build-threads",
              "2",
              "--json"
            });
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int status =
        BenchCommand.run(o, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
    assertEquals(0, status);
    String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
    assertEquals(2, lines.length, String.join("\n", lines));
    for (String line : lines) {
      assertTrue(line.startsWith("{\"system\":\"vecdb\",\"dataset\":\"random\",\"m\":12"), line);
      assertTrue(
          line.contains("\"search_threads\":1") && line.contains("\"bytes_per_point\":"), line);
    }
    double recall = Double.parseDouble(lines[1].replaceAll(".*\"recall\":([0-9.]+).*", "$1"));
    assertTrue(recall >= 0.9, "recall at ef 80 " + recall + ", seed " + SEED);
  }

  @Test
  void peerFailureIsReported() throws Exception {
    BenchOptions o =
        BenchOptions.parse(
            new String[] {
              "--dataset",
              "random",
              "--n",
              "200",
              "--dim",
              "4",
              "--queries",
              "10",
              "--ef",
              "10",
              "--json",
              "--peer",
              "hnswlib",
              "--python",
              "/nonexistent/python3"
            });
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        BenchCommand.run(
            o,
            new PrintStream(new ByteArrayOutputStream()),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(1, status);
    assertTrue(
        err.toString(StandardCharsets.UTF_8).contains("/nonexistent/python3"), err.toString());
  }

  @Test
  void hnswlibPeerRunsWhenInstalled() throws Exception {
    Process probe =
        new ProcessBuilder("/usr/bin/python3", "-c", "import hnswlib, numpy")
            .redirectErrorStream(true)
            .start();
    Assumptions.assumeTrue(probe.waitFor() == 0, "python3-hnswlib not installed");
    BenchOptions o =
        BenchOptions.parse(
            new String[] {
              "--dataset",
              "random",
              "--n",
              "1000",
              "--dim",
              "8",
              "--queries",
              "50",
              "--seed",
              Long.toString(SEED),
              "--ef",
              "20,40",
              "--json",
              "--peer",
              "hnswlib"
            });
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(
        0, BenchCommand.run(o, new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
    String text = out.toString(StandardCharsets.UTF_8);
    assertEquals(2, text.split("\"system\":\"hnswlib\"").length - 1, text);
    assertTrue(text.contains("\"system\":\"hnswlib\",\"dataset\":\"random\",\"m\":16"), text);
  }
}
