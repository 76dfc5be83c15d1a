package io.vecdb.index;

import static io.vecdb.index.HnswGraph.ABSENT;
import static io.vecdb.index.HnswGraph.EMPTY;
import static io.vecdb.index.HnswGraph.FREED;
import static io.vecdb.index.HnswGraph.LIVE;
import static io.vecdb.index.HnswGraph.MAX_LEVEL;
import static io.vecdb.index.HnswGraph.MAX_LIST_LENGTH;
import static io.vecdb.index.HnswGraph.NO_ENTRY;
import static io.vecdb.index.HnswGraph.PAGE_MASK;
import static io.vecdb.index.HnswGraph.PAGE_SHIFT;
import static io.vecdb.index.HnswGraph.PAGE_SIZE;
import static io.vecdb.index.HnswGraph.entryNode;

import io.vecdb.index.HnswGraph.Page;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * The binary image behind {@link HnswIndex#writeTo} and {@link HnswIndex#readFrom}. Little-endian:
 *
 * <pre>
 * int magic "HNSW", int version 1
 * int dimension, int distance (Distance ordinal), int m, int efConstruct, int ef,
 * int fullScanThreshold, long seed
 * int n (ordinals handed out), long entry ((level << 32) | ordinal, or -1), long removals
 * per page of 1024 nodes: byte state[len], byte level[len], float vectors[len * dimension]
 * per node, per layer 0..level: int length, int list[length] (ordinals, then distance bits)
 * version 2 only: int quantization asked for (0 none, 1 int8, 2 binary), float quantile;
 *   int codes kind (-1 none, 0 int8, 1 binary), then the codes (ScalarCodes / BinaryCodes.write)
 * int end marker "END!"
 * </pre>
 *
 * <p>Version 2 is written only when the index has quantization asked for; version 1 images load as
 * indexes without it.
 *
 * <p>Loading validates every count, state, level and link target, so a corrupt image fails with an
 * {@link IOException} naming what is wrong instead of producing a broken graph; in-degree counts
 * are recomputed. Stateless: it writes a captured {@link HnswImage}.
 */
final class HnswSnapshot {
  private static final int FORMAT_MAGIC = 0x57534E48; // "HNSW" little-endian
  private static final int FORMAT_END = 0x21444E45; // "END!"
  private static final int FORMAT_VERSION = 1;
  private static final int FORMAT_VERSION_QUANTIZED = 2;

  private HnswSnapshot() {}

  static void write(HnswImage image, WritableByteChannel out) throws IOException {
    HnswIndex index = image.index();
    int n = image.n;
    ChannelIo.Writer w = new ChannelIo.Writer(out);
    w.putInt(FORMAT_MAGIC);
    boolean quantized = image.quantization != null;
    w.putInt(quantized ? FORMAT_VERSION_QUANTIZED : FORMAT_VERSION);
    w.putInt(index.dimension());
    w.putInt(index.distance().ordinal());
    w.putInt(index.config().m());
    w.putInt(index.config().efConstruct());
    w.putInt(index.config().ef());
    w.putInt(index.config().fullScanThreshold());
    w.putLong(index.config().seed());
    w.putInt(n);
    w.putLong(image.entry);
    w.putLong(image.removals);
    for (int pg = 0; pg << PAGE_SHIFT < n; pg++) {
      int len = Math.min(PAGE_SIZE, n - (pg << PAGE_SHIFT));
      w.putBytes(image.states[pg], 0, len);
      w.putBytes(image.levels[pg], 0, len);
      if (image.vectors[pg] != null) {
        w.putFloats(image.vectors[pg], 0, len * index.dimension());
      } else {
        w.putFloats(image.mapped[pg], 0, len * index.dimension());
      }
    }
    for (int ord = 0; ord < n; ord++) {
      int level = image.levels[ord >>> PAGE_SHIFT][ord & PAGE_MASK];
      for (int l = 0; l <= level; l++) {
        int[] list = image.links(ord, l);
        w.putInt(list.length);
        w.putInts(list, 0, list.length);
      }
    }
    if (quantized) {
      w.putInt(image.quantization.kind().ordinal() + 1);
      w.putFloat(image.quantization.quantile());
      QuantizedCodes codes = image.codes;
      w.putInt(codes == null ? -1 : codes.kind().ordinal());
      if (codes != null) {
        codes.write(w, n);
      }
    }
    w.putInt(FORMAT_END);
    w.flush();
  }

  /**
   * Reads an image; {@code vectorsDir}: as {@link HnswIndex#readFrom(ReadableByteChannel,
   * java.nio.file.Path)}.
   */
  static HnswIndex read(ReadableByteChannel in, java.nio.file.Path vectorsDir) throws IOException {
    ChannelIo.Reader r = new ChannelIo.Reader(in);
    int magic = r.getInt();
    if (magic != FORMAT_MAGIC) {
      throw new IOException(
          "not an HNSW snapshot: magic 0x" + Integer.toHexString(magic) + " at offset 0");
    }
    int version = r.getInt();
    if (version != FORMAT_VERSION && version != FORMAT_VERSION_QUANTIZED) {
      throw new IOException(
          "unsupported HNSW snapshot version "
              + version
              + ", expected "
              + FORMAT_VERSION
              + " or "
              + FORMAT_VERSION_QUANTIZED);
    }
    int dimension = r.getInt();
    int distanceOrdinal = r.getInt();
    if (dimension <= 0 || distanceOrdinal < 0 || distanceOrdinal >= Distance.values().length) {
      throw new IOException(
          "corrupt HNSW snapshot header: dimension " + dimension + ", distance " + distanceOrdinal);
    }
    HnswConfig config;
    try {
      config = new HnswConfig(r.getInt(), r.getInt(), r.getInt(), r.getInt(), r.getLong());
    } catch (IllegalArgumentException e) {
      throw new IOException("corrupt HNSW snapshot config: " + e.getMessage(), e);
    }
    HnswIndex index =
        new HnswIndex(dimension, Distance.values()[distanceOrdinal], config, vectorsDir);
    int n = r.getInt();
    long entry = r.getLong();
    long removals = r.getLong();
    if (n < 0) {
      throw new IOException("corrupt HNSW snapshot: node count " + n);
    }
    Page[] ps = n == 0 ? new Page[0] : index.graph().ensurePage(n - 1);
    int liveCount = 0;
    for (int pg = 0; pg << PAGE_SHIFT < n; pg++) {
      int len = Math.min(PAGE_SIZE, n - (pg << PAGE_SHIFT));
      Page p = ps[pg];
      r.getBytes(p.states, 0, len);
      r.getBytes(p.levels, 0, len);
      if (p.vectors != null) {
        r.getFloats(p.vectors, 0, len * dimension);
      } else {
        r.getFloats(p.mapped, 0, len * dimension);
      }
      for (int i = 0; i < len; i++) {
        if (p.states[i] < ABSENT
            || p.states[i] > FREED
            || p.levels[i] < 0
            || p.levels[i] > MAX_LEVEL) {
          throw new IOException(
              "corrupt HNSW snapshot: node "
                  + ((pg << PAGE_SHIFT) + i)
                  + " has state "
                  + p.states[i]
                  + ", level "
                  + p.levels[i]);
        }
        if (p.states[i] == LIVE) {
          liveCount++;
        }
        if (p.levels[i] > 0) {
          p.upper[i] = new int[p.levels[i]][];
        }
      }
    }
    for (int ord = 0; ord < n; ord++) {
      Page p = ps[ord >>> PAGE_SHIFT];
      int level = p.levels[ord & PAGE_MASK];
      for (int l = 0; l <= level; l++) {
        int len = r.getInt();
        if (len < 0 || (len & 1) != 0 || len > MAX_LIST_LENGTH) {
          throw new IOException(
              "corrupt HNSW snapshot: node "
                  + ord
                  + " layer "
                  + l
                  + " list length "
                  + len
                  + " near offset "
                  + r.position());
        }
        int[] list = len == 0 ? EMPTY : new int[len];
        r.getInts(list, 0, len);
        for (int i = 0; i < len / 2; i++) {
          if (list[i] < 0 || list[i] >= n) {
            throw new IOException(
                "corrupt HNSW snapshot: node " + ord + " links to " + list[i] + " of " + n);
          }
          // A layer-l list may only name nodes that exist on layer l (a search would read the
          // target's list of that layer).
          int targetLevel = ps[list[i] >>> PAGE_SHIFT].levels[list[i] & PAGE_MASK];
          if (targetLevel < l) {
            throw new IOException(
                "corrupt HNSW snapshot: node "
                    + ord
                    + " links on layer "
                    + l
                    + " to node "
                    + list[i]
                    + ", whose level is "
                    + targetLevel);
          }
        }
        if (l == 0) {
          p.layer0[ord & PAGE_MASK] = list;
          // In-degrees count the lists of live nodes only (see HnswIndex's class comment).
          for (int i = 0; i < len / 2 && p.states[ord & PAGE_MASK] == LIVE; i++) {
            ps[list[i] >>> PAGE_SHIFT].inDegree[list[i] & PAGE_MASK]++;
          }
        } else {
          p.upper[ord & PAGE_MASK][l - 1] = list;
        }
      }
    }
    Quantization quantization = null;
    QuantizedCodes codes = null;
    if (version == FORMAT_VERSION_QUANTIZED) {
      int asked = r.getInt();
      float quantile = r.getFloat();
      if (asked < 0 || asked > Quantization.Kind.values().length) {
        throw new IOException("corrupt HNSW snapshot: quantization " + asked);
      }
      try {
        quantization =
            asked == 0 ? null : new Quantization(Quantization.Kind.values()[asked - 1], quantile);
      } catch (IllegalArgumentException e) {
        throw new IOException("corrupt HNSW snapshot: " + e.getMessage(), e);
      }
      int kind = r.getInt();
      if (kind != -1) {
        codes = QuantizedCodes.read(r, kind, dimension, n);
      }
    }
    int end = r.getInt();
    if (end != FORMAT_END) {
      throw new IOException(
          "corrupt HNSW snapshot: end marker 0x"
              + Integer.toHexString(end)
              + " at offset "
              + (r.position() - 4));
    }
    if (entry != NO_ENTRY && (entryNode(entry) < 0 || entryNode(entry) >= n)) {
      throw new IOException("corrupt HNSW snapshot: entry point " + entryNode(entry) + " of " + n);
    }
    if (entry != NO_ENTRY) {
      // Searches descend from the entry's level through the entry node's lists: they must agree.
      int node = entryNode(entry);
      int nodeLevel = ps[node >>> PAGE_SHIFT].levels[node & PAGE_MASK];
      if (HnswGraph.entryLevel(entry) != nodeLevel) {
        throw new IOException(
            "corrupt HNSW snapshot: entry point "
                + node
                + " at level "
                + HnswGraph.entryLevel(entry)
                + ", but the node's level is "
                + nodeLevel);
      }
    } else if (liveCount > 0) {
      throw new IOException(
          "corrupt HNSW snapshot: " + liveCount + " live nodes but no entry point");
    }
    index.restore(n, liveCount, removals, entry);
    index.restoreQuantization(quantization, codes);
    return index;
  }
}
