package io.vecdb.index;

/**
 * Per-search knobs, as in Qdrant's {@code params}: {@code hnsw_ef} (0: the index's default), {@code
 * exact} (scan every vector instead of walking the graph) and {@code quantization}: {@code
 * ignoreQuantization} (walk with the float32 vectors even when the index has codes), {@code
 * rescore} (score the quantized walk's best candidates again with the float32 vectors; on unless
 * turned off) and {@code oversampling} (how many candidates per hit the walk keeps for rescoring,
 * at least 1).
 */
public record SearchParams(
    int ef, boolean exact, boolean ignoreQuantization, boolean rescore, double oversampling) {
  public static final SearchParams DEFAULT = new SearchParams(0, false);

  public SearchParams {
    if (ef < 0) {
      throw new IllegalArgumentException("hnsw_ef must be >= 0, got " + ef);
    }
    if (!(oversampling >= 1.0) || Double.isInfinite(oversampling)) {
      throw new IllegalArgumentException("oversampling must be >= 1, got " + oversampling);
    }
  }

  public SearchParams(int ef, boolean exact) {
    this(ef, exact, false, true, 1.0);
  }
}
