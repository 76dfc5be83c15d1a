package io.vecdb.cluster;

/**
 * A write to the metadata Raft group, with its idempotency key (see {@link
 * io.vecdb.cluster.raft.ShardCommand}). Immutable.
 */
public record MetaCommand(String client, long request, MetaOp op) {
  public MetaCommand {
    if (client == null || op == null) {
      throw new IllegalArgumentException("client and op: expected non-null");
    }
  }

  /** What a metadata write does. */
  public sealed interface MetaOp {}

  /**
   * A node announces itself: its persistent id and the HTTP address clients and peers reach it at.
   * Registering again with another address replaces the old one.
   */
  public record RegisterNode(String nodeId, String httpAddress) implements MetaOp {}
}
