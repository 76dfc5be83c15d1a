package io.vecdb.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Regression (issue 12, item 6): two adds whose nodes both rise above the entry point's level, at
 * once. Both used to link from the old entry, so neither found the other on the new layers: those
 * layers stayed empty, the lower of the two unreachable there for good. The hook holds the first
 * add right after it read the entry until the second has read it too (at most 2 s); with the fix
 * the second waits for the first to finish instead, and links to it.
 */
class HnswPromotionTest {
  @Test
  void twoNodesRisingAboveTheTopAtOnceAreLinkedOnTheirNewLayers() throws Exception {
    // A seed whose first node is at level 0 and whose next two both rise above it.
    HnswIndex found = null;
    Random r = new Random(13);
    for (long seed = 1; found == null; seed++) {
      HnswIndex candidate =
          new HnswIndex(
              2,
              Distance.EUCLID,
              HnswConfig.DEFAULT.withM(2).withFullScanThreshold(0).withSeed(seed));
      if (candidate.levelFor(0) == 0 && candidate.levelFor(1) > 0 && candidate.levelFor(2) > 0) {
        found = candidate;
      }
      assertTrue(seed < 10_000, "no seed found");
    }
    HnswIndex h = found;
    h.add(new float[] {r.nextFloat(), r.nextFloat()});
    int top = 0;
    int first = 1;
    int second = 2;
    int shared = Math.min(h.levelFor(first), h.levelFor(second)); // layers both reach above top
    CountDownLatch firstRead = new CountDownLatch(1);
    CountDownLatch secondRead = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    h.builder().afterEntryRead =
        () -> {
          if (calls.getAndIncrement() == 0) {
            firstRead.countDown();
            try {
              secondRead.await(2, TimeUnit.SECONDS); // the fix keeps the second out meanwhile
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          } else {
            secondRead.countDown();
          }
        };
    // Own threads (the common pool may have a single worker on a small machine).
    CompletableFuture<Integer> a = new CompletableFuture<>();
    CompletableFuture<Integer> b = new CompletableFuture<>();
    Thread ta = new Thread(() -> a.complete(h.add(new float[] {0.5f, 0.5f})));
    Thread tb = new Thread(() -> b.complete(h.add(new float[] {0.6f, 0.6f})));
    ta.start();
    assertTrue(firstRead.await(10, TimeUnit.SECONDS));
    tb.start();
    assertEquals(first, a.get(10, TimeUnit.SECONDS));
    assertEquals(second, b.get(10, TimeUnit.SECONDS));
    h.builder().afterEntryRead = null;
    for (int level = top + 1; level <= shared; level++) {
      int[] ofFirst = h.neighbours(first, level);
      int[] ofSecond = h.neighbours(second, level);
      assertTrue(
          contains(ofFirst, second) || contains(ofSecond, first),
          "layer "
              + level
              + " (above the old top "
              + top
              + "): "
              + first
              + " -> "
              + Arrays.toString(ofFirst)
              + ", "
              + second
              + " -> "
              + Arrays.toString(ofSecond));
    }
  }

  private static boolean contains(int[] a, int x) {
    for (int v : a) {
      if (v == x) {
        return true;
      }
    }
    return false;
  }
}
