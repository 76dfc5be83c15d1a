package io.vecdb.bench;

import io.vecdb.collection.Applier;
import io.vecdb.collection.Collection;
import io.vecdb.collection.CollectionConfig;
import io.vecdb.collection.Collections;
import io.vecdb.collection.Operation;
import io.vecdb.collection.OperationLog;
import io.vecdb.collection.PointStruct;
import io.vecdb.config.VecdbOptions;
import io.vecdb.durable.DurableStorage;
import io.vecdb.index.ParallelInserter;
import io.vecdb.metrics.SynchronizationMetrics;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vecdb.wal.WalStorage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code vecdb bench-stall}: how long a compaction and a checkpoint hold writes back (issue 12,
 * item 5). In process, on the node's own machinery (WAL, applier lanes, checkpointer): loads {@code
 * --n} random points of {@code --dim} dimensions, overwrites {@code --tombstones} of them (so the
 * compaction has work), then keeps single-point overwrites flowing ({@code --in-flight} at a time)
 * while it takes a checkpoint, runs a compaction (as the optimizer does, on its own thread), takes
 * a checkpoint during that compaction, and a last one after it.
 *
 * <p>A stall is a gap between two consecutive applied writes on the collection's apply lane while
 * writes were waiting: the lane could not apply. It prints the longest and the 99.9th-percentile
 * gap before anything runs (the baseline: a write's own cost), during the compaction and during
 * each checkpoint, and each one's duration. WAL sync is {@code never}, so that fsync latency does
 * not hide the lane's own gaps.
 */
public final class StallBenchCommand {
  private StallBenchCommand() {}

  private static final String NAME = "stall";

  public static int run(String[] args) {
    int n = 1_000_000;
    int dim = 64;
    double tombstones = 0.02;
    int inFlight = 32;
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    long seed = 42;
    double baselineSeconds = 5;
    try {
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        switch (flag) {
          case "--n" -> n = Integer.parseInt(BenchOptions.value(args, ++i, flag));
          case "--dim" -> dim = Integer.parseInt(BenchOptions.value(args, ++i, flag));
          case "--tombstones" ->
              tombstones = Double.parseDouble(BenchOptions.value(args, ++i, flag));
          case "--in-flight" -> inFlight = Integer.parseInt(BenchOptions.value(args, ++i, flag));
          case "--threads" -> threads = Integer.parseInt(BenchOptions.value(args, ++i, flag));
          case "--baseline-seconds" ->
              baselineSeconds = Double.parseDouble(BenchOptions.value(args, ++i, flag));
          case "--seed" -> seed = Long.parseLong(BenchOptions.value(args, ++i, flag));
          case "--help", "-h" -> {
            System.out.println(
                "usage: vecdb bench-stall [--n 1000000] [--dim 64] [--tombstones 0.02]"
                    + " [--in-flight 32] [--threads cores] [--baseline-seconds 5] [--seed 42]");
            return 0;
          }
          default -> throw new BenchOptions.BadFlag("unknown flag '" + flag + "'");
        }
      }
      if (n < 1000 || dim < 1 || tombstones <= 0 || tombstones >= 1 || inFlight < 1) {
        throw new BenchOptions.BadFlag(
            "expected --n >= 1000, --dim >= 1, 0 < --tombstones < 1, --in-flight >= 1");
      }
    } catch (BenchOptions.BadFlag | NumberFormatException e) {
      System.err.println("vecdb bench-stall: " + e.getMessage());
      return 2;
    }
    try {
      new StallBenchCommand.Run(n, dim, tombstones, inFlight, threads, seed, baselineSeconds)
          .execute();
      return 0;
    } catch (Exception e) {
      e.printStackTrace();
      return 1;
    }
  }

  /**
   * One run; fields are set up once, then only the driver thread and the lane listener touch them.
   */
  private static final class Run {
    final int n;
    final int dim;
    final double tombstones;
    final int inFlight;
    final int threads;
    final long seed;
    final double baselineSeconds;

    /** Applied-write timestamps (nanoTime) of the measured phase, written by the lane only. */
    final long[] appliedAt = new long[4_000_000];

    final AtomicInteger applied = new AtomicInteger();
    volatile boolean recording;

    /** Stop-the-world GC pauses seen (nanoTime start, end), from the collectors' notifications. */
    final List<long[]> pauses = java.util.Collections.synchronizedList(new ArrayList<>());

    Run(
        int n,
        int dim,
        double tombstones,
        int inFlight,
        int threads,
        long seed,
        double baselineSeconds) {
      this.n = n;
      this.dim = dim;
      this.tombstones = tombstones;
      this.inFlight = inFlight;
      this.threads = threads;
      this.seed = seed;
      this.baselineSeconds = baselineSeconds;
    }

    /**
     * Records every GC pause: a gap that contains one is the collector's, whatever ran beside it
     * (reported apart, since it would stall any write, baseline included).
     */
    private void watchPauses() {
      long uptimeOrigin =
          System.nanoTime()
              - TimeUnit.MILLISECONDS.toNanos(
                  java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime());
      for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
        if (gc.getName().contains("Concurrent")
            || !(gc instanceof javax.management.NotificationEmitter emitter)) {
          continue; // concurrent cycles run beside the application: not pauses
        }
        emitter.addNotificationListener(
            (notification, handback) -> {
              if (!com.sun.management.GarbageCollectionNotificationInfo
                  .GARBAGE_COLLECTION_NOTIFICATION
                  .equals(notification.getType())) {
                return;
              }
              var info =
                  com.sun.management.GarbageCollectionNotificationInfo.from(
                      (javax.management.openmbean.CompositeData) notification.getUserData());
              long start =
                  uptimeOrigin + TimeUnit.MILLISECONDS.toNanos(info.getGcInfo().getStartTime());
              long end =
                  uptimeOrigin + TimeUnit.MILLISECONDS.toNanos(info.getGcInfo().getEndTime());
              // Millisecond resolution: widen by one on each side.
              pauses.add(new long[] {start - 1_000_000, end + 1_000_000});
            },
            null,
            null);
      }
    }

    void execute() throws Exception {
      watchPauses();
      Path data = Files.createTempDirectory("vecdb-bench-stall");
      Vertx vertx = Vertx.vertx();
      ExecutorService applyPool =
          Executors.newFixedThreadPool(
              2, r -> Thread.ofPlatform().name("vecdb-apply").daemon(true).unstarted(r));
      ParallelInserter inserter = new ParallelInserter(threads);
      DurableStorage storage = null;
      try {
        VecdbOptions options = new VecdbOptions().setDataDir(data.toString());
        options.getDurability().setWalSync("never").setSnapshotWalMb(0);
        options.getDurability().setSnapshotIntervalMinutes(0);
        Collections collections = new Collections(inserter);
        storage = await(DurableStorage.open(vertx, options, WalStorage.files(), collections));
        Applier applier = new Applier(collections, applyPool, SynchronizationMetrics.NOOP);
        applier.addListener(
            (seq, op, changes) -> {
              if (recording && op instanceof Operation.UpsertPoints) {
                int i = applied.getAndIncrement();
                if (i < appliedAt.length) {
                  appliedAt[i] = System.nanoTime();
                }
              }
            });
        storage.attach(applier);
        OperationLog log = storage.operationLog();
        System.out.printf(
            "bench-stall: %,d points x %d dims (random), %.0f%% overwritten first, %d writes in"
                + " flight, %d insert threads, seed %d, WAL sync never, data %s%n",
            n, dim, tombstones * 100, inFlight, threads, seed, data);
        JsonObject create =
            new JsonObject()
                .put("vectors", new JsonObject().put("size", dim).put("distance", "Euclid"));
        await(
            submit(
                log,
                applier,
                new Operation.CreateCollection(NAME, CollectionConfig.parse(create))));
        SplittableRandom random = new SplittableRandom(seed);
        long t0 = System.nanoTime();
        load(log, applier, random, n, true);
        System.out.printf("loaded %,d points in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
        t0 = System.nanoTime();
        int overwritten = (int) (n * tombstones);
        load(log, applier, random, overwritten, false);
        Collection c = collections.get(NAME);
        System.out.printf(
            "overwrote %,d points in %.1f s: %,d tombstones%n",
            overwritten, (System.nanoTime() - t0) / 1e9, c.tombstones());
        // A first checkpoint outside the measurement, so that the measured ones write a changed
        // collection of the same size.
        t0 = System.nanoTime();
        await(storage.checkpoint());
        System.out.printf("first checkpoint in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        measure(log, applier, storage, c, random);
      } finally {
        if (storage != null) {
          storage.close();
        }
        inserter.close();
        applyPool.shutdownNow();
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        BenchOutput.deleteTree(data);
      }
    }

    /**
     * {@code count} upserts in batches of 1,000, 4 in flight: of ids 0 to count - 1 if {@code
     * sequential}, else of random ids below {@code n}.
     */
    private void load(
        OperationLog log, Applier applier, SplittableRandom random, int count, boolean sequential)
        throws Exception {
      Semaphore slots = new Semaphore(4);
      AtomicLong failures = new AtomicLong();
      for (int done = 0; done < count; ) {
        int size = Math.min(1000, count - done);
        List<PointStruct> points = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
          long id = sequential ? done + i : random.nextInt(n);
          points.add(point(random, id));
        }
        done += size;
        slots.acquire();
        submit(log, applier, new Operation.UpsertPoints(NAME, points, null, null))
            .onComplete(
                r -> {
                  if (r.failed()) {
                    failures.incrementAndGet();
                  }
                  slots.release();
                });
      }
      slots.acquire(4);
      if (failures.get() > 0) {
        throw new IllegalStateException(failures.get() + " load batches failed");
      }
    }

    private PointStruct point(SplittableRandom random, long id) {
      float[] v = new float[dim];
      for (int j = 0; j < dim; j++) {
        v[j] = (float) random.nextDouble(-1, 1);
      }
      return new PointStruct(PointId.of(id), v, Payload.EMPTY);
    }

    /** A phase and when it ran (nanoTime). */
    /**
     * A phase, when it ran (nanoTime), and {index write side held, capture on the lane} at most
     * during it, in nanoseconds (-1: not measured for it).
     */
    private record Window(String name, long start, long end, long[] holds) {}

    /** The longest index write hold and lane capture since the last call, which resets both. */
    private static long[] takeHolds(DurableStorage storage, Collection c) {
      return new long[] {c.takeLongestWriteHoldNanos(), storage.takeLongestCaptureNanos()};
    }

    private void measure(
        OperationLog log, Applier applier, DurableStorage storage, Collection c, SplittableRandom r)
        throws Exception {
      Semaphore slots = new Semaphore(inFlight);
      AtomicLong failures = new AtomicLong();
      List<Window> windows = java.util.Collections.synchronizedList(new ArrayList<>());
      SplittableRandom writes = r.split();
      Thread writer =
          Thread.ofPlatform()
              .name("bench-writer")
              .start(
                  () -> {
                    try {
                      for (int i = 0; i < appliedAt.length && recording; i++) {
                        slots.acquire();
                        PointStruct p = point(writes, writes.nextInt(n));
                        submit(
                                log,
                                applier,
                                new Operation.UpsertPoints(NAME, List.of(p), null, null))
                            .onComplete(
                                x -> {
                                  if (x.failed()) {
                                    failures.incrementAndGet();
                                  }
                                  slots.release();
                                });
                      }
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  });
      recording = true;
      sleep(2); // warm-up: the JIT compiles the single-point path
      takeHolds(storage, c);
      long start = System.nanoTime();
      sleep(baselineSeconds);
      windows.add(
          new Window("baseline (writes only)", start, System.nanoTime(), takeHolds(storage, c)));
      long t = System.nanoTime();
      await(storage.checkpoint());
      windows.add(
          new Window("checkpoint, no compaction", t, System.nanoTime(), takeHolds(storage, c)));
      sleep(1);
      int[] freed = new int[1];
      long compactStart = System.nanoTime();
      Thread compactor =
          Thread.ofPlatform().name("bench-compact").start(() -> freed[0] = c.compact());
      sleep(2);
      long[] beforeCheckpoint = takeHolds(storage, c);
      t = System.nanoTime();
      boolean during = compactor.isAlive();
      await(storage.checkpoint());
      long tEnd = System.nanoTime();
      long[] checkpointHolds = takeHolds(storage, c);
      compactor.join(TimeUnit.MINUTES.toMillis(60));
      long compactEnd = System.nanoTime();
      long[] afterCheckpoint = takeHolds(storage, c);
      windows.add(
          new Window(
              during ? "checkpoint during the compaction" : "checkpoint (compaction had ended)",
              t,
              tEnd,
              checkpointHolds));
      windows.add(
          new Window(
              "compaction (freed " + freed[0] + ")",
              compactStart,
              compactEnd,
              new long[] {Math.max(beforeCheckpoint[0], afterCheckpoint[0]), -1}));
      sleep(1);
      takeHolds(storage, c);
      t = System.nanoTime();
      await(storage.checkpoint());
      windows.add(
          new Window(
              "checkpoint after the compaction", t, System.nanoTime(), takeHolds(storage, c)));
      sleep(1);
      recording = false;
      writer.join(TimeUnit.MINUTES.toMillis(1));
      slots.acquire(inFlight);
      if (failures.get() > 0) {
        throw new IllegalStateException(failures.get() + " writes failed");
      }
      int count = Math.min(applied.get(), appliedAt.length);
      long[] at = Arrays.copyOf(appliedAt, count);
      Arrays.sort(at); // lanes may run on either pool thread; the order of applies is by time
      System.out.printf(
          "%n%,d single-point writes applied over %.1f s (%.0f/s)%n",
          count, (at[count - 1] - at[0]) / 1e9, count / ((at[count - 1] - at[0]) / 1e9));
      System.out.printf(
          "%-34s %9s %9s %9s %10s %8s %8s %8s %8s%n",
          "",
          "took ms",
          "max gap",
          "p99.9 gap",
          "max no-GC",
          "max GC",
          "held",
          "capture",
          "writes");
      windows.sort(Comparator.comparingLong(Window::start));
      List<long[]> gcs;
      synchronized (pauses) {
        gcs = List.copyOf(pauses);
      }
      for (Window w : windows) {
        report(w, at, gcs);
      }
      System.out.println(
          "(gaps in ms between consecutive applied writes that overlap the phase; no-GC: the gaps"
              + " that contain no GC pause; max GC: the longest pause in the phase; held: the"
              + " longest time the graph's write side was held, by a compaction's second phase or"
              + " a capture; capture: the longest checkpoint capture on the apply lane)");
    }

    /** The gaps between applied writes that overlap {@code w}. */
    private static void report(Window w, long[] at, List<long[]> gcs) {
      List<Long> gaps = new ArrayList<>();
      long maxNoGc = 0;
      int writes = 0;
      for (int i = 1; i < at.length; i++) {
        if (at[i] >= w.start && at[i - 1] <= w.end) {
          long gap = at[i] - at[i - 1];
          gaps.add(gap);
          boolean gc = false;
          for (long[] p : gcs) {
            gc |= p[0] < at[i] && p[1] > at[i - 1];
          }
          if (!gc) {
            maxNoGc = Math.max(maxNoGc, gap);
          }
        }
        writes += at[i] >= w.start && at[i] <= w.end ? 1 : 0;
      }
      long maxGc = 0;
      for (long[] p : gcs) {
        if (p[1] >= w.start && p[0] <= w.end) {
          maxGc = Math.max(maxGc, p[1] - p[0] - 2_000_000);
        }
      }
      long[] g = gaps.stream().mapToLong(Long::longValue).sorted().toArray();
      double max = g.length == 0 ? Double.NaN : g[g.length - 1] / 1e6;
      double p999 =
          g.length == 0 ? Double.NaN : g[(int) Math.min(g.length - 1, g.length * 0.999)] / 1e6;
      System.out.printf(
          "%-34s %9.0f %9.1f %9.2f %10.1f %8.0f %8s %8s %,8d%n",
          w.name,
          (w.end - w.start) / 1e6,
          max,
          p999,
          maxNoGc / 1e6,
          maxGc / 1e6,
          ms(w.holds[0]),
          ms(w.holds[1]),
          writes);
    }

    private static String ms(long nanos) {
      return nanos < 0 ? "-" : String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e6);
    }

    private static void sleep(double seconds) throws InterruptedException {
      Thread.sleep((long) (seconds * 1000));
    }
  }

  private static Future<?> submit(OperationLog log, Applier applier, Operation op) {
    return log.append(op).compose(seq -> applier.submit(seq, op));
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.MINUTES);
  }
}
