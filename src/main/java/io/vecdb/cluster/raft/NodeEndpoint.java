package io.vecdb.cluster.raft;

import io.microraft.RaftEndpoint;

/**
 * A node as a Raft group member: its persistent node id (never Vert.x's random node id, which
 * changes at every start). Immutable; equal ids are the same member.
 */
public record NodeEndpoint(String nodeId) implements RaftEndpoint {
  public NodeEndpoint {
    if (nodeId == null || nodeId.isBlank()) {
      throw new IllegalArgumentException("node id: expected a non-blank string");
    }
  }

  @Override
  public Object getId() {
    return nodeId;
  }

  @Override
  public String toString() {
    return nodeId;
  }
}
