package io.vecdb.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Freed ordinals are handed out again (issue 12, item 4): an index whose every point is overwritten
 * again and again stays about as large as its live points plus the tombstones between compactions
 * (it grew by one slot per overwrite before), with a fresh build's recall; a reader's open section
 * holds the ordinals freed meanwhile back until it closes, and one that enters while they are
 * retired pins the new epoch. Seeded: {@code -Dtests.seed=N}.
 */
class HnswOrdinalReuseTest {
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  private static float[] gaussian(Random r, int dim) {
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  @Test
  void overwritingEveryPointKeepsTheIndexBoundedWithAFreshBuildsRecall() {
    Random random = new Random(SEED);
    int n = 3000;
    int dim = 16;
    String where = "seed " + SEED;
    HnswConfig config = HnswConfig.DEFAULT.withFullScanThreshold(0).withSeed(random.nextLong());
    HnswIndex index = new HnswIndex(dim, Distance.EUCLID, config);
    float[][] current = new float[n][];
    int[] ords = new int[n];
    for (int i = 0; i < n; i++) {
      current[i] = gaussian(random, dim);
      ords[i] = index.add(current[i]);
    }
    int peak = index.ordinalCount();
    for (int round = 0; round < 5; round++) {
      for (int i = 0; i < n; i++) {
        current[i] = gaussian(random, dim);
        int fresh = index.add(current[i]);
        index.remove(ords[i]);
        ords[i] = fresh;
        if (index.tombstones() >= 0.2 * n) {
          index.compact(null, () -> HnswCompactionTest.checkAtRelease(index, where));
        }
        peak = Math.max(peak, index.ordinalCount());
      }
    }
    // 5 overwrites of every point took 15,000 new ordinals before; now the tombstones between
    // two compactions (20% of the points) plus the add that races a compaction bound it.
    assertTrue(peak <= 1.2 * n + 2, "ordinals " + peak + " for " + n + " points, " + where);
    Set<Integer> distinct = new HashSet<>();
    for (int ord : ords) {
      assertTrue(distinct.add(ord), "two live points share ordinal " + ord + ", " + where);
      assertTrue(index.isLive(ord), where);
    }
    index.compact(null, () -> HnswCompactionTest.checkAtRelease(index, where));
    HnswCompactionTest.checkAfterCompaction(index, where);
    HnswIndex fresh = new HnswIndex(dim, Distance.EUCLID, config);
    int[] freshOrds = new int[n];
    for (int i = 0; i < n; i++) {
      freshOrds[i] = fresh.add(current[i]);
    }
    List<float[]> queries = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      queries.add(gaussian(random, dim));
    }
    double reused = ChurnRecallBench.recall(index, ords, current, queries, 64);
    double built = ChurnRecallBench.recall(fresh, freshOrds, current, queries, 64);
    assertTrue(
        reused >= built - 0.02, "recall " + reused + " vs a fresh build's " + built + ", " + where);
    // Every vector is where its point is.
    for (int i = 0; i < n; i += 97) {
      assertEquals(0f, index.score(current[i], ords[i]), 1e-4f, where);
    }
  }

  private static HnswIndex withRemovedAndCompacted(Random random, int n, int removed) {
    HnswIndex index =
        new HnswIndex(8, Distance.DOT, HnswConfig.DEFAULT.withSeed(random.nextLong()));
    for (int i = 0; i < n; i++) {
      index.add(gaussian(random, 8));
    }
    for (int i = 0; i < removed; i++) {
      index.remove(i * 3);
    }
    return index;
  }

  @Test
  void anOpenReadSectionHoldsOrdinalsFreedMeanwhileBack() throws Exception {
    Random random = new Random(SEED);
    HnswIndex index = withRemovedAndCompacted(random, 300, 40);
    CountDownLatch pinned = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread reader =
        Thread.ofPlatform()
            .start(
                () -> {
                  try (VectorIndex.ReadSection s = index.pinReads()) {
                    pinned.countDown();
                    release.await(30, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    assertTrue(pinned.await(30, TimeUnit.SECONDS));
    assertEquals(40, index.compact()); // freed while the reader is pinned
    assertEquals(40, index.freedOrdinals());
    for (int i = 0; i < 5; i++) {
      int ord = index.add(gaussian(random, 8));
      assertTrue(ord >= 300, "ordinal " + ord + " reused while a reader could hold it");
    }
    release.countDown();
    reader.join(30_000);
    assertFalse(reader.isAlive());
    // Its section closed: the freed ordinals come back, lowest first.
    for (int i = 0; i < 40; i++) {
      assertEquals(i * 3, index.add(gaussian(random, 8)), "add " + i);
    }
    assertEquals(0, index.freedOrdinals());
    assertEquals(305, index.ordinalCount(), "then new ordinals again");
    assertTrue(index.add(gaussian(random, 8)) == 305);

    // Sections nest: only the outermost close unpins.
    index.remove(0);
    try (VectorIndex.ReadSection outer = index.pinReads()) {
      try (VectorIndex.ReadSection inner = index.pinReads()) {
        assertEquals(1, index.compact());
      }
      assertTrue(index.add(gaussian(random, 8)) > 305, "the outer section still pins");
    }
    assertEquals(0, index.add(gaussian(random, 8)));
  }

  @Test
  void aReaderEnteringWhileOrdinalsAreRetiredPinsTheNewEpoch() throws Exception {
    Random random = new Random(SEED);
    HnswIndex index = withRemovedAndCompacted(random, 200, 10);
    AtomicLong firstRead = new AtomicLong();
    // The reader has read the epoch but not pinned it yet when the compaction retires the
    // ordinals (and so advances the epoch): it must notice and pin the new one.
    index.epochs().afterEpochRead =
        () -> {
          if (firstRead.get() == 0) {
            firstRead.set(1);
            Thread compactor = Thread.ofPlatform().start(() -> index.compact());
            try {
              compactor.join(30_000);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    try (VectorIndex.ReadSection s = index.pinReads()) {
      index.epochs().afterEpochRead = null;
      assertEquals(10, index.freedOrdinals());
      // Pinned after the retirement: nothing it reads can name the freed ordinals, so they are
      // free for adds at once, the reader still in its section.
      assertEquals(0, index.add(gaussian(random, 8)));
      assertTrue(
          index.epochs().oldestPinned() > 1, "the reader pinned the advanced epoch, not the first");
    }
  }
}
