package io.vecdb.cluster;

import io.vertx.core.json.JsonObject;

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

  /**
   * Creates a collection: {@code createBody} is its validated config ({@code
   * CollectionConfig.toCreateBody()}); the state machine places its shards on the ring of the
   * registered nodes with {@code virtualNodes} points per node, so that every member computes the
   * same placement.
   */
  public record CreateCollection(String name, JsonObject createBody, int virtualNodes)
      implements MetaOp {
    public CreateCollection {
      createBody = createBody.copy();
    }
  }

  /** Deletes a collection and, on every node, its shard groups. */
  public record DeleteCollection(String name) implements MetaOp {}

  /**
   * Alias actions applied together or not at all, checked against the shard map they apply to
   * (incarnations are not used: the metadata log orders aliases and deletes).
   */
  public record ChangeAliases(java.util.List<io.vecdb.collection.Operation.AliasAction> actions)
      implements MetaOp {
    public ChangeAliases {
      actions = java.util.List.copyOf(actions);
    }
  }
}
