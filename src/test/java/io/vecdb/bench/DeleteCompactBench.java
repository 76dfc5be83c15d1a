package io.vecdb.bench;

import io.vecdb.index.Distance;
import io.vecdb.index.ExactIndex;
import io.vecdb.index.HnswConfig;
import io.vecdb.index.HnswIndex;
import io.vecdb.index.SearchParams;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fashion-MNIST: build with 2 threads, remove 10%, compact; recall@10 (ef 32, first 2,000 test
 * queries) at each stage, and how long adds wait while compact() runs (one adder thread adding test
 * vectors meanwhile). Not a test: {@code java -cp target/classes:target/test-classes
 * io.vecdb.bench.DeleteCompactBench [dataDir]}.
 */
final class DeleteCompactBench {
  private DeleteCompactBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "/usr/share/datasets/fashion-mnist");
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
    long r0 = System.nanoTime();
    for (int i = 0; i < n / 10; ) {
      int ord = random.nextInt(n);
      if (!removed[ord]) {
        removed[ord] = true;
        hnsw.remove(ord);
        exact.remove(ord);
        i++;
      }
    }
    System.out.printf(
        "remove %d: %.2f s; recall tombstoned %.4f%n",
        n / 10, (System.nanoTime() - r0) / 1e9, recall(hnsw, exact, d, nq));
    // An adder runs during compaction; its longest single add() is the writer stall.
    AtomicLong longestAdd = new AtomicLong();
    AtomicLong adds = new AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    Thread adder =
        Thread.ofPlatform()
            .start(
                () -> {
                  for (int i = 0; i < d.nq() && !stop.get(); i++) {
                    long a = System.nanoTime();
                    hnsw.add(row(d.test(), i, dim));
                    longestAdd.accumulateAndGet(System.nanoTime() - a, Math::max);
                    adds.incrementAndGet();
                  }
                });
    Thread.sleep(200);
    long c0 = System.nanoTime();
    int freed = hnsw.compact();
    double compactS = (System.nanoTime() - c0) / 1e9;
    stop.set(true);
    adder.join();
    // Re-sync the exact index with the adds made during compaction.
    for (int ord = n; ord < hnsw.ordinalCount(); ord++) {
      exact.add(hnsw.vector(ord));
    }
    System.out.printf(
        "compact freed %d in %.2f s; concurrent adds %d, longest add %.2f s; recall %.4f%n",
        freed, compactS, adds.get(), longestAdd.get() / 1e9, recall(hnsw, exact, d, nq));
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
