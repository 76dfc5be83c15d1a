package io.vecdb.index;

import static io.vecdb.index.HnswGraph.DELETED;
import static io.vecdb.index.HnswGraph.FREED;
import static io.vecdb.index.HnswGraph.LIVE;
import static io.vecdb.index.HnswGraph.NO_ENTRY;
import static io.vecdb.index.HnswGraph.PAGE_MASK;
import static io.vecdb.index.HnswGraph.PAGE_SHIFT;
import static io.vecdb.index.HnswGraph.entryLevel;
import static io.vecdb.index.HnswGraph.entryNode;
import static io.vecdb.index.HnswGraph.inDegree;
import static io.vecdb.index.HnswGraph.links;
import static io.vecdb.index.HnswGraph.packEntry;
import static io.vecdb.index.HnswGraph.state;

import io.vecdb.index.HnswGraph.Page;
import io.vecdb.index.HnswSearcher.Scratch;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Compaction of an {@link HnswIndex}'s graph, in three phases (the facade's class comment says what
 * each holds and what holds after): the repair pass beside adds and removes, a short second phase
 * under the write side that repairs the journaled lists and frees the dead nodes, then relinking
 * and the connectivity walk beside adds again. One compaction at a time ({@code compactLock}); the
 * structure lock is the facade's.
 */
final class HnswCompactor {
  /** Nodes the first phase repairs per hold of the read side (a capture waits for one such run). */
  private static final int REPAIR_RUN = 64;

  /**
   * One compaction ({@link HnswIndex#compact(Runnable, Runnable, Runnable)}, which documents the
   * hooks); returns the number of nodes freed.
   */
  int compact(Runnable afterScan, Runnable duringRepairs, Runnable beforeRelease) {
    compactLock.lock();
    try {
      Scratch s = searcher.acquireScratch();
      try {
        var read = structure.readLock();
        var write = structure.writeLock();
        boolean[] dead;
        int[] deadList;
        Journal j;
        // The scan and the journal's installation under the write side, so that no add or remove
        // is midway: a list published before it belongs to an owner the pass will read, and one
        // published after it is checked against the complete set of nodes to free. (Scanning
        // under the read side let an add publish a new node's list naming a node being freed
        // between the scan and the installation, past the pass's end and so never repaired:
        // HnswStressTest found one.) States only: milliseconds per million nodes.
        write.lock();
        long scanned = System.nanoTime();
        try {
          Page[] ps = graph.pages;
          int n = Math.min(graph.nextOrdinal.get(), ps.length << PAGE_SHIFT);
          dead = new boolean[n];
          int count = 0;
          for (int ord = 0; ord < n; ord++) {
            if (state(ps, ord) == DELETED) {
              dead[ord] = true;
              count++;
            }
          }
          deadList = new int[count];
          for (int ord = 0, f = 0; f < count; ord++) {
            if (dead[ord]) {
              deadList[f++] = ord;
            }
          }
          j = new Journal(dead, n);
          if (count > 0) {
            graph.journal = j; // before the pass reads any list (see Journal)
          }
          read.lock(); // downgraded: the hook runs beside adds and removes
        } finally {
          write.unlock();
          onWriteHeld.accept(scanned);
        }
        try {
          if (afterScan != null) {
            afterScan.run();
          }
        } finally {
          read.unlock();
        }
        if (deadList.length > 0) {
          for (int from = 0; from < j.end; from += REPAIR_RUN) {
            read.lock();
            try {
              repairRun(j, from, Math.min(j.end, from + REPAIR_RUN), s);
            } finally {
              read.unlock();
            }
            if (from == 0 && duringRepairs != null) {
              duringRepairs.run();
            }
          }
        }
        write.lock();
        long held = System.nanoTime();
        try {
          graph.journal = null; // no list changes while the write side is held
          Page[] ps = graph.pages;
          moveEntryToLive(dead, ps, graph.nextOrdinal.get());
          if (deadList.length > 0) {
            // Only the lists that came to name a removed node after the pass read them.
            long[] changed = j.entries();
            for (long e : changed) {
              repairLater(j, (int) e, (int) (e >>> 32), s);
            }
            for (int ord : deadList) {
              Page p = ps[ord >>> PAGE_SHIFT];
              int slot = ord & PAGE_MASK;
              HnswGraph.setState(p, slot, FREED);
              // Its list stopped counting as in-links when it was removed; nothing to uncount here.
              HnswGraph.dropList(p, slot, 0);
              int[][] up = p.upper[slot];
              for (int l = 1; up != null && l <= up.length; l++) {
                HnswGraph.dropList(p, slot, l);
              }
            }
            onFreed.accept(deadList); // after every list naming them is gone
          }
          if (beforeRelease != null) {
            beforeRelease.run();
          }
        } finally {
          write.unlock();
          onWriteHeld.accept(held);
        }
        reconnect(deadList.length > 0, s);
        return deadList.length;
      } finally {
        searcher.releaseScratch(s);
      }
    } finally {
      graph.journal = null; // if the first phase failed
      compactLock.unlock();
    }
  }

  /**
   * The first phase's repair pass over owners {@code [from, to)} (caller holds the read side):
   * every list, on any layer, that names a node in {@code j.dead}: a live owner's list is repaired;
   * a tombstoned owner's (one removed after the scan) just loses those entries. Tombstones are
   * walked by searches and inserts, and a walk that steps from one onto a freed node, whose lists
   * are empty, stops there: an insert that did so linked its new node to nothing. Dead owners are
   * skipped: their lists are dropped when they are freed. Each owner's lists are read under its
   * stripe, where the cursor moves past it: a list published after that is journaled.
   */
  private void repairRun(Journal j, int from, int to, Scratch s) {
    boolean[] dead = j.dead;
    for (int ord = from; ord < to; ord++) {
      Page[] ps = graph.pages;
      byte state;
      int toRepair = 0; // bit l: the layer-l list names a dead node
      synchronized (graph.stripe(ord)) {
        j.cursor = ord + 1;
        state = state(ps, ord);
        if (state != LIVE && (state != DELETED || isDead(dead, ord))) {
          continue;
        }
        int level = ps[ord >>> PAGE_SHIFT].levels[ord & PAGE_MASK];
        for (int l = 0; l <= level; l++) {
          if (namesDead(links(ps, ord, l), dead)) {
            toRepair |= 1 << l;
          }
        }
      }
      for (int l = 0; toRepair != 0; l++, toRepair >>>= 1) {
        if ((toRepair & 1) != 0) {
          if (state == LIVE) {
            repair(ord, l, links(ps, ord, l), dead, s);
          } else {
            dropDead(ord, l, dead);
          }
        }
      }
    }
  }

  /** Second phase (write side held): a journaled list, if it still names a dead node. */
  private void repairLater(Journal j, int ord, int level, Scratch s) {
    Page[] ps = graph.pages;
    if (isDead(j.dead, ord) || (ord >>> PAGE_SHIFT) >= ps.length) {
      return;
    }
    byte state = state(ps, ord);
    if ((state != LIVE && state != DELETED)
        || level > ps[ord >>> PAGE_SHIFT].levels[ord & PAGE_MASK]) {
      return;
    }
    int[] list = links(ps, ord, level);
    if (!namesDead(list, j.dead)) {
      return;
    }
    if (state == LIVE) {
      repair(ord, level, list, j.dead, s);
    } else {
      dropDead(ord, level, j.dead);
    }
  }

  /**
   * A compaction's record of the lists that came to name a node it frees after its repair pass had
   * read their owner, so that its second phase (under the write side) repairs those only instead of
   * rescanning every list (issue 12, item 5: that rescan made the phase O(N + E), 300 ms at 100,000
   * nodes).
   *
   * <p>Concurrency: {@link HnswGraph#publish} runs under the owner's stripe and journals a list
   * naming a dead node if its owner is below {@code cursor} (already read by the pass) or at or
   * past {@code end} (added since the scan). The pass moves {@code cursor} past an owner under that
   * owner's stripe, before it reads the owner's lists: so a publication to an owner either precedes
   * the pass's read of it (and the pass sees the list) or follows it under the same monitor (and
   * sees the cursor past the owner). {@link HnswGraph#journal} is set with the scan, under the
   * write side (no publication is midway then), before the pass starts. Entries are guarded by this
   * object's monitor; they are rare (a new node whose candidates were all dead, or an owner reused
   * from a freed ordinal).
   */
  static final class Journal {
    final boolean[] dead;
    final int end;
    volatile int cursor;
    private long[] entries = new long[8];
    private int size;

    Journal(boolean[] dead, int end) {
      this.dead = dead;
      this.end = end;
    }

    synchronized void add(int node, int level) {
      if (size == entries.length) {
        entries = Arrays.copyOf(entries, size * 2);
      }
      entries[size++] = ((long) level << 32) | node;
    }

    synchronized long[] entries() {
      return Arrays.copyOf(entries, size);
    }
  }

  /**
   * Compaction's last phase, beside adds and removes (read side, yielded every {@link
   * #HnswReachability.WALK_RUN} steps): relinks live nodes left with no in-link (say one that only
   * tombstones pointed at), if {@code relink}, then makes every live node reachable ({@link
   * #connectUnreachable}).
   */
  private void reconnect(boolean relink, Scratch s) {
    var read = structure.readLock();
    read.lock();
    try {
      Page[] ps = graph.pages;
      int n = Math.min(graph.nextOrdinal.get(), ps.length << PAGE_SHIFT);
      if (relink) {
        for (int ord = 0; ord < n; ord++) {
          if ((ord & (HnswReachability.WALK_RUN - 1)) == HnswReachability.WALK_RUN - 1) {
            read.unlock();
            read.lock();
          }
          if (state(ps, ord) == LIVE && inDegree(ps, ord) == 0) {
            reachability.relink(ord, graph.pages, s);
          }
        }
      }
      reachability.connectUnreachable(ps, n, s, read);
    } finally {
      read.unlock();
    }
  }

  static boolean namesDead(int[] list, boolean[] dead) {
    int cnt = list.length >>> 1;
    for (int i = 0; i < cnt; i++) {
      if (isDead(dead, list[i])) {
        return true;
      }
    }
    return false;
  }

  /**
   * Removes the entries in {@code dead} from a tombstone's list. A tombstone's list counts for no
   * in-degree, so no count changes; its state cannot change back, so no stripe holder disagrees.
   */
  private void dropDead(int ord, int level, boolean[] dead) {
    synchronized (graph.stripe(ord)) {
      Page[] ps = graph.pages;
      int[] current = links(ps, ord, level);
      int cn = current.length >>> 1;
      int k = 0;
      for (int i = 0; i < cn; i++) {
        k += isDead(dead, current[i]) ? 0 : 1;
      }
      if (k == cn) {
        return;
      }
      graph.publish(ps, ord, level, withoutDead(current, dead, k));
    }
  }

  /** {@code list} without its entries in {@code dead}, of which {@code k} remain; order kept. */
  private static int[] withoutDead(int[] list, boolean[] dead, int k) {
    int cn = list.length >>> 1;
    int[] kept = new int[2 * k];
    for (int i = 0, j = 0; i < cn; i++) {
      if (!isDead(dead, list[i])) {
        kept[j] = list[i];
        kept[k + j] = list[cn + i];
        j++;
      }
    }
    return kept;
  }

  /** Whether {@code node} is one of the removed nodes this compaction frees. */
  private static boolean isDead(boolean[] dead, int node) {
    return node < dead.length && dead[node];
  }

  /**
   * Moves the entry point to a live node of the highest level if it is not live: off a node about
   * to be freed (its lists are dropped), or off a tombstone left there by a remove racing another
   * entry move (its lists may just have lost every entry to a freed node). With no live node left,
   * a tombstone stays the entry and a dead one leaves none. Caller holds the write side.
   */
  private void moveEntryToLive(boolean[] dead, Page[] ps, int n) {
    long e = graph.entry.get();
    if (e == NO_ENTRY || state(ps, entryNode(e)) == LIVE) {
      return;
    }
    int best = -1;
    int bestLevel = -1;
    for (int ord = 0; ord < n; ord++) {
      if (state(ps, ord) == LIVE) {
        int level = ps[ord >>> PAGE_SHIFT].levels[ord & PAGE_MASK];
        if (level > bestLevel) {
          best = ord;
          bestLevel = level;
        }
      }
    }
    if (best >= 0) {
      graph.entry.set(packEntry(best, bestLevel));
    } else if (isDead(dead, entryNode(e))) {
      graph.entry.set(NO_ENTRY);
    }
  }

  /** Tests: runs in {@link #repair} right after it read the page table (it may add). */
  volatile Runnable afterRepairPagesRead;

  private void repair(int ord, int level, int[] list, boolean[] dead, Scratch s) {
    Page[] ps = graph.pages; // read after the list: covers every page its entries live in
    Runnable hook = afterRepairPagesRead;
    if (hook != null) {
      hook.run();
    }
    // The owner's vector in place on the heap; a mapped page's is copied (a kernel's first operand
    // is an array).
    boolean mapped = graph.mapped();
    float[] q = mapped ? graph.copyVector(ps, ord) : graph.vectorsOf(ps, ord);
    int qo = mapped ? 0 : graph.offsetOf(ord);
    int cnt = list.length >>> 1;
    long[] cands = new long[64];
    int n = 0;
    s.startVisit(graph.nextOrdinal.get());
    s.visit(ord);
    for (int i = 0; i < cnt; i++) {
      int nb = list[i];
      s.visit(nb);
      if (!isDead(dead, nb)) {
        cands = grow(cands, n);
        cands[n++] = LongHeap.pack(Float.intBitsToFloat(list[cnt + i]), nb);
      }
    }
    for (int i = 0; i < cnt; i++) {
      // Second neighbours through every old neighbour: through removed ones they replace the
      // lost paths; through live ones they give the heuristic room to choose (without them
      // recall after deleting 10% dropped by 1-2 points on clustered data).
      int d = list[i];
      int[] second = links(ps, d, level);
      int m = second.length >>> 1;
      for (int j = 0; j < m; j++) {
        int nb = second[j];
        if (!s.visit(nb) || isDead(dead, nb) || graph.stateOf(nb) != LIVE) {
          continue;
        }
        cands = grow(cands, n);
        cands[n++] = LongHeap.pack(scorer.dist(q, qo, graph.pageOf(ps, nb), nb), nb);
      }
    }
    if (n == 0) {
      // Every neighbour and second neighbour is gone: find new ones by searching the graph.
      long e = graph.entry.get();
      // No entry, or one below this layer (a node rising above it is linked before the entry is
      // raised): nothing to search this layer from.
      if (e == NO_ENTRY || entryNode(e) == ord || entryLevel(e) < level) {
        replaceRepaired(ord, level, list, cands, 0, dead, false, s);
        return;
      }
      float[] qv = Arrays.copyOfRange(q, qo, qo + graph.dimension);
      int ep = entryNode(e);
      float epDist = scorer.dist(qv, 0, graph.pageOf(ps, ep), ep);
      for (int l = entryLevel(e); l > level; l--) {
        long best = searcher.greedy(qv, ep, epDist, l, ps, s);
        ep = LongHeap.ordinal(best);
        epDist = LongHeap.distance(best);
      }
      searcher.searchLayer(
          qv, ep, epDist, config.efConstruct(), level, true, x -> !isDead(dead, x), s);
      LongHeap results = s.results;
      while (!results.isEmpty()) {
        long key = ~results.pop();
        if (LongHeap.ordinal(key) != ord) {
          cands = grow(cands, n);
          cands[n++] = key;
        }
      }
    }
    Arrays.sort(cands, 0, n);
    int[] chosen = replaceRepaired(ord, level, list, cands, n, dead, true, s);
    int c = chosen.length >>> 1;
    for (int i = 0; i < c; i++) {
      builder.addBacklink(chosen[i], level, ord, Float.intBitsToFloat(chosen[c + i]), s);
    }
  }

  /**
   * Publishes {@code ord}'s repaired list under its stripe. Compaction's first phase runs beside
   * adds, so the list may have changed since {@code read} was taken: its current entries that are
   * not being freed join the candidates, and the in-degree bookkeeping starts from it.
   */
  private int[] replaceRepaired(
      int ord,
      int level,
      int[] read,
      long[] cands,
      int n,
      boolean[] dead,
      boolean fill,
      Scratch s) {
    synchronized (graph.stripe(ord)) {
      Page[] ps = graph.pages;
      int[] current = links(ps, ord, level);
      long[] all = cands;
      int count = n;
      if (current != read) {
        int cn = current.length >>> 1;
        int k = 0;
        for (int i = 0; i < cn; i++) {
          k += isDead(dead, current[i]) ? 0 : 1;
        }
        all = HnswBuilder.withList(cands, n, withoutDead(current, dead, k));
        count = all.length;
      }
      return builder.replaceList(
          ps, ord, level, current, all, count, builder.maxLinks(level), fill, s);
    }
  }

  private static long[] grow(long[] a, int n) {
    return n < a.length ? a : Arrays.copyOf(a, a.length * 2);
  }

  private final HnswGraph graph;
  private final HnswScorer scorer;
  private final HnswSearcher searcher;
  private final HnswBuilder builder;
  private final HnswReachability reachability;
  private final HnswConfig config;
  private final ReentrantReadWriteLock structure;

  /** Held by {@link #compact} throughout: one compaction at a time. */
  private final ReentrantLock compactLock = new ReentrantLock();

  /** Told, under the write side, of the ordinals just freed (the facade's counters and reuse). */
  private final Consumer<int[]> onFreed;

  /** Told when the second phase released the write side, with when it took it (nanoTime). */
  private final LongConsumer onWriteHeld;

  HnswCompactor(
      HnswGraph graph,
      HnswScorer scorer,
      HnswSearcher searcher,
      HnswBuilder builder,
      HnswReachability reachability,
      HnswConfig config,
      ReentrantReadWriteLock structure,
      Consumer<int[]> onFreed,
      LongConsumer onWriteHeld) {
    this.graph = graph;
    this.scorer = scorer;
    this.searcher = searcher;
    this.builder = builder;
    this.reachability = reachability;
    this.config = config;
    this.structure = structure;
    this.onFreed = onFreed;
    this.onWriteHeld = onWriteHeld;
  }
}
