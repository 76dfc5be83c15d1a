package io.vecdb.collection;

import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import java.util.Arrays;

/**
 * A point to upsert: id, vector (validated: right length, finite; owned by this record, never
 * mutated) and payload.
 */
public record PointStruct(PointId id, float[] vector, Payload payload) {
  @Override
  public boolean equals(Object o) {
    return o instanceof PointStruct p
        && id.equals(p.id)
        && Arrays.equals(vector, p.vector)
        && payload.equals(p.payload);
  }

  @Override
  public int hashCode() {
    return id.hashCode() * 31 + Arrays.hashCode(vector);
  }

  @Override
  public String toString() {
    return "PointStruct[" + id + ", dim=" + vector.length + ", " + payload.json().encode() + "]";
  }
}
