package io.vecdb.cluster.raft;

/**
 * A replica refused a write because it is not the leader, before handing it to Raft: the write was
 * certainly not appended, so it may be retried anywhere as a new attempt. (MicroRaft's own
 * NotLeaderException does not say that: a leader that steps down also fails the futures of entries
 * it had appended, and another leader may still commit them.) Carries the leader it knows of, or
 * null. Stackless: it is a routing answer, not a fault.
 */
public final class NotLeaderHere extends RuntimeException {
  private final transient NodeEndpoint leader;

  public NotLeaderHere(NodeEndpoint local, NodeEndpoint leader) {
    super(local + " is not the leader (leader: " + leader + ")", null, false, false);
    this.leader = leader;
  }

  /** The leader the refusing replica knows of; null if none. */
  public NodeEndpoint leader() {
    return leader;
  }
}
