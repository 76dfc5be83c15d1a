package io.vecdb.collection;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * An ordinal-indexed table of values (ordinal to point record), grown in pages.
 *
 * <p>Concurrency: one writer at a time (the collection's apply lane) calls {@link #set} and {@link
 * #copy}; any number of readers call {@link #get} without locks. Entries live in plain {@code
 * Object[]} pages, stored with release and loaded with acquire semantics (so a reader sees a fully
 * built value), which lets the writer copy a page with one {@code clone} (its own writes); the page
 * table is copied on growth and published through a volatile field.
 */
final class OrdinalTable<T> {
  private static final int PAGE_SHIFT = 12;
  private static final int PAGE_SIZE = 1 << PAGE_SHIFT;
  private static final int PAGE_MASK = PAGE_SIZE - 1;
  private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Object[].class);

  private volatile Object[][] pages = new Object[0][];

  @SuppressWarnings("unchecked")
  T get(int ordinal) {
    Object[][] p = pages;
    int page = ordinal >>> PAGE_SHIFT;
    if (ordinal < 0 || page >= p.length) {
      return null;
    }
    return (T) SLOTS.getAcquire(p[page], ordinal & PAGE_MASK);
  }

  /** Writer only. */
  void set(int ordinal, T value) {
    int page = ordinal >>> PAGE_SHIFT;
    Object[][] p = pages;
    if (page >= p.length) {
      Object[][] grown = Arrays.copyOf(p, Math.max(page + 1, p.length * 2));
      for (int i = p.length; i < grown.length; i++) {
        grown[i] = new Object[PAGE_SIZE];
      }
      pages = grown;
      p = grown;
    }
    SLOTS.setRelease(p[page], ordinal & PAGE_MASK, value);
  }

  /**
   * The entries as they are now, page by page ({@code null} where there is none): a copy, so it
   * stays as it is while the table goes on changing. Writer only (it copies its own writes: a
   * {@code clone} per page of 4,096, about a millisecond per million entries).
   */
  Object[][] copy() {
    Object[][] p = pages;
    Object[][] out = new Object[p.length][];
    for (int i = 0; i < p.length; i++) {
      out[i] = p[i].clone();
    }
    return out;
  }

  /** The ordinal of entry {@code slot} of page {@code page} of a {@link #copy}. */
  static int ordinal(int page, int slot) {
    return (page << PAGE_SHIFT) | slot;
  }
}
