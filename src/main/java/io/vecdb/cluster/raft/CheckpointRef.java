package io.vecdb.cluster.raft;

/**
 * A shard's Raft snapshot as MicroRaft sees it: a descriptor of the checkpoint file {@code node}
 * wrote of the shard's state at {@code index} ({@link ShardCheckpoints}). MicroRaft stores and
 * sends this small record; the file travels out of band (a replica installing the snapshot fetches
 * it), and a snapshot becomes durable in the Raft WAL only once its file is ({@link RaftLogStore}).
 * Immutable.
 */
public record CheckpointRef(String node, long index) {
  public CheckpointRef {
    if (node == null || node.isEmpty() || index <= 0) {
      throw new IllegalArgumentException("checkpoint ref: expected a node and an index > 0");
    }
  }
}
