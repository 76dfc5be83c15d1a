package io.vecdb.cluster.raft;

/**
 * Asks a leader to answer a write once it is committed, without waiting for its own apply (a
 * request with {@code wait=false}); never replicated itself: the leader replicates {@code command}.
 * The answer's result is a {@link Committed} instead of an {@link Applied}. Immutable.
 */
public record CommitOnly(ShardCommand command) {
  public CommitOnly {
    if (command == null) {
      throw new IllegalArgumentException("command: expected non-null");
    }
  }

  /** The answer to a {@link CommitOnly} write: committed at {@code index}, applied later. */
  public record Committed(long index) {}
}
