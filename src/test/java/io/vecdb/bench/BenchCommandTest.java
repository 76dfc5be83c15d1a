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

  /** A small random run printing JSON: 3,000 x 12, 200 queries, ef 10 and 80, 2 build threads. */
  private static final String[] SMALL_RANDOM_RUN = {
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
  };

  @Test
  void badFlagsNameTheFlag() {
    for (String[] args :
        List.of(
            new String[] {"--ef", "10,x"},
            new String[] {"--m", "0"},
            new String[] {"--dataset", "sift"},
            new String[] {"--peer", "faiss"},
            new String[] {"--peer", "hnswlib,faiss"},
            new String[] {"--metric", "hamming"},
            new String[] {"--quantization", "int4"},
            new String[] {"--oversampling", "0.5"},
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
    BenchOptions o = BenchOptions.parse(SMALL_RANDOM_RUN);
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
  void quantizedRunsFollowTheFloatOneOnTheSameGraph() throws Exception {
    String[] args = java.util.Arrays.copyOf(SMALL_RANDOM_RUN, SMALL_RANDOM_RUN.length + 4);
    args[SMALL_RANDOM_RUN.length] = "--quantization";
    args[SMALL_RANDOM_RUN.length + 1] = "none,int8,binary";
    args[SMALL_RANDOM_RUN.length + 2] = "--oversampling";
    args[SMALL_RANDOM_RUN.length + 3] = "4";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int status =
        BenchCommand.run(
            BenchOptions.parse(args),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            System.err);
    assertEquals(0, status);
    String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
    assertEquals(6, lines.length, String.join("\n", lines));
    String[] systems = {
      "vecdb", "vecdb", "vecdb-int8", "vecdb-int8", "vecdb-binary", "vecdb-binary"
    };
    double[] recall = new double[6];
    double[] bytes = new double[6];
    for (int i = 0; i < 6; i++) {
      assertTrue(lines[i].startsWith("{\"system\":\"" + systems[i] + "\","), lines[i]);
      recall[i] = Double.parseDouble(lines[i].replaceAll(".*\"recall\":([0-9.]+).*", "$1"));
      bytes[i] = Double.parseDouble(lines[i].replaceAll(".*\"bytes_per_point\":([0-9.]+).*", "$1"));
    }
    // int8 with rescoring stays close to float32 at ef 80; codes add memory beside float32.
    assertTrue(recall[3] >= recall[1] - 0.03, "int8 " + recall[3] + " float " + recall[1]);
    assertTrue(bytes[2] > bytes[0] && bytes[4] > bytes[0], java.util.Arrays.toString(bytes));
  }

  @Test
  void onDiskRunsCountTheFloat32VectorsOnDiskNotInRam() throws Exception {
    String[] args = java.util.Arrays.copyOf(SMALL_RANDOM_RUN, SMALL_RANDOM_RUN.length + 3);
    args[SMALL_RANDOM_RUN.length] = "--quantization";
    args[SMALL_RANDOM_RUN.length + 1] = "none,int8";
    args[SMALL_RANDOM_RUN.length + 2] = "--on-disk";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(
        0,
        BenchCommand.run(
            BenchOptions.parse(args),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            System.err));
    String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
    assertEquals(4, lines.length, String.join("\n", lines));
    ByteArrayOutputStream heapOut = new ByteArrayOutputStream();
    BenchCommand.run(
        BenchOptions.parse(java.util.Arrays.copyOf(args, args.length - 1)),
        new PrintStream(heapOut, true, StandardCharsets.UTF_8),
        System.err);
    String[] heap = heapOut.toString(StandardCharsets.UTF_8).strip().split("\n");
    // 3,000 points of 12 floats in three pages of 1,024: the file holds the pages.
    double disk = 3.0 * 1024 * 12 * 4 / 3000;
    for (int i = 0; i < 4; i++) {
      assertTrue(
          lines[i].startsWith("{\"system\":\"" + (i < 2 ? "vecdb-disk" : "vecdb-int8-disk")),
          lines[i]);
      assertEquals(disk, number(lines[i], "disk_bytes_per_point"), 0.1, lines[i]);
      assertEquals(0.0, number(heap[i], "disk_bytes_per_point"), heap[i]);
      assertEquals(
          number(heap[i], "bytes_per_point") - disk,
          number(lines[i], "bytes_per_point"),
          1.0,
          "RAM without the vectors' arrays: " + lines[i] + " vs " + heap[i]);
    }
    assertTrue(number(lines[3], "recall") >= 0.85, lines[3]);
    // The human-readable run says where the vectors are and prints the disk column.
    java.util.List<String> human = new java.util.ArrayList<>(java.util.List.of(args));
    human.remove("--json");
    ByteArrayOutputStream table = new ByteArrayOutputStream();
    ByteArrayOutputStream notes = new ByteArrayOutputStream();
    assertEquals(
        0,
        BenchCommand.run(
            BenchOptions.parse(human.toArray(new String[0])),
            new PrintStream(table, true, StandardCharsets.UTF_8),
            new PrintStream(notes, true, StandardCharsets.UTF_8)));
    String said = notes.toString(StandardCharsets.UTF_8);
    assertTrue(said.contains("float32 vectors on disk (48 bytes/point)"), said);
    assertTrue(table.toString(StandardCharsets.UTF_8).contains("disk/pt"), table.toString());
  }

  private static double number(String line, String field) {
    return Double.parseDouble(line.replaceAll(".*\"" + field + "\":([0-9.]+).*", "$1"));
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

  /** Writes {@code rows} (row-major, {@code dim} wide) as an fvecs file. */
  private static void writeFvecs(java.nio.file.Path file, float[] rows, int dim) throws Exception {
    java.nio.ByteBuffer b =
        java.nio.ByteBuffer.allocate(rows.length / dim * (4 + 4 * dim))
            .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (int r = 0; r < rows.length / dim; r++) {
      b.putInt(dim);
      for (int j = 0; j < dim; j++) {
        b.putFloat(rows[r * dim + j]);
      }
    }
    java.nio.file.Files.write(file, b.array());
  }

  /**
   * A TEXMEX directory (issue 10, item 7): fvecs read back exactly; its groundtruth.ivecs is used
   * for the Euclidean metric (a deliberately wrong one drops recall to 0, so it is really read);
   * with {@code --metric cosine} the truth is computed by angle, and the index searches by angle.
   */
  @Test
  void aTexmexDirectoryIsReadAndEachMetricIsMeasuredAgainstItsOwnTruth() throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("vecdb-texmex");
    try {
      Dataset src = Dataset.random(2_000, 16, 100, SEED);
      // Shifted off the origin, so that angle and distance order the neighbours differently.
      float[] base = src.train().clone();
      float[] query = src.test().clone();
      for (int i = 0; i < base.length; i++) {
        base[i] += 3;
      }
      for (int i = 0; i < query.length; i++) {
        query[i] += 3;
      }
      writeFvecs(dir.resolve("base.fvecs"), base, 16);
      writeFvecs(dir.resolve("query.fvecs"), query, 16);
      Dataset read = Dataset.texmex(dir, -1, -1);
      assertEquals(2_000, read.n());
      assertEquals(100, read.nq());
      assertTrue(java.util.Arrays.equals(base, read.train()), "base read back exactly");
      assertTrue(java.util.Arrays.equals(query, read.test()), "queries read back exactly");

      int[] euclid = GroundTruth.compute(read, 10, io.vecdb.index.Distance.EUCLID, 2);
      int[] cosine = GroundTruth.compute(read, 10, io.vecdb.index.Distance.COSINE, 2);
      assertTrue(!java.util.Arrays.equals(euclid, cosine), "the metrics disagree here");

      // groundtruth.ivecs, 10 per query: first the true one, then a wrong one.
      java.nio.ByteBuffer gt =
          java.nio.ByteBuffer.allocate(100 * 44).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      for (int q = 0; q < 100; q++) {
        gt.putInt(10);
        for (int j = 0; j < 10; j++) {
          gt.putInt(euclid[q * 10 + j]);
        }
      }
      java.nio.file.Files.write(dir.resolve("groundtruth.ivecs"), gt.array());
      assertTrue(java.util.Arrays.equals(euclid, Dataset.texmexTruth(dir, read, 10, true)));
      assertTrue(recall(dir, "euclid") >= 0.9, "euclid against the file, seed " + SEED);
      gt.clear();
      for (int q = 0; q < 100; q++) {
        gt.putInt(10);
        for (int j = 0; j < 10; j++) {
          gt.putInt(1_990 + j); // not the neighbours of any query
        }
      }
      java.nio.file.Files.write(dir.resolve("groundtruth.ivecs"), gt.array());
      assertTrue(recall(dir, "euclid") < 0.2, "the file is what recall is measured against");
      assertTrue(recall(dir, "cosine") >= 0.9, "cosine against computed truth, seed " + SEED);

      java.nio.file.Files.write(dir.resolve("query.fvecs"), new byte[] {7, 0, 0, 0, 1, 2});
      Exception e = assertThrows(java.io.IOException.class, () -> Dataset.texmex(dir, -1, -1));
      assertTrue(e.getMessage().contains("query.fvecs"), e.getMessage());
    } finally {
      try (var files = java.nio.file.Files.walk(dir)) {
        for (var f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          java.nio.file.Files.deleteIfExists(f);
        }
      }
    }
  }

  /** recall@10 at ef 80 of {@code vecdb bench} on TEXMEX {@code dir} with {@code metric}. */
  private static double recall(java.nio.file.Path dir, String metric) throws Exception {
    BenchOptions o =
        BenchOptions.parse(
            new String[] {
              "--dataset", dir.toString(), "--metric", metric, "--ef", "80", "--json", "--seed", "7"
            });
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(
        0, BenchCommand.run(o, new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
    String line = out.toString(StandardCharsets.UTF_8).strip();
    return Double.parseDouble(line.replaceAll(".*\"recall\":([0-9.]+).*", "$1"));
  }

  /**
   * {@code --peer hnswlib-native} compiles hnswlib's headers with -O3 -march=native into the driver
   * and runs it on the same data (issue 10, item 6): its lines come back with their own system name
   * and a recall computed against the same ground truth. Needs g++ and the headers (Debian's
   * libhnswlib-dev, which .ci/run installs); a missing tree is refused with a message.
   */
  @Test
  void theNativePeerIsCompiledFromTheHeadersAndRunsOnTheSameData() throws Exception {
    String[] flags =
        java.util.stream.Stream.concat(
                java.util.Arrays.stream(SMALL_RANDOM_RUN),
                java.util.stream.Stream.of("--peer", "hnswlib-native", "--hnswlib-src", ""))
            .toArray(String[]::new);
    flags[flags.length - 1] = "/nonexistent/hnswlib";
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        BenchCommand.run(
            BenchOptions.parse(flags),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(1, status);
    assertTrue(
        err.toString(StandardCharsets.UTF_8).contains("no hnswlib/hnswlib.h"), err.toString());

    Assumptions.assumeTrue(
        java.nio.file.Files.isRegularFile(java.nio.file.Path.of("/usr/include/hnswlib/hnswlib.h")),
        "libhnswlib-dev is not installed (.ci/run installs it)");
    flags[flags.length - 1] = "/usr/include";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(
        0,
        BenchCommand.run(
            BenchOptions.parse(flags),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            System.err));
    String text = out.toString(StandardCharsets.UTF_8);
    String[] lines = text.strip().split("\n");
    assertEquals(4, lines.length, text);
    for (int i = 2; i < 4; i++) {
      assertTrue(
          lines[i].startsWith("{\"system\":\"hnswlib-native\",\"dataset\":\"random\""), text);
    }
    double recall = Double.parseDouble(lines[3].replaceAll(".*\"recall\":([0-9.]+).*", "$1"));
    assertTrue(recall >= 0.9, "native hnswlib recall at ef 80 " + recall + ", seed " + SEED);
  }
}
