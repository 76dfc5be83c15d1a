package io.vecdb.filter;

/**
 * How many points a filter matches: at most {@code upperBound}; if {@code exact}, exactly that many
 * (as of the index state the estimate was computed on).
 */
public record Cardinality(long upperBound, boolean exact) {
  public Cardinality {
    if (upperBound < 0) {
      throw new IllegalArgumentException("upperBound must be >= 0, got " + upperBound);
    }
  }
}
