package io.vecdb.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorMathTest {
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  @Test
  void panamaIsChosenWhenTheModuleIsPresent() {
    // Surefire runs with --add-modules=jdk.incubator.vector (pom.xml), as the launcher does;
    // -Dvecdb.vector.scalar=true forces the fallback (run the suite that way to test it).
    String name = VectorMath.implementationName();
    if (Boolean.getBoolean("vecdb.vector.scalar")) {
      assertEquals("scalar", name);
    } else {
      assertTrue(name.startsWith("panama-"), "implementation " + name);
    }
  }

  @Test
  void simdMatchesScalarOnOddAndEvenDimensions() {
    Random random = new Random(SEED);
    VectorKernel simd = new PanamaKernel();
    VectorKernel scalar = ScalarKernel.INSTANCE;
    int[] dims = {1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129, 255, 783, 784, 1000, 1536};
    for (int dim : dims) {
      for (int trial = 0; trial < 20; trial++) {
        int aOff = random.nextInt(5);
        int bOff = random.nextInt(5);
        float[] a = randomArray(random, aOff + dim + random.nextInt(3));
        float[] b = randomArray(random, bOff + dim + random.nextInt(3));
        String where = "seed " + SEED + " dim " + dim + " offsets " + aOff + "," + bOff;
        float mag = magnitude(a, aOff, b, bOff, dim);
        assertClose(
            scalar.dot(a, aOff, b, bOff, dim),
            simd.dot(a, aOff, b, bOff, dim),
            mag,
            "dot " + where);
        assertClose(
            scalar.squareDistance(a, aOff, b, bOff, dim),
            simd.squareDistance(a, aOff, b, bOff, dim),
            mag,
            "l2 " + where);
        assertClose(
            scalar.manhattan(a, aOff, b, bOff, dim),
            simd.manhattan(a, aOff, b, bOff, dim),
            mag,
            "l1 " + where);
      }
    }
  }

  @Test
  void fourAtOnceMatchesOneAtATime() {
    Random random = new Random(SEED);
    VectorKernel simd = new PanamaKernel();
    for (int dim : new int[] {1, 3, 16, 17, 100, 783, 784}) {
      float[] q = randomArray(random, dim);
      float[] data = randomArray(random, 5 * dim + 3);
      int[] offs = {random.nextInt(4 * dim), random.nextInt(4 * dim), 0, 3};
      float[] l2 = new float[6];
      float[] dot = new float[6];
      simd.squareDistance4(
          q, data, offs[0], data, offs[1], data, offs[2], data, offs[3], dim, l2, 2);
      simd.dot4(q, data, offs[0], data, offs[1], data, offs[2], data, offs[3], dim, dot, 2);
      for (int i = 0; i < 4; i++) {
        float mag = magnitude(q, 0, data, offs[i], dim);
        String where = "seed " + SEED + " dim " + dim + " lane " + i;
        assertClose(
            ScalarKernel.INSTANCE.squareDistance(q, 0, data, offs[i], dim), l2[2 + i], mag, where);
        assertClose(ScalarKernel.INSTANCE.dot(q, 0, data, offs[i], dim), dot[2 + i], mag, where);
      }
    }
  }

  /**
   * Vectors on disk (issue 10, item 4) are read by the segment twins of the kernels: they take the
   * same steps as the array kernels and must give the same distances. Not always bit for bit: the
   * Vector API may sum a vector's lanes in one order when a kernel is interpreted and in another
   * once the JIT has compiled it ({@code reduceLanes(ADD)} on floats is unordered), so a twin that
   * is not compiled yet can differ from a compiled one in the last bits (seen in a full run).
   */
  @Test
  void segmentKernelsGiveTheArrayKernelsDistances() {
    Random random = new Random(SEED);
    for (VectorKernel k : new VectorKernel[] {new PanamaKernel(), ScalarKernel.INSTANCE}) {
      for (int dim : new int[] {1, 3, 15, 16, 17, 63, 64, 65, 100, 783, 784, 1536}) {
        for (int trial = 0; trial < 10; trial++) {
          float[] q = randomArray(random, dim);
          float[] data = randomArray(random, 5 * dim + 3);
          int[] offs = {random.nextInt(4 * dim + 1), random.nextInt(4 * dim + 1), 0, 3};
          // An odd base address: mapped pages are page-aligned, but nothing may depend on it.
          java.lang.foreign.MemorySegment seg =
              java.lang.foreign.Arena.ofAuto().allocate(4L * data.length + 4, 4).asSlice(4);
          java.lang.foreign.MemorySegment.copy(data, 0, seg, VectorKernel.FLOAT, 0, data.length);
          String where = k.name() + " seed " + SEED + " dim " + dim + " offset " + offs[0];
          float mag = 0;
          for (int off : offs) {
            mag = Math.max(mag, magnitude(q, 0, data, off, dim));
          }
          long b = 4L * offs[0];
          sameDistance(
              k, k.dot(q, 0, data, offs[0], dim), k.dot(q, 0, seg, b, dim), mag, "dot " + where);
          sameDistance(
              k,
              k.squareDistance(q, 0, data, offs[0], dim),
              k.squareDistance(q, 0, seg, b, dim),
              mag,
              "l2 " + where);
          sameDistance(
              k,
              k.manhattan(q, 0, data, offs[0], dim),
              k.manhattan(q, 0, seg, b, dim),
              mag,
              "l1 " + where);
          for (boolean l2 : new boolean[] {true, false}) {
            float[] onHeap = new float[6];
            float[] mapped = new float[6];
            long o0 = 4L * offs[0];
            long o1 = 4L * offs[1];
            long o2 = 4L * offs[2];
            long o3 = 4L * offs[3];
            if (l2) {
              k.squareDistance4(
                  q, data, offs[0], data, offs[1], data, offs[2], data, offs[3], dim, onHeap, 2);
              k.squareDistance4(q, seg, o0, seg, o1, seg, o2, seg, o3, dim, mapped, 2);
            } else {
              k.dot4(q, data, offs[0], data, offs[1], data, offs[2], data, offs[3], dim, onHeap, 2);
              k.dot4(q, seg, o0, seg, o1, seg, o2, seg, o3, dim, mapped, 2);
            }
            for (int i = 2; i < 6; i++) {
              sameDistance(k, onHeap[i], mapped[i], mag, (l2 ? "l2" : "dot") + " x4 " + where);
            }
          }
        }
      }
    }
  }

  @Test
  void scalarMatchesDoublePrecisionReference() {
    Random random = new Random(SEED);
    for (int dim : new int[] {1, 3, 17, 783}) {
      float[] a = randomArray(random, dim);
      float[] b = randomArray(random, dim);
      double dot = 0;
      double l2 = 0;
      double l1 = 0;
      for (int i = 0; i < dim; i++) {
        dot += (double) a[i] * b[i];
        l2 += (double) (a[i] - b[i]) * (a[i] - b[i]);
        l1 += Math.abs((double) a[i] - b[i]);
      }
      VectorKernel s = ScalarKernel.INSTANCE;
      float mag = magnitude(a, 0, b, 0, dim);
      assertClose((float) dot, s.dot(a, 0, b, 0, dim), mag, "dot seed " + SEED);
      assertClose((float) l2, s.squareDistance(a, 0, b, 0, dim), mag, "l2 seed " + SEED);
      assertClose((float) l1, s.manhattan(a, 0, b, 0, dim), mag, "l1 seed " + SEED);
    }
  }

  @Test
  void publicEntryPointsCheckLengthsAndNormalise() {
    assertThrows(IllegalArgumentException.class, () -> VectorMath.dot(new float[2], new float[3]));
    assertEquals(25f, VectorMath.squareDistance(new float[] {0, 0}, new float[] {3, 4}));
    assertEquals(7f, VectorMath.manhattan(new float[] {0, 0}, new float[] {3, 4}));
    float[] n = VectorMath.normalized(new float[] {3, 4});
    assertEquals(0.6f, n[0], 1e-6f);
    assertEquals(0.8f, n[1], 1e-6f);
    assertThrows(IllegalArgumentException.class, () -> VectorMath.normalized(new float[3]));
  }

  /** Bit for bit from the scalar kernel (plain Java float arithmetic is exact), else close. */
  private static void sameDistance(
      VectorKernel k, float expected, float actual, float magnitude, String message) {
    if (k == ScalarKernel.INSTANCE) {
      assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(actual), message);
    } else {
      assertClose(expected, actual, magnitude, message);
    }
  }

  /**
   * Float sums in a different order differ by rounding: the tolerance scales with the sum of the
   * terms' magnitudes, which bounds the error of any summation order.
   */
  private static void assertClose(float expected, float actual, float magnitude, String message) {
    assertEquals(expected, actual, 1e-4f * magnitude + 1e-6f, message);
  }

  private static float magnitude(float[] a, int aOff, float[] b, int bOff, int dim) {
    float m = 0;
    for (int i = 0; i < dim; i++) {
      m += Math.abs(a[aOff + i] * b[bOff + i]) + Math.abs(a[aOff + i]) + Math.abs(b[bOff + i]);
      m += (a[aOff + i] - b[bOff + i]) * (a[aOff + i] - b[bOff + i]);
    }
    return m;
  }

  private static float[] randomArray(Random random, int length) {
    float[] v = new float[length];
    for (int i = 0; i < length; i++) {
      v[i] = (float) random.nextGaussian() * (random.nextBoolean() ? 1 : 100);
    }
    return v;
  }
}
