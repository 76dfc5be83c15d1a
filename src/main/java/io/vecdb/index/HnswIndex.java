package io.vecdb.index;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A Hierarchical Navigable Small World graph (Malkov and Yashunin) over float32 vectors.
 *
 * <p>Layout: nodes live in pages of {@value #PAGE_SIZE}. A page holds the vectors of its nodes in
 * one {@code float[]}, a state byte and a level byte per node, and per node one immutable {@code
 * int[]} neighbour list per layer. A list of {@code n} neighbours is an {@code int[2n]}: the
 * ordinals, sorted by distance to the owner, then the raw bits of those distances (so pruning needs
 * no recomputation of owner distances). Lists are never mutated after publication: a writer builds
 * a new array and publishes it with a release store; readers load it with an acquire load.
 *
 * <p>Concurrency (who calls what, what guards what):
 *
 * <ul>
 *   <li>{@link #search}, {@link #isLive}, {@link #vector}, {@link #score}, {@link #size}: any
 *       thread, any time, no locks. They read the volatile page table, acquire-load lists and
 *       states, and read the volatile {@link #entry}. A search reads {@link #removals} (volatile)
 *       first, so a tombstone written before {@code remove} returned is visible to it.
 *   <li>{@link #add} and {@link #remove}: any number of threads at once (parallel bulk build). They
 *       hold the read side of {@link #structure}. A node's lists are replaced only while holding
 *       that node's stripe of {@link #stripes}; no thread holds two stripes, so there is no lock
 *       order to respect. New ordinals come from {@link #nextOrdinal}; the page table grows under
 *       {@link #growLock} and is republished copy-on-write (existing pages never move). A node's
 *       vector, level and empty lists are written before its state is release-stored as LIVE and
 *       before any list names it. {@link #remove} flips LIVE to DELETED while holding the node's
 *       stripe, so whoever prunes that node's list sees one state throughout (in-degree counting
 *       depends on it); then, holding no stripe, it uncounts the node's links, relinks any live
 *       node left without an in-link, and moves {@link #entry} off the node if it was the entry. An
 *       add whose node rises above the entry's level holds {@link #promotionLock} for its whole
 *       link (then stripes, one at a time, as any add; nothing holding a stripe takes it), and
 *       links from the entry as it reads it there.
 *   <li>{@link #compact}: any thread, one at a time ({@link #compactLock}). Three phases. First,
 *       under the read side of {@link #structure}, beside adds and removes, taken {@link
 *       #REPAIR_RUN} nodes at a time: it chooses the nodes to free ({@code dead}: those DELETED
 *       when it scans) and repairs every list naming one, with the same stripes as adds. A live
 *       owner's list is rebuilt and published under the owner's stripe, merged with whatever
 *       concurrent adds published since it was read, with the same in-degree bookkeeping as any
 *       list change; a tombstone's list just loses those entries. Meanwhile a concurrent add or
 *       search sees each list either before or after its repair; nodes about to be freed are still
 *       DELETED, so walked and never returned, and an add links its new node to them only as it
 *       links to any tombstone (when no live node is among its candidates). A node removed while
 *       its own list is repaired may still gain in-links from that repair, as a node removed while
 *       an add links to it does; they go at the next compaction. Lists that come to name a dead
 *       node after the pass read their owner are journaled ({@link Journal}). Then, under the write
 *       side, while adds and removes wait (for work proportional to the journal and the dead nodes,
 *       not to the graph: issue 12, item 5): it repairs the journaled lists, moves {@link #entry}
 *       off a dead node, marks the dead nodes FREED and drops their lists, subtracts them from
 *       {@link #tombstones} and retires them. Last, under the read side again, yielded every {@link
 *       #WALK_RUN} steps, beside adds and removes: it relinks live nodes left without an in-link
 *       and runs the connectivity walk. Nodes removed after the scan stay tombstones until the next
 *       compaction.
 *   <li>{@link #capture} (and {@link #writeTo}, which writes a capture at once): any thread; holds
 *       the write side for a few array copies per page ({@link HnswImage}); the image is written
 *       afterwards, beside everything else.
 *   <li>Freed ordinals: {@link #compact} retires them (under the write side) with a stamp from
 *       {@link #epochs}; {@link #add} takes one under {@link #freeLock} once its grace period is
 *       over. Readers pin an epoch ({@link #pinReads}; {@link #search} pins its own) without locks.
 *   <li>Searches never block: no method they call takes a lock.
 * </ul>
 *
 * <p>When {@link #compact} releases the write side: no list of a LIVE or DELETED node, on any
 * layer, names a FREED node; each in-degree equals the number of layer-0 lists of live nodes naming
 * the node; {@link #tombstones} equals the number of DELETED nodes. When it returns, and no add or
 * remove ran during its last phase or since, every live node is also reachable from the entry point
 * over layer 0. Adds and removes keep every live node's in-link (see Reachability) but not every
 * path, until the next compaction.
 *
 * <p>Deletes: {@link #remove} tombstones a node; searches still walk through it but never return
 * it. {@link #compact} unlinks tombstoned nodes, repairs their neighbours' lists and frees their
 * graph memory; their ordinals (and vector slots) are then handed out again by {@link #add}, lowest
 * first, once every read section ({@link #pinReads}, and every {@link #search}) that was open when
 * they were freed has closed: {@link ReadEpochs}. So an index overwritten again and again stays
 * about as large as its live points plus the tombstones between two compactions. A snapshot keeps
 * FREED slots as they are, and a loaded index reuses them at once.
 *
 * <p>Reachability: plain HNSW pruning can leave a node with no in-link (exact duplicates do so
 * reliably). Each page counts per node the layer-0 lists of live nodes naming it, and pruning never
 * drops a live node's last in-link. Tombstones need no in-link and their lists count for nothing:
 * {@link #remove} takes the node's list as it flips the state (both under its stripe) and then
 * uncounts those links, relinking any live node left with none. New nodes choose live neighbours
 * only; tombstones are walked but gain no links. (Counting and protecting tombstones made lists
 * grow with every overwrite until compaction, each prune quadratic in the list length.) A count is
 * not a path, though: a group of live nodes whose in-links come only from each other can form
 * (about 1-2% of live nodes under heavy overwrites of badly scaled data, and fewer than before
 * tombstones stopped counting); {@link #compact} ends with a walk from the entry point that links
 * every unreached live node from its nearest reached one, so after a compaction every live node is
 * reachable.
 *
 * <p>Searches run on a per-thread scratch (visited stamps, heaps); virtual threads share a pool.
 */
public final class HnswIndex implements VectorIndex {
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

  private static final int METRIC_L2 = 0;
  private static final int METRIC_NEG_DOT = 1;
  private static final int METRIC_L1 = 2;

  /** One page of nodes; the arrays are fixed-size, their elements change as described above. */
  static final class Page {
    final float[] vectors;
    final byte[] states = new byte[PAGE_SIZE];
    final byte[] levels = new byte[PAGE_SIZE];
    final int[][] layer0 = new int[PAGE_SIZE][];

    /** Layer-0 lists naming each node; updated atomically by whichever writer changes a list. */
    final int[] inDegree = new int[PAGE_SIZE];

    /** Per node with level >= 1: lists of layers 1..level at index layer - 1; else null. */
    final int[][][] upper = new int[PAGE_SIZE][][];

    Page(int dimension) {
      vectors = new float[PAGE_SIZE * dimension];
      Arrays.fill(layer0, EMPTY);
    }
  }

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

    int[] batch(int n) {
      if (batch.length < n) {
        batch = new int[n];
        distances = new float[n];
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

  private final int dimension;
  private final Distance distance;
  private final HnswConfig config;
  private final int metric;
  private final double levelMultiplier;
  private final Object[] stripes = new Object[STRIPES];
  private final Object growLock = new Object();

  /**
   * Held by an add whose node rises above the entry point's level, for its whole link: such adds
   * run one at a time, so the second links its upper layers to the first instead of both linking
   * from the old entry and leaving those layers empty. Rare (one add in about m^level).
   */
  private final Object promotionLock = new Object();

  private final ReentrantReadWriteLock structure = new ReentrantReadWriteLock();

  /** Held by {@link #compact} throughout: one compaction at a time. */
  private final java.util.concurrent.locks.ReentrantLock compactLock =
      new java.util.concurrent.locks.ReentrantLock();

  private final AtomicInteger nextOrdinal = new AtomicInteger();
  private final AtomicInteger live = new AtomicInteger();
  private final AtomicLong removals = new AtomicLong();

  /** Tombstoned nodes not yet freed by {@link #compact}: +1 in remove, -freed in compact. */
  private final AtomicInteger tombstones = new AtomicInteger();

  /** (level << 32) | ordinal of the entry point, or {@link #NO_ENTRY}. */
  private final AtomicLong entry = new AtomicLong(NO_ENTRY);

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

  private volatile Page[] pages = new Page[0];

  /** Grace periods of freed ordinals (see {@link #takeFreed}). */
  private final ReadEpochs epochs = new ReadEpochs();

  // Freed ordinals, guarded by freeLock: free[0..freeCount) may be reused now (taken from the end,
  // the lowest first); limbo holds retired batches, oldest first, until no reader pinned before
  // their stamp is left. reusable (written under freeLock, read without) counts both.
  private final Object freeLock = new Object();
  private int[] free = new int[0];
  private int freeCount;
  private final java.util.ArrayDeque<Retired> limbo = new java.util.ArrayDeque<>();
  private volatile int reusable;

  /** The longest time the write side was held (adds and removes waiting) since last taken. */
  private final AtomicLong longestWriteHold = new AtomicLong();

  private void noteWriteHold(long since) {
    longestWriteHold.accumulateAndGet(System.nanoTime() - since, Math::max);
  }

  /**
   * The longest time, in nanoseconds, that a compaction's second phase or a {@link #capture} held
   * the write side of the structure lock (so held adds and removes back) since the last call, which
   * resets it: for benchmarks and metrics.
   */
  public long takeLongestWriteHoldNanos() {
    return longestWriteHold.getAndSet(0);
  }

  /** Tests only: publishes the layer-0 link {@code from -> to} as the connectivity walk does. */
  void linkForTest(int from, int to) {
    var read = structure.readLock();
    read.lock();
    try {
      forceLink(pages, from, to);
    } finally {
      read.unlock();
    }
  }

  /** Tests only: runs inside {@link #search} right after it read the page table; else null. */
  volatile Runnable afterPagesRead;

  /** Tests only: runs inside {@link #add} after it took its ordinal, before the page; else null. */
  volatile Runnable afterOrdinalTaken;

  /** Tests only: runs inside {@link #add} once it read the entry point it links from; else null. */
  volatile Runnable afterEntryRead;

  public HnswIndex(int dimension, Distance distance, HnswConfig config) {
    if (dimension <= 0) {
      throw new IllegalArgumentException("dimension must be > 0, got " + dimension);
    }
    this.dimension = dimension;
    this.distance = java.util.Objects.requireNonNull(distance, "distance");
    this.config = java.util.Objects.requireNonNull(config, "config");
    this.metric =
        switch (distance) {
          case EUCLID -> METRIC_L2;
          case COSINE, DOT -> METRIC_NEG_DOT;
          case MANHATTAN -> METRIC_L1;
        };
    this.levelMultiplier = 1.0 / Math.log(config.m());
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Object();
    }
  }

  public HnswIndex(int dimension, Distance distance) {
    this(dimension, distance, HnswConfig.DEFAULT);
  }

  public HnswConfig config() {
    return config;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public Distance distance() {
    return distance;
  }

  // ---------------------------------------------------------------- reads

  @Override
  public boolean isLive(int ordinal) {
    return state(ordinal) == LIVE;
  }

  /** Number of ordinals handed out so far (live, tombstoned and freed). */
  public int ordinalCount() {
    return nextOrdinal.get();
  }

  @Override
  public int size() {
    return live.get();
  }

  /** Removed nodes whose graph memory {@link #compact} has not freed yet. Any thread, no locks. */
  public int tombstones() {
    return tombstones.get();
  }

  @Override
  public float[] vector(int ordinal) {
    if (!isLive(ordinal)) {
      return null;
    }
    Page p = pages[ordinal >>> PAGE_SHIFT];
    return Arrays.copyOfRange(
        p.vectors, (ordinal & PAGE_MASK) * dimension, ((ordinal & PAGE_MASK) + 1) * dimension);
  }

  @Override
  public float score(float[] query, int ordinal) {
    checkDimension(query);
    if (state(ordinal) == ABSENT) {
      throw new IllegalArgumentException("ordinal " + ordinal + " was never added");
    }
    float[] q = distance == Distance.COSINE ? VectorMath.normalized(query) : query;
    Page p = pages[ordinal >>> PAGE_SHIFT];
    return toScore(dist(q, 0, p.vectors, (ordinal & PAGE_MASK) * dimension));
  }

  /**
   * {@inheritDoc}
   *
   * <p>Scans exactly when {@code params.exact()} or when fewer than {@code fullScanThreshold}
   * points are live; otherwise walks the graph with {@code max(k, ef)} candidates ({@code ef} from
   * {@code params}, else the config's). The filter is checked as nodes are reached: rejected and
   * tombstoned nodes are walked through but never collected. If the walk collects fewer than {@code
   * k} hits, an exact scan over the live points answers instead.
   */
  @Override
  public Hits search(float[] query, int k, SearchParams params, OrdinalFilter filter) {
    checkDimension(query);
    if (k <= 0) {
      return Hits.EMPTY;
    }
    long seenRemovals = removals.get(); // volatile read: orders the state reads below
    float[] q = distance == Distance.COSINE ? VectorMath.normalized(query) : query;
    Scratch s = acquireScratch();
    try (ReadSection pinned = epochs.enter()) {
      Hits hits = search(q, k, params, filter, s);
      assert seenRemovals <= removals.get();
      return hits;
    } finally {
      releaseScratch(s);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Here: freed ordinals are handed out again by {@link #add} once every section open when they
   * were freed has closed ({@link ReadEpochs}). {@link #search} opens one of its own; a caller that
   * maps the ordinals it returns (or reads {@link #vector} of an ordinal from its own table) holds
   * one around that too.
   */
  @Override
  public ReadSection pinReads() {
    return epochs.enter();
  }

  private Hits search(float[] q, int k, SearchParams params, OrdinalFilter filter, Scratch s) {
    if (params.exact() || live.get() < config.fullScanThreshold()) {
      return exactSearch(q, k, filter, s);
    }
    long e = entry.get();
    if (e == NO_ENTRY) {
      return Hits.EMPTY;
    }
    int ef = Math.max(k, params.ef() > 0 ? params.ef() : config.ef());
    Page[] ps = pages;
    Runnable hook = afterPagesRead;
    if (hook != null) {
      hook.run(); // tests: the table grows after this search read it
    }
    int ep = entryNode(e);
    float epDist = dist(q, 0, vectorsOf(ps, ep), offsetOf(ep));
    for (int level = entryLevel(e); level > 0; level--) {
      long best = greedy(q, ep, epDist, level, ps);
      ep = LongHeap.ordinal(best);
      epDist = LongHeap.distance(best);
    }
    searchLayer(q, ep, epDist, ef, 0, true, filter, s);
    LongHeap results = s.results;
    if (results.size() < k) {
      // The walk ran out of reachable candidates (tiny or disconnected graph, or a very selective
      // filter): an exact scan is the only way to keep the "k hits if k match" promise.
      return exactSearch(q, k, filter, s);
    }
    return drain(results, k);
  }

  /** Scores every live ordinal accepted by {@code filter}; {@code q} is already normalised. */
  private Hits exactSearch(float[] q, int k, OrdinalFilter filter, Scratch s) {
    LongHeap top = s.results;
    top.clear();
    int n = nextOrdinal.get();
    Page[] ps = pages;
    n = Math.min(n, ps.length << PAGE_SHIFT);
    for (int ord = 0; ord < n; ord++) {
      if ((ord & 4095) == 4095) {
        Deadline.check();
      }
      Page p = ps[ord >>> PAGE_SHIFT];
      int slot = ord & PAGE_MASK;
      if ((byte) STATES.getAcquire(p.states, slot) != LIVE) {
        continue;
      }
      if (filter != null && !filter.accept(ord)) {
        continue;
      }
      float d = dist(q, 0, p.vectors, slot * dimension);
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
      scores[i] = toScore(LongHeap.distance(key));
    }
    return new Hits(ords, scores);
  }

  /** Greedy walk on an upper layer; returns the packed (distance, ordinal) of the local optimum. */
  private long greedy(float[] q, int start, float startDist, int level, Page[] ps) {
    int cur = start;
    float curDist = startDist;
    boolean changed = true;
    while (changed) {
      changed = false;
      if ((cur >>> PAGE_SHIFT) >= ps.length) {
        // The caller read the page table before the node it starts from was added (the last
        // level's walk moved to it): read the table again, or the old one is indexed past its end.
        ps = pages;
      }
      int[] links = links(ps, cur, level);
      int n = links.length >>> 1;
      for (int i = 0; i < n; i++) {
        int nb = links[i];
        if ((nb >>> PAGE_SHIFT) >= ps.length) {
          ps = pages;
        }
        float d = dist(q, 0, ps[nb >>> PAGE_SHIFT].vectors, offsetOf(nb));
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
  private void searchLayer(
      float[] q,
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
    s.startVisit(nextOrdinal.get());
    Page[] ps = pages;
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
            ps = pages;
          }
        }
      }
      float[] ds = s.distances;
      s.distanceCount += m;
      int j = 0;
      for (; j + 3 < m; j += 4) {
        dist4(q, ps, batch, j, ds);
      }
      for (; j < m; j++) {
        ds[j] = dist(q, 0, ps[batch[j] >>> PAGE_SHIFT].vectors, offsetOf(batch[j]));
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

  // ---------------------------------------------------------------- writes

  /**
   * {@inheritDoc}
   *
   * <p>Thread-safe; several threads may add at once (parallel bulk build). Waits while {@link
   * #writeTo} or the second phase of {@link #compact} runs, not for its repairs.
   */
  @Override
  public int add(float[] vector) {
    checkDimension(vector);
    float[] v = distance == Distance.COSINE ? VectorMath.normalized(vector) : vector;
    var lock = structure.readLock();
    lock.lock();
    try {
      int ord = takeFreed();
      Page[] ps;
      if (ord >= 0) {
        ps = pages; // a freed ordinal's page exists
      } else {
        ord = nextOrdinal.getAndIncrement();
        Runnable hook = afterOrdinalTaken;
        if (hook != null) {
          hook.run(); // tests: others see the ordinal before its page exists
        }
        ps = ensurePage(ord);
      }
      Page page = ps[ord >>> PAGE_SHIFT];
      int slot = ord & PAGE_MASK;
      // A reused slot is FREED until the LIVE store below: nothing names it and no reader that
      // could hold it from before it was freed is still reading (the grace period).
      System.arraycopy(v, 0, page.vectors, slot * dimension, dimension);
      int level = levelFor(ord);
      page.levels[slot] = (byte) level;
      if (level > 0) {
        int[][] up = new int[level][];
        Arrays.fill(up, EMPTY);
        page.upper[slot] = up;
      } else {
        page.upper[slot] = null;
      }
      STATES.setRelease(page.states, slot, LIVE);
      live.incrementAndGet();
      Scratch s = acquireScratch();
      try {
        link(ord, page.vectors, slot * dimension, level, s);
      } finally {
        releaseScratch(s);
      }
      return ord;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void remove(int ordinal) {
    if (state(ordinal) != LIVE) {
      return; // never added, not yet stored, or already removed
    }
    var lock = structure.readLock();
    lock.lock();
    try {
      Page[] ps = pages;
      Page p = ps[ordinal >>> PAGE_SHIFT];
      int[] list;
      // Under the node's stripe, so a concurrent prune of its list sees one state throughout.
      synchronized (stripe(ordinal)) {
        if (!STATES.compareAndSet(p.states, ordinal & PAGE_MASK, LIVE, DELETED)) {
          return;
        }
        live.decrementAndGet();
        tombstones.incrementAndGet();
        removals.incrementAndGet();
        list = links(ps, ordinal, 0);
      }
      ps = pages; // read after the list: covers every page its entries live in
      moveEntryOff(ordinal, ps);
      // Its layer-0 links stop counting as in-links; a live node that had no other one gets a
      // fresh link from its nearest live node, so it stays reachable without the tombstone.
      Scratch s = null;
      try {
        for (int i = 0; i < list.length >>> 1; i++) {
          if (addInDegree(ps, list[i], -1) == 0 && state(ps, list[i]) == LIVE) {
            s = s == null ? acquireScratch() : s;
            relink(list[i], ps, s);
          }
        }
      } finally {
        if (s != null) {
          releaseScratch(s);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Moves the entry point off a node just removed, to a live node of the highest level (a scan, as
   * rare as removing the entry). Tombstones have no protected in-links, so a removed entry could be
   * cut off from the live graph. If a concurrent add raised the entry meanwhile, that stands.
   */
  private void moveEntryOff(int removed, Page[] ps) {
    long e = entry.get();
    if (e == NO_ENTRY || entryNode(e) != removed) {
      return;
    }
    int n = Math.min(nextOrdinal.get(), ps.length << PAGE_SHIFT);
    int best = -1;
    int bestLevel = -1;
    for (int ord = n - 1; ord >= 0 && bestLevel < entryLevel(e); ord--) {
      if (state(ps, ord) == LIVE) {
        int level = ps[ord >>> PAGE_SHIFT].levels[ord & PAGE_MASK];
        if (level > bestLevel) {
          best = ord;
          bestLevel = level;
        }
      }
    }
    if (best >= 0) {
      entry.compareAndSet(e, packEntry(best, bestLevel));
    }
  }

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
          grown[i] = new Page(dimension);
        }
        pages = grown;
        ps = grown;
      }
      return ps;
    }
  }

  /**
   * Level from a hash of (seed, ordinal): reproducible whatever the thread interleaving (tests).
   */
  int levelFor(int ord) {
    long z = config.seed() + (ord + 1L) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    double u = ((z >>> 11) + 1) * 0x1.0p-53; // (0, 1]
    return (int) Math.min(MAX_LEVEL, Math.floor(-Math.log(u) * levelMultiplier));
  }

  /** Links a node whose vector is stored and state is LIVE into every layer up to its level. */
  private void link(int ord, float[] vecs, int off, int level, Scratch s) {
    long e;
    while ((e = entry.get()) == NO_ENTRY) {
      if (entry.compareAndSet(NO_ENTRY, packEntry(ord, level))) {
        return;
      }
    }
    if (level > entryLevel(e)) {
      synchronized (promotionLock) {
        linkFrom(entry.get(), ord, vecs, off, level, s); // another may have risen meanwhile
      }
    } else {
      linkFrom(e, ord, vecs, off, level, s);
    }
  }

  /** Links node {@code ord} into layers {@code 0..level} from entry {@code e}; raises the entry. */
  private void linkFrom(long e, int ord, float[] vecs, int off, int level, Scratch s) {
    Runnable hook = afterEntryRead;
    if (hook != null) {
      hook.run();
    }
    // The vector is copied so distances are taken against a private array (cheap, once per add).
    float[] q = Arrays.copyOfRange(vecs, off, off + dimension);
    Page[] ps = pages;
    int ep = entryNode(e);
    int top = entryLevel(e);
    float epDist = dist(q, 0, vectorsOf(ps, ep), offsetOf(ep));
    for (int l = top; l > level; l--) {
      long best = greedy(q, ep, epDist, l, ps);
      ep = LongHeap.ordinal(best);
      epDist = LongHeap.distance(best);
    }
    for (int l = Math.min(level, top); l >= 0; l--) {
      // Only live nodes fill the ef_construct results; tombstones are walked through, as a
      // search walks them, and never linked to (hnswlib and Lucene also skip deleted nodes as
      // neighbours; a tombstone gaining in-links would let lists grow with every overwrite).
      // Counting tombstones among the ef nearest, as this did, kept the cost flat as they piled
      // up but crowded the live candidates out: every point overwritten 4 times before a
      // compaction left recall@10 at 0.82 against a fresh build's 0.93 (8 times: 0.49). Now it
      // stays level, for 1.08x the distances per insert at a 20% tombstone share (the optimizer's
      // default trigger) and 2.3x at 80% (ChurnRecallBench). Only if no live node is reachable
      // are tombstones taken, so that the newcomer is still linked in.
      searchLayer(q, ep, epDist, config.efConstruct(), l, true, null, s);
      if (s.results.size() == 0) {
        searchLayer(q, ep, epDist, config.efConstruct(), l, false, null, s);
      }
      LongHeap results = s.results;
      int found = results.size();
      long[] sorted = new long[found];
      for (int i = found - 1; i >= 0; i--) {
        sorted[i] = ~results.pop();
      }
      int n = 0;
      for (int i = 0; i < found; i++) {
        if (isLive(LongHeap.ordinal(sorted[i]))) {
          sorted[n++] = sorted[i];
        }
      }
      if (n == 0) {
        n = found; // no live node was written over the list, so it is intact
      }
      if (n == 0) {
        continue;
      }
      ep = LongHeap.ordinal(sorted[0]);
      epDist = LongHeap.distance(sorted[0]);
      int[] chosen = setOwnLinks(ord, l, sorted, n, s);
      int count = chosen.length >>> 1;
      for (int i = 0; i < count; i++) {
        addBacklink(chosen[i], l, ord, Float.intBitsToFloat(chosen[count + i]), s);
      }
    }
    while (level > entryLevel(e)) {
      if (entry.compareAndSet(e, packEntry(ord, level))) {
        break;
      }
      e = entry.get();
    }
  }

  int maxLinks(int level) {
    return level == 0 ? 2 * config.m() : config.m();
  }

  /**
   * The HNSW paper's heuristic (hnswlib's getNeighborsByHeuristic2): walk candidates nearest first;
   * keep one unless it is closer to an already kept neighbour than to the base. {@code sorted}
   * holds packed (distance to base, ordinal), ascending; {@code exclude} is skipped.
   */
  private int[] selectNeighbours(long[] sorted, int n, int max, int exclude) {
    return selectNeighbours(sorted, n, max, exclude, false);
  }

  /**
   * As above; with {@code fill}, slots the heuristic leaves empty are filled with the nearest
   * pruned candidates (hnswlib's keepPrunedConnections), which compaction uses so that repaired
   * nodes do not end up with fewer links than before.
   */
  private int[] selectNeighbours(long[] sorted, int n, int max, int exclude, boolean fill) {
    int[] ids = new int[Math.min(n, max)];
    float[] ds = new float[ids.length];
    int count = 0;
    Page[] ps = pages;
    for (int i = 0; i < n && count < ids.length; i++) {
      int c = LongHeap.ordinal(sorted[i]);
      if (c == exclude) {
        continue;
      }
      float dc = LongHeap.distance(sorted[i]);
      float[] cv = vectorsOf(ps, c);
      int co = offsetOf(c);
      boolean keep = true;
      for (int j = 0; j < count; j++) {
        float dcs = dist(cv, co, vectorsOf(ps, ids[j]), offsetOf(ids[j]));
        // "<=" rather than the paper's "<": an exact duplicate of a kept neighbour adds nothing,
        // also when the base itself is a duplicate (distance 0 both ways).
        if (dcs <= dc) {
          keep = false;
          break;
        }
      }
      if (keep) {
        ids[count] = c;
        ds[count] = dc;
        count++;
      }
    }
    if (fill && count < ids.length) {
      int selected = count;
      for (int i = 0; i < n && count < ids.length; i++) {
        int c = LongHeap.ordinal(sorted[i]);
        if (c != exclude && !contains(ids, selected, c)) {
          ids[count] = c;
          ds[count] = LongHeap.distance(sorted[i]);
          count++;
        }
      }
      if (count > selected) {
        // Keep the list sorted by distance: merge the fill-ins into place.
        long[] packed = new long[count];
        for (int i = 0; i < count; i++) {
          packed[i] = LongHeap.pack(ds[i], ids[i]);
        }
        Arrays.sort(packed);
        for (int i = 0; i < count; i++) {
          ids[i] = LongHeap.ordinal(packed[i]);
          ds[i] = LongHeap.distance(packed[i]);
        }
      }
    }
    int[] out = new int[2 * count];
    for (int i = 0; i < count; i++) {
      out[i] = ids[i];
      out[count + i] = Float.floatToRawIntBits(ds[i]);
    }
    return out;
  }

  private Object stripe(int node) {
    return stripes[node & (STRIPES - 1)];
  }

  /**
   * Publishes a new node's list chosen from {@code sorted} candidates, merged with links that other
   * inserts already gave it. Returns the published list.
   */
  private int[] setOwnLinks(int ord, int level, long[] sorted, int n, Scratch s) {
    synchronized (stripe(ord)) {
      Page[] ps = pages;
      int[] current = links(ps, ord, level);
      long[] all = sorted;
      int count = n;
      if (current.length > 0) {
        all = withList(sorted, n, current);
        count = all.length;
      }
      return replaceList(ps, ord, level, current, all, count, false, s);
    }
  }

  /** Adds {@code newcomer} to {@code node}'s list on {@code level}, pruning if it is full. */
  private void addBacklink(int node, int level, int newcomer, float d, Scratch s) {
    synchronized (stripe(node)) {
      Page[] ps = pages;
      int[] current = links(ps, node, level);
      int n = current.length >>> 1;
      for (int i = 0; i < n; i++) {
        if (current[i] == newcomer) {
          return;
        }
      }
      if (n < maxLinks(level)) {
        if (level == 0 && state(ps, node) == LIVE) {
          addInDegree(ps, newcomer, 1);
        }
        publish(ps, node, level, insertSorted(current, newcomer, d));
      } else {
        long[] all = withList(new long[] {LongHeap.pack(d, newcomer)}, 1, current);
        replaceList(ps, node, level, current, all, all.length, false, s);
      }
    }
  }

  /** {@code sorted[0, n)} plus the entries of {@code list} not already there, sorted. */
  private static long[] withList(long[] sorted, int n, int[] list) {
    int ln = list.length >>> 1;
    long[] all = Arrays.copyOf(sorted, n + ln);
    int count = n;
    outer:
    for (int i = 0; i < ln; i++) {
      for (int j = 0; j < n; j++) {
        if (LongHeap.ordinal(sorted[j]) == list[i]) {
          continue outer;
        }
      }
      all[count++] = LongHeap.pack(Float.intBitsToFloat(list[ln + i]), list[i]);
    }
    Arrays.sort(all, 0, count);
    return count == all.length ? all : Arrays.copyOf(all, count);
  }

  /**
   * Replaces {@code owner}'s list on {@code level} (the caller holds its stripe) by the heuristic's
   * choice among {@code sorted}, and returns it. On layer 0 it keeps the in-degree counts and never
   * drops the last in-link of a node that needs one: such a node displaces the farthest kept
   * neighbour that has another in-link, or, if none has, is appended beyond the usual maximum.
   * Plain HNSW pruning can orphan nodes (exact duplicates do it reliably); this keeps every live
   * node reachable. Only live nodes need an in-link, and only live owners' lists count (a
   * tombstone's list changes no count): protecting tombstones too made lists grow with every
   * overwrite, each prune quadratic in the list length.
   *
   * @param fill fill slots the heuristic leaves empty with the nearest pruned candidates
   */
  private int[] replaceList(
      Page[] ps, int owner, int level, int[] old, long[] sorted, int n, boolean fill, Scratch s) {
    int[] chosen = selectNeighbours(sorted, n, maxLinks(level), owner, fill);
    // The owner's state cannot change meanwhile: remove() flips it under the same stripe.
    if (level == 0 && state(ps, owner) == LIVE) {
      chosen = keepLastInLinks(ps, owner, old, chosen, sorted, n, s);
    }
    publish(ps, owner, level, chosen);
    return chosen;
  }

  /**
   * In-degree bookkeeping for a layer-0 list change from {@code old} to {@code chosen}; linear in
   * the lengths (hash sets, and one downward pass for displaced neighbours).
   */
  private int[] keepLastInLinks(
      Page[] ps, int owner, int[] old, int[] chosen, long[] sorted, int n, Scratch s) {
    int oldN = old.length >>> 1;
    int cn = chosen.length >>> 1;
    IntSet oldSet = IntSet.of(old, oldN);
    IntSet idSet = new IntSet(cn + n);
    int[] ids = Arrays.copyOf(chosen, cn + n);
    float[] ds = new float[cn + n];
    for (int i = 0; i < cn; i++) {
      ds[i] = Float.intBitsToFloat(chosen[cn + i]);
      idSet.add(ids[i]);
      if (!oldSet.contains(ids[i])) {
        addInDegree(ps, ids[i], 1);
      }
    }
    int count = cn;
    // Victims are taken from the end of the heuristic's choice downwards; positions passed are
    // either replaced by a kept node or have no other in-link, so no position is looked at twice.
    // The nearest m are never displaced: they are what joins the owner to its own neighbourhood
    // (displacing them let hubs trade their links to each other for dependants, and a group of
    // hubs whose only in-links came from each other was cut off).
    int floor = Math.min(cn, config.m());
    int cursor = cn - 1;
    // Displaced neighbours are uncounted once, when displaced. One further down the candidates
    // must not be taken as a dropped old link again: that uncounted it twice (after two rounds of
    // overwrites of 2,000 points and a compaction, 6 to 19 nodes were counted a link short).
    IntSet displaced = null;
    for (int i = 0; i < n; i++) {
      int c = LongHeap.ordinal(sorted[i]);
      if (c == owner || idSet.contains(c) || displaced != null && displaced.contains(c)) {
        continue;
      }
      boolean wasLinked = oldSet.contains(c);
      boolean needs = needsInLink(ps, c);
      if (wasLinked) {
        if (addInDegree(ps, c, -1) > 0) {
          continue; // still reachable through another list
        }
        if (!needs) {
          continue;
        }
        addInDegree(ps, c, 1);
      } else if (!needs || inDegree(ps, c) > 0) {
        continue;
      }
      int victim = -1;
      while (cursor >= floor && victim < 0) {
        int j = cursor--;
        if (addInDegree(ps, ids[j], -1) > 0) {
          victim = j;
        } else {
          addInDegree(ps, ids[j], 1);
        }
      }
      if (victim < 0) {
        victim = count++;
      } else {
        idSet.remove(ids[victim]);
        displaced = displaced == null ? new IntSet(cn) : displaced;
        displaced.add(ids[victim]);
      }
      ids[victim] = c;
      ds[victim] = LongHeap.distance(sorted[i]);
      idSet.add(c);
      if (!wasLinked) {
        addInDegree(ps, c, 1);
      }
    }
    // Old links that were not even candidates (compaction drops links to removed nodes).
    IntSet candidates = null;
    for (int i = 0; i < oldN; i++) {
      if (!idSet.contains(old[i])) {
        if (candidates == null) {
          candidates = new IntSet(n);
          for (int j = 0; j < n; j++) {
            candidates.add(LongHeap.ordinal(sorted[j]));
          }
        }
        if (!candidates.contains(old[i])) {
          addInDegree(ps, old[i], -1);
        }
      }
    }
    long[] packed = new long[count];
    for (int i = 0; i < count; i++) {
      packed[i] = LongHeap.pack(ds[i], ids[i]);
    }
    Arrays.sort(packed);
    int[] out = new int[2 * count];
    for (int i = 0; i < count; i++) {
      out[i] = LongHeap.ordinal(packed[i]);
      out[count + i] = Float.floatToRawIntBits(LongHeap.distance(packed[i]));
    }
    return out;
  }

  /** Whether pruning must keep {@code node}'s last layer-0 in-link: only live nodes need one. */
  private static boolean needsInLink(Page[] ps, int node) {
    return state(ps, node) == LIVE;
  }

  private static boolean contains(int[] a, int n, int x) {
    for (int i = 0; i < n; i++) {
      if (a[i] == x) {
        return true;
      }
    }
    return false;
  }

  private static int addInDegree(Page[] ps, int node, int delta) {
    return (int) IN_DEGREE.getAndAdd(ps[node >>> PAGE_SHIFT].inDegree, node & PAGE_MASK, delta)
        + delta;
  }

  private static int inDegree(Page[] ps, int node) {
    return (int) IN_DEGREE.getAcquire(ps[node >>> PAGE_SHIFT].inDegree, node & PAGE_MASK);
  }

  private static int[] insertSorted(int[] list, int node, float d) {
    int n = list.length >>> 1;
    int pos = n;
    for (int i = 0; i < n; i++) {
      if (Float.intBitsToFloat(list[n + i]) > d) {
        pos = i;
        break;
      }
    }
    int[] out = new int[2 * (n + 1)];
    System.arraycopy(list, 0, out, 0, pos);
    out[pos] = node;
    System.arraycopy(list, pos, out, pos + 1, n - pos);
    System.arraycopy(list, n, out, n + 1, pos);
    out[n + 1 + pos] = Float.floatToRawIntBits(d);
    System.arraycopy(list, n + pos, out, n + 2 + pos, n - pos);
    return out;
  }

  /** Replaces a list; the caller holds {@code node}'s stripe. */
  private void publish(Page[] ps, int node, int level, int[] list) {
    Page p = ps[node >>> PAGE_SHIFT];
    if (level == 0) {
      LISTS.setRelease(p.layer0, node & PAGE_MASK, list);
    } else {
      LISTS.setRelease(p.upper[node & PAGE_MASK], level - 1, list);
    }
    Journal j = journal;
    if (j != null && (node < j.cursor || node >= j.end) && namesDead(list, j.dead)) {
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

  // ---------------------------------------------------------------- compaction

  /**
   * Unlinks every node tombstoned when it starts: each live node that points at one gets a repaired
   * list (its live neighbours plus the live neighbours of the removed ones, pruned by the
   * heuristic, or a fresh graph search if nothing is left), the entry point moves off removed
   * nodes, then removed nodes are marked freed and their lists dropped. Runs on the calling thread,
   * one compaction at a time. Searches go on throughout (they may still pass through a node being
   * freed, and never return it). Adds, removes and {@link #capture}s go on during the repairs and
   * wait only for the short second phase, whose work is proportional to what changed during the
   * first (see the class comment); nodes removed meanwhile are left for the next compaction. When
   * it returns, every live node is reachable from the entry point, unless an add or remove ran
   * during its last phase (the connectivity walk) or has run since.
   *
   * @return the number of nodes freed
   */
  public int compact() {
    return compact(null, null);
  }

  /** Nodes the first phase repairs per hold of the read side (a capture waits for one such run). */
  private static final int REPAIR_RUN = 64;

  /** Steps of the connectivity walk per hold of the read side. */
  private static final int WALK_RUN = 4096;

  /**
   * {@link #compact()} with test hooks: {@code afterScan} runs once the removed nodes are chosen,
   * under the read side of {@link #structure} (it may add and remove); {@code beforeRelease} runs
   * at the end of the second phase, under the write side (it must not add or remove).
   */
  public int compact(Runnable afterScan, Runnable beforeRelease) {
    return compact(afterScan, null, beforeRelease);
  }

  /**
   * As {@link #compact(Runnable, Runnable)}, with {@code duringRepairs} run once the first run of
   * the repair pass ({@link #REPAIR_RUN} owners) is done, holding no lock (it may add, remove and
   * capture: a compaction in progress, some lists repaired and most not, for tests).
   */
  public int compact(Runnable afterScan, Runnable duringRepairs, Runnable beforeRelease) {
    compactLock.lock();
    try {
      Scratch s = acquireScratch();
      try {
        var read = structure.readLock();
        boolean[] dead;
        int[] deadList;
        Journal j;
        read.lock();
        try {
          // An add takes its ordinal before it publishes the page that holds it: scan only what
          // the table read here covers (ordinals past it are being added, so not removed).
          Page[] ps = pages;
          int n = Math.min(nextOrdinal.get(), ps.length << PAGE_SHIFT);
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
            journal = j; // before the pass reads any list (see Journal)
          }
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
        var write = structure.writeLock();
        write.lock();
        long held = System.nanoTime();
        try {
          journal = null; // no list changes while the write side is held
          Page[] ps = pages;
          moveEntryToLive(dead, ps, nextOrdinal.get());
          if (deadList.length > 0) {
            // Only the lists that came to name a removed node after the pass read them.
            long[] changed = j.entries();
            for (long e : changed) {
              repairLater(j, (int) e, (int) (e >>> 32), s);
            }
            for (int ord : deadList) {
              Page p = ps[ord >>> PAGE_SHIFT];
              int slot = ord & PAGE_MASK;
              STATES.setRelease(p.states, slot, FREED);
              // Its list stopped counting as in-links when it was removed; nothing to uncount here.
              LISTS.setRelease(p.layer0, slot, EMPTY);
              int[][] up = p.upper[slot];
              if (up != null) {
                for (int l = 0; l < up.length; l++) {
                  LISTS.setRelease(up, l, EMPTY);
                }
              }
            }
            tombstones.addAndGet(-deadList.length);
            retire(deadList); // after every list naming them is gone
          }
          if (beforeRelease != null) {
            beforeRelease.run();
          }
        } finally {
          write.unlock();
          noteWriteHold(held);
        }
        reconnect(deadList.length > 0, s);
        return deadList.length;
      } finally {
        releaseScratch(s);
      }
    } finally {
      journal = null; // if the first phase failed
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
      Page[] ps = pages;
      byte state;
      int toRepair = 0; // bit l: the layer-l list names a dead node
      synchronized (stripe(ord)) {
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
    Page[] ps = pages;
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
   * <p>Concurrency: {@link #publish} runs under the owner's stripe and journals a list naming a
   * dead node if its owner is below {@code cursor} (already read by the pass) or at or past {@code
   * end} (added since the scan). The pass moves {@code cursor} past an owner under that owner's
   * stripe, before it reads the owner's lists: so a publication to an owner either precedes the
   * pass's read of it (and the pass sees the list) or follows it under the same monitor (and sees
   * the cursor past the owner). {@link HnswIndex#journal} is set before the pass starts. Entries
   * are guarded by this object's monitor; they are rare (a new node whose candidates were all dead,
   * or an owner reused from a freed ordinal).
   */
  private static final class Journal {
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

  /** Set by {@link #compact} for its first phase; see {@link Journal}. */
  private volatile Journal journal;

  /**
   * Compaction's last phase, beside adds and removes (read side, yielded every {@link #WALK_RUN}
   * steps): relinks live nodes left with no in-link (say one that only tombstones pointed at), if
   * {@code relink}, then makes every live node reachable ({@link #connectUnreachable}).
   */
  private void reconnect(boolean relink, Scratch s) {
    var read = structure.readLock();
    read.lock();
    try {
      Page[] ps = pages;
      int n = Math.min(nextOrdinal.get(), ps.length << PAGE_SHIFT);
      if (relink) {
        for (int ord = 0; ord < n; ord++) {
          if ((ord & (WALK_RUN - 1)) == WALK_RUN - 1) {
            read.unlock();
            read.lock();
          }
          if (state(ps, ord) == LIVE && inDegree(ps, ord) == 0) {
            relink(ord, pages, s);
          }
        }
      }
      connectUnreachable(ps, n, s, read);
    } finally {
      read.unlock();
    }
  }

  private static boolean namesDead(int[] list, boolean[] dead) {
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
    synchronized (stripe(ord)) {
      Page[] ps = pages;
      int[] current = links(ps, ord, level);
      int cn = current.length >>> 1;
      int k = 0;
      for (int i = 0; i < cn; i++) {
        k += isDead(dead, current[i]) ? 0 : 1;
      }
      if (k == cn) {
        return;
      }
      publish(ps, ord, level, withoutDead(current, dead, k));
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
    long e = entry.get();
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
      entry.set(packEntry(best, bestLevel));
    } else if (isDead(dead, entryNode(e))) {
      entry.set(NO_ENTRY);
    }
  }

  private void repair(int ord, int level, int[] list, boolean[] dead, Scratch s) {
    Page[] ps = pages; // read after the list: covers every page its entries live in
    float[] q = vectorsOf(ps, ord);
    int qo = offsetOf(ord);
    int cnt = list.length >>> 1;
    long[] cands = new long[64];
    int n = 0;
    s.startVisit(nextOrdinal.get());
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
        if (!s.visit(nb) || isDead(dead, nb) || state(nb) != LIVE) {
          continue;
        }
        cands = grow(cands, n);
        cands[n++] = LongHeap.pack(dist(q, qo, vectorsOf(ps, nb), offsetOf(nb)), nb);
      }
    }
    if (n == 0) {
      // Every neighbour and second neighbour is gone: find new ones by searching the graph.
      long e = entry.get();
      if (e == NO_ENTRY || entryNode(e) == ord) {
        replaceRepaired(ord, level, list, cands, 0, dead, false, s);
        return;
      }
      float[] qv = Arrays.copyOfRange(q, qo, qo + dimension);
      int ep = entryNode(e);
      float epDist = dist(qv, 0, vectorsOf(ps, ep), offsetOf(ep));
      for (int l = entryLevel(e); l > level; l--) {
        long best = greedy(qv, ep, epDist, l, ps);
        ep = LongHeap.ordinal(best);
        epDist = LongHeap.distance(best);
      }
      searchLayer(qv, ep, epDist, config.efConstruct(), level, true, x -> !isDead(dead, x), s);
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
      addBacklink(chosen[i], level, ord, Float.intBitsToFloat(chosen[c + i]), s);
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
    synchronized (stripe(ord)) {
      Page[] ps = pages;
      int[] current = links(ps, ord, level);
      long[] all = cands;
      int count = n;
      if (current != read) {
        int cn = current.length >>> 1;
        int k = 0;
        for (int i = 0; i < cn; i++) {
          k += isDead(dead, current[i]) ? 0 : 1;
        }
        all = withList(cands, n, withoutDead(current, dead, k));
        count = all.length;
      }
      return replaceList(ps, ord, level, current, all, count, fill, s);
    }
  }

  /**
   * Makes every live node below {@code n} reachable from the entry point on layer 0: a
   * breadth-first walk marks what is reachable, and each unreached live node gets a link from its
   * nearest reached node (found by a graph search restricted to reached nodes), after which the
   * walk goes on from it. In-degree bookkeeping already prevents orphans; this catches closed
   * groups, which exact duplicates can form. Caller holds {@code read} (the read side of {@link
   * #structure}), which this yields every {@link #WALK_RUN} steps so that a {@link #capture} or a
   * compaction's second phase need not wait for the whole walk. Adds and removes may run meanwhile:
   * nodes added since {@code n} are not walked, and a path cut by a prune after the walk crossed it
   * is mended by the next compaction.
   */
  private void connectUnreachable(
      Page[] ps, int n, Scratch s, java.util.concurrent.locks.Lock read) {
    long e = entry.get();
    if (e == NO_ENTRY || entryNode(e) >= n) {
      return;
    }
    boolean[] reached = new boolean[n];
    int[] queue = new int[n];
    int head = 0;
    int tail = 0;
    reached[entryNode(e)] = true;
    queue[tail++] = entryNode(e);
    int steps = 0;
    for (int start = 0; ; ) {
      while (head < tail) {
        if (++steps % WALK_RUN == 0) {
          read.unlock();
          read.lock();
        }
        int[] list = links(ps, queue[head++], 0);
        for (int i = 0; i < list.length >>> 1; i++) {
          int t = list[i];
          if (t < n && !reached[t]) {
            reached[t] = true;
            queue[tail++] = t;
          }
        }
      }
      while (start < n && (reached[start] || state(ps, start) != LIVE)) {
        start++;
      }
      if (start == n) {
        return;
      }
      int u = start;
      float[] q = Arrays.copyOfRange(vectorsOf(ps, u), offsetOf(u), offsetOf(u) + dimension);
      int ep = entryNode(e);
      float epDist = dist(q, 0, vectorsOf(ps, ep), offsetOf(ep));
      for (int l = Math.min(entryLevel(e), levelOf(ps, ep)); l > 0; l--) {
        long best = greedy(q, ep, epDist, l, ps);
        ep = LongHeap.ordinal(best);
        epDist = LongHeap.distance(best);
      }
      // Reached tombstones are fine link sources too: searches walk through them.
      searchLayer(q, ep, epDist, config.efConstruct(), 0, false, null, s);
      long nearest = Long.MAX_VALUE;
      for (LongHeap r = s.results; !r.isEmpty(); ) {
        long key = ~r.pop();
        int o = LongHeap.ordinal(key);
        if (o < n && reached[o]) {
          nearest = Math.min(nearest, key);
        }
      }
      int from = nearest == Long.MAX_VALUE ? ep : LongHeap.ordinal(nearest);
      if (from >= n || !reached[from]) {
        from = entryNode(e);
      }
      forceLink(ps, from, u);
      reached[u] = true;
      queue[tail++] = u;
    }
  }

  private static int levelOf(Page[] ps, int node) {
    return ps[node >>> PAGE_SHIFT].levels[node & PAGE_MASK];
  }

  /** Adds the link {@code from -> to} on layer 0, even beyond the list's usual maximum. */
  private void forceLink(Page[] ps, int from, int to) {
    synchronized (stripe(from)) {
      int[] list = links(ps, from, 0);
      int cnt = list.length >>> 1;
      if (contains(list, cnt, to)) {
        return;
      }
      float d = dist(vectorsOf(ps, from), offsetOf(from), vectorsOf(ps, to), offsetOf(to));
      // No link is dropped to make room: the walk has already counted the old targets as reached
      // through this list. The list may exceed the usual maximum until its next pruning.
      int[] next = list;
      if (state(ps, from) == LIVE) {
        addInDegree(ps, to, 1);
      }
      publish(ps, from, 0, insertSorted(next, to, d));
    }
  }

  /** Gives a live node that lost its last layer-0 in-link one again, from its nearest node. */
  private void relink(int node, Page[] ps, Scratch s) {
    long e = entry.get();
    if (inDegree(ps, node) > 0 || e == NO_ENTRY || entryNode(e) == node) {
      return;
    }
    // Cheapest first: the node's own nearest live neighbour takes it back (a mutual link, the
    // distance is stored in the list). Only a node with no live neighbour left costs a search.
    int[] own = links(ps, node, 0);
    int ownN = own.length >>> 1;
    for (int i = 0; i < ownN; i++) {
      // It must have a live in-link other than this node's own link to it, or the two would
      // form a closed pair that nothing else reaches.
      if (own[i] != node && state(own[i]) == LIVE && inDegree(pages, own[i]) > 1) {
        addBacklink(own[i], 0, node, Float.intBitsToFloat(own[ownN + i]), s);
        return;
      }
    }
    float[] q = Arrays.copyOfRange(vectorsOf(ps, node), offsetOf(node), offsetOf(node) + dimension);
    int ep = entryNode(e);
    float epDist = dist(q, 0, vectorsOf(ps, ep), offsetOf(ep));
    for (int l = entryLevel(e); l > 0; l--) {
      long best = greedy(q, ep, epDist, l, ps);
      ep = LongHeap.ordinal(best);
      epDist = LongHeap.distance(best);
    }
    // As in link(): tombstones count towards ef (so the cost does not grow with their share), the
    // link comes from the nearest live node; a live-only search only if none was found.
    long nearest = Long.MAX_VALUE;
    for (int pass = 0; pass < 2 && nearest == Long.MAX_VALUE; pass++) {
      // One link is wanted, so a narrow search: 2m nearest of any state, else the first live.
      searchLayer(q, ep, epDist, pass == 0 ? maxLinks(0) : 1, 0, pass == 1, x -> x != node, s);
      for (LongHeap results = s.results; !results.isEmpty(); ) {
        long key = ~results.pop();
        int o = LongHeap.ordinal(key);
        if (o != node && state(o) == LIVE) {
          nearest = Math.min(nearest, key);
        }
      }
    }
    if (nearest != Long.MAX_VALUE) {
      addBacklink(LongHeap.ordinal(nearest), 0, node, LongHeap.distance(nearest), s);
    }
  }

  private static long[] grow(long[] a, int n) {
    return n < a.length ? a : Arrays.copyOf(a, a.length * 2);
  }

  // ---------------------------------------------------------------- accounting

  @Override
  public long ramBytesUsed() {
    Page[] ps = pages;
    int n = Math.min(nextOrdinal.get(), ps.length << PAGE_SHIFT);
    long bytes = 64L + ps.length * 16L;
    bytes += ps.length * (16L + PAGE_SIZE * (long) dimension * Float.BYTES); // vectors
    bytes +=
        ps.length * (2L * (16 + PAGE_SIZE) + 16 + PAGE_SIZE * 4L); // states, levels, in-degrees
    bytes += ps.length * (2L * (16 + PAGE_SIZE * 4L)); // layer0 and upper reference arrays
    for (int ord = 0; ord < n; ord++) {
      Page p = ps[ord >>> PAGE_SHIFT];
      int slot = ord & PAGE_MASK;
      // The acquiring read of the state orders this after the add's writes of the upper lists
      // (published by the release of LIVE); a slot not stored yet has no lists of its own.
      if ((byte) STATES.getAcquire(p.states, slot) == ABSENT) {
        continue;
      }
      bytes += 16L + 4L * links(ps, ord, 0).length;
      int[][] up = p.upper[slot];
      if (up != null) {
        bytes += 16L + 4L * up.length;
        for (int l = 1; l <= up.length; l++) {
          bytes += 16L + 4L * links(ps, ord, l).length;
        }
      }
    }
    // The per-thread search state: its visited marks grow with the graph. (A racy read of another
    // thread's arrays: an estimate, like the rest.)
    synchronized (scratches) {
      for (Scratch sc : scratches) {
        bytes += 64L + 16L + 4L * sc.visited.length + 2L * (16L + 8L * 256) + 8L * sc.batch.length;
      }
    }
    return bytes;
  }

  // ---------------------------------------------------------------- persistence

  /**
   * Writes a versioned binary image (config, vectors, states, levels, lists, entry point) to {@code
   * out}; see {@link HnswSnapshot} for the format. A {@link #capture} written at once: adds and
   * removes wait only for the capture, never for the writing or for a running compaction. Does not
   * close {@code out}.
   */
  public void writeTo(WritableByteChannel out) throws IOException {
    try (HnswImage image = capture()) {
      image.writeTo(out);
    }
  }

  /**
   * A point-in-time image of the index, to write out later ({@link HnswImage#writeTo}) while the
   * index goes on changing; close it once written (until then, ordinals freed after the capture are
   * not reused). Holds the write side of the structure lock for a few array copies per page, so it
   * waits for running adds and removes and for at most one run of a compaction's repairs ({@link
   * #REPAIR_RUN} nodes) or its short second phase. Any thread.
   */
  public HnswImage capture() {
    VectorIndex.ReadSection held = epochs.hold(); // before any state is read
    try {
      var lock = structure.writeLock();
      lock.lock();
      long start = System.nanoTime();
      try {
        Page[] ps = pages;
        int n = Math.min(nextOrdinal.get(), ps.length << PAGE_SHIFT);
        return new HnswImage(this, ps, n, entry.get(), removals.get(), held);
      } finally {
        lock.unlock();
        noteWriteHold(start);
      }
    } catch (RuntimeException | Error e) {
      held.close();
      throw e;
    }
  }

  /**
   * Reads an image written by {@link #writeTo}; the graph is loaded as stored, not rebuilt.
   *
   * @throws IOException naming the offset and the expected value if the image is not valid
   */
  public static HnswIndex readFrom(ReadableByteChannel in) throws IOException {
    return HnswSnapshot.read(in);
  }

  /** Sets the counters of an index whose pages {@link HnswSnapshot#read} has just filled. */
  void restore(int ordinals, int liveCount, long removalCount, long entryPoint) {
    nextOrdinal.set(ordinals);
    live.set(liveCount);
    removals.set(removalCount);
    entry.set(entryPoint);
    Page[] ps = pages;
    int dead = 0;
    int[] freed = new int[ordinals];
    int f = 0;
    for (int ord = 0; ord < ordinals; ord++) {
      byte state = ps[ord >>> PAGE_SHIFT].states[ord & PAGE_MASK];
      dead += state == DELETED ? 1 : 0;
      if (state == FREED) {
        freed[f++] = ord; // no reader has seen this index yet: free at once
      }
    }
    tombstones.set(dead);
    int[] descending = new int[f]; // taken from the end: the lowest first
    for (int i = 0; i < f; i++) {
      descending[i] = freed[f - 1 - i];
    }
    synchronized (freeLock) {
      free = descending;
      freeCount = f;
      reusable = f;
    }
  }

  // ---------------------------------------------------------------- ordinal reuse

  /**
   * A freed ordinal to reuse, lowest first among those whose grace period is over, or -1 (then the
   * add takes a new one). Cheap when there is none: one volatile read.
   */
  private int takeFreed() {
    if (reusable == 0 || !reuseFreed) {
      return -1;
    }
    synchronized (freeLock) {
      if (freeCount == 0 && !limbo.isEmpty()) {
        long oldest = epochs.oldestPinned();
        while (!limbo.isEmpty() && limbo.peekFirst().stamp() <= oldest) {
          int[] ords = limbo.pollFirst().ordinals();
          int[] merged = Arrays.copyOf(free, freeCount + ords.length);
          System.arraycopy(ords, 0, merged, freeCount, ords.length);
          freeCount = merged.length;
          // Descending, so that the lowest is taken first (from the end): low pages fill up
          // again and high ones stay empty.
          Arrays.sort(merged);
          for (int i = 0, j = merged.length - 1; i < j; i++, j--) {
            int t = merged[i];
            merged[i] = merged[j];
            merged[j] = t;
          }
          free = merged;
        }
      }
      if (freeCount == 0) {
        return -1;
      }
      reusable--;
      return free[--freeCount];
    }
  }

  /** Ordinals just freed (FREED, named by no list): reusable once their grace period is over. */
  private void retire(int[] ordinals) {
    long stamp = epochs.advance();
    synchronized (freeLock) {
      limbo.addLast(new Retired(stamp, ordinals));
      reusable += ordinals.length;
    }
  }

  /** Freed ordinals and the epoch they were freed in. */
  private record Retired(long stamp, int[] ordinals) {}

  private volatile boolean reuseFreed = true;

  /**
   * Benchmarks only ({@code vecdb bench-overwrite}'s baseline): {@code false} never hands a freed
   * ordinal out again, as before reuse existed, so every add takes a new one.
   */
  public void reuseFreedOrdinals(boolean reuse) {
    this.reuseFreed = reuse;
  }

  /** The grace-period bookkeeping (tests: its hook). */
  ReadEpochs epochs() {
    return epochs;
  }

  /** Freed ordinals waiting for, and past, their grace period: for tests and metrics. */
  int freedOrdinals() {
    return reusable;
  }

  // ---------------------------------------------------------------- helpers

  private Scratch acquireScratch() {
    if (!Thread.currentThread().isVirtual()) {
      return scratch.get();
    }
    Scratch s = scratchPool.poll();
    return s != null ? s : newScratch();
  }

  private void releaseScratch(Scratch s) {
    if (Thread.currentThread().isVirtual()) {
      scratchPool.offer(s);
    }
  }

  /** Internal distance, lower is better: squared L2, negated dot (cosine, dot) or L1. */
  private float dist(float[] a, int ao, float[] b, int bo) {
    return switch (metric) {
      case METRIC_L2 -> VectorMath.squareDistance(a, ao, b, bo, dimension);
      case METRIC_NEG_DOT -> -VectorMath.dot(a, ao, b, bo, dimension);
      default -> VectorMath.manhattan(a, ao, b, bo, dimension);
    };
  }

  /** Internal distances of {@code q} to {@code nodes[from..from+3]} into {@code out[from..]}. */
  private void dist4(float[] q, Page[] ps, int[] nodes, int from, float[] out) {
    int a = nodes[from];
    int b = nodes[from + 1];
    int c = nodes[from + 2];
    int d = nodes[from + 3];
    float[] va = ps[a >>> PAGE_SHIFT].vectors;
    float[] vb = ps[b >>> PAGE_SHIFT].vectors;
    float[] vc = ps[c >>> PAGE_SHIFT].vectors;
    float[] vd = ps[d >>> PAGE_SHIFT].vectors;
    switch (metric) {
      case METRIC_L2 ->
          VectorMath.squareDistance4(
              q,
              va,
              offsetOf(a),
              vb,
              offsetOf(b),
              vc,
              offsetOf(c),
              vd,
              offsetOf(d),
              dimension,
              out,
              from);
      case METRIC_NEG_DOT -> {
        VectorMath.dot4(
            q,
            va,
            offsetOf(a),
            vb,
            offsetOf(b),
            vc,
            offsetOf(c),
            vd,
            offsetOf(d),
            dimension,
            out,
            from);
        for (int i = from; i < from + 4; i++) {
          out[i] = -out[i];
        }
      }
      default -> {
        out[from] = dist(q, 0, va, offsetOf(a));
        out[from + 1] = dist(q, 0, vb, offsetOf(b));
        out[from + 2] = dist(q, 0, vc, offsetOf(c));
        out[from + 3] = dist(q, 0, vd, offsetOf(d));
      }
    }
  }

  private float toScore(float internal) {
    return switch (metric) {
      case METRIC_L2 -> (float) Math.sqrt(Math.max(0f, internal));
      case METRIC_NEG_DOT -> -internal;
      default -> internal;
    };
  }

  private float[] vectorsOf(Page[] ps, int node) {
    if ((node >>> PAGE_SHIFT) >= ps.length) {
      ps = pages;
    }
    return ps[node >>> PAGE_SHIFT].vectors;
  }

  private int offsetOf(int node) {
    return (node & PAGE_MASK) * dimension;
  }

  private byte state(int ordinal) {
    if (ordinal < 0) {
      return ABSENT;
    }
    Page[] ps = pages;
    if ((ordinal >>> PAGE_SHIFT) >= ps.length) {
      return ABSENT;
    }
    return state(ps, ordinal);
  }

  private static byte state(Page[] ps, int ordinal) {
    return (byte) STATES.getAcquire(ps[ordinal >>> PAGE_SHIFT].states, ordinal & PAGE_MASK);
  }

  /** Layer of {@code ordinal} (0 for most nodes); for tests and diagnostics. */
  int level(int ordinal) {
    return pages[ordinal >>> PAGE_SHIFT].levels[ordinal & PAGE_MASK];
  }

  /** Neighbour ordinals of {@code ordinal} on {@code level}; for tests and diagnostics. */
  int[] neighbours(int ordinal, int level) {
    int[] list = links(pages, ordinal, level);
    return Arrays.copyOf(list, list.length >>> 1);
  }

  /** Layer-0 lists of live nodes naming {@code ordinal}, as counted; for tests. */
  int inDegreeOf(int ordinal) {
    return inDegree(pages, ordinal);
  }

  /** {@link #LIVE}, {@link #DELETED}, {@link #FREED} or {@link #ABSENT}; for tests. */
  byte stateOf(int ordinal) {
    return state(ordinal);
  }

  /** Successful removes so far (tombstones freed by compaction included); for tests. */
  long removalCount() {
    return removals.get();
  }

  /** Distances taken by layer searches on the calling platform thread so far; for tests. */
  long distanceCount() {
    return scratch.get().distanceCount;
  }

  /** The page table (tests: to forge a damaged snapshot image). */
  Page[] pagesForTest() {
    return pages;
  }

  /** The packed entry point (tests). */
  long entryForTest() {
    return entry.get();
  }

  /** The entry point's ordinal, or -1 when the graph is empty. */
  int entryPoint() {
    long e = entry.get();
    return e == NO_ENTRY ? -1 : entryNode(e);
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

  private void checkDimension(float[] vector) {
    if (vector.length != dimension) {
      throw new IllegalArgumentException(
          "vector has " + vector.length + " dimensions, expected " + dimension);
    }
  }
}
