package io.vecdb.bench;

import io.vecdb.index.Distance;
import io.vecdb.index.ExactIndex;
import io.vecdb.index.HnswConfig;
import io.vecdb.index.HnswIndex;
import io.vecdb.index.SearchParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Fashion-MNIST: build with 2 threads, remove 10%, compact; recall@10 (ef 32, first 2,000 test
 * queries) at each stage, and how long adds wait while compact() runs (one adder thread meanwhile
 * puts the removed vectors back, then adds the 8,000 test vectors that are not queries, at a fixed
 * rate; rate 0: no adder). Not a test: {@code java --add-modules jdk.incubator.vector -cp
 * target/classes:target/test-classes io.vecdb.bench.DeleteCompactBench [dataDir [addsPerSecond]]}.
 */
final class DeleteCompactBench {
  private DeleteCompactBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "/usr/share/datasets/fashion-mnist");
    int rate = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    Dataset d = Dataset.fashionMnist(dir, 0);
    int n = d.n();
    int dim = d.dim();
    HnswIndex hnsw = new HnswIndex(dim, Distance.EUCLID, HnswConfig.DEFAULT);
    ExactIndex exact = new ExactIndex(dim, Distance.EUCLID);
    long t0 = System.nanoTime();
    AtomicLong next = new AtomicLong();
    Thread[] builders = new Thread[2];
    for (int t = 0; t < 2; t++) {
      builders[t] =
          Thread.ofPlatform()
              .start(
                  () -> {
                    for (long i; (i = next.getAndIncrement()) < n; ) {
                      hnsw.add(row(d.train(), (int) i, dim));
                    }
                  });
    }
    for (Thread t : builders) {
      t.join();
    }
    System.out.printf("build %.1f s%n", (System.nanoTime() - t0) / 1e9);
    // Ordinals from a parallel build are not row numbers: copy the stored vectors by ordinal.
    for (int ord = 0; ord < n; ord++) {
      exact.add(hnsw.vector(ord));
    }
    int nq = Math.min(2000, d.nq());
    System.out.printf("recall before deletes %.4f%n", recall(hnsw, exact, d, nq));
    Random random = new Random(1);
    boolean[] removed = new boolean[n];
    List<float[]> removedVectors = new ArrayList<>();
    long r0 = System.nanoTime();
    for (int i = 0; i < n / 10; ) {
      int ord = random.nextInt(n);
      if (!removed[ord]) {
        removed[ord] = true;
        removedVectors.add(hnsw.vector(ord));
        hnsw.remove(ord);
        exact.remove(ord);
        i++;
      }
    }
    System.out.printf(
        "remove %d: %.2f s; recall tombstoned %.4f%n",
        n / 10, (System.nanoTime() - r0) / 1e9, recall(hnsw, exact, d, nq));
    if (rate <= 0) {
      long c0 = System.nanoTime();
      int freed = hnsw.compact();
      System.out.printf(
          "compact freed %d in %.2f s, no concurrent adds; recall %.4f%n",
          freed, (System.nanoTime() - c0) / 1e9, recall(hnsw, exact, d, nq));
      return;
    }
    // An adder runs during compaction, {@code rate} adds a second on a fixed schedule (a late add
    // starts at once): it puts the removed vectors back, then adds the test vectors that are not
    // queries (distinct points, so recall stays comparable), and goes on after compact() returns
    // until all are in, so the final content is the same whether or not adds could run during
    // compaction. The longest add that overlapped compact() is the writer stall.
    int toAdd = removedVectors.size() + d.nq() - nq;
    long[] addStart = new long[toAdd];
    long[] addEnd = new long[toAdd];
    CountDownLatch started = new CountDownLatch(1);
    long period = 1_000_000_000L / rate;
    Thread adder =
        Thread.ofPlatform()
            .start(
                () -> {
                  long due = System.nanoTime();
                  for (int i = 0; i < toAdd; i++, due += period) {
                    float[] v =
                        i < removedVectors.size()
                            ? removedVectors.get(i)
                            : row(d.test(), nq + i - removedVectors.size(), dim);
                    for (long wait; (wait = due - System.nanoTime()) > 0; ) {
                      LockSupport.parkNanos(wait);
                    }
                    addStart[i] = System.nanoTime();
                    hnsw.add(v);
                    addEnd[i] = System.nanoTime();
                    started.countDown();
                  }
                });
    started.await();
    long c0 = System.nanoTime();
    int freed = hnsw.compact();
    long c1 = System.nanoTime();
    adder.join();
    // Adds that overlapped compact(): their count and the longest one (the writer stall).
    int during = 0;
    long longest = 0;
    for (int i = 0; i < toAdd; i++) {
      if (addEnd[i] > c0 && addStart[i] < c1) {
        during++;
        longest = Math.max(longest, addEnd[i] - addStart[i]);
      }
    }
    // Re-sync the exact index with the adds made during and after compaction.
    for (int ord = n; ord < hnsw.ordinalCount(); ord++) {
      exact.add(hnsw.vector(ord));
    }
    System.out.printf(
        "compact freed %d in %.2f s; %d adds/s, %d of %d overlapping it, longest %.3f s;"
            + " recall after all adds %.4f%n",
        freed, (c1 - c0) / 1e9, rate, during, toAdd, longest / 1e9, recall(hnsw, exact, d, nq));
  }

  static float[] row(float[] data, int i, int dim) {
    return Arrays.copyOfRange(data, i * dim, (i + 1) * dim);
  }

  static double recall(HnswIndex hnsw, ExactIndex exact, Dataset d, int nq) {
    long found = 0;
    for (int q = 0; q < nq; q++) {
      float[] v = row(d.test(), q, d.dim());
      int[] truth = exact.search(v, 10, SearchParams.DEFAULT, null).ordinals();
      int[] got = hnsw.search(v, 10, new SearchParams(32, false), null).ordinals();
      for (int g : got) {
        for (int t : truth) {
          if (g == t) {
            found++;
            break;
          }
        }
      }
    }
    return found / (10.0 * nq);
  }
}
