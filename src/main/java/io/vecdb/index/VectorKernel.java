package io.vecdb.index;

/**
 * The float32 distance kernels, over slices of arrays. One implementation is chosen at start-up by
 * {@link VectorMath}: Panama (SIMD) when {@code jdk.incubator.vector} is present, scalar otherwise.
 * Implementations are stateless and thread-safe.
 */
interface VectorKernel {
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
}
