package io.vecdb.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Regression (issue 12, item 4): the page table grew by a quarter ahead of need, and every page in
 * it is allocated (1,024 vectors each). It now holds exactly the pages the ordinals handed out
 * need, from one thread or several.
 */
class HnswPageGrowthTest {
  @Test
  void onlyThePagesInUseAreAllocated() {
    int pageSize = 1 << HnswGraph.PAGE_SHIFT;
    HnswIndex h =
        new HnswIndex(4, Distance.EUCLID, HnswConfig.DEFAULT.withM(4).withEfConstruct(16));
    Random r = new Random(3);
    ParallelInserter two = new ParallelInserter(2);
    try {
      for (int pages = 1; pages <= 12; pages++) {
        java.util.List<float[]> batch = new java.util.ArrayList<>();
        while (h.ordinalCount() + batch.size() < (pages - 1) * pageSize + 1) {
          batch.add(new float[] {r.nextFloat(), r.nextFloat(), r.nextFloat(), r.nextFloat()});
        }
        two.addAll(h, batch);
        assertEquals(pages, h.pagesForTest().length, "after " + h.ordinalCount() + " adds");
      }
    } finally {
      two.close();
    }
  }
}
