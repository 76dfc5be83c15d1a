package io.vecdb.filter;

import io.vecdb.model.Payload;
import io.vecdb.model.PointId;

/**
 * A parsed Qdrant filter ({@code must}, {@code should}, {@code must_not}, {@code min_should} and
 * their conditions). Immutable and thread-safe: one instance is evaluated by many search threads at
 * once. Build one with {@link FilterParser#parse}.
 */
public interface Filter {

  /** True if the point with this id and payload matches. Never blocks, never throws. */
  boolean test(PointId id, Payload payload);

  /**
   * Both filters (either may be null: no condition). Two parsed filters stay a filter group, so the
   * payload index can still narrow the pair.
   */
  static Filter and(Filter a, Filter b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    if (a instanceof Condition.Group ga && b instanceof Condition.Group gb) {
      return new Condition.Group(java.util.List.of(ga, gb), null, null, 0, null);
    }
    return (id, payload) -> a.test(id, payload) && b.test(id, payload);
  }

  /** Every point but the one with {@code id} ({@code must_not: [has_id]}). */
  static Filter excluding(PointId id) {
    return new Condition.Group(
        null, null, null, 0, java.util.List.of(new Condition.HasId(java.util.Set.of(id))));
  }
}
