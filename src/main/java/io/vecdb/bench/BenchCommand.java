package io.vecdb.bench;

import io.vecdb.index.Hits;
import io.vecdb.index.HnswConfig;
import io.vecdb.index.HnswIndex;
import io.vecdb.index.Quantization;
import io.vecdb.index.SearchParams;
import io.vecdb.index.VectorMath;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code vecdb bench}: builds an {@link HnswIndex} on Fashion-MNIST or seeded Gaussian data,
 * measures recall@k against exact ground truth and single-query QPS per ef, and optionally runs
 * hnswlib on the same data in the same run. See {@link BenchOptions#USAGE}.
 */
public final class BenchCommand {
  private BenchCommand() {}

  /** One measured point; {@code system} is "vecdb" or "hnswlib". */
  record Result(
      String system,
      String dataset,
      int m,
      int efConstruction,
      int ef,
      double buildSeconds,
      double recall,
      double qps,
      int searchThreads,
      double bytesPerPoint,
      double buildCpuSeconds,
      double qpsCpu,
      double diskBytesPerPoint) {
    /**
     * The issue's fields, then two extras measured in process CPU time (all threads, GC and JIT
     * included; Python's process_time on the peer's side), which stay meaningful when other jobs
     * compete for the cores: {@code build_cpu_s} and {@code qps_cpu} (queries per CPU-second).
     */
    String toJson() {
      return String.format(
          Locale.ROOT,
          "{\"system\":\"%s\",\"dataset\":\"%s\",\"m\":%d,\"ef_construction\":%d,\"ef\":%d,"
              + "\"build_s\":%.3f,\"recall\":%.4f,\"qps\":%.1f,\"search_threads\":%d,"
              + "\"bytes_per_point\":%.1f,\"build_cpu_s\":%s,\"qps_cpu\":%s,"
              + "\"disk_bytes_per_point\":%.1f}",
          system,
          dataset,
          m,
          efConstruction,
          ef,
          buildSeconds,
          recall,
          qps,
          searchThreads,
          bytesPerPoint,
          jsonNumber(buildCpuSeconds, "%.3f"),
          jsonNumber(qpsCpu, "%.1f"),
          diskBytesPerPoint);
    }

    /** CPU clocks tick coarsely: a pass shorter than a tick has no CPU-time figure (null). */
    private static String jsonNumber(double v, String format) {
      return Double.isFinite(v) && v > 0 ? String.format(Locale.ROOT, format, v) : "null";
    }
  }

  /** CPU time of this whole process (all threads), in seconds. */
  static double processCpuSeconds() {
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime() / 1e9;
    }
    return Double.NaN;
  }

  /** Runs the benchmark; returns the process exit status (0 ok, 1 failure, 2 bad flags). */
  public static int run(String[] args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    BenchOptions o;
    try {
      o = BenchOptions.parse(args);
    } catch (BenchOptions.BadFlag e) {
      err.println("vecdb bench: " + e.getMessage());
      err.println(BenchOptions.USAGE);
      return 2;
    }
    try {
      return run(o, out, err);
    } catch (Exception e) {
      err.println("vecdb bench: failed: " + e);
      return 1;
    }
  }

  static int run(BenchOptions o, PrintStream out, PrintStream err) throws Exception {
    int cpus = Runtime.getRuntime().availableProcessors();
    Dataset data =
        o.dataset().equals("random")
            ? Dataset.random(o.n(), o.dim(), o.queries(), o.seed())
            : o.texmex()
                ? Dataset.texmex(Path.of(o.dataset()), o.n(), o.queries())
                : Dataset.fashionMnist(Path.of(o.dataDir()), o.n());
    if (!o.json()) {
      err.printf(
          Locale.ROOT,
          "dataset %s: %d x %d, %d queries; vector math %s%n",
          data.name(),
          data.n(),
          data.dim(),
          data.nq(),
          VectorMath.implementationName());
    }
    // A TEXMEX directory's own ground truth holds for its own metric only: used when the whole
    // base and --metric's default (euclid) are kept, else computed.
    int[] gt =
        o.texmex() && o.metric().equals("euclid")
            ? Dataset.texmexTruth(Path.of(o.dataset()), data, o.k(), o.n() <= 0)
            : null;
    if (!o.json()) {
      err.println(
          gt != null
              ? "ground truth from groundtruth.ivecs (k=" + o.k() + ")"
              : "ground truth (exact, " + o.metric() + ", k=" + o.k() + ") ...");
    }
    if (gt == null) {
      gt = GroundTruth.load(data, o.k(), o.distance(), Path.of("target", "bench-cache"), cpus);
    }
    if (o.repeatQueries() > 1) {
      gt = Dataset.repeat(gt, o.repeatQueries());
      data = data.repeatQueries(o.repeatQueries());
    }

    List<Result> results = new ArrayList<>();
    HnswConfig config =
        HnswConfig.DEFAULT
            .withM(o.m())
            .withEfConstruct(o.efConstruction())
            .withFullScanThreshold(0)
            .withSeed(o.seed());
    // --on-disk: the float32 vectors in a mapped file (on_disk: true), unlinked once open.
    HnswIndex index =
        new HnswIndex(
            data.dim(),
            o.distance(),
            config,
            o.onDisk() ? Path.of("target", "bench-vectors") : null);
    int[] ordToRow = new int[data.n()];
    double cpuBefore = processCpuSeconds();
    double buildSeconds = build(index, data, o.buildThreads(), ordToRow, o.json() ? null : err);
    double buildCpuSeconds = processCpuSeconds() - cpuBefore;
    double floatBytesPerPoint = (double) index.dataBytesUsed() / data.n();
    for (String quantization : o.quantizations()) {
      // Each encoding in turn on the same graph: codes trained as the optimizer would, then the
      // same queries (walk with codes, rescore the best k * oversampling with float32).
      Quantization q =
          switch (quantization) {
            case "int8" -> Quantization.int8(o.quantile());
            case "binary" -> Quantization.binary();
            default -> null;
          };
      index.quantize(q);
      long trainStart = System.nanoTime();
      index.maintainQuantization();
      String system = (q == null ? "vecdb" : "vecdb-" + quantization) + (o.onDisk() ? "-disk" : "");
      double bytesPerPoint = (double) index.dataBytesUsed() / data.n();
      if (!o.json() && q != null && o.onDisk()) {
        err.printf(
            Locale.ROOT,
            "%s: codes trained in %.2f s; %.1f bytes/point in RAM (codes, graph and"
                + " bookkeeping), float32 vectors on disk (%d bytes/point)%n",
            system,
            (System.nanoTime() - trainStart) / 1e9,
            bytesPerPoint,
            4 * data.dim());
      } else if (!o.json() && q != null) {
        err.printf(
            Locale.ROOT,
            "%s: codes trained in %.2f s; %.1f bytes/point with float32 in RAM, %.1f of them"
                + " codes, graph and bookkeeping (float32 vectors are %d bytes/point)%n",
            system,
            (System.nanoTime() - trainStart) / 1e9,
            bytesPerPoint,
            bytesPerPoint - 4.0 * data.dim(),
            4 * data.dim());
      }
      for (int ef : o.efs()) {
        Result r =
            measure(
                index,
                data,
                gt,
                o,
                ef,
                ordToRow,
                buildSeconds,
                q == null ? floatBytesPerPoint : bytesPerPoint,
                buildCpuSeconds,
                system,
                q == null ? 1.0 : o.oversampling(),
                (double) index.diskBytesUsed() / data.n());
        results.add(r);
        if (o.json()) {
          out.println(r.toJson());
          out.flush();
        }
      }
    }
    String peerError = null;
    if (o.peer() != null) {
      index = null; // let the JVM's heap shrink a little while the peer runs
      for (String peer : o.peers()) {
        boolean nativeBuild = peer.equals("hnswlib-native");
        if (!o.json()) {
          err.println(
              nativeBuild
                  ? "running hnswlib peer compiled with -O3 -march=native from "
                      + o.hnswlibSrc()
                      + " ..."
                  : "running hnswlib peer (" + o.python() + ") ...");
        }
        try {
          HnswlibPeer.run(
              o,
              data,
              gt,
              line -> {
                if (o.json()) {
                  out.println(line);
                  out.flush();
                } else {
                  results.add(parseLine(line));
                }
              },
              nativeBuild);
        } catch (HnswlibPeer.PeerFailed e) {
          peerError = peer + ": " + e.getMessage();
        }
      }
    }
    if (!o.json()) {
      printTable(results, out);
    }
    if (peerError != null) {
      err.println("vecdb bench: peer failed: " + peerError);
      return 1;
    }
    return 0;
  }

  /** Inserts every train row from {@code threads} threads; returns wall seconds. */
  static double build(HnswIndex index, Dataset data, int threads, int[] ordToRow, PrintStream bar)
      throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    int n = data.n();
    long start = System.nanoTime();
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      ts.add(
          Thread.ofPlatform()
              .name("bench-build-" + t)
              .start(
                  () -> {
                    try {
                      float[] v = new float[data.dim()];
                      for (int row; (row = next.getAndIncrement()) < n; ) {
                        System.arraycopy(data.train(), row * data.dim(), v, 0, data.dim());
                        ordToRow[index.add(v)] = row;
                        done.incrementAndGet();
                      }
                    } catch (Throwable e) {
                      failure.compareAndSet(null, e);
                    }
                  }));
    }
    if (bar != null) {
      for (Thread t : ts) {
        // Redraw about five times a second until this builder (and so, in turn, all) finish.
        while (!t.join(java.time.Duration.ofMillis(200))) {
          progress(bar, done.get(), n, System.nanoTime() - start);
        }
      }
      progress(bar, n, n, System.nanoTime() - start);
      bar.println();
    }
    for (Thread t : ts) {
      t.join();
    }
    if (failure.get() != null) {
      throw new IllegalStateException("build failed: " + failure.get(), failure.get());
    }
    return (System.nanoTime() - start) / 1e9;
  }

  private static void progress(PrintStream bar, int done, int n, long nanos) {
    int width = 40;
    int filled = n == 0 ? width : (int) ((long) done * width / n);
    bar.printf(
        Locale.ROOT,
        "\rbuilding [%s%s] %3d%% %d/%d %.1fs",
        "#".repeat(filled),
        " ".repeat(width - filled),
        n == 0 ? 100 : (int) ((long) done * 100 / n),
        done,
        n,
        nanos / 1e9);
    bar.flush();
  }

  static Result measure(
      HnswIndex index,
      Dataset data,
      int[] gt,
      BenchOptions o,
      int ef,
      int[] ordToRow,
      double buildSeconds,
      double bytesPerPoint,
      double buildCpuSeconds,
      String system,
      double oversampling,
      double diskBytesPerPoint)
      throws InterruptedException {
    int nq = data.nq();
    int k = o.k();
    SearchParams params = new SearchParams(ef, false, false, true, oversampling);
    float[][] queries = new float[nq][];
    for (int i = 0; i < nq; i++) {
      queries[i] = data.testVector(i);
    }
    Hits[] hits = new Hits[nq];
    runQueries(index, queries, k, params, o.searchThreads(), hits); // warm-up pass
    double cpuStart = processCpuSeconds();
    long start = System.nanoTime();
    runQueries(index, queries, k, params, o.searchThreads(), hits);
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpuSeconds = processCpuSeconds() - cpuStart;
    long found = 0;
    for (int q = 0; q < nq; q++) {
      Hits h = hits[q];
      for (int i = 0; i < h.size(); i++) {
        int row = ordToRow[h.ordinal(i)];
        for (int j = 0; j < k; j++) {
          if (gt[q * k + j] == row) {
            found++;
            break;
          }
        }
      }
    }
    return new Result(
        system,
        data.name(),
        o.m(),
        o.efConstruction(),
        ef,
        buildSeconds,
        (double) found / ((long) nq * k),
        nq / seconds,
        o.searchThreads(),
        bytesPerPoint,
        buildCpuSeconds,
        nq / cpuSeconds,
        diskBytesPerPoint);
  }

  private static void runQueries(
      HnswIndex index, float[][] queries, int k, SearchParams params, int threads, Hits[] out)
      throws InterruptedException {
    if (threads == 1) {
      for (int q = 0; q < queries.length; q++) {
        out[q] = index.search(queries[q], k, params, null);
      }
      return;
    }
    AtomicInteger next = new AtomicInteger();
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      ts.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (int q; (q = next.getAndIncrement()) < queries.length; ) {
                      out[q] = index.search(queries[q], k, params, null);
                    }
                  }));
    }
    for (Thread t : ts) {
      t.join();
    }
  }

  private static Result parseLine(String json) {
    return new Result(
        str(json, "system"),
        str(json, "dataset"),
        (int) num(json, "m"),
        (int) num(json, "ef_construction"),
        (int) num(json, "ef"),
        num(json, "build_s"),
        num(json, "recall"),
        num(json, "qps"),
        (int) num(json, "search_threads"),
        num(json, "bytes_per_point"),
        num(json, "build_cpu_s"),
        num(json, "qps_cpu"),
        json.contains("\"disk_bytes_per_point\"") ? num(json, "disk_bytes_per_point") : 0);
  }

  private static String str(String json, String field) {
    int i = json.indexOf("\"" + field + "\":\"") + field.length() + 4;
    return json.substring(i, json.indexOf('"', i));
  }

  private static double num(String json, String field) {
    int at = json.indexOf("\"" + field + "\":");
    if (at < 0 || json.startsWith("null", at + field.length() + 3)) {
      return Double.NaN;
    }
    int i = at + field.length() + 3;
    int j = i;
    while (j < json.length() && "0123456789.-eE".indexOf(json.charAt(j)) >= 0) {
      j++;
    }
    return Double.parseDouble(json.substring(i, j));
  }

  private static void printTable(List<Result> results, PrintStream out) {
    out.printf(
        Locale.ROOT,
        "%-14s %-14s %3s %5s %5s %8s %7s %10s %7s %10s %9s %10s %8s%n",
        "system",
        "dataset",
        "m",
        "efc",
        "ef",
        "build_s",
        "recall",
        "qps",
        "threads",
        "bytes/pt",
        "build_cpu",
        "qps_cpu",
        "disk/pt");
    for (Result r : results) {
      out.printf(
          Locale.ROOT,
          "%-14s %-14s %3d %5d %5d %8.2f %7.4f %10.1f %7d %10.1f %9.2f %10.1f %8.1f%n",
          r.system(),
          r.dataset(),
          r.m(),
          r.efConstruction(),
          r.ef(),
          r.buildSeconds(),
          r.recall(),
          r.qps(),
          r.searchThreads(),
          r.bytesPerPoint(),
          r.buildCpuSeconds(),
          r.qpsCpu(),
          r.diskBytesPerPoint());
    }
  }
}
