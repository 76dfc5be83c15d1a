package io.vecdb.cluster.raft;

import io.microraft.Ordered;

/** A value with the commit index it is ordered at (MicroRaft's {@link Ordered}). Immutable. */
record OrderedValue<T>(long getCommitIndex, T getResult) implements Ordered<T> {}
