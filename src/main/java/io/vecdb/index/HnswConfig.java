package io.vecdb.index;

/**
 * Parameters of an {@link HnswIndex}, as in Qdrant's {@code hnsw_config}.
 *
 * @param m links per node on the upper layers (layer 0 keeps {@code 2 * m})
 * @param efConstruct candidate-list size while inserting
 * @param ef default candidate-list size while searching ({@code hnsw_ef}); a search uses at least k
 * @param fullScanThreshold below this many live points a search scans exactly
 * @param seed seeds the level assignment, so a build is reproducible for a given insertion order
 */
public record HnswConfig(int m, int efConstruct, int ef, int fullScanThreshold, long seed) {
  public static final int DEFAULT_M = 16;
  public static final int DEFAULT_EF_CONSTRUCT = 100;

  /**
   * From the Fashion-MNIST benchmark with the defaults m 16, ef_construct 100: recall@10 is 0.966
   * at ef 16 and 0.990 at ef 32 (docs/benchmarks-hnsw.md). 32 keeps recall above 0.95 with margin
   * for data that is harder than Fashion-MNIST, at about half the speed of ef 16.
   */
  public static final int DEFAULT_EF = 32;

  public static final int DEFAULT_FULL_SCAN_THRESHOLD = 1000;
  public static final long DEFAULT_SEED = 42;
  public static final HnswConfig DEFAULT =
      new HnswConfig(
          DEFAULT_M, DEFAULT_EF_CONSTRUCT, DEFAULT_EF, DEFAULT_FULL_SCAN_THRESHOLD, DEFAULT_SEED);

  public HnswConfig {
    if (m < 2 || m > 512) {
      throw new IllegalArgumentException("hnsw_config.m must be in [2, 512], got " + m);
    }
    if (efConstruct < 1 || efConstruct > 100_000) {
      throw new IllegalArgumentException(
          "hnsw_config.ef_construct must be in [1, 100000], got " + efConstruct);
    }
    if (ef < 1 || ef > 100_000) {
      throw new IllegalArgumentException("hnsw_config.ef must be in [1, 100000], got " + ef);
    }
    if (fullScanThreshold < 0) {
      throw new IllegalArgumentException(
          "hnsw_config.full_scan_threshold must be >= 0, got " + fullScanThreshold);
    }
  }

  public HnswConfig withM(int m) {
    return new HnswConfig(m, efConstruct, ef, fullScanThreshold, seed);
  }

  public HnswConfig withEfConstruct(int efConstruct) {
    return new HnswConfig(m, efConstruct, ef, fullScanThreshold, seed);
  }

  public HnswConfig withEf(int ef) {
    return new HnswConfig(m, efConstruct, ef, fullScanThreshold, seed);
  }

  public HnswConfig withFullScanThreshold(int fullScanThreshold) {
    return new HnswConfig(m, efConstruct, ef, fullScanThreshold, seed);
  }

  public HnswConfig withSeed(long seed) {
    return new HnswConfig(m, efConstruct, ef, fullScanThreshold, seed);
  }
}
