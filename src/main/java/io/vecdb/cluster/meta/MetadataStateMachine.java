package io.vecdb.cluster.meta;

import io.microraft.statemachine.StateMachine;
import io.vecdb.cluster.MetaCommand;
import io.vecdb.cluster.NodeRegistry;
import io.vecdb.cluster.raft.Applied;
import io.vecdb.cluster.raft.LocalRead;
import io.vecdb.cluster.raft.NewTermEntry;
import io.vecdb.cluster.raft.Sessions;
import io.vecdb.collection.ChangeSet;
import java.util.List;
import java.util.function.Consumer;

/**
 * The metadata group's state machine: the node registry (node id to HTTP address), applied in log
 * order on every member. It is the source of truth for which nodes belong to the cluster; Hazelcast
 * only says which of them are reachable now. Collections and the shard map join it as the cluster's
 * data path is built.
 *
 * <p>Concurrency: MicroRaft calls it on the group's lane; {@link #registry()} may be read from any
 * thread (an immutable value behind a volatile field). Sessions are lane-confined.
 */
public final class MetadataStateMachine implements StateMachine {
  private volatile NodeRegistry registry = NodeRegistry.EMPTY;
  private final Sessions sessions = new Sessions();

  /** The registry as applied so far; any thread. */
  public NodeRegistry registry() {
    return registry;
  }

  @Override
  public Object runOperation(long commitIndex, Object operation) {
    return switch (operation) {
      case LocalRead<?> read -> read.read().apply(null);
      case NewTermEntry n -> null;
      case MetaCommand c -> apply(commitIndex, c);
      default ->
          throw new IllegalArgumentException(
              "metadata group: unknown operation " + operation.getClass().getName());
    };
  }

  private Applied apply(long index, MetaCommand c) {
    Applied earlier = sessions.get(c.client(), c.request(), index);
    if (earlier != null) {
      return earlier;
    }
    switch (c.op()) {
      case MetaCommand.RegisterNode r ->
          registry = registry.with(r.nodeId(), new NodeRegistry.Node(r.httpAddress(), index));
    }
    Applied result = new Applied(index, ChangeSet.NONE, null, null, false);
    sessions.put(c.client(), c.request(), result);
    return result;
  }

  @Override
  public void takeSnapshot(long commitIndex, Consumer<Object> chunks) {
    chunks.accept(registry);
    chunks.accept(sessions.copy());
  }

  @Override
  public void installSnapshot(long commitIndex, List<Object> chunks) {
    NodeRegistry r = NodeRegistry.EMPTY;
    Sessions s = new Sessions();
    for (Object chunk : chunks) {
      switch (chunk) {
        case NodeRegistry nr -> r = nr;
        case Sessions ss -> s.putAll(ss);
        default ->
            throw new IllegalArgumentException(
                "metadata snapshot: unknown chunk " + chunk.getClass().getName());
      }
    }
    registry = r;
    sessions.replaceWith(s);
  }

  @Override
  public Object getNewTermOperation() {
    return NewTermEntry.INSTANCE;
  }
}
