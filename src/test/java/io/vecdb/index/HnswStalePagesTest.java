package io.vecdb.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Regression (issue 12, item 1): a lock-free search reads the page table once; when, meanwhile, the
 * table grows and a node on the new page is linked high in the graph, the search's greedy walk
 * moves to it on one level and started the next level from it with the old table
 * (ArrayIndexOutOfBoundsException). The same descent serves inserts and repairs. The interleaving
 * is made deterministic with a hook that runs right after the search read the table: it adds, on a
 * second page, a node at least as high as the entry point, at the query's position.
 */
class HnswStalePagesTest {
  @Test
  void aSearchThatReadThePageTableBeforeAHighNodeOnANewPageWasLinkedStillFindsIt() {
    HnswIndex h =
        new HnswIndex(
            2, Distance.EUCLID, HnswConfig.DEFAULT.withM(4).withFullScanThreshold(0).withSeed(11));
    Random r = new Random(5);
    int pageSize = 1 << HnswIndex.PAGE_SHIFT;
    int top = 0;
    for (int i = 0; i < pageSize; i++) {
      h.add(new float[] {r.nextFloat(), r.nextFloat()});
      top = Math.max(top, h.level(i));
    }
    assertTrue(top >= 2, "the entry point must be at level 2 or above for this case, got " + top);
    float[] target = {100, 100};
    int entryLevel = top;
    int[] high = {-1};
    h.afterPagesRead =
        () -> {
          h.afterPagesRead = null;
          for (int ord = pageSize; high[0] < 0; ord++) {
            if (h.levelFor(ord) >= entryLevel) {
              high[0] = h.add(target);
            } else {
              h.add(new float[] {r.nextFloat(), r.nextFloat()});
            }
          }
        };
    Hits hits = h.search(target, 1, new SearchParams(32, false), null);
    assertTrue(high[0] >= pageSize, "the high node is on a new page: " + high[0]);
    assertEquals(high[0], hits.ordinals()[0], "the new node is found");
  }
}
