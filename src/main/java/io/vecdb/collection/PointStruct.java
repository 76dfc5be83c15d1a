package io.vecdb.collection;

import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vecdb.model.SparseVector;
import java.util.Arrays;
import java.util.Map;

/**
 * A point to upsert: id, dense vector (validated: right length, finite; owned by this record, never
 * mutated), its sparse vectors by name (immutable; empty when it has none) and payload.
 */
public record PointStruct(
    PointId id, float[] vector, Payload payload, Map<String, SparseVector> sparse) {
  public PointStruct {
    sparse = sparse == null || sparse.isEmpty() ? Map.of() : Map.copyOf(sparse);
  }

  /** A point without sparse vectors. */
  public PointStruct(PointId id, float[] vector, Payload payload) {
    this(id, vector, payload, Map.of());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PointStruct p
        && id.equals(p.id)
        && Arrays.equals(vector, p.vector)
        && payload.equals(p.payload)
        && sparse.equals(p.sparse);
  }

  @Override
  public int hashCode() {
    return id.hashCode() * 31 + Arrays.hashCode(vector);
  }

  @Override
  public String toString() {
    return "PointStruct["
        + id
        + ", dim="
        + vector.length
        + (sparse.isEmpty() ? "" : ", sparse=" + sparse.keySet())
        + ", "
        + payload.json().encode()
        + "]";
  }
}
