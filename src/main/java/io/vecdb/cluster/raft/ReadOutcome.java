package io.vecdb.cluster.raft;

/**
 * A read's answer and the Raft index of the state it saw ({@code index}: the replica's commit index
 * when it ran; pass it back as a monotonic-read token), or why no replica answered in time.
 */
public sealed interface ReadOutcome<T> {
  record Done<T>(T value, long index, NodeEndpoint replica) implements ReadOutcome<T> {}

  record Failed<T>(String reason) implements ReadOutcome<T> {}
}
