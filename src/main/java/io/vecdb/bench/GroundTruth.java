package io.vecdb.bench;

import io.vecdb.index.Distance;
import io.vecdb.index.VectorMath;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Exact k-nearest neighbours of every test query (Euclidean, cosine or dot product), computed in
 * parallel and cached in {@code target/bench-cache} keyed by the dataset's key, the metric and k.
 */
final class GroundTruth {
  private static final int MAGIC = 0x47544E4E; // "NNTG"

  private GroundTruth() {}

  /** Row-major {@code nq x k} train indices, nearest first. */
  static int[] load(Dataset data, int k, Path cacheDir, int threads) throws Exception {
    return load(data, k, Distance.EUCLID, cacheDir, threads);
  }

  /** As above, for {@code distance} (cosine: by the angle; dot: by the largest product). */
  static int[] load(Dataset data, int k, Distance distance, Path cacheDir, int threads)
      throws Exception {
    String suffix = distance == Distance.EUCLID ? "" : "-" + distance.name().toLowerCase();
    Path file = cacheDir.resolve(data.key() + suffix + "-k" + k + ".gt");
    int[] cached = read(file, data.nq(), k);
    if (cached != null) {
      return cached;
    }
    int[] gt = compute(data, k, distance, threads);
    write(file, gt, data.nq(), k);
    return gt;
  }

  static int[] compute(Dataset data, int k, int threads) throws Exception {
    return compute(data, k, Distance.EUCLID, threads);
  }

  /** Lower is nearer: squared L2, or the negated product (of normalised vectors for cosine). */
  static int[] compute(Dataset data, int k, Distance distance, int threads) throws Exception {
    if (distance == Distance.COSINE) {
      data =
          new Dataset(
              data.name(),
              data.key(),
              data.dim(),
              normalizedRows(data.train(), data.dim()),
              data.n(),
              normalizedRows(data.test(), data.dim()),
              data.nq());
    }
    boolean euclid = distance == Distance.EUCLID;
    Dataset d0 = data;
    int nq = data.nq();
    int n = data.n();
    int dim = data.dim();
    int kk = Math.min(k, n);
    int[] out = new int[nq * k];
    java.util.Arrays.fill(out, -1);
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      Future<?>[] fs = new Future<?>[threads];
      for (int t = 0; t < threads; t++) {
        fs[t] =
            pool.submit(
                () -> {
                  float[] bestD = new float[kk];
                  int[] bestI = new int[kk];
                  for (int q; (q = next.getAndIncrement()) < nq; ) {
                    int size = 0;
                    for (int i = 0; i < n; i++) {
                      float d =
                          euclid
                              ? VectorMath.squareDistance(
                                  d0.test(), q * dim, d0.train(), i * dim, dim)
                              : -VectorMath.dot(d0.test(), q * dim, d0.train(), i * dim, dim);
                      if (size < kk || d < bestD[size - 1]) {
                        int pos = size < kk ? size++ : size - 1;
                        while (pos > 0 && bestD[pos - 1] > d) {
                          bestD[pos] = bestD[pos - 1];
                          bestI[pos] = bestI[pos - 1];
                          pos--;
                        }
                        bestD[pos] = d;
                        bestI[pos] = i;
                      }
                    }
                    System.arraycopy(bestI, 0, out, q * k, size);
                  }
                  return null;
                });
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    return out;
  }

  private static float[] normalizedRows(float[] v, int dim) {
    float[] out = new float[v.length];
    for (int r = 0; r < v.length / dim; r++) {
      double norm = 0;
      for (int j = 0; j < dim; j++) {
        norm += (double) v[r * dim + j] * v[r * dim + j];
      }
      float inv = norm == 0 ? 0f : (float) (1 / Math.sqrt(norm));
      for (int j = 0; j < dim; j++) {
        out[r * dim + j] = v[r * dim + j] * inv;
      }
    }
    return out;
  }

  private static int[] read(Path file, int nq, int k) throws IOException {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buf =
          ByteBuffer.allocate((int) Math.min(ch.size(), Integer.MAX_VALUE))
              .order(ByteOrder.LITTLE_ENDIAN);
      while (buf.hasRemaining() && ch.read(buf) > 0) {}
      buf.flip();
      if (buf.remaining() != 12 + 4L * nq * k
          || buf.getInt() != MAGIC
          || buf.getInt() != nq
          || buf.getInt() != k) {
        return null; // stale or foreign: recompute
      }
      int[] out = new int[nq * k];
      buf.asIntBuffer().get(out);
      return out;
    }
  }

  private static void write(Path file, int[] gt, int nq, int k) throws IOException {
    Files.createDirectories(file.getParent());
    ByteBuffer buf = ByteBuffer.allocate(12 + 4 * gt.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.putInt(MAGIC).putInt(nq).putInt(k);
    buf.asIntBuffer().put(gt);
    buf.position(buf.capacity()).flip();
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
