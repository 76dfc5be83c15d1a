package io.vecdb.index;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
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

  /** As many byte lanes as {@link #SPECIES} has float lanes (128 bits for 512-bit floats). */
  private static final VectorSpecies<Byte> BYTES =
      VectorSpecies.of(byte.class, VectorShape.forBitSize(LANES * Byte.SIZE));

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

  @Override
  public void squareDistance4(
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
    int i = 0;
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    if (length >= LANES) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      FloatVector acc2 = FloatVector.zero(SPECIES);
      FloatVector acc3 = FloatVector.zero(SPECIES);
      for (; i <= length - LANES; i += LANES) {
        FloatVector x = load(q, i);
        FloatVector d0 = x.sub(load(v0, o0 + i));
        FloatVector d1 = x.sub(load(v1, o1 + i));
        FloatVector d2 = x.sub(load(v2, o2 + i));
        FloatVector d3 = x.sub(load(v3, o3 + i));
        acc0 = d0.fma(d0, acc0);
        acc1 = d1.fma(d1, acc1);
        acc2 = d2.fma(d2, acc2);
        acc3 = d3.fma(d3, acc3);
      }
      s0 = acc0.reduceLanes(VectorOperators.ADD);
      s1 = acc1.reduceLanes(VectorOperators.ADD);
      s2 = acc2.reduceLanes(VectorOperators.ADD);
      s3 = acc3.reduceLanes(VectorOperators.ADD);
    }
    for (; i < length; i++) {
      float x = q[i];
      float d0 = x - v0[o0 + i];
      float d1 = x - v1[o1 + i];
      float d2 = x - v2[o2 + i];
      float d3 = x - v3[o3 + i];
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
    }
    out[outOffset + 0] = s0;
    out[outOffset + 1] = s1;
    out[outOffset + 2] = s2;
    out[outOffset + 3] = s3;
  }

  @Override
  public void dot4(
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
    int i = 0;
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    if (length >= LANES) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      FloatVector acc2 = FloatVector.zero(SPECIES);
      FloatVector acc3 = FloatVector.zero(SPECIES);
      for (; i <= length - LANES; i += LANES) {
        FloatVector x = load(q, i);
        acc0 = x.fma(load(v0, o0 + i), acc0);
        acc1 = x.fma(load(v1, o1 + i), acc1);
        acc2 = x.fma(load(v2, o2 + i), acc2);
        acc3 = x.fma(load(v3, o3 + i), acc3);
      }
      s0 = acc0.reduceLanes(VectorOperators.ADD);
      s1 = acc1.reduceLanes(VectorOperators.ADD);
      s2 = acc2.reduceLanes(VectorOperators.ADD);
      s3 = acc3.reduceLanes(VectorOperators.ADD);
    }
    for (; i < length; i++) {
      float x = q[i];
      s0 += x * v0[o0 + i];
      s1 += x * v1[o1 + i];
      s2 += x * v2[o2 + i];
      s3 += x * v3[o3 + i];
    }
    out[outOffset + 0] = s0;
    out[outOffset + 1] = s1;
    out[outOffset + 2] = s2;
    out[outOffset + 3] = s3;
  }

  @Override
  public float dotBytes(float[] q, byte[] c, int cOffset, int length) {
    int i = 0;
    float sum = 0;
    if (length >= LANES) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      int bound2 = length - 2 * LANES;
      for (; i <= bound2; i += 2 * LANES) {
        acc0 = load(q, i).fma(widen(c, cOffset + i), acc0);
        acc1 = load(q, i + LANES).fma(widen(c, cOffset + i + LANES), acc1);
      }
      for (; i <= length - LANES; i += LANES) {
        acc0 = load(q, i).fma(widen(c, cOffset + i), acc0);
      }
      sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }
    for (; i < length; i++) {
      sum += q[i] * c[cOffset + i];
    }
    return sum;
  }

  @Override
  public float squareDistanceBytes(float[] q, byte[] c, int cOffset, int length) {
    int i = 0;
    float sum = 0;
    if (length >= LANES) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      int bound2 = length - 2 * LANES;
      for (; i <= bound2; i += 2 * LANES) {
        FloatVector d0 = load(q, i).sub(widen(c, cOffset + i));
        FloatVector d1 = load(q, i + LANES).sub(widen(c, cOffset + i + LANES));
        acc0 = d0.fma(d0, acc0);
        acc1 = d1.fma(d1, acc1);
      }
      for (; i <= length - LANES; i += LANES) {
        FloatVector d = load(q, i).sub(widen(c, cOffset + i));
        acc0 = d.fma(d, acc0);
      }
      sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }
    for (; i < length; i++) {
      float d = q[i] - c[cOffset + i];
      sum += d * d;
    }
    return sum;
  }

  @Override
  public void dotBytes4(
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
    int i = 0;
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    if (length >= LANES) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      FloatVector acc2 = FloatVector.zero(SPECIES);
      FloatVector acc3 = FloatVector.zero(SPECIES);
      for (; i <= length - LANES; i += LANES) {
        FloatVector x = load(q, i);
        acc0 = x.fma(widen(c0, o0 + i), acc0);
        acc1 = x.fma(widen(c1, o1 + i), acc1);
        acc2 = x.fma(widen(c2, o2 + i), acc2);
        acc3 = x.fma(widen(c3, o3 + i), acc3);
      }
      s0 = acc0.reduceLanes(VectorOperators.ADD);
      s1 = acc1.reduceLanes(VectorOperators.ADD);
      s2 = acc2.reduceLanes(VectorOperators.ADD);
      s3 = acc3.reduceLanes(VectorOperators.ADD);
    }
    for (; i < length; i++) {
      float x = q[i];
      s0 += x * c0[o0 + i];
      s1 += x * c1[o1 + i];
      s2 += x * c2[o2 + i];
      s3 += x * c3[o3 + i];
    }
    out[outOffset] = s0;
    out[outOffset + 1] = s1;
    out[outOffset + 2] = s2;
    out[outOffset + 3] = s3;
  }

  @Override
  public void squareDistanceBytes4(
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
    int i = 0;
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    if (length >= LANES) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      FloatVector acc2 = FloatVector.zero(SPECIES);
      FloatVector acc3 = FloatVector.zero(SPECIES);
      for (; i <= length - LANES; i += LANES) {
        FloatVector x = load(q, i);
        FloatVector d0 = x.sub(widen(c0, o0 + i));
        FloatVector d1 = x.sub(widen(c1, o1 + i));
        FloatVector d2 = x.sub(widen(c2, o2 + i));
        FloatVector d3 = x.sub(widen(c3, o3 + i));
        acc0 = d0.fma(d0, acc0);
        acc1 = d1.fma(d1, acc1);
        acc2 = d2.fma(d2, acc2);
        acc3 = d3.fma(d3, acc3);
      }
      s0 = acc0.reduceLanes(VectorOperators.ADD);
      s1 = acc1.reduceLanes(VectorOperators.ADD);
      s2 = acc2.reduceLanes(VectorOperators.ADD);
      s3 = acc3.reduceLanes(VectorOperators.ADD);
    }
    for (; i < length; i++) {
      float x = q[i];
      float d0 = x - c0[o0 + i];
      float d1 = x - c1[o1 + i];
      float d2 = x - c2[o2 + i];
      float d3 = x - c3[o3 + i];
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
    }
    out[outOffset] = s0;
    out[outOffset + 1] = s1;
    out[outOffset + 2] = s2;
    out[outOffset + 3] = s3;
  }

  /** {@code LANES} signed bytes from {@code c[offset..]} as floats (sign-extend, convert). */
  private static FloatVector widen(byte[] c, int offset) {
    return (FloatVector)
        ByteVector.fromArray(BYTES, c, offset).convertShape(VectorOperators.B2F, SPECIES, 0);
  }

  // The same kernels over a mapped page (byte offsets): the same steps, so the same floats.

  @Override
  public float dot(float[] a, int aOffset, MemorySegment b, long bOffset, int length) {
    int i = 0;
    float sum = 0;
    if (length >= LANES) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      FloatVector acc2 = FloatVector.zero(SPECIES);
      FloatVector acc3 = FloatVector.zero(SPECIES);
      int bound4 = length - 4 * LANES;
      for (; i <= bound4; i += 4 * LANES) {
        acc0 = load(a, aOffset + i).fma(load(b, bOffset + 4L * i), acc0);
        acc1 = load(a, aOffset + i + LANES).fma(load(b, bOffset + 4L * (i + LANES)), acc1);
        acc2 = load(a, aOffset + i + 2 * LANES).fma(load(b, bOffset + 4L * (i + 2 * LANES)), acc2);
        acc3 = load(a, aOffset + i + 3 * LANES).fma(load(b, bOffset + 4L * (i + 3 * LANES)), acc3);
      }
      for (; i <= length - LANES; i += LANES) {
        acc0 = load(a, aOffset + i).fma(load(b, bOffset + 4L * i), acc0);
      }
      sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
    }
    for (; i < length; i++) {
      sum += a[aOffset + i] * b.get(FLOAT, bOffset + 4L * i);
    }
    return sum;
  }

  @Override
  public float squareDistance(float[] a, int aOffset, MemorySegment b, long bOffset, int length) {
    int i = 0;
    float sum = 0;
    if (length >= LANES) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      FloatVector acc2 = FloatVector.zero(SPECIES);
      FloatVector acc3 = FloatVector.zero(SPECIES);
      int bound4 = length - 4 * LANES;
      for (; i <= bound4; i += 4 * LANES) {
        FloatVector d0 = load(a, aOffset + i).sub(load(b, bOffset + 4L * i));
        FloatVector d1 = load(a, aOffset + i + LANES).sub(load(b, bOffset + 4L * (i + LANES)));
        FloatVector d2 =
            load(a, aOffset + i + 2 * LANES).sub(load(b, bOffset + 4L * (i + 2 * LANES)));
        FloatVector d3 =
            load(a, aOffset + i + 3 * LANES).sub(load(b, bOffset + 4L * (i + 3 * LANES)));
        acc0 = d0.fma(d0, acc0);
        acc1 = d1.fma(d1, acc1);
        acc2 = d2.fma(d2, acc2);
        acc3 = d3.fma(d3, acc3);
      }
      for (; i <= length - LANES; i += LANES) {
        FloatVector d = load(a, aOffset + i).sub(load(b, bOffset + 4L * i));
        acc0 = d.fma(d, acc0);
      }
      sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
    }
    for (; i < length; i++) {
      float d = a[aOffset + i] - b.get(FLOAT, bOffset + 4L * i);
      sum += d * d;
    }
    return sum;
  }

  @Override
  public float manhattan(float[] a, int aOffset, MemorySegment b, long bOffset, int length) {
    int i = 0;
    float sum = 0;
    if (length >= LANES) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      int bound2 = length - 2 * LANES;
      for (; i <= bound2; i += 2 * LANES) {
        acc0 = acc0.add(load(a, aOffset + i).sub(load(b, bOffset + 4L * i)).abs());
        acc1 =
            acc1.add(load(a, aOffset + i + LANES).sub(load(b, bOffset + 4L * (i + LANES))).abs());
      }
      for (; i <= length - LANES; i += LANES) {
        acc0 = acc0.add(load(a, aOffset + i).sub(load(b, bOffset + 4L * i)).abs());
      }
      sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }
    for (; i < length; i++) {
      sum += Math.abs(a[aOffset + i] - b.get(FLOAT, bOffset + 4L * i));
    }
    return sum;
  }

  @Override
  public void squareDistance4(
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
    int i = 0;
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    if (length >= LANES) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      FloatVector acc2 = FloatVector.zero(SPECIES);
      FloatVector acc3 = FloatVector.zero(SPECIES);
      for (; i <= length - LANES; i += LANES) {
        FloatVector x = load(q, i);
        FloatVector d0 = x.sub(load(v0, o0 + 4L * i));
        FloatVector d1 = x.sub(load(v1, o1 + 4L * i));
        FloatVector d2 = x.sub(load(v2, o2 + 4L * i));
        FloatVector d3 = x.sub(load(v3, o3 + 4L * i));
        acc0 = d0.fma(d0, acc0);
        acc1 = d1.fma(d1, acc1);
        acc2 = d2.fma(d2, acc2);
        acc3 = d3.fma(d3, acc3);
      }
      s0 = acc0.reduceLanes(VectorOperators.ADD);
      s1 = acc1.reduceLanes(VectorOperators.ADD);
      s2 = acc2.reduceLanes(VectorOperators.ADD);
      s3 = acc3.reduceLanes(VectorOperators.ADD);
    }
    for (; i < length; i++) {
      float x = q[i];
      float d0 = x - v0.get(FLOAT, o0 + 4L * i);
      float d1 = x - v1.get(FLOAT, o1 + 4L * i);
      float d2 = x - v2.get(FLOAT, o2 + 4L * i);
      float d3 = x - v3.get(FLOAT, o3 + 4L * i);
      s0 += d0 * d0;
      s1 += d1 * d1;
      s2 += d2 * d2;
      s3 += d3 * d3;
    }
    out[outOffset + 0] = s0;
    out[outOffset + 1] = s1;
    out[outOffset + 2] = s2;
    out[outOffset + 3] = s3;
  }

  @Override
  public void dot4(
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
    int i = 0;
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    if (length >= LANES) {
      FloatVector acc0 = FloatVector.zero(SPECIES);
      FloatVector acc1 = FloatVector.zero(SPECIES);
      FloatVector acc2 = FloatVector.zero(SPECIES);
      FloatVector acc3 = FloatVector.zero(SPECIES);
      for (; i <= length - LANES; i += LANES) {
        FloatVector x = load(q, i);
        acc0 = x.fma(load(v0, o0 + 4L * i), acc0);
        acc1 = x.fma(load(v1, o1 + 4L * i), acc1);
        acc2 = x.fma(load(v2, o2 + 4L * i), acc2);
        acc3 = x.fma(load(v3, o3 + 4L * i), acc3);
      }
      s0 = acc0.reduceLanes(VectorOperators.ADD);
      s1 = acc1.reduceLanes(VectorOperators.ADD);
      s2 = acc2.reduceLanes(VectorOperators.ADD);
      s3 = acc3.reduceLanes(VectorOperators.ADD);
    }
    for (; i < length; i++) {
      float x = q[i];
      s0 += x * v0.get(FLOAT, o0 + 4L * i);
      s1 += x * v1.get(FLOAT, o1 + 4L * i);
      s2 += x * v2.get(FLOAT, o2 + 4L * i);
      s3 += x * v3.get(FLOAT, o3 + 4L * i);
    }
    out[outOffset + 0] = s0;
    out[outOffset + 1] = s1;
    out[outOffset + 2] = s2;
    out[outOffset + 3] = s3;
  }

  private static FloatVector load(float[] array, int offset) {
    return FloatVector.fromArray(SPECIES, array, offset);
  }

  private static FloatVector load(MemorySegment segment, long offset) {
    return FloatVector.fromMemorySegment(SPECIES, segment, offset, ByteOrder.nativeOrder());
  }
}
