package io.vecdb.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Batches inserted from several threads: ordinals in batch order, failures roll back. */
class ParallelInserterTest {
  private static final long SEED = HnswTestData.seed();

  /**
   * Several callers (as several collection lanes would) share one inserter, each filling its own
   * index with batches of random sizes; some callers share an index too. Every returned ordinal
   * holds exactly its input vector, ordinals are distinct, and the graph finds the points.
   */
  @Test
  void concurrentCallersGetTheirOrdinalsInBatchOrder() throws Exception {
    Random setup = new Random(SEED);
    int dim = 4 + setup.nextInt(28);
    int callers = 3 + setup.nextInt(4);
    int threads = 2 + setup.nextInt(4);
    String where = "seed " + SEED + " dim " + dim + " callers " + callers + " threads " + threads;
    HnswIndex[] indexes = new HnswIndex[2];
    for (int i = 0; i < indexes.length; i++) {
      indexes[i] = new HnswIndex(dim, Distance.EUCLID, HnswTestData.testConfig(setup));
    }
    List<List<int[]>> ordinalsByCaller = new ArrayList<>();
    List<List<float[]>> vectorsByCaller = new ArrayList<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    try (ParallelInserter inserter = new ParallelInserter(threads)) {
      List<Thread> running = new ArrayList<>();
      for (int c = 0; c < callers; c++) {
        long seed = setup.nextLong();
        HnswIndex index = indexes[c % indexes.length];
        List<int[]> ords = new ArrayList<>();
        List<float[]> vecs = new ArrayList<>();
        ordinalsByCaller.add(ords);
        vectorsByCaller.add(vecs);
        running.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        Random rnd = new Random(seed);
                        for (int b = 0; b < 12; b++) {
                          int n = 1 + rnd.nextInt(3 * ParallelInserter.MIN_PARALLEL_BATCH * 4);
                          List<float[]> batch = new ArrayList<>();
                          for (int i = 0; i < n; i++) {
                            float[] v = new float[dim];
                            for (int d = 0; d < dim; d++) {
                              v[d] = (float) rnd.nextGaussian();
                            }
                            batch.add(v);
                          }
                          int[] got = inserter.addAll(index, batch);
                          ords.add(got);
                          vecs.addAll(batch);
                        }
                      } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                      }
                    }));
      }
      for (Thread t : running) {
        t.join();
      }
    }
    assertNull(failure.get(), where);
    Set<Long> seen = new HashSet<>();
    int total = 0;
    for (int c = 0; c < callers; c++) {
      HnswIndex index = indexes[c % indexes.length];
      List<float[]> vecs = vectorsByCaller.get(c);
      int k = 0;
      for (int[] batch : ordinalsByCaller.get(c)) {
        for (int ord : batch) {
          assertTrue(ord >= 0, where);
          assertTrue(seen.add(((long) (c % indexes.length) << 32) | ord), "duplicate, " + where);
          float[] expected = vecs.get(k++);
          assertArrayEquals(expected, index.vector(ord), where);
          assertTrue(index.isLive(ord), where);
        }
      }
      total += k;
    }
    assertEquals(total, indexes[0].size() + indexes[1].size(), where);
    // Findable: a search for a point's own vector returns it (a few misses are HNSW's nature).
    int misses = 0;
    int checked = 0;
    for (int c = 0; c < callers; c++) {
      HnswIndex index = indexes[c % indexes.length];
      List<float[]> vecs = vectorsByCaller.get(c);
      for (int i = 0; i < vecs.size(); i += 7) {
        Hits h = index.search(vecs.get(i), 1, new SearchParams(64, false), null);
        checked++;
        if (h.size() == 0 || h.score(0) > 1e-6f) {
          misses++;
        }
      }
    }
    assertTrue(misses <= checked / 100, misses + " of " + checked + " not found, " + where);
  }

  /** A bad vector anywhere in a batch: the error is thrown and none of the batch stays live. */
  @Test
  void aFailedAddRemovesTheRestOfTheBatch() {
    Random rnd = new Random(SEED);
    int dim = 8;
    HnswIndex index = new HnswIndex(dim, Distance.EUCLID, HnswTestData.testConfig(rnd));
    try (ParallelInserter inserter = new ParallelInserter(3)) {
      List<float[]> first = vectors(rnd, 100, dim);
      int[] kept = inserter.addAll(index, first);
      for (int round = 0; round < 5; round++) {
        List<float[]> batch = vectors(rnd, 20 + rnd.nextInt(200), dim);
        batch.set(rnd.nextInt(batch.size()), new float[dim + 1]);
        String where = "seed " + SEED + " round " + round;
        IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> inserter.addAll(index, batch));
        assertTrue(e.getMessage().contains("dimension"), e.getMessage() + ", " + where);
        assertEquals(first.size(), index.size(), where);
        for (int i = 0; i < kept.length; i++) {
          assertTrue(index.isLive(kept[i]), where);
          assertArrayEquals(first.get(i), index.vector(kept[i]), where);
        }
      }
    }
  }

  /** After close the helpers are gone; batches still go in, on the caller's thread. */
  @Test
  void aClosedInserterStillInsertsOnTheCaller() {
    Random rnd = new Random(SEED);
    HnswIndex index = new HnswIndex(6, Distance.COSINE, HnswTestData.testConfig(rnd));
    ParallelInserter inserter = new ParallelInserter(4);
    inserter.close();
    List<float[]> batch = vectors(rnd, 300, 6);
    int[] ords = inserter.addAll(index, batch);
    assertEquals(300, index.size());
    Set<Integer> distinct = new HashSet<>();
    for (int ord : ords) {
      assertTrue(distinct.add(ord));
    }
    assertFalse(distinct.contains(-1));
  }

  private static List<float[]> vectors(Random rnd, int n, int dim) {
    List<float[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] v = new float[dim];
      for (int d = 0; d < dim; d++) {
        v[d] = (float) rnd.nextGaussian();
      }
      out.add(v);
    }
    return out;
  }
}
