package io.vecdb.cluster.raft;

/**
 * The entry a new leader appends at the start of its term (Raft's no-op), so that entries of
 * earlier terms commit. Applies nothing.
 */
public enum NewTermEntry {
  INSTANCE
}
