package io.vecdb.wal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Manual micro-benchmark of the WAL under {@link SyncPolicy#ALWAYS}: closed-loop writers (each
 * waits for its append to be acknowledged before the next) for a fixed time, printing appends/s,
 * fsyncs/s, MB/s and latency percentiles. Not a unit test.
 *
 * <pre>
 * java -cp target/classes io.vecdb.wal.WalBench [dir] [secondsPerRun]
 * </pre>
 *
 * Runs 3136-byte records (one 784-dim float vector) with 1, 8 and 64 writers, then 256-vector
 * batches (~800 KB records) with 1, 2 and 4 writers. Deletes its WAL files afterwards.
 */
public final class WalBench {
  private WalBench() {}

  public static void main(String[] args) throws Exception {
    Path base =
        args.length > 0
            ? Path.of(args[0])
            : Files.createTempDirectory(Path.of("target"), "walbench");
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 3;
    System.out.printf(
        "WAL bench in %s, %.1f s per run, sync=always, JDK %s%n",
        base.toAbsolutePath(), seconds, Runtime.version());
    System.out.printf(
        "%-10s %8s %12s %10s %9s %9s %9s %9s%n",
        "record", "writers", "appends/s", "fsyncs/s", "MB/s", "rec/fsync", "p50 ms", "p99 ms");
    for (int writers : new int[] {1, 8, 64}) {
      run(base.resolve("small-" + writers), 3136, writers, seconds);
    }
    for (int writers : new int[] {1, 2, 4}) {
      run(base.resolve("batch-" + writers), 256 * 3136 + 256 * 24, writers, seconds);
    }
    if (args.length == 0) {
      deleteTree(base);
    }
  }

  private static void run(Path dir, int recordBytes, int writers, double seconds) throws Exception {
    byte[] payload = new byte[recordBytes];
    new Random(42).nextBytes(payload);
    AtomicLong appends = new AtomicLong();
    List<long[]> latencies = new ArrayList<>();
    WalStats before;
    WalStats after;
    long elapsed;
    try (SegmentedWal wal = SegmentedWal.open(new WalOptions(dir))) {
      // Warm-up: a few appends so the JIT and the file are ready.
      for (int i = 0; i < 20; i++) {
        wal.append((byte) 1, payload).get();
      }
      before = wal.stats();
      long start = System.nanoTime();
      long deadline = start + (long) (seconds * 1e9);
      List<Thread> ts = new ArrayList<>();
      for (int t = 0; t < writers; t++) {
        long[] lat = new long[2_000_000];
        latencies.add(lat);
        Thread th =
            new Thread(
                () -> {
                  int n = 0;
                  try {
                    while (System.nanoTime() < deadline && n < lat.length) {
                      long t0 = System.nanoTime();
                      wal.append((byte) 1, payload).get();
                      lat[n++] = System.nanoTime() - t0;
                    }
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                  appends.addAndGet(n);
                  latencies.set(latencies.indexOf(lat), Arrays.copyOf(lat, n));
                });
        ts.add(th);
      }
      ts.forEach(Thread::start);
      for (Thread th : ts) {
        th.join();
      }
      elapsed = System.nanoTime() - start;
      after = wal.stats();
    }
    long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
    double secs = elapsed / 1e9;
    long fsyncs = after.fsyncs() - before.fsyncs();
    System.out.printf(
        "%-10s %8d %12.0f %10.0f %9.1f %9.1f %9.2f %9.2f%n",
        recordBytes < 10_000 ? recordBytes + " B" : (recordBytes >> 10) + " KiB",
        writers,
        appends.get() / secs,
        fsyncs / secs,
        (after.bytesWritten() - before.bytesWritten()) / secs / (1 << 20),
        fsyncs == 0 ? 0.0 : (double) appends.get() / fsyncs,
        pct(all, 0.50),
        pct(all, 0.99));
    try (SegmentedWal reopened = SegmentedWal.open(new WalOptions(dir))) {
      RecoveryStats rs = reopened.recoveryStats();
      System.out.printf(
          "%-10s %8s   reopen: verified %d records, %.1f MB in %d ms%n",
          "", "", rs.records(), rs.bytes() / 1e6, rs.millis());
    }
    deleteTree(dir);
  }

  private static double pct(long[] sorted, double q) {
    return sorted.length == 0
        ? 0
        : sorted[(int) Math.min(sorted.length - 1, q * sorted.length)] / 1e6;
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
