package io.vecdb.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ExactIndexTest {
  @Test
  void returnsTrueNearestNeighboursBestFirst() {
    long seed = Long.getLong("tests.seed", System.nanoTime());
    try {
      checkAllDistances(seed);
    } catch (RuntimeException e) {
      throw new AssertionError("seed " + seed, e);
    }
  }

  private static void checkAllDistances(long seed) {
    Random random = new Random(seed);
    for (Distance distance : Distance.values()) {
      int dim = 1 + random.nextInt(40);
      ExactIndex index = new ExactIndex(dim, distance);
      int n = 1 + random.nextInt(3000);
      float[][] data = new float[n][];
      for (int i = 0; i < n; i++) {
        data[i] = randomVector(random, dim);
        assertEquals(i, index.add(data[i]));
      }
      float[] q = randomVector(random, dim);
      int k = 1 + random.nextInt(20);
      Hits hits = index.search(q, k, SearchParams.DEFAULT, ord -> ord % 3 != 0);
      int expected = 0;
      for (int i = 0; i < n; i++) {
        if (i % 3 != 0) {
          expected++;
        }
      }
      assertEquals(Math.min(k, expected), hits.size(), "seed " + seed);
      for (int i = 1; i < hits.size(); i++) {
        assertFalse(distance.better(hits.score(i), hits.score(i - 1)), "sorted, seed " + seed);
      }
      for (int i = 0; i < hits.size(); i++) {
        assertEquals(index.score(q, hits.ordinal(i)), hits.score(i), 1e-5f);
      }
      if (hits.size() == 0) {
        continue; // n was 1: the filter matched nothing, as asserted above
      }
      index.remove(hits.ordinal(0));
      Hits again = index.search(q, k, SearchParams.DEFAULT, null);
      for (int ord : again.ordinals()) {
        assertFalse(ord == hits.ordinal(0), "removed ordinal returned, seed " + seed);
      }
    }
  }

  @Test
  void cosineStoresNormalisedVectors() {
    ExactIndex index = new ExactIndex(2, Distance.COSINE);
    int ord = index.add(new float[] {3, 4});
    assertArrayEquals(new float[] {0.6f, 0.8f}, index.vector(ord), 1e-6f);
  }

  private static float[] randomVector(Random random, int dim) {
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }
}
