package io.vecdb.index;

/**
 * Per-search knobs, as in Qdrant's {@code params}: {@code hnsw_ef} (0: the index's default) and
 * {@code exact} (scan every vector instead of walking the graph).
 */
public record SearchParams(int ef, boolean exact) {
  public static final SearchParams DEFAULT = new SearchParams(0, false);

  public SearchParams {
    if (ef < 0) {
      throw new IllegalArgumentException("hnsw_ef must be >= 0, got " + ef);
    }
  }
}
