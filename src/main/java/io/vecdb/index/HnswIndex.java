package io.vecdb.index;

import static io.vecdb.index.HnswGraph.ABSENT;
import static io.vecdb.index.HnswGraph.DELETED;
import static io.vecdb.index.HnswGraph.EMPTY;
import static io.vecdb.index.HnswGraph.FREED;
import static io.vecdb.index.HnswGraph.LIVE;
import static io.vecdb.index.HnswGraph.NO_ENTRY;
import static io.vecdb.index.HnswGraph.PAGE_MASK;
import static io.vecdb.index.HnswGraph.PAGE_SHIFT;
import static io.vecdb.index.HnswGraph.PAGE_SIZE;
import static io.vecdb.index.HnswGraph.addInDegree;
import static io.vecdb.index.HnswGraph.entryNode;
import static io.vecdb.index.HnswGraph.inDegree;
import static io.vecdb.index.HnswGraph.links;
import static io.vecdb.index.HnswGraph.state;

import io.vecdb.index.HnswGraph.Page;
import io.vecdb.index.HnswSearcher.Scratch;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A Hierarchical Navigable Small World graph (Malkov and Yashunin) over float32 vectors.
 *
 * <p>Structure (as Lucene's {@code util/hnsw} and Qdrant's {@code hnsw_index} split theirs): this
 * class is the facade. It owns the lock policy below, the counters ({@code live}, {@code removals},
 * {@code tombstones}), the grace periods and free list of reused ordinals, and persistence. The
 * algorithms live in its parts: {@link HnswGraph} (storage: pages, lists, states, entry point,
 * stripes), {@link HnswScorer} (distances and scores, where quantization will plug in), {@link
 * HnswSearcher} (greedy descent, layer search, exact scan, per-thread scratch), {@link HnswBuilder}
 * (levels, linking, neighbour selection, in-degree bookkeeping), {@link HnswReachability}
 * (relinking and the connectivity walk) and {@link HnswCompactor} (the three phases of compaction),
 * with {@link HnswImage} and {@link HnswSnapshot} for images.
 *
 * <p>Layout: nodes live in pages of {@value HnswGraph#PAGE_SIZE}. A page holds the vectors of its
 * nodes in one {@code float[]} (or, for an index with vectors on disk, in one mapping of a file:
 * {@link MappedVectors}; the kernels read either with the same steps), a state byte and a level
 * byte per node, and per node one immutable {@code int[]} neighbour list per layer. A list of
 * {@code n} neighbours is an {@code int[2n]}: the ordinals, sorted by distance to the owner, then
 * the raw bits of those distances (so pruning needs no recomputation of owner distances). Lists are
 * never mutated after publication: a writer builds a new array and publishes it with a release
 * store; readers load it with an acquire load.
 *
 * <p>Concurrency (who calls what, what guards what):
 *
 * <ul>
 *   <li>{@link #search}, {@link #isLive}, {@link #vector}, {@link #score}, {@link #size}: any
 *       thread, any time, no locks. They read the volatile page table, acquire-load lists and
 *       states, and read the volatile the entry point ({@link HnswGraph#entry}). A search reads
 *       {@link #removals} (volatile) first, so a tombstone written before {@code remove} returned
 *       is visible to it.
 *   <li>{@link #add} and {@link #remove}: any number of threads at once (parallel bulk build). They
 *       hold the read side of {@link #structure}. A node's lists are replaced only while holding
 *       that node's stripe ({@link HnswGraph#stripe}); no thread holds two stripes, so there is no
 *       lock order to respect. New ordinals come from {@link HnswGraph#nextOrdinal}; the page table
 *       grows under its {@code growLock} and is republished copy-on-write (existing pages never
 *       move). A node's vector, level and empty lists are written before its state is
 *       release-stored as LIVE and before any list names it. {@link #remove} flips LIVE to DELETED
 *       while holding the node's stripe, so whoever prunes that node's list sees one state
 *       throughout (in-degree counting depends on it); then, holding no stripe, it uncounts the
 *       node's links, relinks any live node left without an in-link, and moves the entry point
 *       ({@link HnswGraph#entry}) off the node if it was the entry. An add whose node rises above
 *       the entry's level holds {@link HnswBuilder}'s {@code promotionLock} for its whole link
 *       (then stripes, one at a time, as any add; nothing holding a stripe takes it), and links
 *       from the entry as it reads it there.
 *   <li>{@link #compact}: any thread, one at a time ({@link HnswCompactor}'s {@code compactLock}).
 *       Three phases. First, it chooses the nodes to free ({@code dead}: those DELETED when it
 *       scans the states, under the write side for that scan alone) and then, under the read side
 *       of {@link #structure}, beside adds and removes, taken {@link HnswCompactor#REPAIR_RUN}
 *       nodes at a time, repairs every list naming one, with the same stripes as adds. A live
 *       owner's list is rebuilt and published under the owner's stripe, merged with whatever
 *       concurrent adds published since it was read, with the same in-degree bookkeeping as any
 *       list change; a tombstone's list just loses those entries. Meanwhile a concurrent add or
 *       search sees each list either before or after its repair; nodes about to be freed are still
 *       DELETED, so walked and never returned, and an add links its new node to them only as it
 *       links to any tombstone (when no live node is among its candidates). A node removed while
 *       its own list is repaired may still gain in-links from that repair, as a node removed while
 *       an add links to it does; they go at the next compaction. Lists that come to name a dead
 *       node after the pass read their owner are journaled ({@link HnswCompactor.Journal}). Then,
 *       under the write side, while adds and removes wait (for work proportional to the journal and
 *       the dead nodes, not to the graph: issue 12, item 5): it repairs the journaled lists, moves
 *       the entry point ({@link HnswGraph#entry}) off a dead node, marks the dead nodes FREED and
 *       drops their lists, subtracts them from {@link #tombstones} and retires them. Last, under
 *       the read side again, yielded every {@link HnswReachability#WALK_RUN} steps, beside adds and
 *       removes: it relinks live nodes left without an in-link and runs the connectivity walk.
 *       Nodes removed after the scan stay tombstones until the next compaction.
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
 *
 * <p>Quantization ({@link #quantize}): the graph is built and kept with the float32 vectors; with
 * codes ({@link QuantizedCodes}: int8 or binary) a search walks it comparing codes and rescores its
 * best candidates with the float32 vectors. Generations of codes, and who writes and reads which:
 *
 * <ul>
 *   <li>{@link #codes} is the generation searches read (once, at their start, inside their read
 *       section); null while there is none (no quantization, or not trained yet: searches use the
 *       float32 vectors).
 *   <li>{@link #maintainQuantization} (one at a time, under {@code maintainLock}) trains a new
 *       generation in the background: it publishes it as {@link #pending} under the write side (so
 *       every add after that encodes into it too), encodes every node LIVE or DELETED when it reads
 *       its state (their vectors do not change: it holds a read section, so no slot is reused
 *       meanwhile), then, under the write side again, makes it {@link #codes} and the old one
 *       {@link #retiring}.
 *   <li>{@link #add} encodes its vector, before the node's LIVE store, into {@link #codes}, {@link
 *       #pending} and {@link #retiring}: a search that read the old generation may reach the new
 *       node. {@link #retiring} is dropped once every read section open when it retired has closed
 *       ({@link ReadEpochs}, as freed ordinals are).
 * </ul>
 */
public final class HnswIndex implements VectorIndex {

  private final int dimension;
  private final Distance distance;
  private final HnswConfig config;

  // The parts (see the class comment): storage, distances, reads, inserts, reachability,
  // compaction. This class owns the lock policy and the counters; they own the algorithms.
  private final HnswGraph graph;
  private final HnswScorer scorer;
  private final HnswSearcher searcher;
  private final HnswBuilder builder;
  private final HnswReachability reachability;
  private final HnswCompactor compactor;

  private final ReentrantReadWriteLock structure = new ReentrantReadWriteLock();

  private final AtomicInteger live = new AtomicInteger();
  private final AtomicLong removals = new AtomicLong();

  /** Tombstoned nodes not yet freed by {@link #compact}: +1 in remove, -freed in compact. */
  private final AtomicInteger tombstones = new AtomicInteger();

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

  // Quantization (see the class comment): what is asked for, the codes searches read, the ones
  // being trained and the previous ones until their grace period ends. Volatile; changed under the
  // write side of structure (codes, pending) or by any add (retiring, set to null once unread).
  private volatile Quantization quantization;
  private volatile QuantizedCodes codes;
  private volatile QuantizedCodes pending;
  private volatile QuantizedCodes retiring;
  private volatile long retiringStamp;
  private final Object maintainLock = new Object();
  private final AtomicInteger trainings = new AtomicInteger();

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
      reachability.forceLink(graph.pages, from, to);
    } finally {
      read.unlock();
    }
  }

  /** Tests only: runs inside {@link #add} after it took its ordinal, before the page; else null. */
  volatile Runnable afterOrdinalTaken;

  public HnswIndex(int dimension, Distance distance, HnswConfig config) {
    this(dimension, distance, config, null);
  }

  /**
   * An empty index whose float32 vectors are kept in a memory-mapped file under {@code vectorsDir}
   * ({@link MappedVectors}: {@code on_disk}), or on the heap if it is null.
   *
   * @throws java.io.UncheckedIOException if the file cannot be created there
   */
  public HnswIndex(
      int dimension, Distance distance, HnswConfig config, java.nio.file.Path vectorsDir) {
    if (dimension <= 0) {
      throw new IllegalArgumentException("dimension must be > 0, got " + dimension);
    }
    this.dimension = dimension;
    this.distance = java.util.Objects.requireNonNull(distance, "distance");
    this.config = java.util.Objects.requireNonNull(config, "config");
    this.graph =
        new HnswGraph(
            dimension, vectorsDir == null ? null : new MappedVectors(vectorsDir, dimension));
    this.scorer = new HnswScorer(dimension, distance);
    this.searcher = new HnswSearcher(graph, scorer, config);
    this.builder = new HnswBuilder(graph, scorer, searcher, config);
    this.reachability = new HnswReachability(graph, scorer, searcher, builder, config);
    this.compactor =
        new HnswCompactor(
            graph,
            scorer,
            searcher,
            builder,
            reachability,
            config,
            structure,
            freed -> {
              tombstones.addAndGet(-freed.length);
              retire(freed);
            },
            this::noteWriteHold);
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
    return graph.isLive(ordinal);
  }

  /** Number of ordinals handed out so far (live, tombstoned and freed). */
  public int ordinalCount() {
    return graph.nextOrdinal.get();
  }

  @Override
  public int size() {
    return live.get();
  }

  /** Removed nodes whose graph memory {@link #compact} has not freed yet. Any thread, no locks. */
  @Override
  public int tombstones() {
    return tombstones.get();
  }

  @Override
  public float[] vector(int ordinal) {
    if (!isLive(ordinal)) {
      return null;
    }
    return graph.copyVector(graph.pages, ordinal);
  }

  @Override
  public float[] vectorInSection(int ordinal) {
    if (graph.stateOf(ordinal) == ABSENT) {
      return null;
    }
    // A FREED slot keeps its vector until the slot is reused, which the caller's section defers.
    return graph.copyVector(graph.pages, ordinal);
  }

  @Override
  public float score(float[] query, int ordinal) {
    checkDimension(query);
    if (graph.stateOf(ordinal) == ABSENT) {
      throw new IllegalArgumentException("ordinal " + ordinal + " was never added");
    }
    float[] q = scorer.prepare(query);
    return scorer.toScore(scorer.dist(q, 0, graph.pages[ordinal >>> PAGE_SHIFT], ordinal));
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
    float[] q = scorer.prepare(query);
    boolean exact = params.exact() || live.get() < config.fullScanThreshold();
    Scratch s = searcher.acquireScratch();
    try (ReadSection pinned = epochs.enter()) {
      QuantizedCodes c = exact || params.ignoreQuantization() ? null : codes;
      Hits hits =
          exact
              ? searcher.exactSearch(q, k, filter, s)
              : searcher.search(q, c == null ? null : c.query(q, scorer), k, params, filter, s);
      assert seenRemovals <= removals.get();
      return hits;
    } finally {
      searcher.releaseScratch(s);
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

  // ---------------------------------------------------------------- writes

  /**
   * {@inheritDoc}
   *
   * <p>Thread-safe; several threads may add at once (parallel bulk build). Waits while a {@link
   * #capture} copies references or the second phase of {@link #compact} runs, not for its repairs
   * or for an image being written.
   */
  @Override
  public int add(float[] vector) {
    checkDimension(vector);
    float[] v = scorer.prepare(vector);
    var lock = structure.readLock();
    lock.lock();
    try {
      int ord = takeFreed();
      Page[] ps;
      if (ord >= 0) {
        ps = graph.pages; // a freed ordinal's page exists
      } else {
        ord = graph.nextOrdinal.getAndIncrement();
        Runnable hook = afterOrdinalTaken;
        if (hook != null) {
          hook.run(); // tests: others see the ordinal before its page exists
        }
        ps = graph.ensurePage(ord);
      }
      Page page = ps[ord >>> PAGE_SHIFT];
      int slot = ord & PAGE_MASK;
      // A reused slot is FREED until the LIVE store below: nothing names it and no reader that
      // could hold it from before it was freed is still reading (the grace period).
      graph.writeVector(page, ord, v);
      encode(ord, v, 0);
      int level = builder.levelFor(ord);
      page.levels[slot] = (byte) level;
      if (level > 0) {
        int[][] up = new int[level][];
        Arrays.fill(up, EMPTY);
        page.upper[slot] = up;
      } else {
        page.upper[slot] = null;
      }
      HnswGraph.setState(page, slot, LIVE);
      live.incrementAndGet();
      Scratch s = searcher.acquireScratch();
      try {
        builder.link(ord, v, 0, level, s);
      } finally {
        searcher.releaseScratch(s);
      }
      return ord;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void remove(int ordinal) {
    if (graph.stateOf(ordinal) != LIVE) {
      return; // never added, not yet stored, or already removed
    }
    var lock = structure.readLock();
    lock.lock();
    try {
      Page[] ps = graph.pages;
      Page p = ps[ordinal >>> PAGE_SHIFT];
      int[] list;
      // Under the node's stripe, so a concurrent prune of its list sees one state throughout.
      synchronized (graph.stripe(ordinal)) {
        if (!HnswGraph.casState(p, ordinal & PAGE_MASK, LIVE, DELETED)) {
          return;
        }
        live.decrementAndGet();
        tombstones.incrementAndGet();
        removals.incrementAndGet();
        list = links(ps, ordinal, 0);
      }
      ps = graph.pages; // read after the list: covers every page its entries live in
      builder.moveEntryOff(ordinal, ps);
      // Its layer-0 links stop counting as in-links; a live node that had no other one gets a
      // fresh link from its nearest live node, so it stays reachable without the tombstone.
      Scratch s = null;
      try {
        for (int i = 0; i < list.length >>> 1; i++) {
          if (addInDegree(ps, list[i], -1) == 0 && state(ps, list[i]) == LIVE) {
            s = s == null ? searcher.acquireScratch() : s;
            reachability.relink(list[i], ps, s);
          }
        }
      } finally {
        if (s != null) {
          searcher.releaseScratch(s);
        }
      }
    } finally {
      lock.unlock();
    }
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
  @Override
  public int compact() {
    return compact(null, null);
  }

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
   * the repair pass (64 owners) is done, holding no lock (it may add, remove and capture: a
   * compaction in progress, some lists repaired and most not, for tests).
   */
  public int compact(Runnable afterScan, Runnable duringRepairs, Runnable beforeRelease) {
    return compactor.compact(afterScan, duringRepairs, beforeRelease);
  }

  // ---------------------------------------------------------------- quantization

  /** Encodes a new node's vector into every generation of codes a reader may use (see above). */
  private void encode(int ord, float[] vectors, int off) {
    QuantizedCodes c = codes;
    if (c != null) {
      c.encode(ord, vectors, off, true);
    }
    QuantizedCodes p = pending;
    if (p != null) {
      p.encode(ord, vectors, off, false);
    }
    QuantizedCodes r = retiring;
    if (r != null) {
      if (retiringStamp <= epochs.oldestPinned()) {
        retiring = null; // no reader that could hold it is left
      } else {
        r.encode(ord, vectors, off, false);
      }
    }
  }

  /**
   * Asks for {@code q} (null: none). Codes are trained by {@link #maintainQuantization}, in the
   * background; until then searches use the float32 vectors. Dropping quantization takes effect at
   * once. Any thread.
   */
  public void quantize(Quantization q) {
    if (java.util.Objects.equals(q, quantization)) {
      return; // asked for already: keep the codes
    }
    quantization = q;
    if (q == null) {
      var lock = structure.writeLock();
      lock.lock();
      try {
        retireCodes(null);
        pending = null;
      } finally {
        lock.unlock();
      }
    }
  }

  /** The quantization asked for, or null. */
  public Quantization quantization() {
    return quantization;
  }

  /** What searches walk with: the kind of the codes in use, or null (float32 vectors). */
  public Quantization.Kind activeCodes() {
    QuantizedCodes c = codes;
    return c == null ? null : c.kind();
  }

  /** How many times codes were trained by this instance (not counting codes loaded): metrics. */
  public int quantizationTrainings() {
    return trainings.get();
  }

  /**
   * Whether {@link #maintainQuantization} has work: codes asked for and missing, of another kind or
   * quantile, or due for retraining (the index has doubled since a small training sample, or adds
   * fall outside the trained range: {@link QuantizedCodes#drifted}). Any thread, no locks.
   */
  public boolean quantizationDue() {
    Quantization want = quantization;
    QuantizedCodes c = codes;
    if (want == null) {
      return false;
    }
    if (c == null) {
      return live.get() > 0;
    }
    if (c.kind() != want.kind() || c.quantile() != want.quantile()) {
      return true;
    }
    return c.kind() == Quantization.Kind.INT8
        && (c.drifted() || (c.trainedAt < RETRAIN_BELOW && live.get() >= 2L * c.trainedAt));
  }

  /** Below this many live vectors at training, codes are retrained when the index doubles. */
  static final int RETRAIN_BELOW = 1 << 16;

  /** At most this many vectors are sampled to train int8 codes. */
  static final int TRAIN_SAMPLE = 20_000;

  /**
   * Trains codes if {@link #quantizationDue} and makes searches use them; returns whether it did.
   * Runs on the calling thread (the optimizer's), beside searches, adds and removes, which wait
   * only for two short write-side sections (publishing the new generation, then switching to it).
   * One at a time.
   */
  public boolean maintainQuantization() {
    synchronized (maintainLock) {
      if (!quantizationDue()) {
        return false;
      }
      if (retiring != null && retiringStamp > epochs.oldestPinned()) {
        return false; // the last generation may still be read: one switch at a time
      }
      Quantization want = quantization;
      try (ReadSection pinned = epochs.enter()) {
        QuantizedCodes fresh = train(want);
        var lock = structure.writeLock();
        lock.lock();
        try {
          if (quantization != want) {
            return false; // changed meanwhile: the next call trains for the new one
          }
          pending = fresh;
        } finally {
          lock.unlock();
        }
        Page[] ps = graph.pages;
        int n = Math.min(graph.nextOrdinal.get(), ps.length << PAGE_SHIFT);
        float[] buf = new float[dimension];
        for (int ord = 0; ord < n; ord++) {
          Page p = ps[ord >>> PAGE_SHIFT];
          byte st = HnswGraph.stateAcquire(p, ord & PAGE_MASK);
          if (st == LIVE || st == DELETED) {
            fresh.encode(ord, graph.readVector(ps, ord, buf, 0), 0, false);
          }
        }
        lock.lock();
        try {
          if (quantization != want || pending != fresh) {
            if (pending == fresh) {
              pending = null; // asked for something else meanwhile: adds stop encoding into it
            }
            return false;
          }
          retireCodes(fresh);
          pending = null;
        } finally {
          lock.unlock();
        }
      }
      trainings.incrementAndGet();
      return true;
    }
  }

  /** Makes {@code next} the codes searches read; the old ones retire. Under the write side. */
  private void retireCodes(QuantizedCodes next) {
    QuantizedCodes old = codes;
    codes = next;
    if (old != null) {
      retiringStamp = epochs.advance(); // sections entered after this read {@code next}
      retiring = old;
    }
  }

  /** New codes of kind {@code want}, trained on a sample of the live vectors. */
  private QuantizedCodes train(Quantization want) {
    int liveNow = live.get();
    if (want.kind() == Quantization.Kind.BINARY) {
      return new BinaryCodes(dimension, liveNow);
    }
    Page[] ps = graph.pages;
    int n = Math.min(graph.nextOrdinal.get(), ps.length << PAGE_SHIFT);
    int stride = Math.max(1, liveNow / TRAIN_SAMPLE);
    java.util.List<float[]> sample = new java.util.ArrayList<>();
    int seen = 0;
    for (int ord = 0; ord < n && sample.size() < TRAIN_SAMPLE; ord++) {
      Page p = ps[ord >>> PAGE_SHIFT];
      int slot = ord & PAGE_MASK;
      if (HnswGraph.stateAcquire(p, slot) == LIVE && seen++ % stride == 0) {
        sample.add(graph.copyVector(ps, ord));
      }
    }
    return ScalarCodes.train(dimension, liveNow, want.quantile(), sample.toArray(new float[0][]));
  }

  /** The codes searches read (images: written with the graph), or null. */
  QuantizedCodes codes() {
    return codes;
  }

  /** Installs loaded codes ({@link HnswSnapshot#read}), before any reader sees this index. */
  void restoreQuantization(Quantization q, QuantizedCodes loaded) {
    quantization = q;
    codes = loaded;
  }

  // ---------------------------------------------------------------- accounting

  @Override
  public long ramBytesUsed() {
    // The per-thread search state: its visited marks grow with the graph. (A racy read of another
    // thread's arrays: an estimate, like the rest.)
    return dataBytesUsed() + searcher.scratchBytes();
  }

  /**
   * {@link #ramBytesUsed} without the per-thread search scratch: the graph, the vectors when they
   * are on the heap, and the codes. What a point costs, for benchmarks: the scratch belongs to
   * threads, and a thread's is forgotten only once the garbage collector has noticed the thread is
   * gone (so the build threads' scratch counted or not depending on when it last ran).
   */
  public long dataBytesUsed() {
    Page[] ps = graph.pages;
    int n = Math.min(graph.nextOrdinal.get(), ps.length << PAGE_SHIFT);
    long bytes = 64L + ps.length * 16L;
    if (!graph.mapped()) {
      bytes += ps.length * (16L + PAGE_SIZE * (long) dimension * Float.BYTES); // vectors
    }
    bytes +=
        ps.length * (2L * (16 + PAGE_SIZE) + 16 + PAGE_SIZE * 4L); // states, levels, in-degrees
    bytes += ps.length * (2L * (16 + PAGE_SIZE * 4L)); // layer0 and upper reference arrays
    for (int ord = 0; ord < n; ord++) {
      Page p = ps[ord >>> PAGE_SHIFT];
      int slot = ord & PAGE_MASK;
      // The acquiring read of the state orders this after the add's writes of the upper lists
      // (published by the release of LIVE); a slot not stored yet has no lists of its own.
      if (HnswGraph.stateAcquire(p, slot) == ABSENT) {
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
    QuantizedCodes c = codes;
    if (c != null) {
      bytes += c.bytes(ps.length);
    }
    return bytes;
  }

  /**
   * Bytes of float32 vectors in the memory-mapped file of an index with vectors on disk (not in
   * {@link #ramBytesUsed}: the operating system's page cache holds what is read of them); 0 for an
   * index with its vectors on the heap.
   */
  public long diskBytesUsed() {
    return graph.mappedBytes();
  }

  /** Whether this index keeps its float32 vectors in a memory-mapped file ({@code on_disk}). */
  public boolean vectorsOnDisk() {
    return graph.mapped();
  }

  // ---------------------------------------------------------------- persistence

  /**
   * A point-in-time image of the index, to write out later ({@link HnswImage#writeTo}) while the
   * index goes on changing; close it once written (until then, ordinals freed after the capture are
   * not reused). Holds the write side of the structure lock for a few array copies per page, so it
   * waits for running adds and removes and for at most one run of a compaction's repairs (64 nodes)
   * or its short second phase. Any thread.
   */
  @Override
  public HnswImage capture() {
    VectorIndex.ReadSection held = epochs.hold(); // before any state is read
    try {
      var lock = structure.writeLock();
      lock.lock();
      long start = System.nanoTime();
      try {
        Page[] ps = graph.pages;
        int n = Math.min(graph.nextOrdinal.get(), ps.length << PAGE_SHIFT);
        return new HnswImage(
            this, ps, n, graph.entry.get(), removals.get(), quantization, codes, held);
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
    return HnswSnapshot.read(in, null);
  }

  /**
   * As {@link #readFrom(ReadableByteChannel)}, into an index whose vectors are in a memory-mapped
   * file under {@code vectorsDir} (null: on the heap), whichever way the image's index kept them.
   */
  public static HnswIndex readFrom(ReadableByteChannel in, java.nio.file.Path vectorsDir)
      throws IOException {
    return HnswSnapshot.read(in, vectorsDir);
  }

  /** Sets the counters of an index whose pages {@link HnswSnapshot#read} has just filled. */
  void restore(int ordinals, int liveCount, long removalCount, long entryPoint) {
    graph.nextOrdinal.set(ordinals);
    live.set(liveCount);
    removals.set(removalCount);
    graph.entry.set(entryPoint);
    Page[] ps = graph.pages;
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

  /** Layer of {@code ordinal} (0 for most nodes); for tests and diagnostics. */
  int level(int ordinal) {
    return graph.pages[ordinal >>> PAGE_SHIFT].levels[ordinal & PAGE_MASK];
  }

  /** Neighbour ordinals of {@code ordinal} on {@code level}; for tests and diagnostics. */
  int[] neighbours(int ordinal, int level) {
    int[] list = links(graph.pages, ordinal, level);
    return Arrays.copyOf(list, list.length >>> 1);
  }

  /** Layer-0 lists of live nodes naming {@code ordinal}, as counted; for tests. */
  int inDegreeOf(int ordinal) {
    return inDegree(graph.pages, ordinal);
  }

  /** {@code LIVE}, {@code DELETED}, {@code FREED} or {@code ABSENT} ({@link HnswGraph}); tests. */
  byte stateOf(int ordinal) {
    return graph.stateOf(ordinal);
  }

  /** Successful removes so far (tombstones freed by compaction included); for tests. */
  long removalCount() {
    return removals.get();
  }

  /** Distances taken by layer searches on the calling platform thread so far; for tests. */
  long distanceCount() {
    return searcher.distanceCount();
  }

  /** The page table (tests: to forge a damaged snapshot image). */
  Page[] pagesForTest() {
    return graph.pages;
  }

  /** Level of the node that ordinal {@code ord} will be (a hash of seed and ordinal); tests. */
  int levelFor(int ord) {
    return builder.levelFor(ord);
  }

  /** Longest list the heuristic keeps on {@code level} (2m on layer 0, else m); tests. */
  int maxLinks(int level) {
    return builder.maxLinks(level);
  }

  /** The distance part (tests: internal distances). */
  HnswScorer scorerForTest() {
    return scorer;
  }

  /** The search part (tests: its hooks). */
  HnswSearcher searcher() {
    return searcher;
  }

  /** The insertion part (tests: its hooks). */
  HnswBuilder builder() {
    return builder;
  }

  /** The compaction part (tests: its hooks). */
  HnswCompactor compactor() {
    return compactor;
  }

  /** The graph storage (for {@link HnswSnapshot#read}, which fills it). */
  HnswGraph graph() {
    return graph;
  }

  /** The packed entry point (tests). */
  long entryForTest() {
    return graph.entry.get();
  }

  /** The entry point's ordinal, or -1 when the graph is empty. */
  int entryPoint() {
    long e = graph.entry.get();
    return e == NO_ENTRY ? -1 : entryNode(e);
  }

  private void checkDimension(float[] vector) {
    if (vector.length != dimension) {
      throw new IllegalArgumentException(
          "vector has " + vector.length + " dimensions, expected " + dimension);
    }
  }
}
