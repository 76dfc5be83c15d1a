package io.vecdb.collection;

import io.vecdb.filter.Filter;
import io.vecdb.filter.FilteredSearch;
import io.vecdb.filter.PayloadIndex;
import io.vecdb.index.Hits;
import io.vecdb.index.HnswIndex;
import io.vecdb.index.ParallelInserter;
import io.vecdb.index.SearchParams;
import io.vecdb.index.VectorIndex;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * One collection's points: a {@link VectorIndex} whose ordinals are the points' (the graph of the
 * one unnamed vector, or for named vectors a {@link io.vecdb.index.SlotIndex} without vectors), a
 * graph per named vector ({@link NamedVector}), an inverted index per sparse vector, the id to
 * ordinal map and the ordinal to point record table.
 *
 * <p>Concurrency: the {@code apply*} methods are called only from this collection's apply lane
 * ({@link Applier}), one at a time, in operation-log order; consecutive lane tasks are ordered by
 * happens-before. Reads ({@link #point}, {@link #search}, {@link #scroll}, {@link #count}) run on
 * any thread and take no locks: the id map is a concurrent skip list, the ordinal table publishes
 * immutable {@link StoredPoint} records, the index is lock-free for readers, and config and schema
 * are immutable values behind volatile fields. A reader may observe a batch half applied; each
 * point is always seen whole (old or new).
 */
public final class Collection {
  private final String name;
  // Package-private for CollectionImage (snapshots), which reads them on the apply lane.
  final VectorIndex index;
  final ConcurrentSkipListMap<PointId, Integer> ordinals = new ConcurrentSkipListMap<>();
  final OrdinalTable<StoredPoint> points = new OrdinalTable<>();
  final PayloadIndex payloadIndex;

  /**
   * The named dense vectors, each with a graph of its own, aligned with {@link
   * CollectionConfig#namedGraphNames} (empty for a collection of one dense vector); fixed at
   * creation.
   */
  final List<NamedVector> named;

  /**
   * A named dense vector: its own graph, and for each of its ordinals the ordinal of the point that
   * holds it.
   *
   * <p>Concurrency: {@code owners} is written on the apply lane only, set before the point record
   * that names the vector ordinal is published and cleared after it is replaced; readers take an
   * owner only if the owner's current record names that vector ordinal back ({@link
   * NamedView#owner}), so a stale entry is never believed. The graph is lock-free for readers.
   */
  static final class NamedVector {
    final String name;
    final int slot;
    final VectorIndex index;
    final OwnerTable owners = new OwnerTable();
    volatile FilteredSearch filteredSearch;

    NamedVector(String name, int slot, VectorIndex index, int fullScanThreshold) {
      this.name = name;
      this.slot = slot;
      this.index = index;
      this.filteredSearch =
          new FilteredSearch(fullScanThreshold, FilteredSearch.DEFAULT_SCAN_FRACTION);
    }
  }

  /** Sparse vector name to its inverted index; written on the apply lane only (SparseIndex). */
  final java.util.concurrent.ConcurrentHashMap<String, SparseIndex> sparse =
      new java.util.concurrent.ConcurrentHashMap<>();

  private volatile CollectionConfig config;
  private volatile FilteredSearch filteredSearch;

  /** Optimizer state for collection info: set by the optimizer thread, read by any thread. */
  private volatile boolean optimizing;

  private volatile String optimizerError;

  /**
   * The log sequence number of the operation that created this collection (0: unknown, from an
   * image older than this field). Aliases bind to it, so an alias of a deleted collection does not
   * come back with a new collection of the same name. Set before the collection is published.
   */
  private volatile long incarnation;

  Collection(String name, CollectionConfig config) {
    this(name, config, IndexFactory.create(config));
  }

  Collection(String name, CollectionConfig config, long incarnation) {
    this(name, config, IndexFactory.create(config));
    this.incarnation = incarnation;
  }

  /** A collection over {@code index} (empty, or loaded from a snapshot by CollectionImage). */
  Collection(String name, CollectionConfig config, VectorIndex index) {
    this(name, config, index, null);
  }

  /**
   * A collection over {@code index} and, for its other dense vectors, {@code secondaries} (in
   * {@link CollectionConfig#namedGraphNames} order; null: new empty ones).
   */
  Collection(
      String name, CollectionConfig config, VectorIndex index, List<VectorIndex> secondaries) {
    this.name = name;
    this.config = config;
    this.index = index;
    List<String> names = config.namedGraphNames();
    List<NamedVector> vs = new ArrayList<>(names.size());
    for (int i = 0; i < names.size(); i++) {
      CollectionConfig.DenseParams params = config.dense(names.get(i));
      vs.add(
          new NamedVector(
              names.get(i),
              i,
              secondaries == null ? IndexFactory.create(params) : secondaries.get(i),
              params.hnsw().fullScanThreshold()));
    }
    this.named = List.copyOf(vs);
    this.payloadIndex =
        new PayloadIndex(
            consumer ->
                ordinals
                    .values()
                    .forEach(
                        ord -> {
                          StoredPoint p = points.get(ord);
                          if (p != null) {
                            consumer.accept(ord, p.payload());
                          }
                        }),
            id -> ordinals.getOrDefault(id, -1));
    this.filteredSearch = filteredSearch(config);
    quantize(config);
  }

  /**
   * Asks each graph for the quantization {@code config} gives its vector; a graph already asked for
   * the same keeps its codes (loaded from an image, or trained before), else it is trained in the
   * background ({@link #maintainQuantization}).
   */
  private void quantize(CollectionConfig config) {
    if (index instanceof HnswIndex h) {
      h.quantize(spec(config.quantizationOf(config.primaryName())));
    }
    for (NamedVector v : named) {
      if (v.index instanceof HnswIndex h) {
        h.quantize(spec(config.quantizationOf(v.name)));
      }
    }
  }

  private static io.vecdb.index.Quantization spec(QuantizationConfig q) {
    return q == null ? null : q.toIndex();
  }

  /**
   * Trains the quantized codes that are due ({@link HnswIndex#maintainQuantization}) on the calling
   * thread, beside searches and writes; returns how many graphs were (re)quantized. Called by the
   * optimizer.
   */
  public int maintainQuantization() {
    int n = 0;
    if (index instanceof HnswIndex h && h.maintainQuantization()) {
      n++;
    }
    for (NamedVector v : named) {
      if (v.index instanceof HnswIndex h && h.maintainQuantization()) {
        n++;
      }
    }
    return n;
  }

  /** Whether some graph has quantized codes to train ({@link HnswIndex#quantizationDue}). */
  public boolean quantizationDue() {
    if (index instanceof HnswIndex h && h.quantizationDue()) {
      return true;
    }
    for (NamedVector v : named) {
      if (v.index instanceof HnswIndex h && h.quantizationDue()) {
        return true;
      }
    }
    return false;
  }

  private static FilteredSearch filteredSearch(CollectionConfig config) {
    return new FilteredSearch(
        (config.namedDense() ? config.hnsw() : config.dense(config.primaryName()).hnsw())
            .fullScanThreshold(),
        FilteredSearch.DEFAULT_SCAN_FRACTION);
  }

  public String name() {
    return name;
  }

  /** See the field: the sequence number that created this collection. */
  public long incarnation() {
    return incarnation;
  }

  /**
   * For a snapshot restore: takes over the incarnation of the collection this one replaces, so the
   * aliases of that collection name this one; with none, {@code otherwise} (the restore's log
   * position, new like a create's). Call before it is installed.
   */
  public void inheritIncarnation(Collection replaced, long otherwise) {
    this.incarnation = replaced != null ? replaced.incarnation : otherwise;
  }

  void incarnation(long value) {
    this.incarnation = value;
  }

  public CollectionConfig config() {
    return config;
  }

  /** Indexed payload fields and their types (keyword, integer, float, bool, ...). */
  public Map<String, String> payloadSchema() {
    return payloadIndex.schemas();
  }

  /**
   * Parses a request's filter for this collection (null: none): as {@link Validation#filter}, with
   * {@code match.text} on keys with a full-text index matching tokens the way the index tokenizes
   * them. Accepts exactly what {@link Validation#filter} accepts.
   */
  public Filter filter(io.vertx.core.json.JsonObject json, String path) {
    return json == null
        ? null
        : io.vecdb.filter.FilterParser.parse(
            json, path, payloadIndex.textIndexes(), this::hasVector);
  }

  /**
   * For {@code has_vector}: which points have vector {@code vectorName}. Every point has the one
   * unnamed vector; a named or a sparse one is looked up in the point's current record.
   */
  private java.util.function.Predicate<PointId> hasVector(String vectorName, String path) {
    if (vectorName.equals(config.primaryName())) {
      return id -> true; // the unnamed vector: every point has it
    }
    NamedVector v = namedVector(vectorName);
    if (v == null && config.sparse(vectorName) == null) {
      throw new IllegalArgumentException(
          path
              + ": collection `"
              + name
              + "` has no vector named \""
              + vectorName
              + "\"; its vectors are "
              + vectorNames());
    }
    return id -> {
      Integer ord = ordinals.get(id);
      StoredPoint p = ord == null ? null : points.get(ord);
      if (p == null) {
        return false;
      }
      return v != null ? p.namedOrdinal(v.slot) >= 0 : p.sparse().containsKey(vectorName);
    };
  }

  /** Every vector name of this collection, dense then sparse, for messages. */
  List<String> vectorNames() {
    List<String> out = new ArrayList<>(config.denseNames());
    out.addAll(config.sparseVectors().keySet());
    return out;
  }

  /** The named dense vector {@code vectorName}, or null (also for the one unnamed vector). */
  NamedVector namedVector(String vectorName) {
    for (NamedVector v : named) {
      if (v.name.equals(vectorName)) {
        return v;
      }
    }
    return null;
  }

  /**
   * The params of dense vector {@code vectorName} (checked: an error naming {@code path} if the
   * collection has no dense vector of that name).
   */
  CollectionConfig.DenseParams requireDense(String vectorName, String path) {
    CollectionConfig.DenseParams params = config.dense(vectorName);
    if (params == null) {
      throw new IllegalArgumentException(
          path
              + ": collection `"
              + name
              + "` has no dense vector named \""
              + vectorName
              + "\"; its dense vectors are "
              + config.denseNames());
    }
    return params;
  }

  /** Dense vector {@code vectorName}'s graph in point ordinals (the unnamed one's is the graph). */
  /**
   * The HNSW graph of dense vector {@code vectorName} ({@code ""} for the unnamed one), or null if
   * there is none: for tests and diagnostics (quantization state, sizes).
   */
  public HnswIndex hnswOf(String vectorName) {
    NamedVector v = namedVector(vectorName);
    VectorIndex g = v == null ? (config.namedDense() ? null : index) : v.index;
    return g instanceof HnswIndex h ? h : null;
  }

  private VectorIndex graph(String vectorName) {
    NamedVector v = namedVector(vectorName);
    return v == null ? index : new NamedView(v);
  }

  private FilteredSearch filteredSearch(String vectorName) {
    NamedVector v = namedVector(vectorName);
    return v == null ? filteredSearch : v.filteredSearch;
  }

  /**
   * A secondary vector's graph as a {@link VectorIndex} over point ordinals, for searches: ordinals
   * in and out are the points', mapped through the point records and {@link NamedVector#owners}. A
   * point without that vector is not live here. Read-only.
   */
  private final class NamedView implements VectorIndex {
    private final NamedVector v;

    /**
     * Point ordinal to the vector ordinal its hit or score came from, so that the caller can tell
     * whether the point record it then reads still holds that vector. One view serves one search,
     * on one thread.
     */
    private final java.util.HashMap<Integer, Integer> used = new java.util.HashMap<>();

    NamedView(NamedVector v) {
      this.v = v;
    }

    /** Whether {@code p}, read for a hit at point ordinal {@code ord}, holds the vector it had. */
    boolean holdsScored(int ord, StoredPoint p) {
      Integer s = used.get(ord);
      return s != null && p.namedOrdinal(v.slot) == s;
    }

    /** The vector ordinal of point {@code ord}, -1 if it has none. */
    private int sec(int ord) {
      StoredPoint p = points.get(ord);
      return p == null ? -1 : p.namedOrdinal(v.slot);
    }

    /** The point ordinal holding vector ordinal {@code sec} now, -1 if none. */
    private int owner(int sec) {
      int o = v.owners.get(sec);
      if (o < 0) {
        return -1;
      }
      StoredPoint p = points.get(o);
      return p != null && p.namedOrdinal(v.slot) == sec ? o : -1;
    }

    @Override
    public int dimension() {
      return v.index.dimension();
    }

    @Override
    public io.vecdb.index.Distance distance() {
      return v.index.distance();
    }

    @Override
    public int add(float[] vector) {
      throw new UnsupportedOperationException("a named vector's view is read-only");
    }

    @Override
    public void remove(int ordinal) {
      throw new UnsupportedOperationException("a named vector's view is read-only");
    }

    @Override
    public boolean isLive(int ordinal) {
      int s = sec(ordinal);
      return s >= 0 && v.index.isLive(s);
    }

    @Override
    public int size() {
      return v.index.size();
    }

    @Override
    public float[] vector(int ordinal) {
      int s = sec(ordinal);
      return s < 0 ? null : v.index.vector(s);
    }

    @Override
    public float[] vectorInSection(int ordinal) {
      int s = sec(ordinal);
      return s < 0 ? null : v.index.vectorInSection(s);
    }

    @Override
    public float score(float[] query, int ordinal) {
      int s = sec(ordinal);
      if (s < 0) {
        return Float.NaN;
      }
      used.put(ordinal, s);
      return v.index.score(query, s);
    }

    @Override
    public Hits search(float[] query, int k, SearchParams params, OrdinalFilter filter) {
      Hits h =
          v.index.search(
              query,
              k,
              params,
              s -> {
                // One load per candidate: whether the point record still names this vector is
                // checked for the hits only, below (a stale one is dropped, and the caller searches
                // again if that left it short).
                int o = v.owners.get(s);
                return o >= 0 && (filter == null || filter.accept(o));
              });
      int[] ords = new int[h.size()];
      for (int i = 0; i < ords.length; i++) {
        ords[i] = owner(h.ordinal(i)); // -1 if it changed since: the caller drops it
        if (ords[i] >= 0) {
          used.put(ords[i], h.ordinal(i));
        }
      }
      return new Hits(ords, h.scores());
    }

    @Override
    public long ramBytesUsed() {
      return v.index.ramBytesUsed();
    }

    @Override
    public ReadSection pinReads() {
      return Collection.this.pinReads();
    }
  }

  /** Points with a value indexed under {@code field}, -1 if it is not indexed. */
  public int indexedPoints(String field) {
    return payloadIndex.indexedPoints(field);
  }

  public int size() {
    return ordinals.size();
  }

  public long ramBytesUsed() {
    long bytes = index.ramBytesUsed();
    for (NamedVector v : named) {
      bytes += v.index.ramBytesUsed();
    }
    return bytes;
  }

  /** Deleted points whose graph memory a compaction has not reclaimed yet; any thread. */
  public int tombstones() {
    int n = index.tombstones();
    for (NamedVector v : named) {
      n += v.index.tombstones();
    }
    return n;
  }

  /** True while a background compaction of this collection runs (info reports "yellow"). */
  public boolean optimizing() {
    return optimizing;
  }

  /** The last background compaction's failure, or null if it succeeded (or none ran). */
  public String optimizerError() {
    return optimizerError;
  }

  /** Called by the optimizer around a compaction; any thread. */
  public void optimizerState(boolean running, String error) {
    this.optimizing = running;
    this.optimizerError = error;
  }

  /** Live vectors in the index (O(1), unlike {@link #size}); any thread. */
  public int liveVectors() {
    return index.size();
  }

  /** Vectors ever added to the index (live, tombstoned and freed); any thread. */
  public long insertedVectors() {
    return index instanceof HnswIndex h ? h.ordinalCount() : 0;
  }

  /**
   * Unlinks tombstoned points from the graph and frees their memory, and links any live point that
   * became unreachable ({@link HnswIndex#compact}). Any thread, beside the collection's writes:
   * they wait only for its short second phase, and a checkpoint capture for one run of its repairs
   * at most (the image may show some lists repaired and others not: both are valid graphs). Points
   * stay as they are (freed ordinals were unmapped when their points were deleted). Searches go on
   * meanwhile. Returns the number of points freed.
   */
  public int compact() {
    int n = index.compact();
    for (NamedVector v : named) {
      n += v.index.compact();
    }
    return n;
  }

  /** {@link HnswIndex#takeLongestWriteHoldNanos} of the graph (0 for an exact index). */
  public long takeLongestWriteHoldNanos() {
    return index instanceof HnswIndex h ? h.takeLongestWriteHoldNanos() : 0;
  }

  /**
   * As {@link #compact()}, with {@code duringRepairs} run in the middle of its repairs, holding no
   * lock: a compaction in progress (tests).
   */
  public int compact(Runnable duringRepairs) {
    return index instanceof HnswIndex h ? h.compact(null, duringRepairs, null) : 0;
  }

  // ---- writes: apply lane only ----

  void applyConfig(CollectionConfig updated) {
    config = updated;
    filteredSearch = filteredSearch(updated);
    quantize(updated);
    for (NamedVector v : named) {
      v.filteredSearch =
          new FilteredSearch(
              updated.dense(v.name).hnsw().fullScanThreshold(),
              FilteredSearch.DEFAULT_SCAN_FRACTION);
    }
  }

  /**
   * Inserts the batch's vectors into the graph ({@code inserter} may use several threads), then,
   * serially and in batch order, maps ids to the new ordinals (a repeated id's last write wins) and
   * tombstones the ordinals they replace. Until the mapping, the new ordinals have no stored point:
   * searches walk them but never return them.
   */
  ChangeSet applyUpsert(long seq, List<PointStruct> batch, ParallelInserter inserter) {
    return applyBatches(new long[] {seq}, List.of(batch), inserter).get(0);
  }

  /**
   * As {@link #applyUpsert} for several consecutive upserts at once (coalesced by the applier):
   * every vector is checked first (a rejection changes nothing), all go into the graph as one
   * batch, then ids are mapped op by op in log order, each point versioned by its own operation.
   */
  List<ChangeSet> applyUpserts(
      long[] seqs, List<Operation.UpsertPoints> ops, ParallelInserter inserter) {
    List<List<PointStruct>> batches = new ArrayList<>(ops.size());
    // Ids written by the earlier ops of this call, with their payloads: a later op's condition
    // sees them as stored, as it would had the ops been applied one by one.
    Map<PointId, Payload> pending = new java.util.HashMap<>();
    for (Operation.UpsertPoints op : ops) {
      if (!op.collection().equals(name)) {
        throw new IllegalArgumentException("collection: upserts of one collection expected");
      }
      batches.add(written(op, pending));
    }
    return applyBatches(seqs, batches, inserter);
  }

  /**
   * The points of {@code op} its {@code update_mode} and {@code update_filter} let through, in
   * order, each decided against the points stored before it (including earlier ones of the same
   * call, in {@code pending}, which it extends). Apply lane only.
   */
  private List<PointStruct> written(Operation.UpsertPoints op, Map<PointId, Payload> pending) {
    if (!op.conditional()) {
      for (PointStruct p : op.points()) {
        pending.put(p.id(), p.payload());
      }
      return op.points();
    }
    Filter filter = op.updateFilter() == null ? null : filter(op.updateFilter(), "update_filter");
    List<PointStruct> out = new ArrayList<>(op.points().size());
    for (PointStruct p : op.points()) {
      Payload current = pending.get(p.id());
      if (current == null) {
        Integer ord = ordinals.get(p.id());
        StoredPoint stored = ord == null ? null : points.get(ord);
        current = stored == null ? null : stored.payload();
      }
      boolean exists = current != null;
      boolean write =
          switch (op.mode()) {
            case INSERT_ONLY -> !exists;
            case UPDATE_ONLY -> exists;
            case UPSERT -> true;
          };
      if (write && exists && filter != null && !filter.test(p.id(), current)) {
        write = false; // a stored point that does not match keeps its state
      }
      if (write) {
        out.add(p);
        pending.put(p.id(), p.payload());
      }
    }
    return out;
  }

  private List<ChangeSet> applyBatches(
      long[] seqs, List<List<PointStruct>> batches, ParallelInserter inserter) {
    List<float[]> vectors = new ArrayList<>();
    // Per secondary vector: the points (by their position in the whole call) that have it.
    List<List<float[]>> namedVectors = new ArrayList<>();
    List<List<Integer>> namedOwners = new ArrayList<>();
    for (int i = 0; i < named.size(); i++) {
      namedVectors.add(new ArrayList<>());
      namedOwners.add(new ArrayList<>());
    }
    for (List<PointStruct> batch : batches) {
      for (PointStruct p : batch) {
        if (config.namedDense()) {
          if (p.vector().length != 0) {
            throw new IllegalArgumentException(
                "point " + p.id() + ": named vectors only, expected no unnamed vector");
          }
        } else {
          Validation.checkVector(p.vector(), config, "point " + p.id());
        }
        for (var e : p.named().entrySet()) {
          NamedVector v = namedVector(e.getKey());
          if (v == null) {
            throw new IllegalArgumentException(
                "point " + p.id() + ": no dense vector named \"" + e.getKey() + "\"");
          }
          Validation.checkVector(
              e.getValue(), config.dense(v.name), "point " + p.id() + " vector \"" + v.name + "\"");
          namedVectors.get(v.slot).add(e.getValue());
          namedOwners.get(v.slot).add(vectors.size());
        }
        vectors.add(p.vector());
      }
    }
    int[] added = inserter.addAll(index, vectors);
    // Each point's ordinal in each secondary graph (-1: it has none), by position.
    int[][] namedOrds = named.isEmpty() ? null : new int[vectors.size()][];
    try {
      for (NamedVector v : named) {
        List<float[]> vs = namedVectors.get(v.slot);
        int[] addedNamed = vs.isEmpty() ? new int[0] : inserter.addAll(v.index, vs);
        List<Integer> owners = namedOwners.get(v.slot);
        for (int j = 0; j < addedNamed.length; j++) {
          int pos = owners.get(j);
          if (namedOrds[pos] == null) {
            namedOrds[pos] = new int[named.size()];
            java.util.Arrays.fill(namedOrds[pos], -1);
          }
          namedOrds[pos][v.slot] = addedNamed[j];
        }
      }
    } catch (RuntimeException e) {
      // Nothing maps to what was added: take it out again, so the failure changes nothing.
      for (int ord : added) {
        index.remove(ord);
      }
      if (namedOrds != null) {
        for (int[] ords : namedOrds) {
          for (int j = 0; ords != null && j < ords.length; j++) {
            if (ords[j] >= 0) {
              named.get(j).index.remove(ords[j]);
            }
          }
        }
      }
      throw e;
    }
    List<ChangeSet> out = new ArrayList<>(batches.size());
    int k = 0;
    for (int i = 0; i < batches.size(); i++) {
      List<PointStruct> batch = batches.get(i);
      List<PointId> ids = new ArrayList<>(batch.size());
      for (PointStruct p : batch) {
        int pos = k++;
        int ord = added[pos];
        int[] nords = null;
        if (namedOrds != null) {
          nords = namedOrds[pos];
          if (nords == null) {
            nords = new int[named.size()];
            java.util.Arrays.fill(nords, -1);
          }
          for (int j = 0; j < nords.length; j++) {
            if (nords[j] >= 0) {
              named.get(j).owners.set(nords[j], ord); // before the record that names it
            }
          }
        }
        points.set(ord, new StoredPoint(p.id(), p.payload(), seqs[i], p.sparse(), nords));
        payloadIndex.onUpsert(ord, p.payload());
        SparseIndex.onUpsert(sparse, ord, p.sparse());
        Integer old = ordinals.put(p.id(), ord);
        if (old != null) {
          removeOrdinal(old);
        }
        ids.add(p.id());
      }
      out.add(new ChangeSet(ids, List.of()));
    }
    return out;
  }

  /** Lane only: point ordinal {@code ord} (unmapped by the caller) and all it held go. */
  private void removeOrdinal(int ord) {
    index.remove(ord);
    StoredPoint previous = points.get(ord);
    points.set(ord, null);
    payloadIndex.onRemove(ord, previous == null ? null : previous.payload());
    if (previous != null) {
      SparseIndex.onRemove(sparse, ord, previous.sparse());
      for (NamedVector v : named) {
        int s = previous.namedOrdinal(v.slot);
        if (s >= 0) {
          v.index.remove(s);
          v.owners.set(s, -1);
        }
      }
    }
  }

  ChangeSet applyDelete(PointSelector selector) {
    List<PointId> deleted = new ArrayList<>();
    for (PointId id : resolve(selector)) {
      Integer ord = ordinals.remove(id);
      if (ord != null) {
        removeOrdinal(ord);
        deleted.add(id);
      }
    }
    return new ChangeSet(List.of(), deleted);
  }

  /**
   * {@code PUT /points/vectors}: each listed point's given vectors replace its own of those names,
   * the others and its payload kept. Every point must exist (checked first: a refusal changes
   * nothing). A point is written anew with all its vectors (the graphs have no in-place update),
   * with {@code seq} as its version. With {@code updateFilter}, a point that does not match it is
   * left as it is. A point listed twice gets both updates, in order.
   */
  ChangeSet applyUpdateVectors(
      long seq,
      List<Operation.VectorUpdate> updates,
      io.vertx.core.json.JsonObject updateFilter,
      ParallelInserter inserter) {
    Filter filter = updateFilter == null ? null : filter(updateFilter, "update_filter");
    java.util.LinkedHashMap<PointId, PointStruct> merged = new java.util.LinkedHashMap<>();
    for (Operation.VectorUpdate u : updates) {
      PointStruct base = merged.get(u.id());
      if (base == null) {
        Integer ord = ordinals.get(u.id());
        StoredPoint stored = ord == null ? null : points.get(ord);
        if (stored == null) {
          throw VecdbException.notFound("No point with id " + u.id() + " found");
        }
        if (filter != null && !filter.test(stored.id(), stored.payload())) {
          continue;
        }
        Map<String, float[]> others = new java.util.HashMap<>();
        for (NamedVector v : named) {
          int s = stored.namedOrdinal(v.slot);
          if (s >= 0) {
            others.put(v.name, v.index.vector(s));
          }
        }
        base =
            new PointStruct(
                stored.id(), index.vector(ord), stored.payload(), stored.sparse(), others);
      }
      float[] primary =
          config.namedDense() ? base.vector() : u.dense().getOrDefault("", base.vector());
      Map<String, float[]> others = new java.util.HashMap<>(base.named());
      Map<String, io.vecdb.model.SparseVector> sparseVectors =
          new java.util.HashMap<>(base.sparse());
      u.dense()
          .forEach(
              (n, v) -> {
                if (config.namedDense()) {
                  others.put(n, v);
                }
              });
      sparseVectors.putAll(u.sparse());
      merged.put(u.id(), new PointStruct(u.id(), primary, base.payload(), sparseVectors, others));
    }
    if (merged.isEmpty()) {
      return new ChangeSet(List.of(), List.of());
    }
    return applyBatches(new long[] {seq}, List.of(new ArrayList<>(merged.values())), inserter)
        .get(0);
  }

  /**
   * {@code POST /points/vectors/delete}: the selected points lose their vectors of those names
   * (named dense ones, or sparse ones; checked when the request was parsed).
   */
  ChangeSet applyDeleteVectors(long seq, PointSelector selector, List<String> vectorNames) {
    List<PointId> changed = new ArrayList<>();
    for (PointId id : resolve(selector)) {
      Integer ord = ordinals.get(id);
      StoredPoint old = ord == null ? null : points.get(ord);
      if (old == null) {
        continue;
      }
      int[] nords = old.named() == null ? null : old.named().clone();
      Map<String, io.vecdb.model.SparseVector> kept = new java.util.HashMap<>(old.sparse());
      Map<String, io.vecdb.model.SparseVector> dropped = new java.util.HashMap<>();
      List<int[]> freed = new ArrayList<>(); // {slot, vector ordinal}
      for (String n : vectorNames) {
        NamedVector v = namedVector(n);
        if (v != null && nords != null && nords[v.slot] >= 0) {
          freed.add(new int[] {v.slot, nords[v.slot]});
          nords[v.slot] = -1;
        }
        io.vecdb.model.SparseVector sv = kept.remove(n);
        if (sv != null) {
          dropped.put(n, sv);
        }
      }
      if (freed.isEmpty() && dropped.isEmpty()) {
        continue;
      }
      points.set(ord, new StoredPoint(id, old.payload(), seq, kept, nords));
      SparseIndex.onRemove(sparse, ord, dropped);
      for (int[] f : freed) {
        NamedVector v = named.get(f[0]);
        v.index.remove(f[1]);
        v.owners.set(f[1], -1);
      }
      changed.add(id);
    }
    return new ChangeSet(changed, List.of());
  }

  /** Replaces each selected point's payload with {@code edit(old)}. */
  ChangeSet applyPayload(
      long seq, PointSelector selector, java.util.function.UnaryOperator<Payload> edit) {
    List<PointId> changed = new ArrayList<>();
    for (PointId id : resolve(selector)) {
      Integer ord = ordinals.get(id);
      StoredPoint old = ord == null ? null : points.get(ord);
      if (old != null) {
        Payload edited = edit.apply(old.payload());
        points.set(ord, old.withPayload(edited, seq));
        payloadIndex.onUpsert(ord, edited);
        changed.add(id);
      }
    }
    return new ChangeSet(changed, List.of());
  }

  /** Creates ({@code type} non-null) or drops the payload index of {@code field}. */
  void applySchema(String field, String type) {
    if (type == null) {
      payloadIndex.dropField(field);
    } else {
      payloadIndex.createField(field, type);
    }
  }

  private List<PointId> resolve(PointSelector selector) {
    if (selector.ids() != null) {
      return new ArrayList<>(new LinkedHashSet<>(selector.ids()));
    }
    Filter filter = filter(selector.filter(), "filter");
    List<PointId> out = new ArrayList<>();
    forEachMatch(filter, p -> out.add(p.id()));
    return out;
  }

  /**
   * Calls {@code action} for every point that matches {@code filter}, testing only the payload
   * index's candidates when it can narrow the filter.
   */
  private void forEachMatch(Filter filter, java.util.function.Consumer<StoredPoint> action) {
    long[] bits = payloadIndex.candidateBits(filter);
    int scanned = 0;
    if (bits == null) {
      for (Integer ord : ordinals.values()) {
        if ((++scanned & 4095) == 0) {
          io.vecdb.index.Deadline.check();
        }
        StoredPoint p = points.get(ord);
        if (p != null && filter.test(p.id(), p.payload())) {
          action.accept(p);
        }
      }
      return;
    }
    for (int w = 0; w < bits.length; w++) {
      if ((w & 63) == 63) {
        io.vecdb.index.Deadline.check();
      }
      for (long word = bits[w]; word != 0; word &= word - 1) {
        int ord = w * 64 + Long.numberOfTrailingZeros(word);
        StoredPoint p = points.get(ord);
        if (p != null && index.isLive(ord) && filter.test(p.id(), p.payload())) {
          action.accept(p);
        }
      }
    }
  }

  // ---- reads: any thread, lock-free ----

  /** The point with {@code id}, or null. */
  public PointView point(PointId id) {
    try (VectorIndex.ReadSection pinned = pinReads()) {
      Integer ord = ordinals.get(id);
      if (ord == null) {
        return null;
      }
      StoredPoint p = points.get(ord);
      return p == null || !p.id().equals(id) ? null : new PointView(p, ord, 0f);
    }
  }

  /**
   * The stored vector (normalised for Cosine) of a point returned by a read, or null if that point
   * has been deleted since. The read that returned the view may have closed its read section, so
   * the view's ordinal may have been freed and handed to another point meanwhile: the vector is
   * taken only while the ordinal still holds the view's point, checked before and after the copy (a
   * point record changes with every write to that ordinal, so an unchanged record means an
   * untouched vector).
   */
  public float[] vector(PointView view) {
    return vector(config.primaryName(), view);
  }

  /**
   * The point's named dense vectors (those it has), by name, as {@link #vector(String, PointView)}
   * reads them; empty for a collection of one unnamed vector.
   */
  public Map<String, float[]> namedVectors(PointView view) {
    Map<String, float[]> out = new java.util.HashMap<>();
    for (NamedVector v : named) {
      float[] x = vector(v.name, view);
      if (x != null) {
        out.put(v.name, x);
      }
    }
    return out;
  }

  /**
   * As {@link #vector(PointView)} for dense vector {@code vectorName} (null also if the point has
   * none of that name; the name must be one of the collection's dense vectors).
   */
  public float[] vector(String vectorName, PointView view) {
    NamedVector nv = namedVector(vectorName);
    int ord = view.ordinal();
    try (VectorIndex.ReadSection pinned = pinReads()) {
      for (int attempt = 0; attempt < 16; attempt++) {
        StoredPoint before = points.get(ord);
        if (before == null || !before.id().equals(view.id())) {
          return null;
        }
        float[] v;
        if (nv == null) {
          v = index.vector(ord);
        } else {
          int s = before.namedOrdinal(nv.slot);
          v = s < 0 ? null : nv.index.vector(s);
        }
        java.lang.invoke.VarHandle.acquireFence(); // the copy's reads before the check below
        if (points.get(ord) == before) {
          return v;
        }
        // A write to this point (its payload, say) ran meanwhile: read again.
      }
      return null;
    }
  }

  /**
   * The score of {@code query} against the point a read returned (Qdrant's convention for the
   * collection's distance), or NaN if that point has been deleted or rewritten since: checked
   * before and after, as {@link #vector} does.
   */
  public float score(float[] query, PointView view) {
    return score(config.primaryName(), query, view);
  }

  /**
   * As {@link #score(float[], PointView)} against dense vector {@code vectorName} (NaN also if the
   * point has none of that name).
   */
  public float score(String vectorName, float[] query, PointView view) {
    Validation.checkVector(query, requireDense(vectorName, "using"), "query vector");
    NamedVector nv = namedVector(vectorName);
    int ord = view.ordinal();
    try (VectorIndex.ReadSection pinned = pinReads()) {
      StoredPoint before = points.get(ord);
      if (before == null || !before.id().equals(view.id())) {
        return Float.NaN;
      }
      float s;
      if (nv == null) {
        s = index.score(query, ord);
      } else {
        int so = before.namedOrdinal(nv.slot);
        s = so < 0 ? Float.NaN : nv.index.score(query, so);
      }
      java.lang.invoke.VarHandle.acquireFence();
      return points.get(ord) == before ? s : Float.NaN;
    }
  }

  /**
   * A read section over this collection's index (sections nest): no ordinal a read inside it saw is
   * handed to another point before it closes. For reads made of several steps, and around a read
   * and the rendering of its points ({@link #vectorAsRead}).
   */
  public VectorIndex.ReadSection pinReads() {
    if (named.isEmpty()) {
      return index.pinReads();
    }
    VectorIndex.ReadSection[] sections = new VectorIndex.ReadSection[named.size() + 1];
    sections[0] = index.pinReads();
    for (int i = 0; i < named.size(); i++) {
      sections[i + 1] = named.get(i).index.pinReads();
    }
    return () -> {
      for (int i = sections.length - 1; i >= 0; i--) {
        sections[i].close();
      }
    };
  }

  /**
   * The vector of the point as {@code view} saw it: as {@link #vector}, and if the point has been
   * overwritten or deleted since, the vector its ordinal still holds: the one that went with the
   * view's payload. The caller must hold a read section ({@link #pinReads}) opened before the read
   * that made the view: then that ordinal cannot have been handed to another point meanwhile. Null
   * only if the ordinal already holds another point (the precondition was not met).
   */
  public float[] vectorAsRead(PointView view) {
    return vectorAsRead(config.primaryName(), view);
  }

  /**
   * As {@link #vectorAsRead(PointView)} for dense vector {@code vectorName}: null also if the point
   * had none of that name when read.
   */
  public float[] vectorAsRead(String vectorName, PointView view) {
    float[] v = vector(vectorName, view);
    if (v != null) {
      return v;
    }
    StoredPoint now = points.get(view.ordinal());
    if (now != null && !now.id().equals(view.id())) {
      return null;
    }
    NamedVector nv = namedVector(vectorName);
    if (nv == null) {
      return index.vectorInSection(view.ordinal());
    }
    int s = view.named() == null ? -1 : view.named()[nv.slot];
    return s < 0 ? null : nv.index.vectorInSection(s);
  }

  /**
   * The {@code limit} best points after skipping {@code offset}, that pass {@code filter} (null:
   * all) and {@code threshold} (null: none), best first. The filter runs inside the index search.
   */
  public List<PointView> search(
      float[] query, int limit, int offset, SearchParams params, Filter filter, Float threshold) {
    return search(config.primaryName(), query, limit, offset, params, filter, threshold);
  }

  /**
   * As {@link #search(float[], int, int, SearchParams, Filter, Float)} by dense vector {@code
   * vectorName}: only points that have a vector of that name are found.
   */
  public List<PointView> search(
      String vectorName,
      float[] query,
      int limit,
      int offset,
      SearchParams params,
      Filter filter,
      Float threshold) {
    CollectionConfig.DenseParams dense = requireDense(vectorName, "using");
    Validation.checkVector(query, dense, "query vector");
    VectorIndex graph = graph(vectorName);
    FilteredSearch fs = filteredSearch(vectorName);
    // One read section over the index search and the mapping of its ordinals to points: no
    // ordinal it returns is handed to another point before the mapping.
    try (VectorIndex.ReadSection pinned = pinReads()) {
      // A point deleted or replaced between the index search and the table lookup below is
      // dropped, which could leave fewer than `limit` hits although enough points match: search
      // again (the index then no longer sees it). Bounded: each retry needs a racing write.
      for (int attempt = 0; attempt < 4; attempt++) {
        List<PointView> out =
            searchOnce(graph, fs, query, limit, offset, params, filter, threshold, false);
        if (out != SHORT) {
          return out;
        }
      }
      return searchOnce(graph, fs, query, limit, offset, params, filter, threshold, true);
    }
  }

  /**
   * The {@code limit} best points by sparse vector {@code name} after skipping {@code offset}:
   * exactly, every point sharing a dimension with {@code query} scored by the dot product (with IDF
   * weights when the vector's modifier is {@code idf}), best first, ties by id; only points that
   * pass {@code filter} and {@code threshold} (score at least it). Points without a vector of that
   * name, or sharing no dimension, are not returned (as in Qdrant).
   */
  public List<PointView> searchSparse(
      String name,
      io.vecdb.model.SparseVector query,
      int limit,
      int offset,
      Filter filter,
      Float threshold) {
    CollectionConfig.SparseParams params = requireSparse(name);
    SparseIndex idx = sparse.get(name);
    if (idx == null || limit + offset == 0) {
      return List.of();
    }
    java.util.function.IntToDoubleFunction weight = params.idf() ? idx::idf : null;
    int k = limit + offset;
    java.util.PriorityQueue<PointView> best =
        new java.util.PriorityQueue<>(
            java.util.Comparator.comparingDouble(PointView::score)
                .thenComparing(PointView::id, java.util.Comparator.reverseOrder()));
    try (VectorIndex.ReadSection pinned = pinReads()) {
      int scanned = 0;
      for (int ord : idx.candidates(query)) {
        if ((++scanned & 4095) == 0) {
          io.vecdb.index.Deadline.check();
        }
        StoredPoint p = points.get(ord);
        io.vecdb.model.SparseVector v = p == null ? null : p.sparse().get(name);
        if (v == null || (filter != null && !filter.test(p.id(), p.payload()))) {
          continue;
        }
        float score = (float) query.dot(v, weight);
        if (threshold != null && score < threshold) {
          continue;
        }
        best.add(new PointView(p, ord, score));
        if (best.size() > k) {
          best.poll();
        }
      }
    }
    List<PointView> out = new ArrayList<>(best);
    out.sort(
        java.util.Comparator.comparingDouble(PointView::score)
            .reversed()
            .thenComparing(PointView::id));
    return out.subList(Math.min(offset, out.size()), out.size());
  }

  /**
   * The score of sparse {@code query} against the point a read returned (its sparse vector {@code
   * name} as read, IDF-weighted as configured), or NaN if that point has no vector of that name.
   */
  public float scoreSparse(String name, io.vecdb.model.SparseVector query, PointView view) {
    CollectionConfig.SparseParams params = requireSparse(name);
    io.vecdb.model.SparseVector v = view.sparse().get(name);
    if (v == null) {
      return Float.NaN;
    }
    SparseIndex idx = sparse.get(name);
    return (float) query.dot(v, params.idf() && idx != null ? idx::idf : null);
  }

  private CollectionConfig.SparseParams requireSparse(String name) {
    CollectionConfig.SparseParams params = config.sparse(name);
    if (params == null) {
      throw new IllegalArgumentException(
          "using: collection `"
              + this.name
              + "` has no sparse vector named \""
              + name
              + "\""
              + (config.sparseVectors().isEmpty()
                  ? ""
                  : ", expected one of " + config.sparseVectors().keySet()));
    }
    return params;
  }

  /** Marker (compared by identity, never returned): a hit changed during the search. */
  private static final List<PointView> SHORT = new ArrayList<>(0);

  private List<PointView> searchOnce(
      VectorIndex graph,
      FilteredSearch fs,
      float[] query,
      int limit,
      int offset,
      SearchParams params,
      Filter filter,
      Float threshold,
      boolean acceptShort) {
    if (graph instanceof NamedView view) {
      view.used.clear();
    }
    Hits hits =
        filter == null
            ? graph.search(
                query,
                limit + offset,
                params,
                // A named vector's view only yields points that hold it (NamedView.owner).
                graph instanceof NamedView ? null : ord -> points.get(ord) != null)
            : fs.search(
                graph,
                payloadIndex,
                filter,
                ord -> {
                  StoredPoint p = points.get(ord);
                  return p == null ? null : new FilteredSearch.StoredPoint(p.id(), p.payload());
                },
                query,
                limit + offset,
                params);
    List<PointView> out = new ArrayList<>(Math.min(limit, hits.size()));
    java.util.Set<PointId> seen = new java.util.HashSet<>();
    int skipped = 0;
    boolean dropped = false;
    for (int i = 0; i < hits.size() && out.size() < limit; i++) {
      float score = hits.score(i);
      if (threshold != null && !graph.distance().passes(score, threshold)) {
        break;
      }
      StoredPoint p = points.get(hits.ordinal(i));
      if (p != null && graph instanceof NamedView view && !view.holdsScored(hits.ordinal(i), p)) {
        p = null; // the point's vector of that name changed after it was scored
      }
      // During a replacing upsert both the old and new ordinal can be live for a moment.
      if (p == null || !seen.add(p.id())) {
        dropped = true;
        continue;
      }
      if (skipped++ < offset) {
        continue;
      }
      out.add(new PointView(p, hits.ordinal(i), score));
    }
    if (dropped && !acceptShort && out.size() < limit && hits.size() == limit + offset) {
      return SHORT; // the index had enough hits; some changed under us
    }
    return out;
  }

  /** Points in id order from {@code from} (inclusive, null: first) that pass {@code filter}. */
  public Page scroll(PointId from, int limit, Filter filter) {
    try (VectorIndex.ReadSection pinned = pinReads()) {
      return scrollPinned(from, limit, filter);
    }
  }

  private Page scrollPinned(PointId from, int limit, Filter filter) {
    ConcurrentNavigableMap<PointId, Integer> range =
        from == null ? ordinals : ordinals.tailMap(from, true);
    List<PointView> out = new ArrayList<>();
    int scanned = 0;
    for (Map.Entry<PointId, Integer> e : range.entrySet()) {
      if ((++scanned & 4095) == 0) {
        io.vecdb.index.Deadline.check();
      }
      StoredPoint p = points.get(e.getValue());
      if (p == null || (filter != null && !filter.test(p.id(), p.payload()))) {
        continue;
      }
      if (out.size() == limit) {
        return new Page(out, p.id());
      }
      out.add(new PointView(p, e.getValue(), 0f));
    }
    return new Page(out, null);
  }

  /** Every point that passes {@code filter}, in id order. */
  public List<PointView> all(Filter filter) {
    Page page = scroll(null, Integer.MAX_VALUE, filter);
    return page.points();
  }

  /** Exact number of points that pass {@code filter} (null: all). */
  public long count(Filter filter) {
    if (filter == null) {
      return ordinals.size();
    }
    long[] n = {0};
    try (VectorIndex.ReadSection pinned = pinReads()) {
      forEachMatch(filter, p -> n[0]++);
    }
    return n[0];
  }

  /** A page of scroll results and the id to continue from (null at the end). */
  public record Page(List<PointView> points, PointId next) {}
}
