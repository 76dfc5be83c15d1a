package io.vecdb.index;

import static io.vecdb.index.HnswTestData.unreachableLive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Writers (add, remove, compact) and readers on one index for a bounded time, with a seeded mix.
 * Checks, during the run: no exception, results sorted and complete, scores consistent, no ordinal
 * returned by a search that started after its remove() returned; whenever a compaction releases the
 * write side, what {@link HnswCompactionTest#checkAtRelease} checks. After the run: every
 * acknowledged point is live and findable, nothing removed is live, in-degrees and counters exact,
 * every live point reachable after a last compaction.
 */
class HnswStressTest {
  private static final long SEED = HnswTestData.seed();
  private static final int CAPACITY = 200_000;
  private static final long RUN_NANOS = 8_000_000_000L;
  private static final int MAX_OPS_PER_WRITER = 60_000;

  @Test
  void concurrentWritersAndReaders() throws Exception {
    Random setup = new Random(SEED);
    int dim = 8 + setup.nextInt(12);
    Distance distance = setup.nextBoolean() ? Distance.EUCLID : Distance.COSINE;
    // Half the seeds keep the vectors in a mapped file (on_disk), the other half on the heap.
    java.nio.file.Path mapped =
        setup.nextBoolean() ? java.nio.file.Path.of(System.getProperty("java.io.tmpdir")) : null;
    HnswIndex index = new HnswIndex(dim, distance, HnswTestData.testConfig(setup), mapped);
    String where =
        "seed "
            + SEED
            + " "
            + distance
            + " dim "
            + dim
            + (mapped == null ? " on heap " : " mapped ")
            + index.config();

    float[][] vectors = new float[CAPACITY][];
    // 0: never added, >0: sequence number at which remove() had returned, -1: acknowledged live.
    AtomicLongArray removedAt = new AtomicLongArray(CAPACITY);
    AtomicLong sequence = new AtomicLong(1);
    List<Integer> liveList = new ArrayList<>(); // guarded by itself
    for (int i = 0; i < 1500; i++) {
      float[] v = gaussian(setup, dim);
      int ord = index.add(v);
      vectors[ord] = v;
      removedAt.set(ord, -1);
      liveList.add(ord);
    }

    AtomicLong removes = new AtomicLong();
    AtomicLong searches = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long deadline = System.nanoTime() + RUN_NANOS;
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      long seed = setup.nextLong();
      boolean compactor = w == 0;
      threads.add(
          Thread.ofPlatform()
              .name("writer-" + w)
              .start(
                  guard(
                      failure,
                      () -> {
                        Random r = new Random(seed);
                        for (int op = 0;
                            op < MAX_OPS_PER_WRITER && !stop.get() && System.nanoTime() < deadline;
                            op++) {
                          int choice = r.nextInt(100);
                          if (compactor && op % 1500 == 1499) {
                            index.compact(
                                null, () -> HnswCompactionTest.checkAtRelease(index, where));
                          } else if (choice < 65) {
                            float[] v =
                                r.nextInt(50) == 0 && op > 0
                                    ? duplicateOfSomeLive(r, liveList, vectors)
                                    : gaussian(r, dim);
                            int ord = index.add(v);
                            if (ord >= CAPACITY) {
                              return;
                            }
                            vectors[ord] = v;
                            removedAt.set(ord, -1);
                            synchronized (liveList) {
                              liveList.add(ord);
                            }
                          } else {
                            int ord;
                            synchronized (liveList) {
                              if (liveList.size() < 1000) {
                                continue;
                              }
                              ord = liveList.remove(r.nextInt(liveList.size()));
                            }
                            index.remove(ord);
                            removedAt.set(ord, sequence.incrementAndGet());
                            removes.incrementAndGet();
                          }
                        }
                      })));
    }
    for (int rd = 0; rd < 2; rd++) {
      long seed = setup.nextLong();
      threads.add(
          Thread.ofPlatform()
              .name("reader-" + rd)
              .start(
                  guard(
                      failure,
                      () -> {
                        Random r = new Random(seed);
                        while (!stop.get() && System.nanoTime() < deadline) {
                          float[] q = gaussian(r, dim);
                          int k = 1 + r.nextInt(20);
                          long started = sequence.get();
                          // Pinned over the search and the checks below (the index's contract):
                          // no ordinal it returns is handed to another vector meanwhile.
                          try (VectorIndex.ReadSection pin = index.pinReads()) {
                            Hits h =
                                index.search(q, k, new SearchParams(r.nextInt(100), false), null);
                            searches.incrementAndGet();
                            assertEquals(k, h.size(), "hits, " + where);
                            for (int i = 0; i < h.size(); i++) {
                              int ord = h.ordinal(i);
                              long removed = removedAt.get(ord);
                              // Removed before the search, unless freed and handed out again since
                              // (a removed node is never LIVE again otherwise).
                              assertFalse(
                                  removed > 0 && removed <= started && !index.isLive(ord),
                                  "ordinal "
                                      + ord
                                      + " removed before the search started, "
                                      + where);
                              if (i > 0) {
                                assertFalse(
                                    distance.better(h.score(i), h.score(i - 1)),
                                    "sorted, " + where);
                              }
                              assertEquals(
                                  index.score(q, ord),
                                  h.score(i),
                                  1e-4f,
                                  "score of " + ord + ", " + where);
                            }
                          }
                        }
                      })));
    }
    for (Thread t : threads) {
      t.join();
    }
    stop.set(true);
    assertNull(failure.get(), where);
    assertTrue(
        removes.get() > 100 && searches.get() > 100 && index.ordinalCount() > 2000,
        "the mix ran: "
            + removes
            + " removes, "
            + searches
            + " searches, "
            + index.ordinalCount()
            + " ordinals, "
            + where);

    int live = 0;
    for (int ord = 0; ord < index.ordinalCount(); ord++) {
      long state = removedAt.get(ord);
      assertEquals(state == -1, index.isLive(ord), "ordinal " + ord + " liveness, " + where);
      if (state == -1) {
        live++;
        boolean found = false;
        Hits h = index.search(vectors[ord], 10, new SearchParams(400, false), null);
        for (int i = 0; i < h.size() && !found; i++) {
          found =
              h.ordinal(i) == ord
                  || h.score(i) == h.score(0) && i == 0 && sameVector(index, ord, h.ordinal(i));
        }
        assertTrue(found || isReachable(index, ord), "point " + ord + " missing, " + where);
      }
    }
    assertEquals(live, index.size(), where);
    assertEquals("", HnswTestData.inDegreeMismatches(index), "in-degrees after the run, " + where);
    assertEquals(removes.get(), index.removalCount(), where);
    assertEquals(HnswTestData.deletedCount(index), index.tombstones(), where);
    index.compact();
    assertEquals(0, unreachableLive(index), "unreachable after compaction, " + where);
    assertEquals(0, index.tombstones(), where);
    HnswCompactionTest.checkAtRelease(index, "after the final compaction, " + where);
  }

  private static boolean sameVector(HnswIndex index, int a, int b) {
    return java.util.Arrays.equals(index.vector(a), index.vector(b));
  }

  private static boolean isReachable(HnswIndex index, int target) {
    int n = index.ordinalCount();
    boolean[] seen = new boolean[n];
    java.util.ArrayDeque<Integer> queue = new java.util.ArrayDeque<>();
    int entry = index.entryPoint();
    queue.add(entry);
    seen[entry] = true;
    while (!queue.isEmpty()) {
      int node = queue.poll();
      if (node == target) {
        return true;
      }
      for (int nb : index.neighbours(node, 0)) {
        if (!seen[nb]) {
          seen[nb] = true;
          queue.add(nb);
        }
      }
    }
    return false;
  }

  private static float[] duplicateOfSomeLive(Random r, List<Integer> liveList, float[][] vectors) {
    synchronized (liveList) {
      return vectors[liveList.get(r.nextInt(liveList.size()))].clone();
    }
  }

  private static float[] gaussian(Random r, int dim) {
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  private static Runnable guard(AtomicReference<Throwable> failure, Runnable body) {
    return () -> {
      try {
        body.run();
      } catch (Throwable e) {
        failure.compareAndSet(null, e);
      }
    };
  }
}
