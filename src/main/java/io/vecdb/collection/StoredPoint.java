package io.vecdb.collection;

import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vecdb.model.SparseVector;
import java.util.Map;

/**
 * What a collection keeps per point ordinal besides the unnamed vector (in the graph at that
 * ordinal): id, payload, last-write sequence, the point's sparse vectors by name (immutable; empty
 * when it has none) and, for a collection of named vectors, the point's ordinal in each one's graph
 * ({@code named}, aligned with {@link CollectionConfig#namedGraphNames}; -1 where the point has
 * none; null for a collection of one unnamed vector). The array is never changed once the record is
 * published: an edit stores a new record.
 */
record StoredPoint(
    PointId id, Payload payload, long version, Map<String, SparseVector> sparse, int[] named) {
  StoredPoint {
    sparse = sparse == null || sparse.isEmpty() ? Map.of() : Map.copyOf(sparse);
  }

  StoredPoint(PointId id, Payload payload, long version, Map<String, SparseVector> sparse) {
    this(id, payload, version, sparse, null);
  }

  StoredPoint(PointId id, Payload payload, long version) {
    this(id, payload, version, Map.of(), null);
  }

  /** This point's ordinal in secondary vector {@code i}'s graph, -1 if it has none. */
  int namedOrdinal(int i) {
    return named == null ? -1 : named[i];
  }

  /** The same point with another payload and version, its vectors unchanged. */
  StoredPoint withPayload(Payload edited, long seq) {
    return new StoredPoint(id, edited, seq, sparse, named);
  }
}
