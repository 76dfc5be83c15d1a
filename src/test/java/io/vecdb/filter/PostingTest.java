package io.vecdb.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class PostingTest {
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  @Test
  void behavesLikeASetInBothRepresentations() {
    Random r = new Random(SEED);
    for (int round = 0; round < 40; round++) {
      // Small universes turn dense (bitset); large ones stay sparse (sorted array).
      int universe = 1 + r.nextInt(r.nextBoolean() ? 300 : 200_000);
      int ops = 1 + r.nextInt(3_000);
      boolean appendMostly = r.nextBoolean();
      Posting p = new Posting();
      TreeSet<Integer> model = new TreeSet<>();
      int next = 0;
      for (int i = 0; i < ops; i++) {
        int o =
            appendMostly && r.nextInt(4) != 0
                ? Math.min(universe - 1, next++)
                : r.nextInt(universe);
        String ctx = "seed " + SEED + " round " + round + " op " + i + " ordinal " + o;
        if (r.nextInt(3) == 0) {
          assertEquals(model.remove(o), p.remove(o), ctx + " remove");
        } else {
          assertEquals(model.add(o), p.add(o), ctx + " add");
        }
        assertEquals(model.size(), p.size(), ctx + " size");
        int probe = r.nextInt(universe);
        assertEquals(model.contains(probe), p.contains(probe), ctx + " contains " + probe);
      }
      long[] words = p.orInto(new long[1]);
      int[] members = model.stream().mapToInt(Integer::intValue).toArray();
      int[] fromBits = new int[Arrays.stream(words).mapToInt(Long::bitCount).sum()];
      int n = 0;
      for (int w = 0; w < words.length; w++) {
        for (long bits = words[w]; bits != 0; bits &= bits - 1) {
          fromBits[n++] = w * 64 + Long.numberOfTrailingZeros(bits);
        }
      }
      assertEquals(Arrays.toString(members), Arrays.toString(fromBits), "seed " + SEED);
    }
  }
}
