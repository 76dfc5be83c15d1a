package io.vecdb.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/**
 * Benchmark data: train vectors to index and test queries, both row-major in one flat array.
 *
 * @param key names the data for the ground-truth cache
 */
record Dataset(String name, String key, int dim, float[] train, int n, float[] test, int nq) {

  /**
   * Fashion-MNIST as shipped by Debian's {@code dataset-fashion-mnist}: gzipped IDX files (magic
   * 2051, count, rows, cols, then unsigned bytes). Pixels become floats 0..255, as in
   * ann-benchmarks' fashion-mnist-784-euclidean. {@code limit > 0} keeps the first train rows.
   */
  static Dataset fashionMnist(Path dir, int limit) throws IOException {
    float[][] train = readIdxImages(dir.resolve("train-images-idx3-ubyte.gz"));
    float[][] test = readIdxImages(dir.resolve("t10k-images-idx3-ubyte.gz"));
    int dim = (int) (train[1][0]);
    int n = (int) train[1][1];
    if (limit > 0 && limit < n) {
      n = limit;
    }
    float[] tr = n * dim == train[0].length ? train[0] : java.util.Arrays.copyOf(train[0], n * dim);
    return new Dataset(
        "fashion-mnist", "fashion-mnist-n" + n, dim, tr, n, test[0], (int) test[1][1]);
  }

  /**
   * A TEXMEX-format directory (the format of the SIFT and GIST corpora, and of ann-benchmarks'
   * exports): {@code base.fvecs} (indexed) and {@code query.fvecs}, each vector an int32 dimension
   * then that many float32, little-endian. {@code limit > 0} keeps the first base rows, {@code
   * queryLimit > 0} the first queries.
   */
  static Dataset texmex(Path dir, int limit, int queryLimit) throws IOException {
    float[][] base = readFvecs(dir.resolve("base.fvecs"), limit);
    float[][] query = readFvecs(dir.resolve("query.fvecs"), queryLimit);
    int dim = (int) base[1][0];
    if ((int) query[1][0] != dim) {
      throw new IOException(
          dir.resolve("query.fvecs") + ": dimension " + (int) query[1][0] + ", base has " + dim);
    }
    int n = (int) base[1][1];
    int nq = (int) query[1][1];
    String name = dir.getFileName() == null ? dir.toString() : dir.getFileName().toString();
    String key = "texmex-" + name.replaceAll("[^A-Za-z0-9_.-]", "_") + "-n" + n + "-q" + nq;
    return new Dataset(name, key, dim, base[0], n, query[0], nq);
  }

  /**
   * The first {@code k} neighbours per query from {@code groundtruth.ivecs} in {@code dir} (int32
   * count, then that many int32 base indices, nearest first), or null if there is none or it does
   * not cover {@code data} (a shorter base, fewer queries, or fewer than {@code k} per query). Such
   * a file was computed for the corpus's own metric: the caller uses it only for that one.
   */
  static int[] texmexTruth(Path dir, Dataset data, int k, boolean wholeBase) throws IOException {
    Path file = dir.resolve("groundtruth.ivecs");
    if (!wholeBase || !Files.isRegularFile(file)) {
      return null;
    }
    int[] out = new int[data.nq() * k];
    try (DataInputStream in =
        new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
      for (int q = 0; q < data.nq(); q++) {
        int count;
        try {
          count = Integer.reverseBytes(in.readInt());
        } catch (java.io.EOFException e) {
          return null; // fewer rows than queries
        }
        if (count < k) {
          return null;
        }
        for (int j = 0; j < count; j++) {
          int row = Integer.reverseBytes(in.readInt());
          if (j < k) {
            if (row < 0 || row >= data.n()) {
              throw new IOException(file + ": query " + q + " names base row " + row);
            }
            out[q * k + j] = row;
          }
        }
      }
    }
    return out;
  }

  /** Returns {vectors row-major, {dim, count}}; {@code limit > 0} keeps the first rows. */
  static float[][] readFvecs(Path file, int limit) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(
          file + " (a TEXMEX directory needs base.fvecs and query.fvecs)");
    }
    long size = Files.size(file);
    try (DataInputStream in =
        new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
      int dim = Integer.reverseBytes(in.readInt());
      if (dim <= 0 || dim > 65_536 || size % (4L + 4L * dim) != 0) {
        throw new IOException(
            file + ": not an fvecs file (first dimension " + dim + ", " + size + " bytes)");
      }
      long rows = size / (4L + 4L * dim);
      int n = (int) Math.min(rows, limit > 0 ? limit : Integer.MAX_VALUE);
      if ((long) n * dim > Integer.MAX_VALUE - 8) {
        throw new IOException(file + ": " + rows + " x " + dim + " does not fit in one array");
      }
      float[] v = new float[n * dim];
      byte[] row = new byte[4 * dim];
      java.nio.ByteBuffer buf =
          java.nio.ByteBuffer.wrap(row).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < n; i++) {
        if (i > 0) {
          int d = Integer.reverseBytes(in.readInt());
          if (d != dim) {
            throw new IOException(
                file + ": row " + i + " has dimension " + d + ", expected " + dim);
          }
        }
        in.readFully(row);
        buf.clear();
        buf.asFloatBuffer().get(v, i * dim, dim);
      }
      return new float[][] {v, {dim, n}};
    }
  }

  /** Seeded standard Gaussian vectors. */
  static Dataset random(int n, int dim, int nq, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    float[] train = new float[n * dim];
    for (int i = 0; i < train.length; i++) {
      train[i] = (float) gaussian(rnd);
    }
    float[] test = new float[nq * dim];
    for (int i = 0; i < test.length; i++) {
      test[i] = (float) gaussian(rnd);
    }
    return new Dataset(
        "random", "random-n" + n + "-d" + dim + "-q" + nq + "-s" + seed, dim, train, n, test, nq);
  }

  float[] trainVector(int i) {
    return java.util.Arrays.copyOfRange(train, i * dim, (i + 1) * dim);
  }

  /**
   * The same data with the queries repeated {@code times} over, and {@code gt} (k per query) with
   * them: a small query set (1,000 sentences) then runs long enough to time, for every system
   * alike; recall over the repeats is the recall over the set.
   */
  Dataset repeatQueries(int times) {
    float[] tiled = new float[test.length * times];
    for (int r = 0; r < times; r++) {
      System.arraycopy(test, 0, tiled, r * test.length, test.length);
    }
    return new Dataset(name, key + "-x" + times, dim, train, n, tiled, nq * times);
  }

  static int[] repeat(int[] gt, int times) {
    int[] out = new int[gt.length * times];
    for (int r = 0; r < times; r++) {
      System.arraycopy(gt, 0, out, r * gt.length, gt.length);
    }
    return out;
  }

  float[] testVector(int i) {
    return java.util.Arrays.copyOfRange(test, i * dim, (i + 1) * dim);
  }

  private static double gaussian(SplittableRandom rnd) {
    // Box-Muller; SplittableRandom has no nextGaussian of its own before Java 17's RandomGenerator
    // default, which we avoid to keep the data identical across JDKs.
    double u = 1.0 - rnd.nextDouble();
    double v = rnd.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Returns {pixels, {dim, count}}. */
  private static float[][] readIdxImages(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(
          file + " (install the Debian package dataset-fashion-mnist or pass --data-dir)");
    }
    try (InputStream raw = Files.newInputStream(file);
        DataInputStream in =
            new DataInputStream(
                new GZIPInputStream(new java.io.BufferedInputStream(raw), 1 << 16))) {
      int magic = in.readInt();
      if (magic != 2051) {
        throw new IOException(file + ": IDX magic " + magic + ", expected 2051 (images)");
      }
      int count = in.readInt();
      int rows = in.readInt();
      int cols = in.readInt();
      int dim = rows * cols;
      byte[] bytes = in.readNBytes(count * dim);
      if (bytes.length != count * dim) {
        throw new IOException(
            file + ": truncated, " + bytes.length + " of " + (count * dim) + " pixel bytes");
      }
      float[] out = new float[bytes.length];
      for (int i = 0; i < bytes.length; i++) {
        out[i] = bytes[i] & 0xff;
      }
      return new float[][] {out, {dim, count}};
    }
  }
}
