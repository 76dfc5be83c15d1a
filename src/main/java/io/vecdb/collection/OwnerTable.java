package io.vecdb.collection;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * A named vector's graph ordinal to the point ordinal that holds it (-1: none), grown in pages of
 * plain {@code int}s, so that a search maps each candidate it considers without unboxing or a
 * pointer chase ({@link Collection.NamedVector#owners}).
 *
 * <p>Concurrency: one writer at a time (the collection's apply lane) calls {@link #set}; any number
 * of readers call {@link #get} without locks. Entries are stored with release and loaded with
 * acquire semantics; a page is filled with -1 before the page table that holds it is published
 * through a volatile field (copied on growth).
 */
final class OwnerTable {
  private static final int PAGE_SHIFT = 12;
  private static final int PAGE_SIZE = 1 << PAGE_SHIFT;
  private static final int PAGE_MASK = PAGE_SIZE - 1;
  private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(int[].class);

  private volatile int[][] pages = new int[0][];

  /** The point ordinal holding graph ordinal {@code ordinal}, or -1. */
  int get(int ordinal) {
    int[][] p = pages;
    int page = ordinal >>> PAGE_SHIFT;
    if (ordinal < 0 || page >= p.length) {
      return -1;
    }
    return (int) SLOTS.getAcquire(p[page], ordinal & PAGE_MASK);
  }

  /** Writer only: {@code owner} (-1: none) holds graph ordinal {@code ordinal}. */
  void set(int ordinal, int owner) {
    int page = ordinal >>> PAGE_SHIFT;
    int[][] p = pages;
    if (page >= p.length) {
      int[][] grown = Arrays.copyOf(p, Math.max(page + 1, p.length * 2));
      for (int i = p.length; i < grown.length; i++) {
        grown[i] = new int[PAGE_SIZE];
        Arrays.fill(grown[i], -1);
      }
      pages = grown;
      p = grown;
    }
    SLOTS.setRelease(p[page], ordinal & PAGE_MASK, owner);
  }
}
