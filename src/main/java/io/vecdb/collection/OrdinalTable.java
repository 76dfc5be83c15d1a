package io.vecdb.collection;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * An ordinal-indexed table of values (ordinal to point record), grown in pages.
 *
 * <p>Concurrency: one writer at a time (the collection's apply lane) calls {@link #set}; any number
 * of readers call {@link #get} without locks. Entries live in {@link AtomicReferenceArray} pages,
 * so a reader sees a fully built value; the page table is copied on growth and published through a
 * volatile field.
 */
final class OrdinalTable<T> {
  private static final int PAGE_SHIFT = 12;
  private static final int PAGE_SIZE = 1 << PAGE_SHIFT;
  private static final int PAGE_MASK = PAGE_SIZE - 1;

  private volatile AtomicReferenceArray<T>[] pages = newPages(0);

  T get(int ordinal) {
    AtomicReferenceArray<T>[] p = pages;
    int page = ordinal >>> PAGE_SHIFT;
    if (ordinal < 0 || page >= p.length) {
      return null;
    }
    return p[page].get(ordinal & PAGE_MASK);
  }

  /** Writer only. */
  void set(int ordinal, T value) {
    int page = ordinal >>> PAGE_SHIFT;
    AtomicReferenceArray<T>[] p = pages;
    if (page >= p.length) {
      AtomicReferenceArray<T>[] grown = Arrays.copyOf(p, Math.max(page + 1, p.length * 2));
      for (int i = p.length; i < grown.length; i++) {
        grown[i] = new AtomicReferenceArray<>(PAGE_SIZE);
      }
      pages = grown;
      p = grown;
    }
    p[page].set(ordinal & PAGE_MASK, value);
  }

  /**
   * The entries as they are now, by ordinal ({@code null} where there is none): a copy, so it stays
   * as it is while the table goes on changing. Writer only.
   */
  Object[] copy() {
    AtomicReferenceArray<T>[] p = pages;
    Object[] out = new Object[p.length << PAGE_SHIFT];
    for (int i = 0; i < p.length; i++) {
      AtomicReferenceArray<T> page = p[i];
      for (int j = 0; j < PAGE_SIZE; j++) {
        out[(i << PAGE_SHIFT) | j] = page.getPlain(j); // the writer's own writes
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static <T> AtomicReferenceArray<T>[] newPages(int n) {
    return (AtomicReferenceArray<T>[]) new AtomicReferenceArray<?>[n];
  }
}
