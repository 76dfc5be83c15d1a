package io.vecdb.index;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * Scalar int8 codes (Qdrant's {@code scalar} quantization): one signed byte per dimension, {@code x
 * ~ offset + step * c} with {@code c} in [-128, 127], where {@code [offset - 128 step, offset + 127
 * step]} is the range holding the {@code quantile} middle part of the values the codes were trained
 * on. Values outside it are clamped (and counted: {@link #drifted}).
 *
 * <p>Distances are asymmetric: the query stays float32 and is compared with the codes directly
 * ({@link VectorMath#dotBytes}, {@link VectorMath#squareDistanceBytes}), so only the stored side
 * carries quantization error and a query costs no encoding. For a dot product, {@code q . x ~
 * offset * sum(q) + step * (q . c)}; for squared L2, {@code |q - x|^2 ~ step^2 * |(q - offset) /
 * step - c|^2}.
 *
 * <p>Concurrency: see {@link QuantizedCodes}; {@code pages} is volatile and grown under {@code
 * growLock}.
 */
final class ScalarCodes extends QuantizedCodes {
  /** At most this many sampled values decide the quantiles. */
  static final int SAMPLE_VALUES = 1 << 21;

  final float offset;
  final float step;
  private final float quantile;

  /**
   * The range the codes were built from, as given (hi widened if it was not above lo): written to
   * images as it is, so that a loaded index derives the same offset and step. Writing {@code offset
   * - 128 * step} instead moved the range by an ulp at each load and write (the image of a loaded
   * index was not the image it was loaded from).
   */
  private final float lo;

  private final float hi;

  volatile byte[][] pages = new byte[0][];

  private final LongAdder encoded = new LongAdder();
  private final LongAdder clamped = new LongAdder();

  ScalarCodes(int dimension, int trainedAt, float quantile, float lo, float hi) {
    super(dimension, trainedAt);
    this.quantile = quantile;
    if (!(hi > lo)) {
      hi = lo + Math.max(Math.abs(lo) * 1e-6f, 1e-12f);
    }
    this.lo = lo;
    this.hi = hi;
    this.step = (hi - lo) / 255f;
    this.offset = lo + 128f * step;
  }

  /**
   * Codes trained on {@code sample} (vectors as stored): the range between the {@code (1 - q) / 2}
   * and {@code (1 + q) / 2} quantiles of their values, as Qdrant takes it.
   */
  static ScalarCodes train(int dimension, int trainedAt, float quantile, float[][] sample) {
    long total = (long) sample.length * dimension;
    int stride = (int) Math.max(1, (total + SAMPLE_VALUES - 1) / SAMPLE_VALUES);
    float[] values = new float[(int) Math.min(total, SAMPLE_VALUES + (long) dimension)];
    int n = 0;
    long k = 0;
    for (float[] v : sample) {
      for (int i = 0; i < dimension; i++, k++) {
        if (k % stride == 0 && n < values.length) {
          values[n++] = v[i];
        }
      }
    }
    if (n == 0) {
      return new ScalarCodes(dimension, trainedAt, quantile, -1f, 1f);
    }
    Arrays.sort(values, 0, n);
    double tail = (1.0 - quantile) / 2.0;
    float lo = values[(int) Math.floor(tail * (n - 1))];
    float hi = values[(int) Math.ceil((1.0 - tail) * (n - 1))];
    return new ScalarCodes(dimension, trainedAt, quantile, lo, hi);
  }

  @Override
  Quantization.Kind kind() {
    return Quantization.Kind.INT8;
  }

  @Override
  float quantile() {
    return quantile;
  }

  @Override
  void encode(int ord, float[] v, int off, boolean fresh) {
    byte[] page = ensure(page(ord));
    int base = slot(ord) * dimension;
    float inv = 1f / step;
    int out = 0;
    for (int i = 0; i < dimension; i++) {
      float c = Math.round((v[off + i] - offset) * inv);
      if (c < -128f) {
        c = -128f;
        out++;
      } else if (c > 127f) {
        c = 127f;
        out++;
      }
      page[base + i] = (byte) c;
    }
    if (fresh) {
      encoded.add(dimension);
      clamped.add(out);
    }
  }

  private byte[] ensure(int page) {
    byte[][] ps = pages;
    if (page < ps.length) {
      return ps[page];
    }
    synchronized (growLock) {
      ps = pages;
      if (page >= ps.length) {
        byte[][] grown = Arrays.copyOf(ps, page + 1);
        for (int i = ps.length; i < grown.length; i++) {
          grown[i] = new byte[HnswGraph.PAGE_SIZE * dimension];
        }
        pages = grown;
        ps = grown;
      }
      return ps[page];
    }
  }

  /**
   * True once at least 64 vectors' worth of values were added since training and more than twice
   * the share the quantile leaves outside (at least 1%) were clamped.
   */
  @Override
  boolean drifted() {
    long e = encoded.sum();
    if (e < 64L * dimension) {
      return false;
    }
    double expected = Math.max(0.01, 2.0 * (1.0 - quantile));
    return clamped.sum() > expected * e;
  }

  @Override
  long bytes(int pageCount) {
    return 16L + 8L * pageCount + pageCount * (16L + (long) HnswGraph.PAGE_SIZE * dimension);
  }

  @Override
  int codeBytes() {
    return dimension;
  }

  @Override
  Query query(float[] q, HnswScorer scorer) {
    return new Int8Query(this, q, scorer.metric());
  }

  @Override
  void write(ChannelIo.Writer w, int n) throws IOException {
    w.putFloat(quantile);
    w.putFloat(lo);
    w.putFloat(hi);
    w.putInt(trainedAt);
    byte[][] ps = pages;
    for (int pg = 0; pg << HnswGraph.PAGE_SHIFT < n; pg++) {
      int len = Math.min(HnswGraph.PAGE_SIZE, n - (pg << HnswGraph.PAGE_SHIFT));
      w.putBytes(ps[pg], 0, len * dimension);
    }
  }

  static ScalarCodes read(ChannelIo.Reader r, int dimension, int n) throws IOException {
    float quantile = r.getFloat();
    float lo = r.getFloat();
    float hi = r.getFloat();
    int trainedAt = r.getInt();
    if (!(quantile >= 0.5f && quantile <= 1f) || !(hi > lo) || trainedAt < 0) {
      throw new IOException(
          "corrupt HNSW snapshot: int8 codes with quantile "
              + quantile
              + ", range ["
              + lo
              + ", "
              + hi
              + "]");
    }
    ScalarCodes codes = new ScalarCodes(dimension, trainedAt, quantile, lo, hi);
    for (int pg = 0; pg << HnswGraph.PAGE_SHIFT < n; pg++) {
      int len = Math.min(HnswGraph.PAGE_SIZE, n - (pg << HnswGraph.PAGE_SHIFT));
      r.getBytes(codes.ensure(pg), 0, len * dimension);
    }
    return codes;
  }

  /** One search's query against int8 codes (see the class comment for the algebra). */
  static final class Int8Query extends Query {
    private final ScalarCodes codes;
    private final int metric;
    private final int dimension;

    /** Dot: the query itself. L2 and L1: the query in code units, {@code (q - offset) / step}. */
    private final float[] q;

    private final float bias;
    private final float scale;
    private byte[][] pages;

    Int8Query(ScalarCodes codes, float[] query, int metric) {
      this.codes = codes;
      this.metric = metric;
      this.dimension = codes.dimension;
      this.pages = codes.pages;
      if (metric == HnswScorer.METRIC_NEG_DOT) {
        float sum = 0;
        for (float x : query) {
          sum += x;
        }
        q = query;
        bias = -codes.offset * sum;
        scale = -codes.step;
      } else {
        q = new float[query.length];
        float inv = 1f / codes.step;
        for (int i = 0; i < q.length; i++) {
          q[i] = (query[i] - codes.offset) * inv;
        }
        bias = 0;
        scale = metric == HnswScorer.METRIC_L2 ? codes.step * codes.step : codes.step;
      }
    }

    @Override
    int touch(int[] nodes, int n) {
      byte[][] ps = pages;
      int acc = 0;
      for (int i = 0; i < n; i++) {
        int node = nodes[i];
        int pg = node >>> HnswGraph.PAGE_SHIFT;
        if (pg >= ps.length) {
          continue;
        }
        byte[] c = ps[pg];
        int off = (node & HnswGraph.PAGE_MASK) * dimension;
        for (int j = 0; j < dimension; j += 64) {
          acc += c[off + j];
        }
      }
      return acc;
    }

    @Override
    void dist4(int[] nodes, int from, float[] out) {
      if (metric == HnswScorer.METRIC_L1) {
        super.dist4(nodes, from, out);
        return;
      }
      int a = nodes[from];
      int b = nodes[from + 1];
      int c = nodes[from + 2];
      int d = nodes[from + 3];
      byte[][] ps = pages;
      int top = Math.max(Math.max(a, b), Math.max(c, d)) >>> HnswGraph.PAGE_SHIFT;
      if (top >= ps.length) {
        pages = ps = codes.pages;
        if (top >= ps.length) {
          super.dist4(nodes, from, out); // see dist
          return;
        }
      }
      VectorKernel k = VectorMath.kernel();
      byte[] ca = ps[a >>> HnswGraph.PAGE_SHIFT];
      byte[] cb = ps[b >>> HnswGraph.PAGE_SHIFT];
      byte[] cc = ps[c >>> HnswGraph.PAGE_SHIFT];
      byte[] cd = ps[d >>> HnswGraph.PAGE_SHIFT];
      int oa = (a & HnswGraph.PAGE_MASK) * dimension;
      int ob = (b & HnswGraph.PAGE_MASK) * dimension;
      int oc = (c & HnswGraph.PAGE_MASK) * dimension;
      int od = (d & HnswGraph.PAGE_MASK) * dimension;
      if (metric == HnswScorer.METRIC_NEG_DOT) {
        k.dotBytes4(q, ca, oa, cb, ob, cc, oc, cd, od, dimension, out, from);
      } else {
        k.squareDistanceBytes4(q, ca, oa, cb, ob, cc, oc, cd, od, dimension, out, from);
      }
      for (int i = from; i < from + 4; i++) {
        out[i] = bias + scale * out[i];
      }
    }

    @Override
    float dist(int node) {
      byte[][] ps = pages;
      int pg = node >>> HnswGraph.PAGE_SHIFT;
      if (pg >= ps.length) {
        pages = ps = codes.pages; // the node was added after this search read the table
        if (pg >= ps.length) {
          // Added after these codes retired twice over (HnswIndex's class comment): never a hit.
          return Float.POSITIVE_INFINITY;
        }
      }
      byte[] c = ps[pg];
      int off = (node & HnswGraph.PAGE_MASK) * dimension;
      return switch (metric) {
        case HnswScorer.METRIC_NEG_DOT -> bias + scale * VectorMath.dotBytes(q, c, off, dimension);
        case HnswScorer.METRIC_L2 -> scale * VectorMath.squareDistanceBytes(q, c, off, dimension);
        default -> {
          float s = 0;
          for (int i = 0; i < dimension; i++) {
            s += Math.abs(q[i] - c[off + i]);
          }
          yield scale * s;
        }
      };
    }
  }
}
