package io.vecdb.filter;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The set of ordinals holding one indexed value: a paged bitset (1024 ordinals per page, pages
 * allocated on first use) with a member count.
 *
 * <p>Concurrency: one writer ({@link PayloadIndex}'s writer, which holds its monitor) calls {@link
 * #add} and {@link #remove}; any number of readers call {@link #size}, {@link #contains} and {@link
 * #orInto} without locks. Bits live in {@link AtomicLongArray}s (atomic, ordered 64-bit reads and
 * writes). The page table is a plain array that the writer fills and then republishes through the
 * volatile {@link #pages}; a reader racing a write may miss a bit set by that write, which the
 * index's version check ({@link PayloadIndex}) detects.
 */
final class Posting {
  static final int PAGE_SHIFT = 10;
  private static final int WORDS_PER_PAGE = (1 << PAGE_SHIFT) / Long.SIZE;
  private static final AtomicLongArray[] NO_PAGES = new AtomicLongArray[0];

  private volatile AtomicLongArray[] pages = NO_PAGES;
  private volatile int size;

  /** Writer only. True if {@code ordinal} was not a member. */
  boolean add(int ordinal) {
    int p = ordinal >>> PAGE_SHIFT;
    AtomicLongArray[] ps = pages;
    if (p >= ps.length || ps[p] == null) {
      if (p >= ps.length) {
        ps = Arrays.copyOf(ps, Math.max(p + 1, ps.length * 2));
      }
      ps[p] = new AtomicLongArray(WORDS_PER_PAGE);
      pages = ps; // volatile write publishes the new slot (and array)
    }
    AtomicLongArray page = ps[p];
    int w = (ordinal >>> 6) & (WORDS_PER_PAGE - 1);
    long mask = 1L << ordinal;
    long old = page.get(w);
    if ((old & mask) != 0) {
      return false;
    }
    page.set(w, old | mask);
    size = size + 1; // single writer: no lost update
    return true;
  }

  /** Writer only. True if {@code ordinal} was a member. */
  boolean remove(int ordinal) {
    int p = ordinal >>> PAGE_SHIFT;
    AtomicLongArray[] ps = pages;
    if (p >= ps.length || ps[p] == null) {
      return false;
    }
    AtomicLongArray page = ps[p];
    int w = (ordinal >>> 6) & (WORDS_PER_PAGE - 1);
    long mask = 1L << ordinal;
    long old = page.get(w);
    if ((old & mask) == 0) {
      return false;
    }
    page.set(w, old & ~mask);
    size = size - 1;
    return true;
  }

  int size() {
    return size;
  }

  boolean contains(int ordinal) {
    int p = ordinal >>> PAGE_SHIFT;
    AtomicLongArray[] ps = pages;
    if (p >= ps.length || ps[p] == null) {
      return false;
    }
    return (ps[p].get((ordinal >>> 6) & (WORDS_PER_PAGE - 1)) & (1L << ordinal)) != 0;
  }

  /** ORs the members into {@code words} (a bitset by ordinal), growing it if needed. */
  long[] orInto(long[] words) {
    AtomicLongArray[] ps = pages;
    for (int p = 0; p < ps.length; p++) {
      AtomicLongArray page = ps[p];
      if (page == null) {
        continue;
      }
      int base = p * WORDS_PER_PAGE;
      for (int w = 0; w < WORDS_PER_PAGE; w++) {
        long bits = page.get(w);
        if (bits != 0) {
          if (base + w >= words.length) {
            words = Arrays.copyOf(words, Math.max(base + WORDS_PER_PAGE, words.length * 2));
          }
          words[base + w] |= bits;
        }
      }
    }
    return words;
  }
}
