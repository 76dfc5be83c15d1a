package io.vecdb.index;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link HnswIndex}'s graph storage: pages of nodes (vectors, states, levels, in-degrees, one
 * immutable neighbour list per node and layer), the page table, the ordinal counter, the entry
 * point and the stripes that serialise changes to one node's lists. The rules of who may change
 * what, and under which lock, are the facade's ({@link HnswIndex}'s class comment); this class
 * gives the accessors that keep the memory-ordering half of them: states and lists are
 * release-stored and acquire-loaded, the page table is volatile and copied on growth (existing
 * pages never move), the entry point is one atomic long.
 */
final class HnswGraph {
  static final int PAGE_SHIFT = 10;
  static final int PAGE_SIZE = 1 << PAGE_SHIFT;
  static final int PAGE_MASK = PAGE_SIZE - 1;
  static final int MAX_LEVEL = 24;

  /** Sanity bound when loading: lists may exceed 2m a little (see keepLastInLinks), not this. */
  static final int MAX_LIST_LENGTH = 1 << 16;

  static final byte ABSENT = 0;
  static final byte LIVE = 1;
  static final byte DELETED = 2;
  static final byte FREED = 3;

  private static final int STRIPES = 1024;
  static final int[] EMPTY = new int[0];
  static final long NO_ENTRY = -1L;

  private static final VarHandle LISTS = MethodHandles.arrayElementVarHandle(int[][].class);
  private static final VarHandle STATES = MethodHandles.arrayElementVarHandle(byte[].class);
  private static final VarHandle IN_DEGREE = MethodHandles.arrayElementVarHandle(int[].class);

  /**
   * One page of nodes; the arrays are fixed-size, their elements change as described above. The
   * vectors are in {@code vectors} (on the heap) or, for an index with vectors on disk, in {@code
   * mapped} ({@link MappedVectors}, native-order floats); the other one is null.
   */
  static final class Page {
    final float[] vectors;
    final MemorySegment mapped;
    final byte[] states = new byte[PAGE_SIZE];
    final byte[] levels = new byte[PAGE_SIZE];
    final int[][] layer0 = new int[PAGE_SIZE][];

    /** Layer-0 lists naming each node; updated atomically by whichever writer changes a list. */
    final int[] inDegree = new int[PAGE_SIZE];

    /** Per node with level >= 1: lists of layers 1..level at index layer - 1; else null. */
    final int[][][] upper = new int[PAGE_SIZE][][];

    Page(int dimension, MemorySegment mapped) {
      this.mapped = mapped;
      this.vectors = mapped == null ? new float[PAGE_SIZE * dimension] : null;
      Arrays.fill(layer0, EMPTY);
    }
  }

  private final Object[] stripes = new Object[STRIPES];

  /** Held while the page table grows (copy-on-write; readers never take it). */
  private final Object growLock = new Object();

  final AtomicInteger nextOrdinal = new AtomicInteger();

  /** (level << 32) | ordinal of the entry point, or {@link #NO_ENTRY}. */
  final AtomicLong entry = new AtomicLong(NO_ENTRY);

  volatile Page[] pages = new Page[0];

  Page[] ensurePage(int ord) {
    int page = ord >>> PAGE_SHIFT;
    Page[] ps = pages;
    if (page < ps.length) {
      return ps;
    }
    synchronized (growLock) {
      ps = pages;
      if (page >= ps.length) {
        // Exactly the pages needed: a page holds 1,024 vectors (3 MB at 784 dimensions), so the
        // up to 25% of them this once allocated ahead was real memory; copying the table of page
        // references once per new page costs nothing in comparison (issue 12, item 4).
        Page[] grown = Arrays.copyOf(ps, page + 1);
        for (int i = ps.length; i < grown.length; i++) {
          grown[i] = new Page(dimension, store == null ? null : store.map(i));
        }
        pages = grown;
        ps = grown;
      }
      return ps;
    }
  }

  Object stripe(int node) {
    return stripes[node & (STRIPES - 1)];
  }

  static int addInDegree(Page[] ps, int node, int delta) {
    return (int) IN_DEGREE.getAndAdd(ps[node >>> PAGE_SHIFT].inDegree, node & PAGE_MASK, delta)
        + delta;
  }

  static int inDegree(Page[] ps, int node) {
    return (int) IN_DEGREE.getAcquire(ps[node >>> PAGE_SHIFT].inDegree, node & PAGE_MASK);
  }

  /** Replaces a list; the caller holds {@code node}'s stripe. */
  void publish(Page[] ps, int node, int level, int[] list) {
    Page p = ps[node >>> PAGE_SHIFT];
    if (level == 0) {
      LISTS.setRelease(p.layer0, node & PAGE_MASK, list);
    } else {
      LISTS.setRelease(p.upper[node & PAGE_MASK], level - 1, list);
    }
    HnswCompactor.Journal j = journal;
    if (j != null && (node < j.cursor || node >= j.end) && HnswCompactor.namesDead(list, j.dead)) {
      j.add(node, level);
    }
  }

  static int[] links(Page[] ps, int node, int level) {
    Page p = ps[node >>> PAGE_SHIFT];
    if (level == 0) {
      return (int[]) LISTS.getAcquire(p.layer0, node & PAGE_MASK);
    }
    return (int[]) LISTS.getAcquire(p.upper[node & PAGE_MASK], level - 1);
  }

  /** Set by a compaction for its first phase; see {@link HnswCompactor.Journal}. */
  volatile HnswCompactor.Journal journal;

  static int levelOf(Page[] ps, int node) {
    return ps[node >>> PAGE_SHIFT].levels[node & PAGE_MASK];
  }

  /** {@code node}'s page, from {@code ps} or, if the node is past it, from the current table. */
  Page pageOf(Page[] ps, int node) {
    if ((node >>> PAGE_SHIFT) >= ps.length) {
      ps = pages;
    }
    return ps[node >>> PAGE_SHIFT];
  }

  /** {@code node}'s page's vectors on the heap (null for mapped pages: see {@link #readVector}). */
  float[] vectorsOf(Page[] ps, int node) {
    if ((node >>> PAGE_SHIFT) >= ps.length) {
      ps = pages;
    }
    return ps[node >>> PAGE_SHIFT].vectors;
  }

  int offsetOf(int node) {
    return (node & PAGE_MASK) * dimension;
  }

  /** Byte offset of {@code node}'s vector in its page's {@code mapped} segment. */
  long byteOffsetOf(int node) {
    return (long) (node & PAGE_MASK) * dimension * Float.BYTES;
  }

  /** Whether the vectors are in mapped pages ({@link MappedVectors}) rather than on the heap. */
  boolean mapped() {
    return store != null;
  }

  /** Copies {@code node}'s vector into {@code into[at..at+dimension)}; returns {@code into}. */
  float[] readVector(Page[] ps, int node, float[] into, int at) {
    if ((node >>> PAGE_SHIFT) >= ps.length) {
      ps = pages;
    }
    Page p = ps[node >>> PAGE_SHIFT];
    if (p.mapped != null) {
      MemorySegment.copy(p.mapped, VectorKernel.FLOAT, byteOffsetOf(node), into, at, dimension);
    } else {
      System.arraycopy(p.vectors, offsetOf(node), into, at, dimension);
    }
    return into;
  }

  /** A copy of {@code node}'s vector. */
  float[] copyVector(Page[] ps, int node) {
    return readVector(ps, node, new float[dimension], 0);
  }

  /** Stores {@code v[0..dimension)} as {@code node}'s vector (an add, before the LIVE store). */
  void writeVector(Page p, int node, float[] v) {
    if (p.mapped != null) {
      MemorySegment.copy(v, 0, p.mapped, VectorKernel.FLOAT, byteOffsetOf(node), dimension);
    } else {
      System.arraycopy(v, 0, p.vectors, offsetOf(node), dimension);
    }
  }

  /** Bytes of vectors in mapped pages (0 for vectors on the heap). */
  long mappedBytes() {
    return store == null ? 0 : pages.length * store.pageBytes();
  }

  byte stateOf(int ordinal) {
    if (ordinal < 0) {
      return ABSENT;
    }
    Page[] ps = pages;
    if ((ordinal >>> PAGE_SHIFT) >= ps.length) {
      return ABSENT;
    }
    return state(ps, ordinal);
  }

  static byte state(Page[] ps, int ordinal) {
    return (byte) STATES.getAcquire(ps[ordinal >>> PAGE_SHIFT].states, ordinal & PAGE_MASK);
  }

  static long packEntry(int node, int level) {
    return ((long) level << 32) | (node & 0xffffffffL);
  }

  static int entryNode(long e) {
    return (int) e;
  }

  static int entryLevel(long e) {
    return (int) (e >>> 32);
  }

  final int dimension;

  /** The vectors' file for an index with vectors on disk; null: they are in the pages' arrays. */
  private final MappedVectors store;

  HnswGraph(int dimension, MappedVectors store) {
    this.dimension = dimension;
    this.store = store;
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Object();
    }
  }

  /** Whether {@code ordinal} is LIVE. Any thread. */
  boolean isLive(int ordinal) {
    return stateOf(ordinal) == LIVE;
  }

  /** Stores a node's state with release semantics (its vector, level and lists are written). */
  static void setState(Page p, int slot, byte state) {
    STATES.setRelease(p.states, slot, state);
  }

  /** Flips a node from {@code from} to {@code to}; false if it was not {@code from}. */
  static boolean casState(Page p, int slot, byte from, byte to) {
    return STATES.compareAndSet(p.states, slot, from, to);
  }

  /** A node's state with acquire semantics (for readers outside the node's page). */
  static byte stateAcquire(Page p, int slot) {
    return (byte) STATES.getAcquire(p.states, slot);
  }

  /** Drops a freed node's list on {@code level} (compaction, under the write side). */
  static void dropList(Page p, int slot, int level) {
    if (level == 0) {
      LISTS.setRelease(p.layer0, slot, EMPTY);
    } else {
      LISTS.setRelease(p.upper[slot], level - 1, EMPTY);
    }
  }
}
