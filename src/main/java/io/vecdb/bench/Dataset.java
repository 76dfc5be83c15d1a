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
