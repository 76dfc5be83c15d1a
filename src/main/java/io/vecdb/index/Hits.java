package io.vecdb.index;

import java.util.Arrays;

/**
 * Search results, best first: parallel arrays of ordinals and Qdrant-convention scores. Immutable
 * once returned.
 */
public record Hits(int[] ordinals, float[] scores) {
  public static final Hits EMPTY = new Hits(new int[0], new float[0]);

  public Hits {
    if (ordinals.length != scores.length) {
      throw new IllegalArgumentException(
          "ordinals and scores differ in length: " + ordinals.length + " vs " + scores.length);
    }
  }

  public int size() {
    return ordinals.length;
  }

  public int ordinal(int i) {
    return ordinals[i];
  }

  public float score(int i) {
    return scores[i];
  }

  @Override
  public String toString() {
    return "Hits" + Arrays.toString(ordinals) + Arrays.toString(scores);
  }
}
