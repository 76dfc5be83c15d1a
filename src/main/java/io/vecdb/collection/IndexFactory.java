package io.vecdb.collection;

import io.vecdb.index.HnswIndex;
import io.vecdb.index.VectorIndex;
import io.vecdb.index.VectorMath;

/** The one place that decides which {@link VectorIndex} a collection uses: an HNSW graph. */
public final class IndexFactory {
  private IndexFactory() {}

  /**
   * An empty HNSW index with the collection's {@code m}, {@code ef_construct} and {@code
   * full_scan_threshold}; searches pass {@code hnsw_ef} and {@code exact} per request.
   */
  public static VectorIndex create(CollectionConfig config) {
    // Named vectors each have a graph of their own (create(DenseParams)); the points' ordinals
    // then come from an index without vectors.
    return config.namedDense()
        ? new io.vecdb.index.SlotIndex()
        : create(config.dense(config.primaryName()));
  }

  /** An empty HNSW index for one dense vector of a collection. */
  public static VectorIndex create(CollectionConfig.DenseParams params) {
    HnswConfig h = params.hnsw();
    io.vecdb.index.HnswConfig graph =
        io.vecdb.index.HnswConfig.DEFAULT
            .withM(h.m())
            .withEfConstruct(h.efConstruct())
            .withFullScanThreshold(h.fullScanThreshold());
    return new HnswIndex(params.size(), params.distance(), graph);
  }

  /** Which vector math the indexes use, for {@code GET /} and the start-up log. */
  public static String vectorMath() {
    return VectorMath.implementationName();
  }
}
