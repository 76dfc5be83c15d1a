package io.vecdb.collection;

import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vecdb.model.SparseVector;
import java.util.Arrays;
import java.util.Map;

/**
 * A point to upsert: id, the collection's primary dense vector (validated: right length, finite;
 * owned by this record, never mutated), its sparse vectors by name (immutable; empty when it has
 * none), payload, and its other named dense vectors (immutable map; the arrays owned as {@code
 * vector}; empty when it has none).
 */
public record PointStruct(
    PointId id,
    float[] vector,
    Payload payload,
    Map<String, SparseVector> sparse,
    Map<String, float[]> named) {
  public PointStruct {
    sparse = sparse == null || sparse.isEmpty() ? Map.of() : Map.copyOf(sparse);
    named = named == null || named.isEmpty() ? Map.of() : Map.copyOf(named);
  }

  /** A point without other named dense vectors. */
  public PointStruct(
      PointId id, float[] vector, Payload payload, Map<String, SparseVector> sparse) {
    this(id, vector, payload, sparse, Map.of());
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
        && sparse.equals(p.sparse)
        && named.keySet().equals(p.named.keySet())
        && named.entrySet().stream()
            .allMatch(e -> Arrays.equals(e.getValue(), p.named.get(e.getKey())));
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
        + (named.isEmpty() ? "" : ", named=" + named.keySet())
        + (sparse.isEmpty() ? "" : ", sparse=" + sparse.keySet())
        + ", "
        + payload.json().encode()
        + "]";
  }
}
