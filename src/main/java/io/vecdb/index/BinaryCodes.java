package io.vecdb.index;

import java.io.IOException;
import java.util.Arrays;

/**
 * Binary codes (Qdrant's {@code binary} quantization, one bit per dimension): bit {@code i} is set
 * when component {@code i} of the stored vector is positive. The distance between a query's bits
 * and a node's is their Hamming distance, read as an estimate of the angle between them; it suits
 * high-dimensional embeddings centred on zero (cosine), and needs rescoring for good recall.
 * Nothing to train, so nothing drifts.
 *
 * <p>As internal distances ({@link HnswScorer}): for dot and cosine {@code 2h / d - 1} (so the
 * estimated score is {@code 1 - 2h / d}, the cosine of the angle the bits estimate, scaled); for L2
 * and L1 {@code h}.
 *
 * <p>Concurrency: see {@link QuantizedCodes}; {@code pages} is volatile and grown under {@code
 * growLock}.
 */
final class BinaryCodes extends QuantizedCodes {
  final int words;

  volatile long[][] pages = new long[0][];

  BinaryCodes(int dimension, int trainedAt) {
    super(dimension, trainedAt);
    this.words = (dimension + 63) >>> 6;
  }

  @Override
  Quantization.Kind kind() {
    return Quantization.Kind.BINARY;
  }

  @Override
  float quantile() {
    return 1f;
  }

  static void bits(float[] v, int off, int dimension, long[] out, int outOff, int words) {
    for (int w = 0; w < words; w++) {
      long bits = 0;
      int end = Math.min(64, dimension - (w << 6));
      for (int b = 0; b < end; b++) {
        if (v[off + (w << 6) + b] > 0f) {
          bits |= 1L << b;
        }
      }
      out[outOff + w] = bits;
    }
  }

  @Override
  void encode(int ord, float[] v, int off, boolean fresh) {
    long[] page = ensure(page(ord));
    bits(v, off, dimension, page, slot(ord) * words, words);
  }

  private long[] ensure(int page) {
    long[][] ps = pages;
    if (page < ps.length) {
      return ps[page];
    }
    synchronized (growLock) {
      ps = pages;
      if (page >= ps.length) {
        long[][] grown = Arrays.copyOf(ps, page + 1);
        for (int i = ps.length; i < grown.length; i++) {
          grown[i] = new long[HnswGraph.PAGE_SIZE * words];
        }
        pages = grown;
        ps = grown;
      }
      return ps[page];
    }
  }

  @Override
  boolean drifted() {
    return false;
  }

  @Override
  long bytes(int pageCount) {
    return 16L + 8L * pageCount + pageCount * (16L + 8L * HnswGraph.PAGE_SIZE * words);
  }

  @Override
  int codeBytes() {
    return 8 * words;
  }

  @Override
  Query query(float[] q, HnswScorer scorer) {
    return new BitsQuery(this, q, scorer.metric());
  }

  @Override
  void write(ChannelIo.Writer w, int n) throws IOException {
    w.putInt(trainedAt);
    long[][] ps = pages;
    for (int pg = 0; pg << HnswGraph.PAGE_SHIFT < n; pg++) {
      int len = Math.min(HnswGraph.PAGE_SIZE, n - (pg << HnswGraph.PAGE_SHIFT));
      w.putLongs(ps[pg], 0, len * words);
    }
  }

  static BinaryCodes read(ChannelIo.Reader r, int dimension, int n) throws IOException {
    int trainedAt = r.getInt();
    if (trainedAt < 0) {
      throw new IOException("corrupt HNSW snapshot: binary codes trained at " + trainedAt);
    }
    BinaryCodes codes = new BinaryCodes(dimension, trainedAt);
    for (int pg = 0; pg << HnswGraph.PAGE_SHIFT < n; pg++) {
      int len = Math.min(HnswGraph.PAGE_SIZE, n - (pg << HnswGraph.PAGE_SHIFT));
      r.getLongs(codes.ensure(pg), 0, len * codes.words);
    }
    return codes;
  }

  /** One search's query bits against binary codes. */
  static final class BitsQuery extends Query {
    private final BinaryCodes codes;
    private final long[] q;
    private final int words;
    private final boolean angular;
    private final float scale;
    private long[][] pages;

    BitsQuery(BinaryCodes codes, float[] query, int metric) {
      this.codes = codes;
      this.words = codes.words;
      this.q = new long[words];
      bits(query, 0, codes.dimension, q, 0, words);
      this.angular = metric == HnswScorer.METRIC_NEG_DOT;
      this.scale = 2f / codes.dimension;
      this.pages = codes.pages;
    }

    @Override
    float dist(int node) {
      long[][] ps = pages;
      int pg = node >>> HnswGraph.PAGE_SHIFT;
      if (pg >= ps.length) {
        pages = ps = codes.pages; // the node was added after this search read the table
        if (pg >= ps.length) {
          // Added after these codes retired twice over (HnswIndex's class comment): never a hit.
          return Float.POSITIVE_INFINITY;
        }
      }
      long[] c = ps[pg];
      int off = (node & HnswGraph.PAGE_MASK) * words;
      int h = 0;
      for (int w = 0; w < words; w++) {
        h += Long.bitCount(q[w] ^ c[off + w]);
      }
      return angular ? h * scale - 1f : h;
    }
  }
}
