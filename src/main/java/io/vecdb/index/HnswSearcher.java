package io.vecdb.index;

import static io.vecdb.index.HnswGraph.DELETED;
import static io.vecdb.index.HnswGraph.LIVE;
import static io.vecdb.index.HnswGraph.NO_ENTRY;
import static io.vecdb.index.HnswGraph.PAGE_MASK;
import static io.vecdb.index.HnswGraph.PAGE_SHIFT;
import static io.vecdb.index.HnswGraph.PAGE_SIZE;
import static io.vecdb.index.HnswGraph.entryLevel;
import static io.vecdb.index.HnswGraph.entryNode;
import static io.vecdb.index.HnswGraph.links;

import io.vecdb.index.HnswGraph.Page;
import io.vecdb.index.VectorIndex.OrdinalFilter;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Reads of an {@link HnswIndex}'s graph: the greedy descent of the upper layers, the best-first
 * search of one layer (hnswlib's searchBaseLayer) that searches and inserts share, the exact scan,
 * and the per-thread scratch they run on. Never takes a lock; may run beside any change (see {@link
 * HnswIndex}'s class comment for what a reader may see). Scratches are per platform thread (a
 * thread-local) and pooled for virtual threads; {@code scratches} is guarded by its own monitor.
 */
final class HnswSearcher {
  /** Per-thread search state, reused so that a search allocates only its result. */
  static final class Scratch {
    int[] visited = new int[PAGE_SIZE];
    int generation;
    final LongHeap candidates = new LongHeap(256);
    final LongHeap results = new LongHeap(256);
    int[] batch = new int[64];
    float[] distances = new float[64];

    /** Distances taken by layer searches on this thread; a cost measure for tests. */
    long distanceCount;

    /** Sum of the bytes {@link QuantizedCodes.Query#touch} read: kept so the loads stay. */
    int touched;

    /** A batch array for {@code n} neighbours and three more (a padded last four-way step). */
    int[] batch(int n) {
      if (batch.length < n + 3) {
        batch = new int[n + 3];
        distances = new float[n + 3];
      }
      return batch;
    }

    void startVisit(int capacity) {
      if (visited.length < capacity) {
        visited = new int[Math.max(capacity, visited.length * 2)];
        generation = 0;
      }
      if (++generation == 0) {
        Arrays.fill(visited, 0);
        generation = 1;
      }
    }

    /** Marks {@code node} visited; false if it already was in this search. */
    boolean visit(int node) {
      int[] v = visited;
      if (node >= v.length) {
        visited = v = Arrays.copyOf(v, Math.max(node + 1, v.length * 2));
      }
      if (v[node] == generation) {
        return false;
      }
      v[node] = generation;
      return true;
    }
  }

  private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(this::newScratch);

  // Every live scratch (a thread's, or pooled for virtual threads), weakly: counted by
  // ramBytesUsed, forgotten when its thread is gone. Guarded by its own monitor.
  private final java.util.Set<Scratch> scratches =
      java.util.Collections.synchronizedSet(
          java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>()));

  private Scratch newScratch() {
    Scratch s = new Scratch();
    scratches.add(s);
    return s;
  }

  /**
   * Scratch for virtual threads, which are too many and too short-lived for a thread-local each (a
   * visited array is 4 bytes per node). Lock-free queue; grows to the peak concurrency.
   */
  private final ConcurrentLinkedQueue<Scratch> scratchPool = new ConcurrentLinkedQueue<>();

  /** Tests only: runs inside {@link #search} right after it read the page table; else null. */
  volatile Runnable afterPagesRead;

  Hits search(float[] q, int k, SearchParams params, OrdinalFilter filter, Scratch s) {
    return search(q, null, k, params, filter, s);
  }

  /**
   * A graph search for the {@code k} best; with {@code probe} (quantized codes), the walk compares
   * codes, {@code max(ef, k * oversampling)} candidates are kept, and unless {@code params} turn
   * rescoring off the best {@code k * oversampling} of them are scored again with the float32
   * vectors ({@link #rescore}) and the best {@code k} of those come back, with exact scores.
   */
  Hits search(
      float[] q,
      QuantizedCodes.Query probe,
      int k,
      SearchParams params,
      OrdinalFilter filter,
      Scratch s) {
    long e = graph.entry.get();
    if (e == NO_ENTRY) {
      return Hits.EMPTY;
    }
    int ef = Math.max(k, params.ef() > 0 ? params.ef() : config.ef());
    int pool = k;
    if (probe != null) {
      pool = (int) Math.min(100_000, Math.ceil(k * params.oversampling()));
      ef = Math.max(ef, pool);
    }
    Page[] ps = graph.pages;
    Runnable hook = afterPagesRead;
    if (hook != null) {
      hook.run(); // tests: the table grows after this search read it
    }
    int ep = entryNode(e);
    float epDist = probe != null ? probe.dist(ep) : scorer.dist(q, 0, graph.pageOf(ps, ep), ep);
    for (int level = entryLevel(e); level > 0; level--) {
      long best = greedy(q, probe, ep, epDist, level, ps, s);
      ep = LongHeap.ordinal(best);
      epDist = LongHeap.distance(best);
    }
    searchLayer(q, probe, ep, epDist, ef, 0, true, filter, s);
    LongHeap results = s.results;
    if (results.size() < k) {
      // The walk ran out of reachable candidates (tiny or disconnected graph, or a very selective
      // filter): an exact scan is the only way to keep the "k hits if k match" promise.
      return exactSearch(q, k, filter, s);
    }
    if (probe != null && params.rescore()) {
      return rescore(q, results, pool, k);
    }
    return drain(results, k);
  }

  /**
   * The best {@code k} of the best {@code pool} entries of {@code results} (a max-heap of quantized
   * distances), scored again with the float32 vectors. The caller holds a read section, so the
   * slots still hold the vectors their codes were taken from.
   */
  private Hits rescore(float[] q, LongHeap results, int pool, int k) {
    while (results.size() > pool) {
      results.pop();
    }
    int n = results.size();
    long[] keys = new long[n];
    Page[] ps = graph.pages;
    for (int i = 0; i < n; i++) {
      int ord = LongHeap.ordinal(~results.pop());
      if ((ord >>> PAGE_SHIFT) >= ps.length) {
        ps = graph.pages;
      }
      keys[i] = LongHeap.pack(scorer.dist(q, 0, ps[ord >>> PAGE_SHIFT], ord), ord);
    }
    Arrays.sort(keys); // packed (distance, ordinal): ascending distance
    int size = Math.min(k, n);
    int[] ords = new int[size];
    float[] scores = new float[size];
    for (int i = 0; i < size; i++) {
      ords[i] = LongHeap.ordinal(keys[i]);
      scores[i] = scorer.toScore(LongHeap.distance(keys[i]));
    }
    return new Hits(ords, scores);
  }

  /** Scores every live ordinal accepted by {@code filter}; {@code q} is already normalised. */
  Hits exactSearch(float[] q, int k, OrdinalFilter filter, Scratch s) {
    LongHeap top = s.results;
    top.clear();
    int n = graph.nextOrdinal.get();
    Page[] ps = graph.pages;
    n = Math.min(n, ps.length << PAGE_SHIFT);
    for (int ord = 0; ord < n; ord++) {
      if ((ord & 4095) == 4095) {
        Deadline.check();
      }
      Page p = ps[ord >>> PAGE_SHIFT];
      int slot = ord & PAGE_MASK;
      if (HnswGraph.stateAcquire(p, slot) != LIVE) {
        continue;
      }
      if (filter != null && !filter.accept(ord)) {
        continue;
      }
      float d = scorer.dist(q, 0, p, ord);
      long key = ~LongHeap.pack(d, ord);
      if (top.size() < k) {
        top.push(key);
      } else if (key > top.peek()) {
        top.replaceTop(key);
      }
    }
    return drain(top, Math.min(k, top.size()));
  }

  /** Empties a max-heap (keys stored as {@code ~pack}) into the best {@code k}, best first. */
  private Hits drain(LongHeap results, int k) {
    while (results.size() > k) {
      results.pop();
    }
    int size = results.size();
    int[] ords = new int[size];
    float[] scores = new float[size];
    for (int i = size - 1; i >= 0; i--) {
      long key = ~results.pop();
      ords[i] = LongHeap.ordinal(key);
      scores[i] = scorer.toScore(LongHeap.distance(key));
    }
    return new Hits(ords, scores);
  }

  /** Greedy walk on an upper layer; returns the packed (distance, ordinal) of the local optimum. */
  long greedy(float[] q, int start, float startDist, int level, Page[] ps, Scratch s) {
    return greedy(q, null, start, startDist, level, ps, s);
  }

  /**
   * As {@link #greedy(float[], int, float, int, Page[], Scratch)}, comparing codes when {@code
   * probe}. Uses {@code s}'s distance buffer (free between layer searches).
   */
  long greedy(
      float[] q,
      QuantizedCodes.Query probe,
      int start,
      float startDist,
      int level,
      Page[] ps,
      Scratch s) {
    int cur = start;
    float curDist = startDist;
    boolean changed = true;
    while (changed) {
      changed = false;
      if ((cur >>> PAGE_SHIFT) >= ps.length) {
        // The caller read the page table before the node it starts from was added (the last
        // level's walk moved to it): read the table again, or the old one is indexed past its end.
        ps = graph.pages;
      }
      int[] links = links(ps, cur, level);
      int n = links.length >>> 1;
      int i = 0;
      s.batch(n);
      float[] d4 = s.distances;
      // Four neighbours at a time (the query is loaded once for four); then as one by one, in
      // order, so the walk takes the same steps.
      for (; i + 3 < n; i += 4) {
        if (probe != null) {
          probe.dist4(links, i, d4);
        } else {
          int last =
              Math.max(Math.max(links[i], links[i + 1]), Math.max(links[i + 2], links[i + 3]));
          if ((last >>> PAGE_SHIFT) >= ps.length) {
            ps = graph.pages;
          }
          scorer.dist4(q, ps, links, i, d4, i);
        }
        for (int k = i; k < i + 4; k++) {
          if (d4[k] < curDist) {
            curDist = d4[k];
            cur = links[k];
            changed = true;
          }
        }
      }
      for (; i < n; i++) {
        int nb = links[i];
        if ((nb >>> PAGE_SHIFT) >= ps.length) {
          ps = graph.pages;
        }
        float d = probe != null ? probe.dist(nb) : scorer.dist(q, 0, ps[nb >>> PAGE_SHIFT], nb);
        if (d < curDist) {
          curDist = d;
          cur = nb;
          changed = true;
        }
      }
    }
    return LongHeap.pack(curDist, cur);
  }

  /**
   * Best-first search of one layer from one entry point (hnswlib's searchBaseLayer). Every reached
   * node is traversed; only accepted ones enter {@code s.results} (a max-heap of {@code ~pack}, at
   * most {@code ef}). For a search, accepted means LIVE and passing {@code filter}; while building,
   * any node still in the graph (LIVE or DELETED) is a valid neighbour.
   */
  void searchLayer(
      float[] q,
      int ep,
      float epDist,
      int ef,
      int level,
      boolean forSearch,
      OrdinalFilter filter,
      Scratch s) {
    searchLayer(q, null, ep, epDist, ef, level, forSearch, filter, s);
  }

  /** As the overload without {@code probe}; with one, distances compare quantized codes. */
  void searchLayer(
      float[] q,
      QuantizedCodes.Query probe,
      int ep,
      float epDist,
      int ef,
      int level,
      boolean forSearch,
      OrdinalFilter filter,
      Scratch s) {
    LongHeap candidates = s.candidates;
    LongHeap results = s.results;
    candidates.clear();
    results.clear();
    s.startVisit(graph.nextOrdinal.get());
    Page[] ps = graph.pages;
    s.visit(ep);
    candidates.push(LongHeap.pack(epDist, ep));
    float worst = Float.POSITIVE_INFINITY;
    if (accepts(ps, ep, forSearch, filter)) {
      results.push(~LongHeap.pack(epDist, ep));
      if (ef == 1) {
        worst = epDist;
      }
    }
    int expanded = 0;
    while (!candidates.isEmpty()) {
      long c = candidates.pop();
      if (LongHeap.distance(c) > worst) {
        break;
      }
      if ((++expanded & 63) == 0) {
        Deadline.check(); // a request's timeout (never bound on the apply threads that insert)
      }
      int[] links = links(ps, LongHeap.ordinal(c), level);
      int n = links.length >>> 1;
      // Unvisited neighbours first, then their distances four at a time (see squareDistance4).
      int[] batch = s.batch(n);
      int m = 0;
      for (int i = 0; i < n; i++) {
        int nb = links[i];
        if (s.visit(nb)) {
          batch[m++] = nb;
          if ((nb >>> PAGE_SHIFT) >= ps.length) {
            ps = graph.pages;
          }
        }
      }
      float[] ds = s.distances;
      s.distanceCount += m;
      int j = 0;
      if (probe != null) {
        s.touched += probe.touch(batch, m);
        for (; j + 3 < m; j += 4) {
          probe.dist4(batch, j, ds);
        }
        if (m - j >= 2) {
          pad(batch, j, m);
          probe.dist4(batch, j, ds);
          j = m;
        }
        for (; j < m; j++) {
          ds[j] = probe.dist(batch[j]);
        }
      } else {
        for (; j + 3 < m; j += 4) {
          scorer.dist4(q, ps, batch, j, ds);
        }
        if (m - j >= 2) {
          pad(batch, j, m);
          scorer.dist4(q, ps, batch, j, ds);
          j = m;
        }
        for (; j < m; j++) {
          ds[j] = scorer.dist(q, 0, ps[batch[j] >>> PAGE_SHIFT], batch[j]);
        }
      }
      for (int i = 0; i < m; i++) {
        int nb = batch[i];
        float d = ds[i];
        Page p = ps[nb >>> PAGE_SHIFT];
        int slot = nb & PAGE_MASK;
        if (d < worst || results.size() < ef) {
          candidates.push(LongHeap.pack(d, nb));
          if (acceptsSlot(p, slot, nb, forSearch, filter)) {
            long key = ~LongHeap.pack(d, nb);
            if (results.size() < ef) {
              results.push(key);
            } else {
              results.replaceTop(key);
            }
            if (results.size() >= ef) {
              worst = LongHeap.distance(~results.peek());
            }
          }
        }
      }
    }
  }

  /**
   * Two or three neighbours left after the four-way steps: repeats the last one up to {@code
   * batch[from + 3]}, so that one more four-way step (its vector in cache by then) takes them,
   * cheaper than two or three single distances. {@link Scratch#batch} leaves room for it.
   */
  private static void pad(int[] batch, int from, int m) {
    int last = batch[m - 1];
    for (int k = m; k < from + 4; k++) {
      batch[k] = last;
    }
  }

  private static boolean accepts(Page[] ps, int node, boolean forSearch, OrdinalFilter filter) {
    return acceptsSlot(ps[node >>> PAGE_SHIFT], node & PAGE_MASK, node, forSearch, filter);
  }

  private static boolean acceptsSlot(
      Page p, int slot, int node, boolean forSearch, OrdinalFilter filter) {
    byte st = p.states[slot];
    if (forSearch) {
      return st == LIVE && (filter == null || filter.accept(node));
    }
    return st == LIVE || st == DELETED;
  }

  Scratch acquireScratch() {
    if (!Thread.currentThread().isVirtual()) {
      return scratch.get();
    }
    Scratch s = scratchPool.poll();
    return s != null ? s : newScratch();
  }

  void releaseScratch(Scratch s) {
    if (Thread.currentThread().isVirtual()) {
      scratchPool.offer(s);
    }
  }

  private final HnswGraph graph;
  private final HnswScorer scorer;
  private final HnswConfig config;

  HnswSearcher(HnswGraph graph, HnswScorer scorer, HnswConfig config) {
    this.graph = graph;
    this.scorer = scorer;
    this.config = config;
  }

  /** Bytes held by the live scratches (an estimate; their arrays grow with the graph). */
  long scratchBytes() {
    long bytes = 0;
    synchronized (scratches) {
      for (Scratch sc : scratches) {
        bytes += 64L + 16L + 4L * sc.visited.length + 2L * (16L + 8L * 256) + 8L * sc.batch.length;
      }
    }
    return bytes;
  }

  /** Distances taken by layer searches on the calling platform thread so far; for tests. */
  long distanceCount() {
    return scratch.get().distanceCount;
  }
}
