package io.vecdb.filter;

import io.vecdb.index.Hits;
import io.vecdb.index.SearchParams;
import io.vecdb.index.VectorIndex;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;

/**
 * A filtered nearest-neighbour search: the glue between a {@link VectorIndex}, a collection's
 * {@link PayloadIndex} and a {@link Filter}.
 *
 * <p>Strategy (Qdrant's): if the payload indexes narrow the filter to at most {@link
 * #scanThreshold} candidates, those are checked with {@link Filter#test} and scored exactly with
 * {@link VectorIndex#score}; otherwise the vector index searches with an {@link
 * VectorIndex.OrdinalFilter} that tests the filter on each point it considers (after a cheap test
 * against the indexes' candidate bitset, when they can narrow the filter at all), so the filter is
 * applied during the search and k hits come back whenever k live points match, as the {@link
 * VectorIndex#search} contract requires.
 *
 * <p>Thread-safe and lock-free: instances are immutable; a search only reads the indexes and the
 * caller's {@link PointAccessor}, which must itself be thread-safe and non-blocking.
 */
public final class FilteredSearch {
  /** Candidates scanned exactly when the estimate is at most this many points ... */
  public static final int DEFAULT_FULL_SCAN_THRESHOLD = 1_000;

  /** ... or at most this fraction of the collection, whichever is larger. */
  public static final double DEFAULT_SCAN_FRACTION = 0.05;

  /** The current id and payload of a point by ordinal. */
  @FunctionalInterface
  public interface PointAccessor {
    /** The point at {@code ordinal}, or null if there is none (deleted). Thread-safe, no locks. */
    StoredPoint get(int ordinal);
  }

  /** A point's id and payload as the accessor sees them now. */
  public record StoredPoint(PointId id, Payload payload) {}

  private final int fullScanThreshold;
  private final double scanFraction;

  public FilteredSearch() {
    this(DEFAULT_FULL_SCAN_THRESHOLD, DEFAULT_SCAN_FRACTION);
  }

  /**
   * @param fullScanThreshold scan the candidates exactly when at most this many may match
   * @param scanFraction ... or at most this fraction of the live points, whichever is larger
   */
  public FilteredSearch(int fullScanThreshold, double scanFraction) {
    if (fullScanThreshold < 0) {
      throw new IllegalArgumentException(
          "full_scan_threshold must be >= 0, got " + fullScanThreshold);
    }
    if (!(scanFraction >= 0 && scanFraction <= 1)) {
      throw new IllegalArgumentException("scan fraction must be in [0, 1], got " + scanFraction);
    }
    this.fullScanThreshold = fullScanThreshold;
    this.scanFraction = scanFraction;
  }

  /** Largest candidate count scanned exactly for an index of {@code size} live points. */
  public int scanThreshold(int size) {
    return (int) Math.max(fullScanThreshold, Math.min(Integer.MAX_VALUE, scanFraction * size));
  }

  /**
   * The {@code k} best live points that match {@code filter}, best first.
   *
   * @param payloadIndex the collection's payload indexes, or null
   * @param filter null: no filter
   */
  public Hits search(
      VectorIndex index,
      PayloadIndex payloadIndex,
      Filter filter,
      PointAccessor points,
      float[] query,
      int k,
      SearchParams params) {
    if (k <= 0) {
      return Hits.EMPTY;
    }
    if (filter == null) {
      return index.search(query, k, params, null);
    }
    if (payloadIndex != null) {
      long[] bits = payloadIndex.candidateBits(filter);
      if (bits != null) {
        int count = 0;
        for (long w : bits) {
          count += Long.bitCount(w);
        }
        if (count <= scanThreshold(index.size())) {
          return scan(index, filter, points, query, k, bits, count);
        }
        // Too many to scan: the bitset still rejects most non-matching points cheaply.
        return index.search(
            query,
            k,
            params,
            ordinal -> contains(bits, ordinal) && matches(filter, points, ordinal));
      }
    }
    return index.search(query, k, params, ordinal -> matches(filter, points, ordinal));
  }

  private static boolean contains(long[] bits, int ordinal) {
    int w = ordinal >>> 6;
    return w < bits.length && (bits[w] & (1L << ordinal)) != 0;
  }

  private static boolean matches(Filter filter, PointAccessor points, int ordinal) {
    StoredPoint p = points.get(ordinal);
    return p != null && filter.test(p.id(), p.payload());
  }

  /** Exact top-k over the candidates that are live and match, with a bounded heap. */
  private static Hits scan(
      VectorIndex index,
      Filter filter,
      PointAccessor points,
      float[] query,
      int k,
      long[] bits,
      int count) {
    boolean higherIsBetter = index.distance().higherIsBetter();
    int cap = Math.min(k, count);
    // heap[0] is the worst kept hit; "key" orders worst-first whatever the distance direction.
    int[] heapOrd = new int[cap];
    float[] heapKey = new float[cap];
    int size = 0;
    int scanned = 0;
    for (int ord = nextSetBit(bits, 0); ord >= 0; ord = nextSetBit(bits, ord + 1)) {
      if ((++scanned & 4095) == 0) {
        io.vecdb.index.Deadline.check();
      }
      if (!index.isLive(ord) || !matches(filter, points, ord)) {
        continue;
      }
      float score = index.score(query, ord);
      float key = higherIsBetter ? score : -score;
      if (size < cap) {
        int i = size++;
        heapOrd[i] = ord;
        heapKey[i] = key;
        siftUp(heapOrd, heapKey, i);
      } else if (cap > 0 && key > heapKey[0]) {
        heapOrd[0] = ord;
        heapKey[0] = key;
        siftDown(heapOrd, heapKey, size);
      }
    }
    int[] ords = new int[size];
    float[] scores = new float[size];
    for (int i = size - 1; i >= 0; i--) {
      ords[i] = heapOrd[0];
      scores[i] = higherIsBetter ? heapKey[0] : -heapKey[0];
      heapOrd[0] = heapOrd[i];
      heapKey[0] = heapKey[i];
      siftDown(heapOrd, heapKey, i);
    }
    return new Hits(ords, scores);
  }

  private static int nextSetBit(long[] bits, int from) {
    int w = from >>> 6;
    if (w >= bits.length) {
      return -1;
    }
    long word = bits[w] & (-1L << from);
    while (true) {
      if (word != 0) {
        return (w << 6) + Long.numberOfTrailingZeros(word);
      }
      if (++w == bits.length) {
        return -1;
      }
      word = bits[w];
    }
  }

  private static void siftUp(int[] ords, float[] keys, int i) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (keys[parent] <= keys[i]) {
        return;
      }
      swap(ords, keys, i, parent);
      i = parent;
    }
  }

  private static void siftDown(int[] ords, float[] keys, int size) {
    int i = 0;
    while (true) {
      int l = 2 * i + 1;
      if (l >= size) {
        return;
      }
      int smallest = l + 1 < size && keys[l + 1] < keys[l] ? l + 1 : l;
      if (keys[i] <= keys[smallest]) {
        return;
      }
      swap(ords, keys, i, smallest);
      i = smallest;
    }
  }

  private static void swap(int[] ords, float[] keys, int a, int b) {
    int o = ords[a];
    ords[a] = ords[b];
    ords[b] = o;
    float f = keys[a];
    keys[a] = keys[b];
    keys[b] = f;
  }
}
