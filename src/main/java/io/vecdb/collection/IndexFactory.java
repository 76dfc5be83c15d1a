package io.vecdb.collection;

import io.vecdb.index.HnswIndex;
import io.vecdb.index.VectorIndex;
import io.vecdb.index.VectorMath;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;

/**
 * The one place that decides which {@link VectorIndex} a collection uses: an HNSW graph, with its
 * float32 vectors on the heap or, for a vector with {@code on_disk: true}, in a memory-mapped file
 * under {@link #vectorsDirectory()}.
 *
 * <p>The directory is one per process (set once at start-up by the node, from {@code data_dir});
 * the files in it are unlinked as soon as they are open ({@code MappedVectors}), so indexes of
 * several nodes in one process, or of a crashed process, never meet there. Volatile: read by any
 * thread.
 */
public final class IndexFactory {
  private static volatile Path vectorsDirectory =
      Path.of(System.getProperty("java.io.tmpdir"), "vecdb-vectors");

  private IndexFactory() {}

  /** Where indexes with vectors on disk create their files from now on. */
  public static void vectorsDirectory(Path dir) {
    vectorsDirectory = java.util.Objects.requireNonNull(dir, "dir");
  }

  /** The directory for the files of vectors on disk. */
  public static Path vectorsDirectory() {
    return vectorsDirectory;
  }

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
    return new HnswIndex(params.size(), params.distance(), graph, vectorsDir(params));
  }

  /** Loads a graph image for one dense vector, its vectors kept as {@code params} says. */
  public static HnswIndex read(ReadableByteChannel in, CollectionConfig.DenseParams params)
      throws IOException {
    return HnswIndex.readFrom(in, vectorsDir(params));
  }

  private static Path vectorsDir(CollectionConfig.DenseParams params) {
    return params.onDisk() ? vectorsDirectory : null;
  }

  /** Which vector math the indexes use, for {@code GET /} and the start-up log. */
  public static String vectorMath() {
    return VectorMath.implementationName();
  }
}
