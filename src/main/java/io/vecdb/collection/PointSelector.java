package io.vecdb.collection;

import io.vecdb.model.PointId;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Which points an operation touches: a list of ids or a filter (exactly one is non-null). A filter
 * is kept as JSON and resolved when the operation is applied, in log order, so replay is
 * deterministic.
 */
public record PointSelector(List<PointId> ids, JsonObject filter) {
  public PointSelector {
    if ((ids == null) == (filter == null)) {
      throw new IllegalArgumentException("exactly one of points or filter must be given");
    }
    ids = ids == null ? null : List.copyOf(ids);
  }

  public static PointSelector ids(List<PointId> ids) {
    return new PointSelector(ids, null);
  }

  public static PointSelector filter(JsonObject filter) {
    return new PointSelector(null, filter);
  }
}
