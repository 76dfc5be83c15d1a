package io.vecdb.collection;

import io.vecdb.index.ExactIndex;
import io.vecdb.index.VectorIndex;

/** The one place that decides which {@link VectorIndex} a collection uses. */
public final class IndexFactory {
  private IndexFactory() {}

  /** An empty index for {@code config}. Swap in the HNSW index here. */
  public static VectorIndex create(CollectionConfig config) {
    return new ExactIndex(config.size(), config.distance());
  }

  /** Which vector math the indexes use, for {@code GET /} and the start-up log. */
  public static String vectorMath() {
    return "scalar (exact scan)";
  }
}
