package io.vecdb.index;

import java.util.Arrays;

/**
 * A binary min-heap of longs, growable, reused across searches (no allocation per push). Search
 * code packs (distance, ordinal) into one long with {@link #pack} so that long order is distance
 * order; a max-heap is the same heap over {@code ~key}.
 *
 * <p>Not thread-safe: each instance belongs to one thread's search scratch.
 */
final class LongHeap {
  private long[] heap;
  private int size;

  LongHeap(int capacity) {
    heap = new long[Math.max(16, capacity)];
  }

  /** Packs a distance (lower is better, any sign) and an ordinal into an order-preserving long. */
  static long pack(float distance, int ordinal) {
    int bits = Float.floatToRawIntBits(distance);
    bits ^= (bits >> 31) & 0x7fffffff;
    return ((long) bits << 32) | (ordinal & 0xffffffffL);
  }

  static float distance(long packed) {
    int bits = (int) (packed >> 32);
    bits ^= (bits >> 31) & 0x7fffffff;
    return Float.intBitsToFloat(bits);
  }

  static int ordinal(long packed) {
    return (int) packed;
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  void clear() {
    size = 0;
  }

  long peek() {
    return heap[0];
  }

  void push(long value) {
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, size * 2);
    }
    long[] h = heap;
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      long p = h[parent];
      if (p <= value) {
        break;
      }
      h[i] = p;
      i = parent;
    }
    h[i] = value;
  }

  long pop() {
    long top = heap[0];
    int n = --size;
    if (n > 0) {
      siftDown(heap[n], n);
    }
    return top;
  }

  /** Replaces the top with {@code value}: one sift instead of pop + push. */
  void replaceTop(long value) {
    siftDown(value, size);
  }

  /** Puts {@code value} at the root of the first {@code n} slots and sifts it down. */
  private void siftDown(long value, int n) {
    long[] h = heap;
    int i = 0;
    int half = n >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      long c = h[child];
      int right = child + 1;
      if (right < n && h[right] < c) {
        child = right;
        c = h[right];
      }
      if (value <= c) {
        break;
      }
      h[i] = c;
      i = child;
    }
    h[i] = value;
  }

  /** The raw backing array; entries {@code [0, size())} are the heap in heap order. */
  long[] array() {
    return heap;
  }
}
