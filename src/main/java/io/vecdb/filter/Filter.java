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
}
