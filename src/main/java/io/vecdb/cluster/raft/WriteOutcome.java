package io.vecdb.cluster.raft;

/**
 * How a replicated write ended. {@link Committed}: a majority stored it and it was applied (the
 * result may be the state machine's rejection). {@link Failed}: it was certainly never appended to
 * any log and never will take effect. {@link Unknown}: it may or may not take effect (a leader took
 * it and was lost before answering); a retry with the same idempotency key is applied at most once.
 */
public sealed interface WriteOutcome {
  /**
   * @param applied the leader's result of applying it; null for a {@link CommitOnly} write (not
   *     waited for: it will be applied, or rejected identically on every replica)
   * @param index the entry's Raft index: the write token (indexes of one group are totally ordered
   *     across terms, so a replica that applied up to it has seen the write)
   */
  record Committed(long index, NodeEndpoint leader, Applied applied) implements WriteOutcome {}

  record Failed(String reason) implements WriteOutcome {}

  record Unknown(String reason) implements WriteOutcome {}
}
