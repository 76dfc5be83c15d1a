package io.vecdb.index;

import static io.vecdb.index.HnswGraph.PAGE_SHIFT;
import static io.vecdb.index.HnswGraph.PAGE_SIZE;

import io.vecdb.index.HnswGraph.Page;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;

/**
 * A point-in-time image of an {@link HnswIndex}, captured by {@link HnswIndex#capture} and written
 * later by {@link #writeTo} (the {@link HnswSnapshot} format), while adds, removes, searches and
 * compactions go on. Capturing copies, per page, the node states and levels and the references to
 * the node lists, never the vectors or the lists themselves: a few array copies per 1,024 nodes,
 * milliseconds for a million (issue 12, item 5: a checkpoint used to hold adds back for as long as
 * it took to write the whole graph out).
 *
 * <p>Why the rest may be read later: a list is never changed in place (every change publishes a new
 * array), so the captured references keep the lists as they were; the per-node arrays of
 * upper-layer lists are changed in place, so they are copied. A node's vector is written only when
 * an add takes its slot, which is new or FREED. A slot that is LIVE or DELETED in the image can be
 * FREED and taken again only after a compaction retires it, and the image holds a read section
 * ({@link ReadEpochs#hold}) from before its capture, so no retirement after the capture is handed
 * out until the image is closed. Vectors of slots FREED in the image may change meanwhile; they are
 * written as they are, and a loaded index never reads them. The same holds for the codes of the
 * generation in use when captured ({@link QuantizedCodes}): a code is written with its slot's
 * vector, and that generation keeps being written for new nodes while the image holds its read
 * section.
 *
 * <p>Concurrency: captured under the write side of the index's structure lock (so that nothing is
 * mid-change); afterwards immutable apart from the vectors above, and written by one thread. {@link
 * #close} releases the read section; idempotent, any thread.
 */
public final class HnswImage implements VectorIndex.Image {
  private final HnswIndex index;
  final int n;
  final long entry;
  final long removals;
  final byte[][] states;
  final byte[][] levels;
  final float[][] vectors;

  /**
   * Per page, the mapped vectors of an index with vectors on disk (then {@code vectors} is null).
   */
  final java.lang.foreign.MemorySegment[] mapped;

  final int[][][] layer0;
  final int[][][][] upper;

  /** The quantization asked for and the codes in use when captured (null: none). */
  final Quantization quantization;

  final QuantizedCodes codes;

  private final VectorIndex.ReadSection held;

  /** Caller holds the write side of {@code index}'s structure lock, and {@code held}. */
  HnswImage(
      HnswIndex index,
      Page[] ps,
      int n,
      long entry,
      long removals,
      Quantization quantization,
      QuantizedCodes codes,
      VectorIndex.ReadSection held) {
    this.index = index;
    this.quantization = quantization;
    this.codes = codes;
    this.n = n;
    this.entry = entry;
    this.removals = removals;
    this.held = held;
    int pages = (n + PAGE_SIZE - 1) >>> PAGE_SHIFT;
    states = new byte[pages][];
    levels = new byte[pages][];
    vectors = new float[pages][];
    mapped = new java.lang.foreign.MemorySegment[pages];
    layer0 = new int[pages][][];
    upper = new int[pages][][][];
    for (int pg = 0; pg < pages; pg++) {
      Page p = ps[pg];
      states[pg] = p.states.clone();
      levels[pg] = p.levels.clone();
      vectors[pg] = p.vectors;
      mapped[pg] = p.mapped;
      layer0[pg] = p.layer0.clone();
      int[][][] up = p.upper.clone();
      for (int i = 0; i < up.length; i++) {
        if (up[i] != null) {
          up[i] = up[i].clone();
        }
      }
      upper[pg] = up;
    }
  }

  /** Nodes (ordinals handed out) in the image. */
  public int size() {
    return n;
  }

  /** Node {@code node}'s list on {@code level} as captured. */
  int[] links(int node, int level) {
    int pg = node >>> PAGE_SHIFT;
    int slot = node & HnswGraph.PAGE_MASK;
    return level == 0 ? layer0[pg][slot] : upper[pg][slot][level - 1];
  }

  HnswIndex index() {
    return index;
  }

  /** Writes the image ({@link HnswSnapshot}'s format) to {@code out}; does not close it. */
  @Override
  public void writeTo(WritableByteChannel out) throws IOException {
    HnswSnapshot.write(this, out);
  }

  @Override
  public void close() {
    held.close();
  }
}
