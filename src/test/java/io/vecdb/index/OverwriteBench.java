package io.vecdb.index;

import java.util.Random;

/**
 * Overwrite workload (add a new node, remove the old one) that piles up tombstones until compact:
 * prints per round wall time, the longest layer-0 list and, if available, distance counts. Not a
 * test; run with {@code java -cp target/classes:target/test-classes io.vecdb.index.OverwriteBench
 * [rounds] [live] [maxSeconds]}.
 */
final class OverwriteBench {
  private OverwriteBench() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    int live = args.length > 1 ? Integer.parseInt(args[1]) : 8000;
    double maxSeconds = args.length > 2 ? Double.parseDouble(args[2]) : 120;
    int dim = 128;
    Random random = new Random(42);
    HnswIndex index = new HnswIndex(dim, Distance.EUCLID, HnswConfig.DEFAULT.withSeed(7));
    int[] ords = new int[live];
    long start = System.nanoTime();
    for (int i = 0; i < live; i++) {
      ords[i] = index.add(scaled(random, dim));
    }
    System.out.printf("initial %d adds: %.2f s%n", live, (System.nanoTime() - start) / 1e9);
    long deadline = System.nanoTime() + (long) (maxSeconds * 1e9);
    for (int r = 1; r <= rounds && System.nanoTime() < deadline; r++) {
      long t0 = System.nanoTime();
      long d0 = index.distanceCount();
      for (int i = 0; i < live; i++) {
        int fresh = index.add(scaled(random, dim));
        index.remove(ords[i]);
        ords[i] = fresh;
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      long perAdd = (index.distanceCount() - d0) / live;
      int maxList = 0;
      long total = 0;
      for (int o = 0; o < index.ordinalCount(); o++) {
        int len = index.neighbours(o, 0).length;
        maxList = Math.max(maxList, len);
        total += len;
      }
      System.out.printf(
          "round %d: %.2f s, %d distances/add, tombstones %d, max layer-0 list %d, mean %.1f%n",
          r,
          secs,
          perAdd,
          index.ordinalCount() - index.size(),
          maxList,
          total / (double) index.ordinalCount());
    }
  }

  static float[] scaled(Random random, int dim) {
    float[] v = new float[dim];
    double scale = Math.pow(10, random.nextInt(7) - 3);
    for (int i = 0; i < dim; i++) {
      v[i] = (float) (random.nextGaussian() * scale);
    }
    return v;
  }
}
