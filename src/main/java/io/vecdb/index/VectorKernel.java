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
}
