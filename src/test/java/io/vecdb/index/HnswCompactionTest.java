package io.vecdb.index;

import static io.vecdb.index.HnswTestData.deletedCount;
import static io.vecdb.index.HnswTestData.inDegreeMismatches;
import static io.vecdb.index.HnswTestData.linksToFreed;
import static io.vecdb.index.HnswTestData.unreachableLive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link HnswIndex#compact}'s phases: repairs under the read side of the structure lock beside adds
 * and removes, a short phase under the write side, then the connectivity walk beside adds again.
 * The hooks of {@code compact(Runnable, Runnable, Runnable)} place adds and removes exactly between
 * the choice of the nodes to free and the repairs, or after the repairs, and check the graph at the
 * moment the write side is released.
 */
class HnswCompactionTest {
  private static final long SEED = HnswTestData.seed();

  /**
   * A node removed after compaction chose what to free, but before its own lists were repaired,
   * keeps links to nodes about to be freed. Freed nodes have empty lists, so a search or an insert
   * whose greedy descent stepped through such a tombstone onto a freed node found nothing there:
   * the insert gave its new node no links at all (a live point that nothing reaches). Compaction's
   * second phase must drop those links.
   */
  @Test
  void nodesRemovedDuringRepairsKeepNoLinkToFreedNodes() {
    Random random = new Random(SEED);
    int dim = 16;
    HnswIndex index = new HnswIndex(dim, Distance.EUCLID, HnswTestData.testConfig(random));
    String where = "seed " + SEED + " " + index.config();
    for (float[] v : HnswTestData.clustered(random, 3000, dim, 20)) {
      index.add(v);
    }
    int removedBefore = 0;
    for (int ord = 0; ord < 3000; ord++) {
      if (random.nextInt(5) == 0) {
        index.remove(ord);
        removedBefore++;
      }
    }
    List<Integer> removedDuring = new ArrayList<>();
    int addedDuring = 200;
    float[][] extra = HnswTestData.clustered(random, addedDuring, dim, 20);
    int freed =
        index.compact(
            () -> {
              // Live nodes whose lists name a tombstone, preferring upper-layer ones (greedy
              // descents pass through those): removed now, their lists are never repaired.
              for (int pass = 0; pass < 2; pass++) {
                for (int ord = 0; ord < 3000 && removedDuring.size() < 150; ord++) {
                  if (index.isLive(ord)
                      && (pass == 1 || index.level(ord) > 0)
                      && namesTombstone(index, ord)) {
                    index.remove(ord);
                    removedDuring.add(ord);
                  }
                }
              }
              for (float[] v : extra) {
                index.add(v);
              }
            },
            () -> checkAtRelease(index, where));
    assertEquals(removedBefore, freed, where);
    assertTrue(removedDuring.size() > 50, removedDuring.size() + " removed during, " + where);
    assertEquals(removedDuring.size(), index.tombstones(), where);
    assertEquals(removedDuring.size(), deletedCount(index), where);
    assertEquals(removedBefore + removedDuring.size(), index.removalCount(), where);
    assertEquals(3000 + addedDuring - removedBefore - removedDuring.size(), index.size(), where);
    // Inserts after the compaction are linked in (one that landed on a freed node was not).
    float[][] after = HnswTestData.clustered(random, 300, dim, 20);
    for (float[] v : after) {
      int ord = index.add(v);
      assertTrue(index.neighbours(ord, 0).length > 0, "new node " + ord + " has links, " + where);
      assertTrue(index.inDegreeOf(ord) > 0, "new node " + ord + " has an in-link, " + where);
    }
    assertEquals(removedDuring.size(), index.compact(null, () -> checkAtRelease(index, where)));
    checkAfterCompaction(index, where);
    assertEquals(0, index.tombstones(), where);
    assertEquals(0, deletedCount(index), where);
  }

  /**
   * The second phase repairs only the lists journaled during the first (issue 12, item 5: it used
   * to rescan every list, O(N + E) under the write side). In the middle of the repair pass, links
   * to nodes being freed are published (as the connectivity walk's {@code forceLink} publishes any
   * link; an insert does so when no live node is reachable on a layer): from an owner the pass has
   * already read (a reused ordinal, and an old node), from an owner added past the end of the scan,
   * and from one the pass has yet to reach. Unless the journal names the first three, the second
   * phase leaves their links to freed nodes in place.
   */
  @Test
  void listsThatNameFreedNodesAfterTheRepairPassReadThemAreRepairedInTheSecondPhase() {
    Random random = new Random(SEED);
    int dim = 8;
    HnswConfig config = HnswTestData.testConfig(random);
    HnswIndex index = new HnswIndex(dim, Distance.EUCLID, config);
    String where = "seed " + SEED + " " + config;
    for (float[] v : HnswTestData.clustered(random, 1500, dim, 10)) {
      index.add(v);
    }
    List<Integer> doomed = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      doomed.add(index.add(near(random, dim, 100)));
    }
    // An earlier compaction frees ordinals 0 to 9, for the adds below to reuse.
    for (int ord = 0; ord < 10; ord++) {
      index.remove(ord);
    }
    assertEquals(10, index.compact(), where);
    for (int ord : doomed) {
      index.remove(ord);
    }
    int end = index.ordinalCount();
    List<Integer> owners = new ArrayList<>();
    int freed =
        index.compact(
            null,
            () -> {
              // The pass has read owners 0 to 63 (one run) and none past them.
              int reused = index.add(near(random, dim, 0));
              assertTrue(reused < 10, "reused ordinal " + reused + ", " + where);
              for (int i = 0; i < 9; i++) {
                index.add(near(random, dim, 0)); // the other freed ordinals
              }
              int fresh = index.add(near(random, dim, 0));
              assertTrue(fresh >= end, "fresh ordinal " + fresh + ", " + where);
              int old = 40;
              int ahead = 1200;
              assertTrue(index.isLive(old) && index.isLive(ahead), where);
              owners.addAll(List.of(reused, old, fresh, ahead));
              for (int i = 0; i < owners.size(); i++) {
                index.linkForTest(owners.get(i), doomed.get(i * 7));
              }
            },
            () -> checkAtRelease(index, where));
    assertEquals(doomed.size(), freed, where);
    checkAfterCompaction(index, where);
    for (int owner : owners) {
      for (int nb : index.neighbours(owner, 0)) {
        assertTrue(index.stateOf(nb) != HnswGraph.FREED, owner + " links to freed " + nb);
      }
    }
  }

  /** A point near (c, c, ...). */
  private static float[] near(Random random, int dim, float c) {
    float[] v = new float[dim];
    for (int d = 0; d < dim; d++) {
      v[d] = c + (float) random.nextGaussian();
    }
    return v;
  }

  /** An add issued during the first phase (the repairs) completes without waiting for it. */
  @Test
  void addsCompleteDuringTheFirstPhase() {
    Random random = new Random(SEED);
    int dim = 12;
    HnswIndex index = new HnswIndex(dim, Distance.COSINE, HnswTestData.testConfig(random));
    String where = "seed " + SEED + " " + index.config();
    float[][] data = HnswTestData.clustered(random, 2000, dim, 10);
    for (float[] v : data) {
      index.add(v);
    }
    for (int ord = 0; ord < 2000; ord += 3) {
      index.remove(ord);
    }
    AtomicInteger added = new AtomicInteger(-1);
    index.compact(
        () -> {
          CompletableFuture<Integer> done = new CompletableFuture<>();
          Thread.ofPlatform().start(() -> done.complete(index.add(data[1])));
          try {
            added.set(done.get(30, TimeUnit.SECONDS));
          } catch (TimeoutException e) {
            fail("an add waited for the repair phase, " + where);
          } catch (Exception e) {
            throw new AssertionError(where, e);
          }
        },
        () -> checkAtRelease(index, where));
    assertEquals(2000, added.get(), where);
    assertTrue(index.isLive(2000), where);
    assertEquals(0, unreachableLive(index), where);
  }

  /**
   * Adders and removers run beside a thread that compacts over and over. At every release of the
   * write side the graph is checked (reachability, in-degrees, no link to a freed node); at the end
   * the counters match the states.
   */
  @Test
  void writersRunBesideRepeatedCompactions() throws Exception {
    Random setup = new Random(SEED);
    int dim = 8 + setup.nextInt(8);
    Distance distance = setup.nextBoolean() ? Distance.EUCLID : Distance.COSINE;
    HnswIndex index = new HnswIndex(dim, distance, HnswTestData.testConfig(setup));
    String where = "seed " + SEED + " " + distance + " dim " + dim + " " + index.config();
    List<Integer> live = new ArrayList<>(); // guarded by itself
    for (float[] v : HnswTestData.clustered(setup, 2000, dim, 8)) {
      live.add(index.add(v));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicLong removes = new AtomicLong();
    AtomicInteger compactions = new AtomicInteger();
    AtomicInteger freed = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < 3; w++) {
      threads.add(
          HnswTestData.churn(
              index, dim, live, setup.nextLong(), 40_000, 55, deadline, removes, failure));
    }
    threads.add(
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    for (int i = 0; i < 10_000 && System.nanoTime() < deadline; i++) {
                      freed.addAndGet(index.compact(null, () -> checkAtRelease(index, where)));
                      compactions.incrementAndGet();
                    }
                  } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                  }
                }));
    for (Thread t : threads) {
      t.join();
    }
    assertNull(failure.get(), where);
    assertTrue(
        compactions.get() > 2 && removes.get() > 100, compactions + " compactions, " + where);
    assertEquals("", inDegreeMismatches(index), "after the run, " + where);
    assertEquals(removes.get(), index.removalCount(), where);
    assertEquals(removes.get() - freed.get(), index.tombstones(), where);
    assertEquals(index.tombstones(), deletedCount(index), where);
    synchronized (live) {
      assertEquals(live.size(), index.size(), where);
      for (int ord : live) {
        assertTrue(index.isLive(ord), ord + " live, " + where);
      }
    }
    assertEquals(removes.get() - freed.get(), index.compact(), where);
    checkAfterCompaction(index, where);
  }

  /**
   * What holds whenever compaction releases the write side (reachability is restored by the last
   * phase, after it: {@link #checkAfterCompaction}).
   */
  static void checkAtRelease(HnswIndex index, String where) {
    assertEquals(0, linksToFreed(index), "links to freed nodes, " + where);
    assertEquals("", inDegreeMismatches(index), "in-degrees, " + where);
  }

  /** What holds when compaction has returned and nothing ran beside its last phase. */
  static void checkAfterCompaction(HnswIndex index, String where) {
    checkAtRelease(index, where);
    assertEquals(0, unreachableLive(index), "unreachable live nodes, " + where);
  }

  private static boolean namesTombstone(HnswIndex index, int ord) {
    for (int level = 0; level <= index.level(ord); level++) {
      for (int nb : index.neighbours(ord, level)) {
        if (index.stateOf(nb) == HnswGraph.DELETED) {
          return true;
        }
      }
    }
    return false;
  }
}
