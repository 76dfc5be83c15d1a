package io.vecdb.cluster.raft;

import io.vecdb.collection.Collections;
import java.util.function.Function;

/**
 * A read run by MicroRaft on a replica's state machine (never logged): {@code read} sees the
 * shard's collections at the replica's applied index and must not modify them. Which replica and
 * how fresh is the caller's choice of query policy.
 */
public record LocalRead<T>(Function<Collections, T> read) {}
