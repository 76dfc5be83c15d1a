package io.vecdb.index;

import java.util.PriorityQueue;

/**
 * A brute-force index: every search scores every live vector. Correct by construction, used for
 * small collections, for {@code exact: true} searches and as ground truth in tests.
 *
 * <p>Concurrency: writers ({@link #add}, {@link #remove}) serialise on {@code this}. Readers take
 * no lock: vectors live in fixed-size pages that are fully written before the volatile {@link
 * #count} publishes them; the page table is replaced copy-on-write and published through a volatile
 * field; tombstones are written before the volatile {@link #removals} counter is bumped, and a
 * search reads that counter first, so a search started after {@code remove} returned sees the
 * tombstone.
 */
public final class ExactIndex implements VectorIndex {
  private static final int PAGE_SHIFT = 10;
  private static final int PAGE_SIZE = 1 << PAGE_SHIFT;
  private static final int PAGE_MASK = PAGE_SIZE - 1;

  private final int dimension;
  private final Distance distance;

  private volatile float[][] vectorPages = new float[0][];
  private volatile boolean[][] livePages = new boolean[0][];
  private volatile int count;
  private volatile long removals;
  private volatile int live;

  public ExactIndex(int dimension, Distance distance) {
    if (dimension <= 0) {
      throw new IllegalArgumentException("dimension must be > 0, got " + dimension);
    }
    this.dimension = dimension;
    this.distance = distance;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public Distance distance() {
    return distance;
  }

  @Override
  public synchronized int add(float[] vector) {
    checkDimension(vector);
    int ordinal = count;
    int page = ordinal >>> PAGE_SHIFT;
    if (page == vectorPages.length) {
      float[][] vp = java.util.Arrays.copyOf(vectorPages, page + 1);
      vp[page] = new float[PAGE_SIZE * dimension];
      boolean[][] lp = java.util.Arrays.copyOf(livePages, page + 1);
      lp[page] = new boolean[PAGE_SIZE];
      vectorPages = vp;
      livePages = lp;
    }
    float[] stored = distance == Distance.COSINE ? normalized(vector) : vector;
    System.arraycopy(stored, 0, vectorPages[page], (ordinal & PAGE_MASK) * dimension, dimension);
    livePages[page][ordinal & PAGE_MASK] = true;
    live = live + 1;
    count = ordinal + 1;
    return ordinal;
  }

  @Override
  public synchronized void remove(int ordinal) {
    if (isLive(ordinal)) {
      livePages[ordinal >>> PAGE_SHIFT][ordinal & PAGE_MASK] = false;
      live = live - 1;
      removals = removals + 1;
    }
  }

  @Override
  public boolean isLive(int ordinal) {
    if (ordinal < 0 || ordinal >= count) {
      return false;
    }
    return livePages[ordinal >>> PAGE_SHIFT][ordinal & PAGE_MASK];
  }

  @Override
  public int size() {
    return live;
  }

  @Override
  public float[] vector(int ordinal) {
    if (!isLive(ordinal)) {
      return null;
    }
    float[] out = new float[dimension];
    System.arraycopy(
        vectorPages[ordinal >>> PAGE_SHIFT], (ordinal & PAGE_MASK) * dimension, out, 0, dimension);
    return out;
  }

  @Override
  public float[] vectorInSection(int ordinal) {
    if (ordinal < 0 || ordinal >= count) {
      return null;
    }
    // Ordinals are never reused here: a removed one keeps its vector.
    float[] out = new float[dimension];
    System.arraycopy(
        vectorPages[ordinal >>> PAGE_SHIFT], (ordinal & PAGE_MASK) * dimension, out, 0, dimension);
    return out;
  }

  @Override
  public float score(float[] query, int ordinal) {
    float[] q = distance == Distance.COSINE ? normalized(query) : query;
    return score(q, vectorPages[ordinal >>> PAGE_SHIFT], (ordinal & PAGE_MASK) * dimension);
  }

  @Override
  public Hits search(float[] query, int k, SearchParams params, OrdinalFilter filter) {
    checkDimension(query);
    if (k <= 0) {
      return Hits.EMPTY;
    }
    long seenRemovals = removals; // volatile read first: orders the tombstone reads below
    int n = count;
    float[][] vp = vectorPages;
    boolean[][] lp = livePages;
    float[] q = distance == Distance.COSINE ? normalized(query) : query;
    // Heap whose head is the worst of the current top-k.
    PriorityQueue<long[]> heap =
        new PriorityQueue<>(k + 1, (a, b) -> Float.compare(worseFirst(a[1]), worseFirst(b[1])));
    for (int ord = 0; ord < n; ord++) {
      if ((ord & 4095) == 4095) {
        Deadline.check();
      }
      if (!lp[ord >>> PAGE_SHIFT][ord & PAGE_MASK]) {
        continue;
      }
      if (filter != null && !filter.accept(ord)) {
        continue;
      }
      float s = score(q, vp[ord >>> PAGE_SHIFT], (ord & PAGE_MASK) * dimension);
      if (heap.size() < k) {
        heap.add(new long[] {ord, Float.floatToRawIntBits(s)});
      } else if (distance.better(s, Float.intBitsToFloat((int) heap.peek()[1]))) {
        heap.poll();
        heap.add(new long[] {ord, Float.floatToRawIntBits(s)});
      }
    }
    assert seenRemovals <= removals;
    int size = heap.size();
    int[] ords = new int[size];
    float[] scores = new float[size];
    for (int i = size - 1; i >= 0; i--) {
      long[] e = heap.poll();
      ords[i] = (int) e[0];
      scores[i] = Float.intBitsToFloat((int) e[1]);
    }
    return new Hits(ords, scores);
  }

  private float worseFirst(long bits) {
    float s = Float.intBitsToFloat((int) bits);
    return distance.higherIsBetter() ? s : -s;
  }

  @Override
  public long ramBytesUsed() {
    long pages = vectorPages.length;
    return pages * (PAGE_SIZE * (long) dimension * Float.BYTES + PAGE_SIZE) + 64;
  }

  private float score(float[] q, float[] page, int offset) {
    return switch (distance) {
      case COSINE, DOT -> VectorMath.dot(q, 0, page, offset, dimension);
      case EUCLID -> (float) Math.sqrt(VectorMath.squareDistance(q, 0, page, offset, dimension));
      case MANHATTAN -> VectorMath.manhattan(q, 0, page, offset, dimension);
    };
  }

  private void checkDimension(float[] vector) {
    if (vector.length != dimension) {
      throw new IllegalArgumentException(
          "vector has " + vector.length + " dimensions, expected " + dimension);
    }
  }

  static float[] normalized(float[] v) {
    return VectorMath.normalized(v);
  }
}
