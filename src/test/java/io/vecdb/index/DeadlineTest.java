package io.vecdb.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A request's deadline stops the loops a search can spend long in: the graph walk and the exact
 * scans (HNSW's and ExactIndex's). Deterministic: the deadline has already passed, so the first
 * check throws; the same searches without one complete.
 */
class DeadlineTest {
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  @Test
  void aPassedDeadlineStopsGraphWalksAndScansAndNoneLetsThemFinish() {
    Random r = new Random(SEED);
    int dim = 16;
    HnswIndex hnsw = new HnswIndex(dim, Distance.EUCLID);
    ExactIndex exact = new ExactIndex(dim, Distance.EUCLID);
    for (int i = 0; i < 12_000; i++) {
      float[] v = new float[dim];
      for (int d = 0; d < dim; d++) {
        v[d] = r.nextFloat();
      }
      hnsw.add(v);
      exact.add(v);
    }
    float[] q = new float[dim];
    SearchParams wide = new SearchParams(400, false);
    SearchParams scan = new SearchParams(0, true);
    long passed = System.nanoTime() - 1;
    for (Runnable search :
        new Runnable[] {
          () -> hnsw.search(q, 10, wide, null),
          () -> hnsw.search(q, 10, scan, null),
          () -> exact.search(q, 10, SearchParams.DEFAULT, null)
        }) {
      Deadline.DeadlineExceeded e =
          assertThrows(
              Deadline.DeadlineExceeded.class,
              () ->
                  Deadline.at(
                      passed,
                      3,
                      () -> {
                        search.run();
                        return null;
                      }),
              "seed " + SEED);
      assertTrue(e.getMessage().contains("timeout of 3 s"), e.getMessage());
      search.run(); // unbound: runs to the end
    }
    assertEquals(10, hnsw.search(q, 10, wide, null).size());
    // Bound with time to spare: completes.
    assertEquals(10, Deadline.within(60, () -> hnsw.search(q, 10, wide, null)).size());
  }
}
