package io.vecdb.cluster;

import io.vecdb.cluster.raft.ShardCommand;
import io.vecdb.collection.Operation;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The idempotency keys a node gives the writes it forwards: each request is a session of its own (a
 * client id made of the node id, a random id per start and a counter; request number 1). Not one
 * session per node: a node forwards many requests at once, they may be applied in any order, and a
 * session orders its requests (one older than the last applied is refused). The retries of one
 * request share its key, so it is applied at most once. Thread-safe (an atomic counter).
 */
public final class IdempotencyKeys {
  private final String prefix;
  private final AtomicLong counter = new AtomicLong();

  public IdempotencyKeys(String nodeId) {
    this.prefix = nodeId + "/" + Long.toHexString(new Random().nextLong()) + ".";
  }

  /** A fresh client id (use with request number 1). */
  public String next() {
    return prefix + counter.incrementAndGet();
  }

  public ShardCommand command(Operation op) {
    return new ShardCommand(next(), 1, op);
  }

  public MetaCommand meta(MetaCommand.MetaOp op) {
    return new MetaCommand(next(), 1, op);
  }
}
