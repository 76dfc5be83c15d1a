package io.vecdb.index;

/**
 * A small open-addressing set of non-negative ints (linear probing, backward-shift deletion), so
 * that list bookkeeping stays linear in the list length. Not thread-safe: one is made per call and
 * never shared.
 */
final class IntSet {
  private static final int FREE = -1;
  private int[] slots;
  private int mask;

  IntSet(int expected) {
    int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
    slots = new int[cap];
    mask = cap - 1;
    java.util.Arrays.fill(slots, FREE);
  }

  /** The first {@code n} elements of {@code a}. */
  static IntSet of(int[] a, int n) {
    IntSet set = new IntSet(n);
    for (int i = 0; i < n; i++) {
      set.add(a[i]);
    }
    return set;
  }

  private static int hash(int x) {
    int h = x * 0x9E3779B9;
    return h ^ (h >>> 16);
  }

  boolean contains(int x) {
    for (int i = hash(x) & mask; ; i = (i + 1) & mask) {
      int v = slots[i];
      if (v == x) {
        return true;
      }
      if (v == FREE) {
        return false;
      }
    }
  }

  /** Adds {@code x} (>= 0); the caller keeps the size below half the capacity it asked for. */
  void add(int x) {
    for (int i = hash(x) & mask; ; i = (i + 1) & mask) {
      int v = slots[i];
      if (v == x) {
        return;
      }
      if (v == FREE) {
        slots[i] = x;
        return;
      }
    }
  }

  void remove(int x) {
    int i = hash(x) & mask;
    while (slots[i] != x) {
      if (slots[i] == FREE) {
        return;
      }
      i = (i + 1) & mask;
    }
    // Backward-shift: move later entries of the probe run into the hole so lookups still stop
    // at the first free slot.
    int hole = i;
    for (int j = (i + 1) & mask; slots[j] != FREE; j = (j + 1) & mask) {
      int home = hash(slots[j]) & mask;
      boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        slots[hole] = slots[j];
        hole = j;
      }
    }
    slots[hole] = FREE;
  }
}
