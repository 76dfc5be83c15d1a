package io.vecdb.collection;

import io.vecdb.index.Distance;
import io.vertx.core.json.JsonObject;

/**
 * A collection's settings: one unnamed dense vector of {@code size} dimensions, its distance, HNSW
 * parameters, its sparse vectors by name ({@code sparse_vectors}) and the optimizer settings as
 * given (kept for {@code GET /collections/{name}}).
 */
public record CollectionConfig(
    int size,
    Distance distance,
    HnswConfig hnsw,
    JsonObject optimizers,
    int shardNumber,
    int replicationFactor,
    int writeConsistencyFactor,
    java.util.SortedMap<String, SparseParams> sparseVectors) {

  /**
   * A sparse vector's settings: whether queries weight dimensions by inverse document frequency.
   */
  public record SparseParams(boolean idf) {}

  /** A config without sparse vectors. */
  public CollectionConfig(
      int size,
      Distance distance,
      HnswConfig hnsw,
      JsonObject optimizers,
      int shardNumber,
      int replicationFactor,
      int writeConsistencyFactor) {
    this(
        size,
        distance,
        hnsw,
        optimizers,
        shardNumber,
        replicationFactor,
        writeConsistencyFactor,
        new java.util.TreeMap<>());
  }

  public static final int MAX_DIMENSION = 65_536;
  static final JsonObject DEFAULT_OPTIMIZERS =
      new JsonObject()
          .put("deleted_threshold", 0.2)
          .put("vacuum_min_vector_number", 1000)
          .put("default_segment_number", 0)
          .put("flush_interval_sec", 5)
          .put("indexing_threshold", 20000);

  /** A config with {@code write_consistency_factor} 1. */
  public CollectionConfig(
      int size,
      Distance distance,
      HnswConfig hnsw,
      JsonObject optimizers,
      int shardNumber,
      int replicationFactor) {
    this(size, distance, hnsw, optimizers, shardNumber, replicationFactor, 1);
  }

  public CollectionConfig {
    optimizers = optimizers == null ? DEFAULT_OPTIMIZERS.copy() : optimizers.copy();
    sparseVectors =
        java.util.Collections.unmodifiableSortedMap(
            new java.util.TreeMap<>(sparseVectors == null ? java.util.Map.of() : sparseVectors));
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
      JsonFields.onlyKnown(vectors, "vectors", VECTOR_FIELDS);
      JsonFields.notImplemented(vectors, "quantization_config", "vectors", "quantization");
      JsonFields.notImplemented(vectors, "multivector_config", "vectors", "multivectors");
      Boolean onDisk = JsonFields.bool(vectors, "on_disk", "vectors.on_disk");
      if (Boolean.TRUE.equals(onDisk)) {
        throw new IllegalArgumentException(
            "vectors.on_disk: vectors on disk are not supported by VecDB (they are kept in RAM)");
      }
      String datatype = JsonFields.string(vectors, "datatype", "vectors.datatype");
      if (datatype != null && !datatype.equals("float32")) {
        throw new IllegalArgumentException(
            "vectors.datatype: only \"float32\" is supported by VecDB, got \"" + datatype + "\"");
      }
      HnswConfig.checkRequest(
          JsonFields.object(vectors, "hnsw_config", "vectors.hnsw_config"), "vectors.hnsw_config");
    }
    HnswConfig.checkRequest(JsonFields.object(body, "hnsw_config", "hnsw_config"), "hnsw_config");
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
   * implement (quantization, sparse vectors, strict mode, metadata).
   */
  static void refuseUnimplemented(JsonObject body) {
    JsonFields.notImplemented(body, "quantization_config", "", "quantization");
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
    if (!vectors.containsKey("size") && !vectors.isEmpty()) {
      throw new IllegalArgumentException(
          "vectors: named vectors are not supported (only Qdrant's default name \"\"), expected"
              + " {\"size\": N, \"distance\": ...}");
    }
    long size = JsonFields.integer(vectors, "size", "vectors.size", 1, MAX_DIMENSION, -1);
    if (size < 0) {
      throw new IllegalArgumentException("vectors.size: expected an integer in [1, 65536]");
    }
    String distanceName = JsonFields.string(vectors, "distance", "vectors.distance");
    Distance distance;
    try {
      distance = Distance.parse(distanceName);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("vectors.distance: " + e.getMessage());
    }
    HnswConfig hnsw =
        HnswConfig.DEFAULT
            .merge(JsonFields.object(body, "hnsw_config", "hnsw_config"), "hnsw_config")
            .merge(
                JsonFields.object(vectors, "hnsw_config", "vectors.hnsw_config"),
                "vectors.hnsw_config");
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
        (int) size,
        distance,
        hnsw,
        optimizers,
        shards,
        replication,
        writeConsistency,
        parseSparse(body));
  }

  /** Applies a {@code PATCH /collections/{name}} body: hnsw and optimizer parameters. */
  public CollectionConfig update(JsonObject hnswPatch, JsonObject optimizersPatch) {
    JsonObject opt = optimizers.copy();
    if (optimizersPatch != null) {
      opt.mergeIn(optimizersPatch);
    }
    return new CollectionConfig(
        size,
        distance,
        hnsw.merge(hnswPatch, "hnsw_config"),
        opt,
        shardNumber,
        replicationFactor,
        writeConsistencyFactor,
        sparseVectors);
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
                .put(
                    "vectors",
                    new JsonObject().put("size", size).put("distance", distance.qdrantName()))
                .put("shard_number", shardNumber)
                .put("replication_factor", replicationFactor)
                .put("write_consistency_factor", writeConsistencyFactor)
                .put("on_disk_payload", false))
        .put("hnsw_config", hnsw.toJson())
        .put("optimizer_config", optimizers.copy())
        .put("wal_config", new JsonObject().put("wal_capacity_mb", 32).put("wal_segments_ahead", 0))
        .putNull("quantization_config");
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
    return new JsonObject()
        .put("vectors", new JsonObject().put("size", size).put("distance", distance.qdrantName()))
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
  }
}
