package io.vecdb.index;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The float32 distance kernels, over slices of arrays. One implementation is chosen at start-up by
 * {@link VectorMath}: Panama (SIMD) when {@code jdk.incubator.vector} is present, scalar otherwise.
 * Implementations are stateless and thread-safe.
 */
interface VectorKernel {
  /**
   * Native-order floats at any byte offset: a mapped page's vectors (see {@link MappedVectors}).
   */
  ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

  String name();

  float dot(float[] a, int aOffset, float[] b, int bOffset, int length);

  float squareDistance(float[] a, int aOffset, float[] b, int bOffset, int length);

  float manhattan(float[] a, int aOffset, float[] b, int bOffset, int length);

  /**
   * Squared L2 distances from {@code q} to four vectors at once, into {@code out[0..3]}: the query
   * is loaded once per chunk and the four independent streams keep more cache misses in flight.
   */
  default void squareDistance4(
      float[] q,
      float[] v0,
      int o0,
      float[] v1,
      int o1,
      float[] v2,
      int o2,
      float[] v3,
      int o3,
      int length,
      float[] out,
      int outOffset) {
    out[outOffset + 0] = squareDistance(q, 0, v0, o0, length);
    out[outOffset + 1] = squareDistance(q, 0, v1, o1, length);
    out[outOffset + 2] = squareDistance(q, 0, v2, o2, length);
    out[outOffset + 3] = squareDistance(q, 0, v3, o3, length);
  }

  /** Dot products of {@code q} with four vectors at once, as {@link #squareDistance4}. */
  default void dot4(
      float[] q,
      float[] v0,
      int o0,
      float[] v1,
      int o1,
      float[] v2,
      int o2,
      float[] v3,
      int o3,
      int length,
      float[] out,
      int outOffset) {
    out[outOffset + 0] = dot(q, 0, v0, o0, length);
    out[outOffset + 1] = dot(q, 0, v1, o1, length);
    out[outOffset + 2] = dot(q, 0, v2, o2, length);
    out[outOffset + 3] = dot(q, 0, v3, o3, length);
  }

  /**
   * Dot product of a float query with int8 codes {@code c[cOffset..cOffset+length)}, each code
   * taken as a signed integer (the scalar quantizer's {@code x = offset + step * c} is applied by
   * the caller). Scalar loop here; the Panama kernel widens 16 or 8 codes at a time to floats.
   */
  default float dotBytes(float[] q, byte[] c, int cOffset, int length) {
    float s0 = 0;
    float s1 = 0;
    int i = 0;
    for (; i + 1 < length; i += 2) {
      s0 += q[i] * c[cOffset + i];
      s1 += q[i + 1] * c[cOffset + i + 1];
    }
    for (; i < length; i++) {
      s0 += q[i] * c[cOffset + i];
    }
    return s0 + s1;
  }

  /** Squared L2 distance of a float query (in code units) to int8 codes, as {@link #dotBytes}. */
  default float squareDistanceBytes(float[] q, byte[] c, int cOffset, int length) {
    float s0 = 0;
    float s1 = 0;
    int i = 0;
    for (; i + 1 < length; i += 2) {
      float d0 = q[i] - c[cOffset + i];
      float d1 = q[i + 1] - c[cOffset + i + 1];
      s0 += d0 * d0;
      s1 += d1 * d1;
    }
    for (; i < length; i++) {
      float d = q[i] - c[cOffset + i];
      s0 += d * d;
    }
    return s0 + s1;
  }

  /**
   * {@link #dotBytes} of {@code q} with four codes at once, into {@code out[outOffset..+3]}: the
   * query is loaded once per chunk and four independent streams keep more cache misses in flight.
   */
  default void dotBytes4(
      float[] q,
      byte[] c0,
      int o0,
      byte[] c1,
      int o1,
      byte[] c2,
      int o2,
      byte[] c3,
      int o3,
      int length,
      float[] out,
      int outOffset) {
    out[outOffset] = dotBytes(q, c0, o0, length);
    out[outOffset + 1] = dotBytes(q, c1, o1, length);
    out[outOffset + 2] = dotBytes(q, c2, o2, length);
    out[outOffset + 3] = dotBytes(q, c3, o3, length);
  }

  /** {@link #squareDistanceBytes} to four codes at once, as {@link #dotBytes4}. */
  default void squareDistanceBytes4(
      float[] q,
      byte[] c0,
      int o0,
      byte[] c1,
      int o1,
      byte[] c2,
      int o2,
      byte[] c3,
      int o3,
      int length,
      float[] out,
      int outOffset) {
    out[outOffset] = squareDistanceBytes(q, c0, o0, length);
    out[outOffset + 1] = squareDistanceBytes(q, c1, o1, length);
    out[outOffset + 2] = squareDistanceBytes(q, c2, o2, length);
    out[outOffset + 3] = squareDistanceBytes(q, c3, o3, length);
  }

  // Over a memory segment: the second operand is {@code length} floats of {@code b} from byte
  // {@code bOffset} (a mapped page's vectors). Each takes the same steps in the same order as its
  // array twin above, so a distance is the same float whether the vector is on the heap or mapped.
  // Scalar loops here (ScalarKernel's order); the Panama kernel loads lanes from the segment.

  default float dot(float[] a, int aOffset, MemorySegment b, long bOffset, int length) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int i = 0;
    for (; i + 3 < length; i += 4) {
      long at = bOffset + 4L * i;
      s0 += a[aOffset + i] * b.get(FLOAT, at);
      s1 += a[aOffset + i + 1] * b.get(FLOAT, at + 4);
      s2 += a[aOffset + i + 2] * b.get(FLOAT, at + 8);
      s3 += a[aOffset + i + 3] * b.get(FLOAT, at + 12);
    }
    for (; i < length; i++) {
      s0 += a[aOffset + i] * b.get(FLOAT, bOffset + 4L * i);
    }
    return (s0 + s1) + (s2 + s3);
  }

  default float squareDistance(float[] a, int aOffset, MemorySegment b, long bOffset, int length) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int i = 0;
    for (; i + 3 < length; i += 4) {
      long at = bOffset + 4L * i;
      float d0 = a[aOffset + i] - b.get(FLOAT, at);
      float d1 = a[aOffset + i + 1] - b.get(FLOAT, at + 4);
      float d2 = a[aOffset + i + 2] - b.get(FLOAT, at + 8);
      float d3 = a[aOffset + i + 3] - b.get(FLOAT, at + 12);
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
    }
    for (; i < length; i++) {
      float d = a[aOffset + i] - b.get(FLOAT, bOffset + 4L * i);
      s0 += d * d;
    }
    return (s0 + s1) + (s2 + s3);
  }

  default float manhattan(float[] a, int aOffset, MemorySegment b, long bOffset, int length) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int i = 0;
    for (; i + 3 < length; i += 4) {
      long at = bOffset + 4L * i;
      s0 += Math.abs(a[aOffset + i] - b.get(FLOAT, at));
      s1 += Math.abs(a[aOffset + i + 1] - b.get(FLOAT, at + 4));
      s2 += Math.abs(a[aOffset + i + 2] - b.get(FLOAT, at + 8));
      s3 += Math.abs(a[aOffset + i + 3] - b.get(FLOAT, at + 12));
    }
    for (; i < length; i++) {
      s0 += Math.abs(a[aOffset + i] - b.get(FLOAT, bOffset + 4L * i));
    }
    return (s0 + s1) + (s2 + s3);
  }

  /** {@link #squareDistance4} over segments (byte offsets). */
  default void squareDistance4(
      float[] q,
      MemorySegment v0,
      long o0,
      MemorySegment v1,
      long o1,
      MemorySegment v2,
      long o2,
      MemorySegment v3,
      long o3,
      int length,
      float[] out,
      int outOffset) {
    out[outOffset + 0] = squareDistance(q, 0, v0, o0, length);
    out[outOffset + 1] = squareDistance(q, 0, v1, o1, length);
    out[outOffset + 2] = squareDistance(q, 0, v2, o2, length);
    out[outOffset + 3] = squareDistance(q, 0, v3, o3, length);
  }

  /** {@link #dot4} over segments (byte offsets). */
  default void dot4(
      float[] q,
      MemorySegment v0,
      long o0,
      MemorySegment v1,
      long o1,
      MemorySegment v2,
      long o2,
      MemorySegment v3,
      long o3,
      int length,
      float[] out,
      int outOffset) {
    out[outOffset + 0] = dot(q, 0, v0, o0, length);
    out[outOffset + 1] = dot(q, 0, v1, o1, length);
    out[outOffset + 2] = dot(q, 0, v2, o2, length);
    out[outOffset + 3] = dot(q, 0, v3, o3, length);
  }
}
