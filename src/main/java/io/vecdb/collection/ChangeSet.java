package io.vecdb.collection;

import io.vecdb.model.PointId;
import java.util.List;

/** The points an applied operation upserted or deleted (payload changes count as upserts). */
public record ChangeSet(List<PointId> upserted, List<PointId> deleted) {
  public static final ChangeSet NONE = new ChangeSet(List.of(), List.of());

  public ChangeSet {
    upserted = List.copyOf(upserted);
    deleted = List.copyOf(deleted);
  }

  public boolean isEmpty() {
    return upserted.isEmpty() && deleted.isEmpty();
  }
}
