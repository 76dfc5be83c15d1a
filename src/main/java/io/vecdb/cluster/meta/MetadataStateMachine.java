package io.vecdb.cluster.meta;

import io.microraft.statemachine.StateMachine;
import io.vecdb.cluster.MetaCommand;
import io.vecdb.cluster.NodeRegistry;
import io.vecdb.cluster.placement.HashRing;
import io.vecdb.cluster.raft.Applied;
import io.vecdb.cluster.raft.LocalRead;
import io.vecdb.cluster.raft.NewTermEntry;
import io.vecdb.cluster.raft.Sessions;
import io.vecdb.collection.ChangeSet;
import io.vecdb.collection.CollectionConfig;
import io.vecdb.collection.ErrorCode;
import io.vecdb.collection.VecdbException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The metadata group's state machine: the node registry (node id to HTTP address) and the shard map
 * (collections, their configs and each shard's replicas), applied in log order on every member. It
 * is the source of truth for which nodes belong to the cluster and where data lives; Hazelcast only
 * says which nodes are reachable now. Placement is computed here, at apply time, from the registry
 * as it is at that index: only the metadata leader's log changes placement.
 *
 * <p>Concurrency: MicroRaft calls it on the group's lane; {@link #registry()} may be read from any
 * thread (an immutable value behind a volatile field). Sessions are lane-confined.
 */
public final class MetadataStateMachine implements StateMachine {
  private volatile NodeRegistry registry = NodeRegistry.EMPTY;
  private volatile ShardMap shards = ShardMap.EMPTY;
  private final Sessions sessions = new Sessions();
  private final Consumer<ShardMap> listener;

  /** A state machine whose shard map changes nobody watches. */
  public MetadataStateMachine() {
    this(m -> {});
  }

  /**
   * @param listener told of each new shard map on the group's lane (after a create, a delete or a
   *     snapshot install); must not block or throw
   */
  public MetadataStateMachine(Consumer<ShardMap> listener) {
    this.listener = listener;
  }

  /** The collections and their placement as applied so far; any thread. */
  public ShardMap shards() {
    return shards;
  }

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
    Applied result;
    try {
      switch (c.op()) {
        case MetaCommand.RegisterNode r ->
            registry = registry.with(r.nodeId(), new NodeRegistry.Node(r.httpAddress(), index));
        case MetaCommand.CreateCollection create -> create(index, create);
        case MetaCommand.DeleteCollection delete -> {
          if (shards.get(delete.name()) == null) {
            throw VecdbException.notFound("Collection `" + delete.name() + "` doesn't exist!");
          }
          shards = shards.without(index, delete.name());
          listener.accept(shards);
        }
        case MetaCommand.ChangeAliases change -> {
          shards = shards.withAliases(index, aliases(change));
          listener.accept(shards);
        }
      }
      result = new Applied(index, ChangeSet.NONE, null, null, false);
    } catch (VecdbException e) {
      // Rejected identically on every member: nothing changed.
      result = new Applied(index, ChangeSet.NONE, e.code(), e.getMessage(), false);
    }
    sessions.put(c.client(), c.request(), result);
    return result;
  }

  /** The aliases after {@code change}, each action checked against those before it. */
  private java.util.SortedMap<String, String> aliases(MetaCommand.ChangeAliases change) {
    java.util.TreeMap<String, String> next = new java.util.TreeMap<>(shards.aliases());
    for (int i = 0; i < change.actions().size(); i++) {
      io.vecdb.collection.Operation.AliasAction a = change.actions().get(i);
      String at = "actions[" + i + "]";
      switch (a.kind()) {
        case CREATE -> {
          if (shards.get(a.collection()) == null) {
            throw VecdbException.notFound(
                at
                    + ".create_alias.collection_name: Collection `"
                    + a.collection()
                    + "` doesn't exist!");
          }
          notACollection(a.alias(), at + ".create_alias.alias_name");
          next.put(a.alias(), a.collection());
        }
        case DELETE -> {
          if (next.remove(a.alias()) == null) {
            throw VecdbException.notFound(
                at + ".delete_alias.alias_name: Alias `" + a.alias() + "` doesn't exist!");
          }
        }
        case RENAME -> {
          String target = next.remove(a.alias());
          if (target == null) {
            throw VecdbException.notFound(
                at + ".rename_alias.old_alias_name: Alias `" + a.alias() + "` doesn't exist!");
          }
          notACollection(a.newAlias(), at + ".rename_alias.new_alias_name");
          next.put(a.newAlias(), target);
        }
      }
    }
    return next;
  }

  private void notACollection(String alias, String path) {
    if (shards.get(alias) != null) {
      throw new VecdbException(
          ErrorCode.CONFLICT,
          path + ": `" + alias + "` is a collection's name; an alias needs its own");
    }
  }

  /**
   * Places the new collection's shards: the ring over the registered nodes, walked clockwise from
   * each shard's key for {@code replication_factor} distinct nodes. Deterministic: every member
   * applies the same command to the same registry.
   */
  private void create(long index, MetaCommand.CreateCollection create) {
    if (shards.get(create.name()) != null) {
      throw new VecdbException(
          ErrorCode.CONFLICT, "Collection `" + create.name() + "` already exists!");
    }
    if (shards.aliases().containsKey(create.name())) {
      throw new VecdbException(
          ErrorCode.CONFLICT,
          "`" + create.name() + "` is an alias; a collection needs a name of its own");
    }
    CollectionConfig config;
    try {
      config = CollectionConfig.parse(create.createBody());
    } catch (IllegalArgumentException e) {
      throw VecdbException.badRequest(e.getMessage());
    }
    int nodes = registry.nodes().size();
    if (config.replicationFactor() > nodes) {
      throw VecdbException.badRequest(
          "replication_factor: expected at most the number of registered nodes ("
              + nodes
              + "), got "
              + config.replicationFactor());
    }
    HashRing ring = HashRing.of(registry.nodes().keySet(), create.virtualNodes());
    List<List<String>> replicas = new ArrayList<>();
    for (int s = 0; s < config.shardNumber(); s++) {
      replicas.add(ring.shardReplicas(create.name(), s, config.replicationFactor()));
    }
    shards =
        shards.with(
            index, new ShardMap.Placement(create.name(), create.createBody(), index, replicas));
    listener.accept(shards);
  }

  @Override
  public void takeSnapshot(long commitIndex, Consumer<Object> chunks) {
    chunks.accept(registry);
    chunks.accept(shards);
    chunks.accept(sessions.copy());
  }

  @Override
  public void installSnapshot(long commitIndex, List<Object> chunks) {
    NodeRegistry r = NodeRegistry.EMPTY;
    ShardMap m = ShardMap.EMPTY;
    Sessions s = new Sessions();
    for (Object chunk : chunks) {
      switch (chunk) {
        case NodeRegistry nr -> r = nr;
        case ShardMap sm -> m = sm;
        case Sessions ss -> s.putAll(ss);
        default ->
            throw new IllegalArgumentException(
                "metadata snapshot: unknown chunk " + chunk.getClass().getName());
      }
    }
    registry = r;
    shards = m;
    sessions.replaceWith(s);
    listener.accept(m);
  }

  @Override
  public Object getNewTermOperation() {
    return NewTermEntry.INSTANCE;
  }
}
