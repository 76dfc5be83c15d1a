package io.vecdb.collection;

import io.vecdb.index.Distance;
import io.vertx.core.json.JsonObject;

/**
 * A collection's settings: its dense vectors, its sparse vectors by name ({@code sparse_vectors})
 * and the optimizer settings as given (kept for {@code GET /collections/{name}}).
 *
 * <p>Dense vectors: either one unnamed vector ({@code vectors: {size, distance}}, which is Qdrant's
 * default name {@code ""}; {@code namedVectors} empty): every point has it and its graph's ordinals
 * are the points' ordinals; or named ones ({@code vectors: {name: {...}}}, all of them in {@code
 * namedVectors}), each in a graph of its own beside the points' ordinals, and a point may have any
 * of them or none. {@code size} and {@code distance} are the unnamed vector's (for named ones, the
 * first name's, for messages); {@code hnsw} is the collection-level HNSW config (for an unnamed
 * vector merged with its own {@code hnsw_config}), and each named vector has its own, merged over
 * it. {@code quantization} is the collection's {@code quantization_config} (for an unnamed vector,
 * its own if it has one), null for none; a named vector's own overrides it. {@code onDisk} is the
 * unnamed vector's {@code on_disk} (false for named ones: each has its own in its {@link
 * DenseParams}).
 */
public record CollectionConfig(
    int size,
    Distance distance,
    HnswConfig hnsw,
    JsonObject optimizers,
    int shardNumber,
    int replicationFactor,
    int writeConsistencyFactor,
    java.util.SortedMap<String, SparseParams> sparseVectors,
    java.util.SortedMap<String, DenseParams> namedVectors,
    QuantizationConfig quantization,
    boolean onDisk) {

  /**
   * A dense vector's settings: dimension, distance, its graph's HNSW parameters, its own {@code
   * quantization_config} (null: the collection's, see {@link #quantizationOf}) and {@code on_disk}
   * (its float32 vectors in a memory-mapped file rather than on the heap: {@link IndexFactory}).
   */
  public record DenseParams(
      int size,
      Distance distance,
      HnswConfig hnsw,
      QuantizationConfig quantization,
      boolean onDisk) {}

  /**
   * A sparse vector's settings: whether queries weight dimensions by inverse document frequency.
   */
  public record SparseParams(boolean idf) {}

  public static final int MAX_DIMENSION = 65_536;
  static final JsonObject DEFAULT_OPTIMIZERS =
      new JsonObject()
          .put("deleted_threshold", 0.2)
          .put("vacuum_min_vector_number", 1000)
          .put("default_segment_number", 0)
          .put("flush_interval_sec", 5)
          .put("indexing_threshold", 20000);

  public CollectionConfig {
    optimizers = optimizers == null ? DEFAULT_OPTIMIZERS.copy() : optimizers.copy();
    sparseVectors =
        java.util.Collections.unmodifiableSortedMap(
            new java.util.TreeMap<>(sparseVectors == null ? java.util.Map.of() : sparseVectors));
    namedVectors =
        java.util.Collections.unmodifiableSortedMap(
            new java.util.TreeMap<>(namedVectors == null ? java.util.Map.of() : namedVectors));
    if (!namedVectors.isEmpty()) {
      DenseParams first = namedVectors.get(namedVectors.firstKey());
      if (first.size() != size || first.distance() != distance) {
        throw new IllegalArgumentException(
            "size and distance must be those of the first named vector \""
                + namedVectors.firstKey()
                + "\"");
      }
    }
  }

  /**
   * The name of the dense vector whose graph holds the points' ordinals (every point has it):
   * {@code ""} for an unnamed vector; null for named ones (each has a graph of its own).
   */
  public String primaryName() {
    return namedVectors.isEmpty() ? "" : null;
  }

  /** The params of dense vector {@code name}, or null if the collection has none of that name. */
  public DenseParams dense(String name) {
    if (name == null) {
      return null;
    }
    if (namedVectors.isEmpty()) {
      return name.isEmpty() ? new DenseParams(size, distance, hnsw, null, onDisk) : null;
    }
    return namedVectors.get(name);
  }

  /** The quantization of dense vector {@code name}: its own, else the collection's (null: none). */
  public QuantizationConfig quantizationOf(String name) {
    DenseParams p = dense(name);
    return p != null && p.quantization() != null ? p.quantization() : quantization;
  }

  /** The dense vectors' names, in order. */
  public java.util.List<String> denseNames() {
    return namedVectors.isEmpty()
        ? java.util.List.of("")
        : java.util.List.copyOf(namedVectors.keySet());
  }

  /** The dense vectors with a graph of their own (all the named ones), in name order. */
  public java.util.List<String> namedGraphNames() {
    return java.util.List.copyOf(namedVectors.keySet());
  }

  /** Whether the dense vectors are declared by name ({@code vectors: {name: {...}}}). */
  public boolean namedDense() {
    return !namedVectors.isEmpty();
  }

  /** The params of sparse vector {@code name}, or null if the collection has none of that name. */
  public SparseParams sparse(String name) {
    return sparseVectors.get(name);
  }

  /** Qdrant's create-collection fields (each is implemented, a hint, or refused when set). */
  private static final java.util.Set<String> CREATE_FIELDS =
      java.util.Set.of(
          "vectors",
          "shard_number",
          "sharding_method",
          "replication_factor",
          "write_consistency_factor",
          "on_disk_payload",
          "hnsw_config",
          "wal_config",
          "optimizers_config",
          "quantization_config",
          "sparse_vectors",
          "strict_mode_config",
          "metadata");

  /**
   * Qdrant's optimizer settings: stored and shown as given (VecDB's own optimizer is configured per
   * node, see {@code OptimizerOptions}); they are tuning hints in Qdrant too.
   */
  private static final java.util.Set<String> OPTIMIZER_FIELDS =
      java.util.Set.of(
          "deleted_threshold",
          "vacuum_min_vector_number",
          "default_segment_number",
          "max_segment_size",
          "memmap_threshold",
          "indexing_threshold",
          "flush_interval_sec",
          "max_optimization_threads",
          "prevent_unoptimized");

  private static final java.util.Set<String> VECTOR_FIELDS =
      java.util.Set.of(
          "size",
          "distance",
          "hnsw_config",
          "quantization_config",
          "on_disk",
          "datatype",
          "multivector_config");

  /**
   * Refuses what a create-collection request may not hold: fields Qdrant does not define, and those
   * VecDB does not implement when set (a request field is never silently ignored). Requests only:
   * {@link #parse} reads stored configs as they were accepted, so that logs and snapshots written
   * before a field was refused still load.
   */
  public static void checkCreateRequest(JsonObject body) {
    if (body == null) {
      return;
    }
    JsonFields.onlyKnown(body, "", CREATE_FIELDS);
    refuseUnimplemented(body);
    JsonFields.notImplemented(body, "wal_config", "", "a per-collection WAL config");
    String sharding = JsonFields.string(body, "sharding_method", "sharding_method");
    if (sharding != null && !sharding.equals("auto")) {
      throw new IllegalArgumentException(
          "sharding_method: only \"auto\" is supported by VecDB (custom shard keys are not), got \""
              + sharding
              + "\"");
    }
    JsonFields.bool(body, "on_disk_payload", "on_disk_payload"); // a storage hint: accepted
    JsonObject vectors = unnamed(JsonFields.object(body, "vectors", "vectors"));
    if (vectors != null && vectors.containsKey("size")) {
      checkVectorRequest(vectors, "vectors");
    } else if (vectors != null) {
      for (String name : vectors.fieldNames()) {
        JsonObject params = JsonFields.object(vectors, name, "vectors." + name);
        if (params != null) {
          checkVectorRequest(params, "vectors." + name);
        }
      }
    }
    HnswConfig.checkRequest(JsonFields.object(body, "hnsw_config", "hnsw_config"), "hnsw_config");
    QuantizationConfig.parse(body.getValue("quantization_config"), "quantization_config");
    JsonFields.onlyKnown(
        JsonFields.object(body, "optimizers_config", "optimizers_config"),
        "optimizers_config",
        OPTIMIZER_FIELDS);
    JsonObject sparse = JsonFields.object(body, "sparse_vectors", "sparse_vectors");
    if (sparse != null) {
      for (String name : sparse.fieldNames()) {
        String at = "sparse_vectors." + name;
        JsonObject params = JsonFields.object(sparse, name, at);
        if (params == null) {
          continue;
        }
        JsonFields.onlyKnown(params, at, java.util.Set.of("index", "modifier"));
        JsonObject index = JsonFields.object(params, "index", at + ".index");
        JsonFields.onlyKnown(
            index, at + ".index", java.util.Set.of("full_scan_threshold", "on_disk", "datatype"));
        if (index != null) {
          // full_scan_threshold is a hint: a sparse search here is always an exact scan of the
          // inverted index's postings.
          JsonFields.integer(
              index,
              "full_scan_threshold",
              at + ".index.full_scan_threshold",
              0,
              Long.MAX_VALUE,
              0);
          if (Boolean.TRUE.equals(JsonFields.bool(index, "on_disk", at + ".index.on_disk"))) {
            throw new IllegalArgumentException(
                at
                    + ".index.on_disk: sparse indexes on disk are not supported by VecDB (RAM only)");
          }
          String type = JsonFields.string(index, "datatype", at + ".index.datatype");
          if (type != null && !type.equals("float32")) {
            throw new IllegalArgumentException(
                at
                    + ".index.datatype: only \"float32\" is supported by VecDB, got \""
                    + type
                    + "\"");
          }
        }
      }
    }
  }

  private static void checkVectorRequest(JsonObject vectors, String path) {
    JsonFields.onlyKnown(vectors, path, VECTOR_FIELDS);
    QuantizationConfig.parse(
        vectors.getValue("quantization_config"), path + ".quantization_config");
    JsonFields.notImplemented(vectors, "multivector_config", path, "multivectors");
    JsonFields.bool(vectors, "on_disk", path + ".on_disk");
    String datatype = JsonFields.string(vectors, "datatype", path + ".datatype");
    if (datatype != null && !datatype.equals("float32")) {
      throw new IllegalArgumentException(
          path + ".datatype: only \"float32\" is supported by VecDB, got \"" + datatype + "\"");
    }
    HnswConfig.checkRequest(
        JsonFields.object(vectors, "hnsw_config", path + ".hnsw_config"), path + ".hnsw_config");
  }

  /** Parses {@code sparse_vectors}: names (non-empty) to {@code {modifier: "idf"|"none"}}. */
  private static java.util.SortedMap<String, SparseParams> parseSparse(JsonObject body) {
    java.util.TreeMap<String, SparseParams> out = new java.util.TreeMap<>();
    JsonObject sparse = JsonFields.object(body, "sparse_vectors", "sparse_vectors");
    if (sparse == null) {
      return out;
    }
    for (String name : sparse.fieldNames()) {
      String at = "sparse_vectors." + name;
      if (name.isEmpty() || name.length() > 255) {
        throw new IllegalArgumentException(
            "sparse_vectors: expected names of 1 to 255 characters (\"\" is the dense vector's)");
      }
      JsonObject params = JsonFields.object(sparse, name, at);
      String modifier =
          params == null ? null : JsonFields.string(params, "modifier", at + ".modifier");
      if (modifier != null && !modifier.equals("idf") && !modifier.equals("none")) {
        throw JsonFields.bad(at + ".modifier", "\"idf\" or \"none\"", modifier);
      }
      out.put(name, new SparseParams("idf".equals(modifier)));
    }
    return out;
  }

  /**
   * Refuses the collection-level features a create or a {@code PATCH} may set and VecDB does not
   * implement (strict mode, metadata).
   */
  static void refuseUnimplemented(JsonObject body) {
    JsonFields.notImplemented(body, "strict_mode_config", "", "strict mode");
    JsonFields.notImplemented(body, "metadata", "", "collection metadata");
  }

  /**
   * {@code {"": {...}}}, the one vector under Qdrant's default name (the empty string, as
   * LangChain's Python store creates it), is the unnamed vector {@code {...}}; anything else is
   * returned as it is (other names are refused by the callers).
   */
  static JsonObject unnamed(JsonObject vectors) {
    if (vectors != null
        && vectors.size() == 1
        && vectors.getValue("") instanceof JsonObject only
        && !vectors.containsKey("size")) {
      return only;
    }
    return vectors;
  }

  /** As {@link #checkCreateRequest}, for the parts of a {@code PATCH /collections/{name}}. */
  public static void checkUpdateRequest(JsonObject hnswPatch, JsonObject optimizersPatch) {
    HnswConfig.checkRequest(hnswPatch, "hnsw_config");
    JsonFields.onlyKnown(optimizersPatch, "optimizers_config", OPTIMIZER_FIELDS);
  }

  /**
   * Parses Qdrant's create-collection body ({@code vectors: {size, distance}}, or the same under
   * the default name {@code ""}; {@code hnsw_config}, {@code optimizers_config}, {@code
   * shard_number}, {@code replication_factor}).
   */
  public static CollectionConfig parse(JsonObject body) {
    if (body == null) {
      throw new IllegalArgumentException("body: expected a JSON object with \"vectors\"");
    }
    JsonObject vectors = unnamed(JsonFields.object(body, "vectors", "vectors"));
    if (vectors == null) {
      throw new IllegalArgumentException(
          "vectors: expected {\"size\": N, \"distance\": \"Cosine|Euclid|Dot|Manhattan\"}");
    }
    HnswConfig collectionHnsw =
        HnswConfig.DEFAULT.merge(
            JsonFields.object(body, "hnsw_config", "hnsw_config"), "hnsw_config");
    java.util.TreeMap<String, DenseParams> named = new java.util.TreeMap<>();
    DenseParams primary;
    HnswConfig hnsw;
    QuantizationConfig quantization =
        QuantizationConfig.parse(body.getValue("quantization_config"), "quantization_config");
    if (vectors.containsKey("size") || vectors.isEmpty()) {
      primary = denseParams(vectors, "vectors", collectionHnsw);
      hnsw = primary.hnsw();
      if (primary.quantization() != null) {
        quantization = primary.quantization(); // the one vector's own wins, as in Qdrant
      }
      primary = new DenseParams(primary.size(), primary.distance(), hnsw, null, primary.onDisk());
    } else {
      if (vectors.size() > MAX_NAMED_VECTORS) {
        throw new IllegalArgumentException(
            "vectors: at most " + MAX_NAMED_VECTORS + " named vectors, got " + vectors.size());
      }
      for (String name : vectors.fieldNames()) {
        String at = "vectors." + name;
        if (name.length() > 255) {
          throw new IllegalArgumentException(
              "vectors: expected vector names of at most 255 characters");
        }
        JsonObject params = JsonFields.object(vectors, name, at);
        if (params == null) {
          throw new IllegalArgumentException(
              at + ": expected {\"size\": N, \"distance\": \"Cosine|Euclid|Dot|Manhattan\"}");
        }
        named.put(name, denseParams(params, at, collectionHnsw));
      }
      primary = named.firstEntry().getValue();
      hnsw = collectionHnsw;
    }
    java.util.SortedMap<String, SparseParams> sparse = parseSparse(body);
    for (String name : sparse.keySet()) {
      if (named.containsKey(name)) {
        throw new IllegalArgumentException(
            "sparse_vectors."
                + name
                + ": a dense vector has that name already (vectors."
                + name
                + ")");
      }
    }
    JsonObject optimizers = DEFAULT_OPTIMIZERS.copy();
    JsonObject given = JsonFields.object(body, "optimizers_config", "optimizers_config");
    if (given != null) {
      optimizers.mergeIn(given);
    }
    int shards = (int) JsonFields.integer(body, "shard_number", "shard_number", 1, 1024, 1);
    int replication =
        (int) JsonFields.integer(body, "replication_factor", "replication_factor", 1, 64, 1);
    int writeConsistency =
        (int)
            JsonFields.integer(
                body, "write_consistency_factor", "write_consistency_factor", 1, 64, 1);
    if (writeConsistency > replication) {
      throw new IllegalArgumentException(
          "write_consistency_factor: expected at most replication_factor ("
              + replication
              + "), got "
              + writeConsistency);
    }
    return new CollectionConfig(
        primary.size(),
        primary.distance(),
        hnsw,
        optimizers,
        shards,
        replication,
        writeConsistency,
        sparse,
        named,
        quantization,
        named.isEmpty() && primary.onDisk());
  }

  /** At most this many named dense vectors per collection (each has a graph of its own). */
  public static final int MAX_NAMED_VECTORS = 64;

  private static DenseParams denseParams(JsonObject vectors, String path, HnswConfig base) {
    long size = JsonFields.integer(vectors, "size", path + ".size", 1, MAX_DIMENSION, -1);
    if (size < 0) {
      throw new IllegalArgumentException(path + ".size: expected an integer in [1, 65536]");
    }
    String distanceName = JsonFields.string(vectors, "distance", path + ".distance");
    Distance distance;
    try {
      distance = Distance.parse(distanceName);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(path + ".distance: " + e.getMessage());
    }
    HnswConfig hnsw =
        base.merge(
            JsonFields.object(vectors, "hnsw_config", path + ".hnsw_config"),
            path + ".hnsw_config");
    QuantizationConfig quantization =
        QuantizationConfig.parse(
            vectors.getValue("quantization_config"), path + ".quantization_config");
    boolean onDisk = Boolean.TRUE.equals(JsonFields.bool(vectors, "on_disk", path + ".on_disk"));
    return new DenseParams((int) size, distance, hnsw, quantization, onDisk);
  }

  /** Applies a {@code PATCH /collections/{name}} body: hnsw and optimizer parameters. */
  public CollectionConfig update(JsonObject hnswPatch, JsonObject optimizersPatch) {
    return update(hnswPatch, optimizersPatch, null);
  }

  /**
   * As {@link #update(JsonObject, JsonObject)}, and the collection's quantization: {@code
   * quantizationPatch} null leaves it, {@link QuantizationConfig#DISABLED} removes it, anything
   * else replaces it (named vectors with their own keep theirs, as in Qdrant).
   */
  public CollectionConfig update(
      JsonObject hnswPatch, JsonObject optimizersPatch, QuantizationConfig quantizationPatch) {
    JsonObject opt = optimizers.copy();
    if (optimizersPatch != null) {
      opt.mergeIn(optimizersPatch);
    }
    java.util.TreeMap<String, DenseParams> named = new java.util.TreeMap<>();
    namedVectors.forEach(
        (name, p) ->
            named.put(
                name,
                new DenseParams(
                    p.size(),
                    p.distance(),
                    p.hnsw().merge(hnswPatch, "hnsw_config"),
                    p.quantization(),
                    p.onDisk())));
    QuantizationConfig q =
        quantizationPatch == null
            ? quantization
            : quantizationPatch == QuantizationConfig.DISABLED ? null : quantizationPatch;
    return new CollectionConfig(
        size,
        distance,
        hnsw.merge(hnswPatch, "hnsw_config"),
        opt,
        shardNumber,
        replicationFactor,
        writeConsistencyFactor,
        sparseVectors,
        named,
        q,
        onDisk);
  }

  /** Qdrant's {@code vectors} of collection info: one {@code {size, distance}}, or them by name. */
  private JsonObject vectorsJson(boolean createBody) {
    if (namedVectors.isEmpty()) {
      JsonObject v = new JsonObject().put("size", size).put("distance", distance.qdrantName());
      return onDisk ? v.put("on_disk", true) : v;
    }
    JsonObject out = new JsonObject();
    namedVectors.forEach(
        (name, p) -> {
          JsonObject v =
              new JsonObject().put("size", p.size()).put("distance", p.distance().qdrantName());
          if (p.onDisk()) {
            v.put("on_disk", true);
          }
          if (createBody || !p.hnsw().equals(hnsw)) {
            v.put(
                "hnsw_config",
                new JsonObject()
                    .put("m", p.hnsw().m())
                    .put("ef_construct", p.hnsw().efConstruct())
                    .put("full_scan_threshold", p.hnsw().fullScanThreshold()));
          }
          if (p.quantization() != null) {
            v.put("quantization_config", p.quantization().toJson());
          }
          out.put(name, v);
        });
    return out;
  }

  private JsonObject sparseJson() {
    JsonObject out = new JsonObject();
    sparseVectors.forEach(
        (name, p) ->
            out.put(name, p.idf() ? new JsonObject().put("modifier", "idf") : new JsonObject()));
    return out;
  }

  /** Qdrant's {@code config} object of collection info. */
  public JsonObject toJson() {
    JsonObject out = toJsonWithoutSparse();
    if (!sparseVectors.isEmpty()) {
      out.getJsonObject("params").put("sparse_vectors", sparseJson());
    }
    return out;
  }

  private JsonObject toJsonWithoutSparse() {
    return new JsonObject()
        .put(
            "params",
            new JsonObject()
                .put("vectors", vectorsJson(false))
                .put("shard_number", shardNumber)
                .put("replication_factor", replicationFactor)
                .put("write_consistency_factor", writeConsistencyFactor)
                .put("on_disk_payload", false))
        .put("hnsw_config", hnsw.toJson())
        .put("optimizer_config", optimizers.copy())
        .put("wal_config", new JsonObject().put("wal_capacity_mb", 32).put("wal_segments_ahead", 0))
        .put("quantization_config", quantization == null ? null : quantization.toJson());
  }

  /** The form stored in the operation log: parse(toCreateBody()) gives back an equal config. */
  public JsonObject toCreateBody() {
    JsonObject out = createBodyWithoutSparse();
    if (!sparseVectors.isEmpty()) {
      out.put("sparse_vectors", sparseJson());
    }
    return out;
  }

  private JsonObject createBodyWithoutSparse() {
    JsonObject out = new JsonObject();
    out.put("vectors", vectorsJson(true))
        .put(
            "hnsw_config",
            new JsonObject()
                .put("m", hnsw.m())
                .put("ef_construct", hnsw.efConstruct())
                .put("full_scan_threshold", hnsw.fullScanThreshold()))
        .put("optimizers_config", optimizers.copy())
        .put("shard_number", shardNumber)
        .put("replication_factor", replicationFactor)
        .put("write_consistency_factor", writeConsistencyFactor);
    if (quantization != null) {
      out.put("quantization_config", quantization.toJson());
    }
    return out;
  }
}
