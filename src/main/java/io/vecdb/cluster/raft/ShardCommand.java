package io.vecdb.cluster.raft;

import io.vecdb.collection.Operation;

/**
 * A write as it is replicated through a shard's Raft log: the operation and its idempotency key. A
 * retry of a write whose outcome was unknown carries the same key ({@code client}, {@code request})
 * and is applied at most once ({@link ShardStateMachine}). Immutable.
 *
 * @param client the id of the client (or forwarding node) that issued the write; "" for none
 * @param request the client's request number, increasing per client; 0 for no idempotency
 */
public record ShardCommand(String client, long request, Operation operation) {
  public ShardCommand {
    if (client == null || operation == null) {
      throw new IllegalArgumentException("client and operation: expected non-null");
    }
  }

  boolean idempotent() {
    return !client.isEmpty() && request > 0;
  }
}
