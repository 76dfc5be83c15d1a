package io.vecdb.collection;

import io.vecdb.model.Payload;
import io.vecdb.model.PointId;

/** A point as a read saw it: id, payload, version (sequence of its last write) and score. */
public record PointView(PointId id, Payload payload, long version, int ordinal, float score) {}
