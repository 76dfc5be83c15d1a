package io.vecdb.index;

import static io.vecdb.index.HnswGraph.PAGE_MASK;
import static io.vecdb.index.HnswGraph.PAGE_SHIFT;

import io.vecdb.index.HnswGraph.Page;
import java.lang.foreign.MemorySegment;

/**
 * Distances between a query and stored vectors, and their conversion to scores: the seam where a
 * quantized scorer will plug in. Internal distances are "lower is better": squared L2, negated dot
 * product (cosine on normalised vectors, and dot), or L1. Stateless apart from its configuration;
 * any thread.
 */
final class HnswScorer {
  /** The kernels in use, for the segment twins (mapped vectors) that VectorMath does not wrap. */
  private static final VectorKernel KERNEL = VectorMath.kernel();

  static final int METRIC_L2 = 0;

  static final int METRIC_NEG_DOT = 1;

  static final int METRIC_L1 = 2;

  /** Internal distance, lower is better: squared L2, negated dot (cosine, dot) or L1. */
  float dist(float[] a, int ao, float[] b, int bo) {
    return switch (metric) {
      case METRIC_L2 -> VectorMath.squareDistance(a, ao, b, bo, dimension);
      case METRIC_NEG_DOT -> -VectorMath.dot(a, ao, b, bo, dimension);
      default -> VectorMath.manhattan(a, ao, b, bo, dimension);
    };
  }

  /**
   * Internal distance from {@code q[qo..]} to node {@code node}'s stored vector, in page {@code p}
   * (on the heap or mapped: the same steps, so the same distance to rounding).
   */
  float dist(float[] q, int qo, Page p, int node) {
    float[] v = p.vectors;
    if (v != null) {
      return dist(q, qo, v, offsetOf(node));
    }
    MemorySegment m = p.mapped;
    long at = byteOffsetOf(node);
    return switch (metric) {
      case METRIC_L2 -> KERNEL.squareDistance(q, qo, m, at, dimension);
      case METRIC_NEG_DOT -> -KERNEL.dot(q, qo, m, at, dimension);
      default -> KERNEL.manhattan(q, qo, m, at, dimension);
    };
  }

  /** Internal distances of {@code q} to {@code nodes[from..from+3]} into {@code out[from..]}. */
  void dist4(float[] q, Page[] ps, int[] nodes, int from, float[] out) {
    dist4(q, ps, nodes, from, out, from);
  }

  /** As above, into {@code out[outFrom..outFrom+3]}. */
  void dist4(float[] q, Page[] ps, int[] nodes, int from, float[] out, int outFrom) {
    int a = nodes[from];
    int b = nodes[from + 1];
    int c = nodes[from + 2];
    int d = nodes[from + 3];
    float[] va = ps[a >>> PAGE_SHIFT].vectors;
    float[] vb = ps[b >>> PAGE_SHIFT].vectors;
    float[] vc = ps[c >>> PAGE_SHIFT].vectors;
    float[] vd = ps[d >>> PAGE_SHIFT].vectors;
    if (va == null) {
      dist4Mapped(q, ps, a, b, c, d, out, outFrom); // an index's pages are all mapped or none
      return;
    }
    switch (metric) {
      case METRIC_L2 ->
          VectorMath.squareDistance4(
              q,
              va,
              offsetOf(a),
              vb,
              offsetOf(b),
              vc,
              offsetOf(c),
              vd,
              offsetOf(d),
              dimension,
              out,
              outFrom);
      case METRIC_NEG_DOT -> {
        VectorMath.dot4(
            q,
            va,
            offsetOf(a),
            vb,
            offsetOf(b),
            vc,
            offsetOf(c),
            vd,
            offsetOf(d),
            dimension,
            out,
            outFrom);
        for (int i = outFrom; i < outFrom + 4; i++) {
          out[i] = -out[i];
        }
      }
      default -> {
        out[outFrom] = dist(q, 0, va, offsetOf(a));
        out[outFrom + 1] = dist(q, 0, vb, offsetOf(b));
        out[outFrom + 2] = dist(q, 0, vc, offsetOf(c));
        out[outFrom + 3] = dist(q, 0, vd, offsetOf(d));
      }
    }
  }

  private void dist4Mapped(
      float[] q, Page[] ps, int a, int b, int c, int d, float[] out, int outFrom) {
    MemorySegment ma = ps[a >>> PAGE_SHIFT].mapped;
    MemorySegment mb = ps[b >>> PAGE_SHIFT].mapped;
    MemorySegment mc = ps[c >>> PAGE_SHIFT].mapped;
    MemorySegment md = ps[d >>> PAGE_SHIFT].mapped;
    long oa = byteOffsetOf(a);
    long ob = byteOffsetOf(b);
    long oc = byteOffsetOf(c);
    long od = byteOffsetOf(d);
    switch (metric) {
      case METRIC_L2 ->
          KERNEL.squareDistance4(q, ma, oa, mb, ob, mc, oc, md, od, dimension, out, outFrom);
      case METRIC_NEG_DOT -> {
        KERNEL.dot4(q, ma, oa, mb, ob, mc, oc, md, od, dimension, out, outFrom);
        for (int i = outFrom; i < outFrom + 4; i++) {
          out[i] = -out[i];
        }
      }
      default -> {
        out[outFrom] = KERNEL.manhattan(q, 0, ma, oa, dimension);
        out[outFrom + 1] = KERNEL.manhattan(q, 0, mb, ob, dimension);
        out[outFrom + 2] = KERNEL.manhattan(q, 0, mc, oc, dimension);
        out[outFrom + 3] = KERNEL.manhattan(q, 0, md, od, dimension);
      }
    }
  }

  float toScore(float internal) {
    return switch (metric) {
      case METRIC_L2 -> (float) Math.sqrt(Math.max(0f, internal));
      case METRIC_NEG_DOT -> -internal;
      default -> internal;
    };
  }

  private final int dimension;
  private final Distance distance;
  private final int metric;

  HnswScorer(int dimension, Distance distance) {
    this.dimension = dimension;
    this.distance = distance;
    this.metric =
        switch (distance) {
          case EUCLID -> METRIC_L2;
          case COSINE, DOT -> METRIC_NEG_DOT;
          case MANHATTAN -> METRIC_L1;
        };
  }

  /** {@code v} as it is stored and compared: normalised for cosine, else itself. */
  float[] prepare(float[] v) {
    return distance == Distance.COSINE ? VectorMath.normalized(v) : v;
  }

  /** {@link #METRIC_L2}, {@link #METRIC_NEG_DOT} or {@link #METRIC_L1}. */
  int metric() {
    return metric;
  }

  int dimension() {
    return dimension;
  }

  private int offsetOf(int node) {
    return (node & PAGE_MASK) * dimension;
  }

  private long byteOffsetOf(int node) {
    return (long) (node & PAGE_MASK) * dimension * Float.BYTES;
  }
}
