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
    long seed = args.length > 3 ? Long.parseLong(args[3]) : 42;
    Random random = new Random(seed);
    HnswIndex index =
        new HnswIndex(
            dim, Distance.EUCLID, HnswConfig.DEFAULT.withSeed(seed == 42 ? 7 : random.nextLong()));
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
      if (Boolean.getBoolean("diagnose")) {
        diagnose(index);
      }
      System.out.printf(
          "unreachable %d round %d: %.2f s, %d distances/add, tombstones %d, max layer-0 list %d, mean %.1f%n",
          HnswTestData.unreachableLive(index),
          r,
          secs,
          perAdd,
          index.ordinalCount() - index.size(),
          maxList,
          total / (double) index.ordinalCount());
    }
  }

  static void diagnose(HnswIndex index) {
    int n = index.ordinalCount();
    boolean[] seen = new boolean[n];
    java.util.ArrayDeque<Integer> q = new java.util.ArrayDeque<>();
    q.add(index.entryPoint());
    seen[index.entryPoint()] = true;
    while (!q.isEmpty()) {
      for (int nb : index.neighbours(q.poll(), 0)) {
        if (!seen[nb]) {
          seen[nb] = true;
          q.add(nb);
        }
      }
    }
    int[] byClass = new int[8];
    int[] liveOwners = new int[n];
    int[] anyOwners = new int[n];
    for (int o = 0; o < n; o++) {
      for (int nb : index.neighbours(o, 0)) {
        anyOwners[nb]++;
        if (index.isLive(o)) liveOwners[nb]++;
      }
    }
    int shown = 0;
    for (int o = 0; o < n; o++) {
      if (index.isLive(o) && !seen[o]) {
        float[] v = index.vector(o);
        double norm = 0;
        for (float x : v) norm += x * x;
        int cls = (int) Math.round(Math.log10(Math.sqrt(norm / v.length))) + 3;
        byClass[Math.max(0, Math.min(7, cls))]++;
        if (shown++ < 8) {
          StringBuilder sb = new StringBuilder();
          for (int p = 0; p < n; p++)
            for (int nb : index.neighbours(p, 0))
              if (nb == o)
                sb.append(p).append(index.isLive(p) ? "L" : "D").append(seen[p] ? "r " : "u ");
          System.out.println(
              "  unreached "
                  + o
                  + " class "
                  + cls
                  + " level "
                  + index.level(o)
                  + " outs "
                  + java.util.Arrays.toString(index.neighbours(o, 0))
                  + " owners "
                  + sb);
        }
      }
    }
    System.out.println(
        "  unreached by class "
            + java.util.Arrays.toString(byClass)
            + " entry "
            + index.entryPoint()
            + " live "
            + index.isLive(index.entryPoint()));
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
