package io.vecdb.index;

import java.util.ArrayDeque;
import java.util.Random;

/** Seeded data and graph checks shared by the HNSW tests. */
final class HnswTestData {
  private HnswTestData() {}

  static long seed() {
    return Long.getLong("tests.seed", System.nanoTime());
  }

  /** Gaussian clusters: closer to real embeddings than uniform noise, and still hard enough. */
  static float[][] clustered(Random random, int n, int dim, int clusters) {
    float[][] centres = new float[clusters][dim];
    for (float[] c : centres) {
      for (int i = 0; i < dim; i++) {
        c[i] = (float) random.nextGaussian() * 3;
      }
    }
    float[][] out = new float[n][dim];
    for (float[] v : out) {
      float[] c = centres[random.nextInt(clusters)];
      for (int i = 0; i < dim; i++) {
        v[i] = c[i] + (float) random.nextGaussian();
      }
    }
    return out;
  }

  static HnswConfig testConfig(Random random) {
    return HnswConfig.DEFAULT
        .withM(12 + random.nextInt(13))
        .withEfConstruct(80 + random.nextInt(80))
        .withFullScanThreshold(0)
        .withSeed(random.nextLong());
  }

  /** Mean recall@k of the graph against the exact index, over the queries. */
  static double recall(
      HnswIndex hnsw,
      ExactIndex exact,
      float[][] queries,
      int k,
      int ef,
      VectorIndex.OrdinalFilter filter) {
    long found = 0;
    long expected = 0;
    for (float[] q : queries) {
      Hits truth = exact.search(q, k, SearchParams.DEFAULT, filter);
      Hits got = hnsw.search(q, k, new SearchParams(ef, false), filter);
      expected += truth.size();
      for (int i = 0; i < got.size(); i++) {
        for (int j = 0; j < truth.size(); j++) {
          if (got.ordinal(i) == truth.ordinal(j)) {
            found++;
            break;
          }
        }
      }
    }
    return expected == 0 ? 1.0 : (double) found / expected;
  }

  /** Live ordinals not reachable from the entry point over layer 0 (tombstones are walked). */
  static int unreachableLive(HnswIndex index) {
    int n = index.ordinalCount();
    int entry = index.entryPoint();
    boolean[] seen = new boolean[n];
    int reached = 0;
    if (entry >= 0) {
      ArrayDeque<Integer> queue = new ArrayDeque<>();
      queue.add(entry);
      seen[entry] = true;
      while (!queue.isEmpty()) {
        int node = queue.poll();
        if (index.isLive(node)) {
          reached++;
        }
        for (int nb : index.neighbours(node, 0)) {
          if (nb < n && !seen[nb]) {
            seen[nb] = true;
            queue.add(nb);
          }
        }
      }
    }
    return index.size() - reached;
  }

  /**
   * Nodes whose counted in-degree differs from a recount (the layer-0 lists of live owners naming
   * them), as "node: counted != recounted" for the first few; empty if none. Call while no add,
   * remove or compaction runs (or under the write side, from a {@code compact} hook).
   */
  static String inDegreeMismatches(HnswIndex index) {
    int n = index.ordinalCount();
    int[] recount = new int[n];
    for (int owner = 0; owner < n; owner++) {
      if (index.stateOf(owner) == HnswGraph.LIVE) {
        for (int nb : index.neighbours(owner, 0)) {
          recount[nb]++;
        }
      }
    }
    StringBuilder out = new StringBuilder();
    int mismatches = 0;
    for (int node = 0; node < n; node++) {
      if (index.inDegreeOf(node) != recount[node] && mismatches++ < 5) {
        out.append(node)
            .append(" (state ")
            .append(index.stateOf(node))
            .append("): ")
            .append(index.inDegreeOf(node))
            .append(" != ")
            .append(recount[node])
            .append("; ");
      }
    }
    return mismatches == 0 ? "" : mismatches + " mismatches: " + out;
  }

  /**
   * Links, on any layer, from a node still in the graph (live or tombstoned, so walked by searches
   * and inserts) to a freed node, whose lists are empty: a walk that reaches one stops there.
   */
  static int linksToFreed(HnswIndex index) {
    int n = index.ordinalCount();
    int count = 0;
    for (int owner = 0; owner < n; owner++) {
      byte state = index.stateOf(owner);
      if (state != HnswGraph.LIVE && state != HnswGraph.DELETED) {
        continue;
      }
      for (int level = 0; level <= index.level(owner); level++) {
        for (int nb : index.neighbours(owner, level)) {
          count += index.stateOf(nb) == HnswGraph.FREED ? 1 : 0;
        }
      }
    }
    return count;
  }

  /** Ordinals in the DELETED state (tombstones not yet freed). */
  static int deletedCount(HnswIndex index) {
    int count = 0;
    for (int ord = 0; ord < index.ordinalCount(); ord++) {
      count += index.stateOf(ord) == HnswGraph.DELETED ? 1 : 0;
    }
    return count;
  }

  /**
   * Starts a writer thread: up to {@code ops} operations until {@code deadline} (nanoTime), each an
   * add of a clustered point ({@code addPercent} of them) or the remove of a random point of {@code
   * live} (guarded by its own monitor; never below 1,000 points), counted in {@code removes}. The
   * first failure goes to {@code failure}.
   */
  static Thread churn(
      HnswIndex index,
      int dim,
      java.util.List<Integer> live,
      long seed,
      int ops,
      int addPercent,
      long deadline,
      java.util.concurrent.atomic.AtomicLong removes,
      java.util.concurrent.atomic.AtomicReference<Throwable> failure) {
    return Thread.ofPlatform()
        .start(
            () -> {
              try {
                Random r = new Random(seed);
                for (int op = 0; op < ops && System.nanoTime() < deadline; op++) {
                  if (r.nextInt(100) < addPercent) {
                    int ord = index.add(clustered(r, 1, dim, 1)[0]);
                    synchronized (live) {
                      live.add(ord);
                    }
                  } else {
                    int ord;
                    synchronized (live) {
                      if (live.size() < 1000) {
                        continue;
                      }
                      ord = live.remove(r.nextInt(live.size()));
                    }
                    index.remove(ord);
                    removes.incrementAndGet();
                  }
                }
              } catch (Throwable e) {
                failure.compareAndSet(null, e);
              }
            });
  }
}
