package io.vecdb.index;

import static io.vecdb.index.HnswGraph.PAGE_MASK;
import static io.vecdb.index.HnswGraph.PAGE_SHIFT;

import java.io.IOException;

/**
 * The quantized codes of an {@link HnswIndex}'s vectors: one generation of them, with the
 * parameters they were encoded with. Paged as the graph is ({@value HnswGraph#PAGE_SIZE} nodes a
 * page); a page table grown copy-on-write under {@code growLock}, so that existing pages never move
 * and a reader that read the table indexes it without locks.
 *
 * <p>Concurrency: a node's code is written by the thread that writes its vector (an add, before the
 * node's LIVE store and before any list names it; or the trainer, for nodes already LIVE or
 * DELETED, whose vectors do not change) and read by searches that reached the node through a list,
 * so the list's release/acquire orders the code's bytes before their reads. Which generation a
 * search reads, and how long an old one keeps being written, is {@link HnswIndex}'s business (see
 * its class comment). The drift counters are {@code LongAdder}s: adds on any thread.
 */
abstract sealed class QuantizedCodes permits ScalarCodes, BinaryCodes {
  final int dimension;

  /** Live vectors when these codes were trained (a retraining is due when the index doubles). */
  final int trainedAt;

  final Object growLock = new Object();

  QuantizedCodes(int dimension, int trainedAt) {
    this.dimension = dimension;
    this.trainedAt = trainedAt;
  }

  abstract Quantization.Kind kind();

  /** The quantile these codes were trained with (1 for binary). */
  abstract float quantile();

  /**
   * Encodes the vector at {@code v[off..off+dimension)} (as stored: normalised for cosine) as node
   * {@code ord}'s code. {@code fresh}: the vector of an add, counted for drift.
   */
  abstract void encode(int ord, float[] v, int off, boolean fresh);

  /** A reader of these codes for one search with {@code q} (as stored: normalised for cosine). */
  abstract Query query(float[] q, HnswScorer scorer);

  /** Whether the adds since training fall outside the trained range often enough to retrain. */
  abstract boolean drifted();

  /** Bytes held for {@code pages} pages of codes. */
  abstract long bytes(int pages);

  /** Bytes of one node's code. */
  abstract int codeBytes();

  /** Writes the parameters, then the codes of nodes {@code [0, n)}. */
  abstract void write(ChannelIo.Writer w, int n) throws IOException;

  /** Reads what {@link #write} wrote (after the kind, which the caller read). */
  static QuantizedCodes read(ChannelIo.Reader r, int kind, int dimension, int n)
      throws IOException {
    return switch (kind) {
      case 0 -> ScalarCodes.read(r, dimension, n);
      case 1 -> BinaryCodes.read(r, dimension, n);
      default -> throw new IOException("corrupt HNSW snapshot: quantization kind " + kind);
    };
  }

  static int page(int ord) {
    return ord >>> PAGE_SHIFT;
  }

  static int slot(int ord) {
    return ord & PAGE_MASK;
  }

  /**
   * Distances from one query to nodes' codes, in the units of {@link HnswScorer}'s internal float
   * distances (lower is better), so that {@link HnswScorer#toScore} turns them into estimated
   * scores. One per search; not shared between threads.
   */
  abstract static class Query {
    abstract float dist(int node);

    /**
     * Loads a byte of each cache line of the codes of {@code nodes[0..n)} before their distances
     * are taken, so that their cache misses overlap (Java has no prefetch instruction; hnswlib
     * prefetches the same way in C). Returns a value the caller keeps, so the loads stay.
     */
    int touch(int[] nodes, int n) {
      return 0;
    }

    void dist4(int[] nodes, int from, float[] out) {
      out[from] = dist(nodes[from]);
      out[from + 1] = dist(nodes[from + 1]);
      out[from + 2] = dist(nodes[from + 2]);
      out[from + 3] = dist(nodes[from + 3]);
    }
  }
}
