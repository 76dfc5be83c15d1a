package io.vecdb.index;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Recall under overwrite churn, before any compaction: {@code live} points, each overwritten {@code
 * rounds} times by a new random vector (add the new, remove the old), then recall@10 at {@code ef}
 * over 500 queries against an exact scan of the live points, beside a fresh index of the same live
 * vectors. Not a test; run with {@code java -cp target/classes:target/test-classes
 * io.vecdb.index.ChurnRecallBench [live] [rounds] [ef] [seed]}.
 */
final class ChurnRecallBench {
  private ChurnRecallBench() {}

  public static void main(String[] args) {
    int live = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
    double rounds = args.length > 1 ? Double.parseDouble(args[1]) : 4;
    int ef = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    long seed = args.length > 3 ? Long.parseLong(args[3]) : 42;
    int dim = 32;
    Random r = new Random(seed);
    HnswConfig config = HnswConfig.DEFAULT.withSeed(seed).withFullScanThreshold(0);
    HnswIndex churned = new HnswIndex(dim, Distance.EUCLID, config);
    float[][] vectors = new float[live][];
    int[] ords = new int[live];
    for (int i = 0; i < live; i++) {
      vectors[i] = gaussian(r, dim);
      ords[i] = churned.add(vectors[i]);
    }
    long d0 = churned.distanceCount();
    long t0 = System.nanoTime();
    long overwrites = (long) (rounds * live);
    overwrite(churned, vectors, ords, overwrites, r);
    double churnSeconds = (System.nanoTime() - t0) / 1e9;
    long perAdd = overwrites == 0 ? 0 : (churned.distanceCount() - d0) / overwrites;
    HnswIndex fresh = new HnswIndex(dim, Distance.EUCLID, config);
    int[] freshOrds = new int[live];
    for (int i = 0; i < live; i++) {
      freshOrds[i] = fresh.add(vectors[i]);
    }
    List<float[]> queries = new ArrayList<>();
    for (int q = 0; q < 500; q++) {
      queries.add(gaussian(r, dim));
    }
    System.out.printf(
        "live %d rounds %.2f ef %d: churned recall@10 %.4f, fresh %.4f; churn %.2f s, %d distances"
            + " per add%n",
        live,
        rounds,
        ef,
        recall(churned, ords, vectors, queries, ef),
        recall(fresh, freshOrds, vectors, queries, ef),
        churnSeconds,
        perAdd);
  }

  /** Overwrites points in turn, {@code overwrites} times: a new random vector, the old removed. */
  static void overwrite(HnswIndex index, float[][] vectors, int[] ords, long overwrites, Random r) {
    for (long w = 0; w < overwrites; w++) {
      int i = (int) (w % vectors.length);
      vectors[i] = gaussian(r, vectors[i].length);
      int fresh = index.add(vectors[i]);
      index.remove(ords[i]);
      ords[i] = fresh;
    }
  }

  static double recall(
      HnswIndex index, int[] ords, float[][] vectors, List<float[]> queries, int ef) {
    return io.vecdb.bench.OverwriteBenchCommand.recall(index, ords, vectors, queries, ef);
  }

  static float[] gaussian(Random r, int dim) {
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }
}
