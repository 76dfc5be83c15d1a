package io.vecdb.index;

import java.lang.System.Logger.Level;

/**
 * Float32 distance kernels used by every index, with the implementation chosen once at class
 * initialisation: the JDK Vector API ({@code panama-512}/{@code panama-256}) when the {@code
 * jdk.incubator.vector} module is present (the launcher passes {@code
 * --add-modules=jdk.incubator.vector}), otherwise plain loops ({@code scalar}) with a warning in
 * the log. Setting the system property {@code vecdb.vector.scalar=true} forces the scalar kernels.
 *
 * <p>Thread-safe: stateless static methods.
 */
public final class VectorMath {
  private static final System.Logger LOG = System.getLogger(VectorMath.class.getName());
  private static final VectorKernel KERNEL = chooseKernel();

  private VectorMath() {}

  /** The kernels in use: {@code "panama-512"}, {@code "panama-256"} or {@code "scalar"}. */
  public static String implementationName() {
    return KERNEL.name();
  }

  public static float dot(float[] a, float[] b) {
    checkLengths(a, b);
    return KERNEL.dot(a, 0, b, 0, a.length);
  }

  /** Squared Euclidean distance. */
  public static float squareDistance(float[] a, float[] b) {
    checkLengths(a, b);
    return KERNEL.squareDistance(a, 0, b, 0, a.length);
  }

  /** L1 distance. */
  public static float manhattan(float[] a, float[] b) {
    checkLengths(a, b);
    return KERNEL.manhattan(a, 0, b, 0, a.length);
  }

  /**
   * Dot product of {@code length} floats of {@code a} from {@code aOffset} and {@code b} from
   * {@code bOffset}.
   */
  public static float dot(float[] a, int aOffset, float[] b, int bOffset, int length) {
    return KERNEL.dot(a, aOffset, b, bOffset, length);
  }

  /** Squared L2 distance over slices, as {@link #dot(float[], int, float[], int, int)}. */
  public static float squareDistance(float[] a, int aOffset, float[] b, int bOffset, int length) {
    return KERNEL.squareDistance(a, aOffset, b, bOffset, length);
  }

  /** L1 distance over slices, as {@link #dot(float[], int, float[], int, int)}. */
  public static float manhattan(float[] a, int aOffset, float[] b, int bOffset, int length) {
    return KERNEL.manhattan(a, aOffset, b, bOffset, length);
  }

  static void squareDistance4(
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
    KERNEL.squareDistance4(q, v0, o0, v1, o1, v2, o2, v3, o3, length, out, outOffset);
  }

  static void dot4(
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
    KERNEL.dot4(q, v0, o0, v1, o1, v2, o2, v3, o3, length, out, outOffset);
  }

  /** {@link VectorKernel#dotBytes}: a float query against int8 codes. */
  static float dotBytes(float[] q, byte[] c, int cOffset, int length) {
    return KERNEL.dotBytes(q, c, cOffset, length);
  }

  /** {@link VectorKernel#squareDistanceBytes}: a float query against int8 codes. */
  static float squareDistanceBytes(float[] q, byte[] c, int cOffset, int length) {
    return KERNEL.squareDistanceBytes(q, c, cOffset, length);
  }

  static VectorKernel kernel() {
    return KERNEL;
  }

  /**
   * A copy of {@code v} scaled to unit length, as stored for Cosine.
   *
   * @throws IllegalArgumentException for the zero vector
   */
  public static float[] normalized(float[] v) {
    double norm = 0;
    for (float x : v) {
      norm += (double) x * x;
    }
    if (norm == 0 || !Double.isFinite(norm)) {
      throw new IllegalArgumentException(
          "vector of norm " + Math.sqrt(norm) + " cannot be normalised for Cosine");
    }
    float inv = (float) (1.0 / Math.sqrt(norm));
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i] * inv;
    }
    return out;
  }

  private static void checkLengths(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          "vectors differ in length: " + a.length + " vs " + b.length);
    }
  }

  private static VectorKernel chooseKernel() {
    if (Boolean.getBoolean("vecdb.vector.scalar")) {
      LOG.log(Level.INFO, "vector math: scalar (forced by -Dvecdb.vector.scalar=true)");
      return ScalarKernel.INSTANCE;
    }
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      LOG.log(
          Level.WARNING,
          "vector math: jdk.incubator.vector is absent, using scalar kernels (slower); start the"
              + " JVM with --add-modules=jdk.incubator.vector");
      return ScalarKernel.INSTANCE;
    }
    try {
      VectorKernel k =
          (VectorKernel)
              Class.forName("io.vecdb.index.PanamaKernel").getDeclaredConstructor().newInstance();
      LOG.log(Level.DEBUG, "vector math: {0}", k.name());
      return k;
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      LOG.log(Level.WARNING, "vector math: Vector API unusable, using scalar kernels: " + e, e);
      return ScalarKernel.INSTANCE;
    }
  }
}
