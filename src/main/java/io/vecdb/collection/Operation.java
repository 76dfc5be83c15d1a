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

  /** {@code PATCH /collections/{name}}: either member may be null. */
  record UpdateCollection(String collection, JsonObject hnsw, JsonObject optimizers)
      implements Operation {}

  record UpsertPoints(String collection, List<PointStruct> points) implements Operation {
    public UpsertPoints {
      points = List.copyOf(points);
    }
  }

  record DeletePoints(String collection, PointSelector selector) implements Operation {}

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
}
