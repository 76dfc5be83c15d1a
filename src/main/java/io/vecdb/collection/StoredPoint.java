package io.vecdb.collection;

import io.vecdb.model.Payload;
import io.vecdb.model.PointId;

/** What a collection keeps per ordinal besides the vector: id, payload and last-write sequence. */
record StoredPoint(PointId id, Payload payload, long version) {}
