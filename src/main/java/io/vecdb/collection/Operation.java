package io.vecdb.collection;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A mutation, as written to the {@link OperationLog} before it is applied. Immutable: JSON members
 * are never modified after construction. Applying the same sequence of operations to an empty
 * {@link Collections} always yields the same state, so the log can rebuild it.
 */
public sealed interface Operation {

  /** The collection the operation targets; operations on one collection apply in log order. */
  String collection();

  record CreateCollection(String collection, CollectionConfig config) implements Operation {}

  record DeleteCollection(String collection) implements Operation {}

  /**
   * {@code PATCH /collections/{name}}: any member may be null (unchanged). {@code quantization} is
   * a {@code quantization_config} ({@code {"scalar": ...}} or {@code {"binary": ...}}), or {@code
   * {}} for Qdrant's {@code "Disabled"}.
   */
  record UpdateCollection(
      String collection, JsonObject hnsw, JsonObject optimizers, JsonObject quantization)
      implements Operation {
    public UpdateCollection(String collection, JsonObject hnsw, JsonObject optimizers) {
      this(collection, hnsw, optimizers, null);
    }
  }

  /**
   * Upserts {@code points}, as {@code mode} allows: {@code UPSERT} writes every point, {@code
   * INSERT_ONLY} only those whose id is not stored, {@code UPDATE_ONLY} only those whose id is.
   * With {@code updateFilter} (null: none), a stored point is replaced only if it matches the
   * filter (new points are inserted regardless), as Qdrant's {@code update_filter}. Both are
   * decided when the operation is applied, in log order, so every replay and every replica decides
   * the same.
   */
  record UpsertPoints(
      String collection, List<PointStruct> points, UpdateMode mode, JsonObject updateFilter)
      implements Operation {
    public UpsertPoints {
      points = List.copyOf(points);
      mode = mode == null ? UpdateMode.UPSERT : mode;
      updateFilter = updateFilter == null ? null : updateFilter.copy();
    }

    /** A plain upsert: every point written. */
    public UpsertPoints(String collection, List<PointStruct> points) {
      this(collection, points, UpdateMode.UPSERT, null);
    }

    /** True if some points may be left unwritten (a mode other than upsert, or a filter). */
    public boolean conditional() {
      return mode != UpdateMode.UPSERT || updateFilter != null;
    }

    /** The same condition over other points (a shard's share of them). */
    public UpsertPoints withPoints(List<PointStruct> other) {
      return new UpsertPoints(collection, other, mode, updateFilter);
    }
  }

  /**
   * {@code POST /points/batch}: point operations of one collection, applied in order as one log
   * record (so all or none of them are logged; none is refused once logged, as every one was
   * validated first).
   */
  record Batch(String collection, List<Operation> operations) implements Operation {
    public Batch {
      operations = List.copyOf(operations);
      for (Operation op : operations) {
        boolean pointOp =
            op instanceof UpsertPoints
                || op instanceof DeletePoints
                || op instanceof SetPayload
                || op instanceof OverwritePayload
                || op instanceof DeletePayloadKeys
                || op instanceof ClearPayload
                || op instanceof UpdateVectors
                || op instanceof DeleteVectors;
        if (!pointOp || !op.collection().equals(collection)) {
          throw new IllegalArgumentException(
              "batch: expected point operations on collection " + collection + ", got " + op);
        }
      }
    }
  }

  /** Qdrant's {@code update_mode}. */
  enum UpdateMode {
    UPSERT,
    INSERT_ONLY,
    UPDATE_ONLY;

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * @throws IllegalArgumentException naming the field and the values expected
     */
    public static UpdateMode parse(String name) {
      for (UpdateMode m : values()) {
        if (m.wireName().equals(name)) {
          return m;
        }
      }
      throw new IllegalArgumentException(
          "update_mode: expected upsert, insert_only or update_only, got \"" + name + "\"");
    }
  }

  record DeletePoints(String collection, PointSelector selector) implements Operation {}

  /**
   * New vectors for a stored point, by name: dense ones (validated, owned, never mutated) and
   * sparse ones. Vectors of other names are kept.
   */
  record VectorUpdate(
      io.vecdb.model.PointId id,
      java.util.Map<String, float[]> dense,
      java.util.Map<String, io.vecdb.model.SparseVector> sparse) {
    public VectorUpdate {
      dense = java.util.Map.copyOf(dense);
      sparse = java.util.Map.copyOf(sparse);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof VectorUpdate u
          && id.equals(u.id)
          && sparse.equals(u.sparse)
          && dense.keySet().equals(u.dense.keySet())
          && dense.entrySet().stream()
              .allMatch(e -> java.util.Arrays.equals(e.getValue(), u.dense.get(e.getKey())));
    }

    @Override
    public int hashCode() {
      return id.hashCode() * 31 + dense.keySet().hashCode();
    }
  }

  /**
   * {@code PUT /points/vectors}: replaces the given vectors of stored points (every point must
   * exist), keeping their other vectors and payload; with {@code updateFilter} (null: none) only
   * points matching it are changed.
   */
  record UpdateVectors(String collection, List<VectorUpdate> points, JsonObject updateFilter)
      implements Operation {
    public UpdateVectors {
      points = List.copyOf(points);
      updateFilter = updateFilter == null ? null : updateFilter.copy();
    }
  }

  /**
   * {@code POST /points/vectors/delete}: the selected points lose their vectors of these names
   * (named dense vectors, or sparse ones).
   */
  record DeleteVectors(String collection, PointSelector selector, List<String> vectors)
      implements Operation {
    public DeleteVectors {
      vectors = List.copyOf(vectors);
    }
  }

  /** Merges {@code payload} into each point's payload, or into the object at {@code key}. */
  record SetPayload(String collection, PointSelector selector, JsonObject payload, String key)
      implements Operation {}

  record OverwritePayload(String collection, PointSelector selector, JsonObject payload)
      implements Operation {}

  record DeletePayloadKeys(String collection, PointSelector selector, List<String> keys)
      implements Operation {
    public DeletePayloadKeys {
      keys = List.copyOf(keys);
    }
  }

  record ClearPayload(String collection, PointSelector selector) implements Operation {}

  /** {@code schema}: Qdrant's {@code field_schema}, a type name or an object with "type". */
  record CreateFieldIndex(String collection, String field, String schemaType)
      implements Operation {}

  record DeleteFieldIndex(String collection, String field) implements Operation {}

  /**
   * {@code POST /collections/aliases}: alias actions applied together, in order. Logged on their
   * own lane ({@link #ALIASES}, a name no collection can have), so they apply in log order among
   * themselves; each create binds its alias to a collection's incarnation ({@link
   * Collection#incarnation}), so whether the alias is live never depends on how far another lane
   * has got. Applying one never fails: the request was checked before it was logged.
   */
  record ChangeAliases(List<AliasAction> actions) implements Operation {
    public ChangeAliases {
      actions = List.copyOf(actions);
    }

    @Override
    public String collection() {
      return ALIASES;
    }
  }

  /** The lane (and WAL "collection") of alias changes: empty, which no collection name is. */
  String ALIASES = "";

  /** One alias action: create (alias to collection at incarnation), delete or rename. */
  record AliasAction(
      Kind kind, String alias, String collection, long incarnation, String newAlias) {
    public enum Kind {
      CREATE,
      DELETE,
      RENAME
    }

    public static AliasAction create(String alias, String collection, long incarnation) {
      return new AliasAction(Kind.CREATE, alias, collection, incarnation, null);
    }

    public static AliasAction delete(String alias) {
      return new AliasAction(Kind.DELETE, alias, null, 0, null);
    }

    public static AliasAction rename(String alias, String newAlias) {
      return new AliasAction(Kind.RENAME, alias, null, 0, newAlias);
    }
  }
}
