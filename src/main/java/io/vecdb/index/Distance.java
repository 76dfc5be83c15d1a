package io.vecdb.index;

import java.util.Locale;

/**
 * The distance functions a collection can use, with Qdrant's names and score conventions.
 *
 * <p>Scores follow Qdrant: {@link #COSINE} and {@link #DOT} return a similarity (higher is better);
 * {@link #EUCLID} returns the Euclidean distance and {@link #MANHATTAN} the L1 distance (lower is
 * better). {@link #higherIsBetter()} tells which way a score threshold and an ordering go.
 */
public enum Distance {
  COSINE("Cosine", true),
  EUCLID("Euclid", false),
  DOT("Dot", true),
  MANHATTAN("Manhattan", false);

  private final String qdrantName;
  private final boolean higherIsBetter;

  Distance(String qdrantName, boolean higherIsBetter) {
    this.qdrantName = qdrantName;
    this.higherIsBetter = higherIsBetter;
  }

  /**
   * The name used in Qdrant's API: {@code Cosine}, {@code Euclid}, {@code Dot}, {@code Manhattan}.
   */
  public String qdrantName() {
    return qdrantName;
  }

  public boolean higherIsBetter() {
    return higherIsBetter;
  }

  /** True if {@code a} ranks strictly before {@code b}. */
  public boolean better(float a, float b) {
    return higherIsBetter ? a > b : a < b;
  }

  /** True if {@code score} passes a Qdrant {@code score_threshold}. */
  public boolean passes(float score, float threshold) {
    return higherIsBetter ? score >= threshold : score <= threshold;
  }

  /**
   * Parses Qdrant's name, case-insensitively ({@code "Cosine"}, {@code "euclid"}, ...).
   *
   * @throws IllegalArgumentException naming the value and the accepted names
   */
  public static Distance parse(String name) {
    if (name != null) {
      for (Distance d : values()) {
        if (d.qdrantName.equalsIgnoreCase(name.trim())) {
          return d;
        }
      }
      if (name.trim().toLowerCase(Locale.ROOT).equals("euclidean")) {
        return EUCLID;
      }
    }
    throw new IllegalArgumentException(
        "unknown distance '" + name + "': expected one of Cosine, Euclid, Dot, Manhattan");
  }
}
