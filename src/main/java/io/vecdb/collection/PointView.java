package io.vecdb.collection;

import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vecdb.model.SparseVector;
import java.util.Map;

/**
 * A point as a read saw it: id, payload, version (sequence of its last write), ordinal, score, its
 * sparse vectors and its ordinals in the other dense vectors' graphs (from the same point record as
 * the payload; {@code named} is never changed).
 */
public record PointView(
    PointId id,
    Payload payload,
    long version,
    int ordinal,
    float score,
    Map<String, SparseVector> sparse,
    int[] named) {
  public PointView(PointId id, Payload payload, long version, int ordinal, float score) {
    this(id, payload, version, ordinal, score, Map.of(), null);
  }

  PointView(StoredPoint p, int ordinal, float score) {
    this(p.id(), p.payload(), p.version(), ordinal, score, p.sparse(), p.named());
  }

  /** The same view with another score. */
  public PointView withScore(float s) {
    return new PointView(id, payload, version, ordinal, s, sparse, named);
  }
}
