package io.vecdb.bench;

import io.vecdb.index.Distance;
import io.vecdb.index.Hits;
import io.vecdb.index.HnswConfig;
import io.vecdb.index.HnswIndex;
import io.vecdb.index.ParallelInserter;
import io.vecdb.index.SearchParams;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * {@code vecdb bench-overwrite}: memory and recall of an HNSW index whose every point is
 * overwritten again and again (issue 12, item 4). Builds {@code --n} points of {@code --dim}
 * dimensions (clustered Gaussian data), overwrites each of them {@code --rounds} times (a new
 * vector added, the old one removed) with a compaction whenever tombstones reach {@code
 * --deleted-threshold} of the live points (the optimizer's rule), then builds the final vectors
 * fresh and compares: heap actually used after a full GC, the index's own {@code ramBytesUsed},
 * ordinals handed out, and recall@10 against brute force. With {@code --baseline} (default on) the
 * same workload also runs with freed ordinals never reused, the behaviour before they were, for the
 * figure beside it.
 *
 * <p>Single-threaded driver; inserts use {@code --threads} threads.
 */
public final class OverwriteBenchCommand {
  private OverwriteBenchCommand() {}

  public static int run(String[] args) {
    int n = 100_000;
    int dim = 128;
    int rounds = 10;
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    double threshold = 0.2;
    long seed = 42;
    boolean baseline = true;
    try {
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        switch (flag) {
          case "--n" -> n = Integer.parseInt(BenchOptions.value(args, ++i, flag));
          case "--dim" -> dim = Integer.parseInt(BenchOptions.value(args, ++i, flag));
          case "--rounds" -> rounds = Integer.parseInt(BenchOptions.value(args, ++i, flag));
          case "--threads" -> threads = Integer.parseInt(BenchOptions.value(args, ++i, flag));
          case "--deleted-threshold" ->
              threshold = Double.parseDouble(BenchOptions.value(args, ++i, flag));
          case "--seed" -> seed = Long.parseLong(BenchOptions.value(args, ++i, flag));
          case "--no-baseline" -> baseline = false;
          case "--help", "-h" -> {
            System.out.println(
                "usage: vecdb bench-overwrite [--n 100000] [--dim 128] [--rounds 10]"
                    + " [--threads cores] [--deleted-threshold 0.2] [--seed 42] [--no-baseline]");
            return 0;
          }
          default -> throw new BenchOptions.BadFlag("unknown flag '" + flag + "'");
        }
      }
    } catch (BenchOptions.BadFlag | NumberFormatException e) {
      System.err.println("vecdb bench-overwrite: " + e.getMessage());
      return 2;
    }
    Random random = new Random(seed);
    float[][] centres = new float[64][dim];
    for (float[] c : centres) {
      for (int j = 0; j < dim; j++) {
        c[j] = (float) (random.nextGaussian() * 4);
      }
    }
    List<float[]> queries = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      queries.add(point(random, centres, dim));
    }
    System.out.printf(
        "bench-overwrite: %,d points x %d dims, %d overwrite rounds, compaction at %.0f%%"
            + " tombstones, %d insert threads, seed %d%n",
        n, dim, rounds, threshold * 100, threads, seed);
    try (ParallelInserter inserter = new ParallelInserter(threads)) {
      Result reused = workload(n, dim, rounds, threshold, seed, centres, queries, inserter, true);
      Result old =
          baseline
              ? workload(n, dim, rounds, threshold, seed, centres, queries, inserter, false)
              : null;
      System.out.println();
      System.out.printf(
          "%-34s %12s %12s %12s %9s%n", "", "heap B/pt", "index B/pt", "ordinals", "recall@10");
      print("fresh build of the final points", reused.fresh);
      print("overwritten, freed ordinals reused", reused.overwritten);
      if (old != null) {
        print("overwritten, never reused (before)", old.overwritten);
      }
      System.out.printf(
          "%nratio to a fresh build (target <= 1.3 for memory, >= -0.01 for recall):%n"
              + "  reused: heap %.2fx, index %.2fx, recall %+.3f%n",
          reused.overwritten.heapPerPoint / reused.fresh.heapPerPoint,
          reused.overwritten.indexPerPoint / reused.fresh.indexPerPoint,
          reused.overwritten.recall - reused.fresh.recall);
      if (old != null) {
        // Against the same fresh build (the final points are the same in both workloads; one
        // fresh measurement, so that heap noise between two GCs does not skew one ratio).
        System.out.printf(
            "  before: heap %.2fx, index %.2fx, recall %+.3f%n",
            old.overwritten.heapPerPoint / reused.fresh.heapPerPoint,
            old.overwritten.indexPerPoint / reused.fresh.indexPerPoint,
            old.overwritten.recall - reused.fresh.recall);
      }
    }
    return 0;
  }

  private record Figures(double heapPerPoint, double indexPerPoint, int ordinals, double recall) {}

  private record Result(Figures overwritten, Figures fresh) {}

  private static void print(String name, Figures f) {
    System.out.printf(
        "%-34s %,12.0f %,12.0f %,12d %9.3f%n",
        name, f.heapPerPoint, f.indexPerPoint, f.ordinals, f.recall);
  }

  private static float[] point(Random r, float[][] centres, int dim) {
    float[] c = centres[r.nextInt(centres.length)];
    float[] v = new float[dim];
    for (int j = 0; j < dim; j++) {
      v[j] = c[j] + (float) r.nextGaussian();
    }
    return v;
  }

  private static Result workload(
      int n,
      int dim,
      int rounds,
      double threshold,
      long seed,
      float[][] centres,
      List<float[]> queries,
      ParallelInserter inserter,
      boolean reuse) {
    Random random = new Random(seed + 1);
    HnswConfig config = HnswConfig.DEFAULT.withSeed(seed);
    HnswIndex index = new HnswIndex(dim, Distance.EUCLID, config);
    if (!reuse) {
      index.reuseFreedOrdinals(false);
    }
    float[][] current = new float[n][];
    int[] ords = new int[n];
    List<float[]> batch = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      current[i] = point(random, centres, dim);
      batch.add(current[i]);
    }
    long t0 = System.nanoTime();
    int[] first = inserter.addAll(index, batch);
    System.arraycopy(first, 0, ords, 0, n);
    int compactions = 0;
    int chunk = Math.max(1, n / 100);
    for (int r = 1; r <= rounds; r++) {
      for (int start = 0; start < n; start += chunk) {
        int end = Math.min(n, start + chunk);
        batch.clear();
        for (int i = start; i < end; i++) {
          current[i] = point(random, centres, dim);
          batch.add(current[i]);
        }
        int[] added = inserter.addAll(index, batch);
        for (int i = start; i < end; i++) {
          index.remove(ords[i]);
          ords[i] = added[i - start];
        }
        if (index.tombstones() >= threshold * index.size()) {
          index.compact();
          compactions++;
        }
      }
      System.out.printf(
          "  %s round %d: %,d ordinals, %,d tombstones, %d compactions, %.0f s%n",
          reuse ? "reuse" : "no reuse",
          r,
          index.ordinalCount(),
          index.tombstones(),
          compactions,
          (System.nanoTime() - t0) / 1e9);
    }
    index.compact();
    double recall = recall(index, ords, current, queries);
    long withIndex = heapAfterGc();
    long indexBytes = index.ramBytesUsed();
    int ordinals = index.ordinalCount();
    index = null;
    long without = heapAfterGc();
    Figures overwritten =
        new Figures((withIndex - without) / (double) n, indexBytes / (double) n, ordinals, recall);
    HnswIndex fresh = new HnswIndex(dim, Distance.EUCLID, config);
    int[] freshOrds = inserter.addAll(fresh, Arrays.asList(current));
    double freshRecall = recall(fresh, freshOrds, current, queries);
    long withFresh = heapAfterGc();
    Figures freshFigures =
        new Figures(
            (withFresh - without) / (double) n,
            fresh.ramBytesUsed() / (double) n,
            fresh.ordinalCount(),
            freshRecall);
    fresh.size(); // keeps the fresh index reachable until it is measured
    return new Result(overwritten, freshFigures);
  }

  private static double recall(HnswIndex index, int[] ords, float[][] vectors, List<float[]> qs) {
    return recall(index, ords, vectors, qs, 100);
  }

  /**
   * Recall@10 at {@code ef} against brute force (squared L2) over the live vectors: {@code
   * vectors[i]} is stored at ordinal {@code ords[i]}.
   */
  public static double recall(
      HnswIndex index, int[] ords, float[][] vectors, List<float[]> qs, int ef) {
    int k = 10;
    long found = 0;
    for (float[] q : qs) {
      long[] best = new long[vectors.length];
      for (int i = 0; i < vectors.length; i++) {
        float d = 0;
        for (int j = 0; j < q.length; j++) {
          float x = q[j] - vectors[i][j];
          d += x * x;
        }
        best[i] = ((long) Float.floatToIntBits(d) << 32) | i;
      }
      Arrays.sort(best);
      Set<Integer> truth = new HashSet<>();
      for (int i = 0; i < k; i++) {
        truth.add(ords[(int) best[i]]);
      }
      Hits hits = index.search(q, k, new SearchParams(ef, false), null);
      for (int i = 0; i < hits.size(); i++) {
        if (truth.contains(hits.ordinal(i))) {
          found++;
        }
      }
    }
    return found / (double) (k * qs.size());
  }

  /** Heap in use after full collections (until it stops shrinking). */
  private static long heapAfterGc() {
    var memory = ManagementFactory.getMemoryMXBean();
    long last = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      long used = memory.getHeapMemoryUsage().getUsed();
      if (used >= last) {
        return used;
      }
      last = used;
    }
    return last;
  }
}
