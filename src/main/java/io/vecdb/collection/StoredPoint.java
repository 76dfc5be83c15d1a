package io.vecdb.collection;

import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vecdb.model.SparseVector;
import java.util.Map;

/**
 * What a collection keeps per ordinal besides the dense vector: id, payload, last-write sequence
 * and the point's sparse vectors by name (immutable; empty when it has none).
 */
record StoredPoint(PointId id, Payload payload, long version, Map<String, SparseVector> sparse) {
  StoredPoint {
    sparse = sparse == null || sparse.isEmpty() ? Map.of() : Map.copyOf(sparse);
  }

  StoredPoint(PointId id, Payload payload, long version) {
    this(id, payload, version, Map.of());
  }
}
