package io.vecdb.index;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD kernels on the JDK Vector API. Loaded reflectively by {@link VectorMath} only when the
 * {@code jdk.incubator.vector} module is in the boot layer, so the class never links without it.
 *
 * <p>Each kernel runs four independent accumulators over the preferred species (512 or 256 bits),
 * then one vector step, then a scalar tail: long vectors keep the FMA units busy, short and odd
 * dimensions still work.
 */
final class PanamaKernel implements VectorKernel {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();

  PanamaKernel() {
    if (LANES < 4) {
      throw new IllegalStateException("preferred float species has only " + LANES + " lanes");
    }
  }

  @Override
  public String name() {
    return "panama-" + SPECIES.vectorBitSize();
  }

  @Override
  public float dot(float[] a, int aOffset, float[] b, int bOffset, int length) {
    int i = 0;
    float sum = 0;
    if (length >= LANES) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      FloatVector acc2 = FloatVector.zero(SPECIES);
      FloatVector acc3 = FloatVector.zero(SPECIES);
      int bound4 = length - 4 * LANES;
      for (; i <= bound4; i += 4 * LANES) {
        acc0 = load(a, aOffset + i).fma(load(b, bOffset + i), acc0);
        acc1 = load(a, aOffset + i + LANES).fma(load(b, bOffset + i + LANES), acc1);
        acc2 = load(a, aOffset + i + 2 * LANES).fma(load(b, bOffset + i + 2 * LANES), acc2);
        acc3 = load(a, aOffset + i + 3 * LANES).fma(load(b, bOffset + i + 3 * LANES), acc3);
      }
      for (; i <= length - LANES; i += LANES) {
        acc0 = load(a, aOffset + i).fma(load(b, bOffset + i), acc0);
      }
      sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
    }
    for (; i < length; i++) {
      sum += a[aOffset + i] * b[bOffset + i];
    }
    return sum;
  }

  @Override
  public float squareDistance(float[] a, int aOffset, float[] b, int bOffset, int length) {
    int i = 0;
    float sum = 0;
    if (length >= LANES) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      FloatVector acc2 = FloatVector.zero(SPECIES);
      FloatVector acc3 = FloatVector.zero(SPECIES);
      int bound4 = length - 4 * LANES;
      for (; i <= bound4; i += 4 * LANES) {
        FloatVector d0 = load(a, aOffset + i).sub(load(b, bOffset + i));
        FloatVector d1 = load(a, aOffset + i + LANES).sub(load(b, bOffset + i + LANES));
        FloatVector d2 = load(a, aOffset + i + 2 * LANES).sub(load(b, bOffset + i + 2 * LANES));
        FloatVector d3 = load(a, aOffset + i + 3 * LANES).sub(load(b, bOffset + i + 3 * LANES));
        acc0 = d0.fma(d0, acc0);
        acc1 = d1.fma(d1, acc1);
        acc2 = d2.fma(d2, acc2);
        acc3 = d3.fma(d3, acc3);
      }
      for (; i <= length - LANES; i += LANES) {
        FloatVector d = load(a, aOffset + i).sub(load(b, bOffset + i));
        acc0 = d.fma(d, acc0);
      }
      sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
    }
    for (; i < length; i++) {
      float d = a[aOffset + i] - b[bOffset + i];
      sum += d * d;
    }
    return sum;
  }

  @Override
  public float manhattan(float[] a, int aOffset, float[] b, int bOffset, int length) {
    int i = 0;
    float sum = 0;
    if (length >= LANES) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      int bound2 = length - 2 * LANES;
      for (; i <= bound2; i += 2 * LANES) {
        acc0 = acc0.add(load(a, aOffset + i).sub(load(b, bOffset + i)).abs());
        acc1 = acc1.add(load(a, aOffset + i + LANES).sub(load(b, bOffset + i + LANES)).abs());
      }
      for (; i <= length - LANES; i += LANES) {
        acc0 = acc0.add(load(a, aOffset + i).sub(load(b, bOffset + i)).abs());
      }
      sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }
    for (; i < length; i++) {
      sum += Math.abs(a[aOffset + i] - b[bOffset + i]);
    }
    return sum;
  }

  private static FloatVector load(float[] array, int offset) {
    return FloatVector.fromArray(SPECIES, array, offset);
  }
}
