package io.vecdb.cluster.sim;

import io.microraft.Ordered;
import io.microraft.QueryPolicy;
import io.microraft.RaftConfig;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.executor.RaftNodeExecutor;
import io.microraft.model.message.RaftMessage;
import io.microraft.persistence.RestoredRaftState;
import io.microraft.transport.Transport;
import io.vecdb.cluster.meta.ShardMap;
import io.vecdb.cluster.placement.HashRing;
import io.vecdb.cluster.raft.Applied;
import io.vecdb.cluster.raft.GroupClient;
import io.vecdb.cluster.raft.LocalRead;
import io.vecdb.cluster.raft.NodeEndpoint;
import io.vecdb.cluster.raft.RaftLogStore;
import io.vecdb.cluster.raft.RaftReplica;
import io.vecdb.cluster.raft.ShardCommand;
import io.vecdb.cluster.raft.ShardStateMachine;
import io.vecdb.collection.Collection;
import io.vecdb.collection.Collections;
import io.vecdb.collection.Operation;
import io.vecdb.collection.PointView;
import io.vecdb.index.ParallelInserter;
import io.vecdb.model.PointId;
import io.vecdb.wal.WalStorage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The Raft groups of one collection's shards, real MicroRaft nodes with VecDB's state machine, on a
 * simulated network and disks: messages are delayed, dropped, duplicated and reordered, links are
 * cut and healed, and nodes crash (losing what they had not flushed) and restart from their stores.
 * All on one thread in virtual time ({@link SimScheduler}), so a seed replays exactly.
 *
 * <p>Shards are placed as the metadata group places them: shard {@code s} of collection {@code c}
 * on the first {@code replication_factor} nodes clockwise from {@code c/s} on a {@link HashRing} of
 * the nodes, in group {@link ShardMap#groupId}. A node hosts a replica of each group it is placed
 * in; they share its scheduler lanes, its network links and (with {@link #durableRoot}) its one
 * node-wide Raft WAL, and a crash takes them all down.
 */
final class SimCluster {
  /** The group of a single-shard cluster whose one group spans every node. */
  static final String GROUP = "shard-0";

  final SimScheduler scheduler = new SimScheduler();
  final Random random;

  /** Every node. */
  final List<NodeEndpoint> members = new ArrayList<>();

  final Map<NodeEndpoint, SimNode> nodes = new LinkedHashMap<>();

  /** Shard number to its group id, and group id to its members (ring order). */
  final List<String> shardGroups = new ArrayList<>();

  final Map<String, List<NodeEndpoint>> groups = new LinkedHashMap<>();

  /** By group: what its replicas applied. */
  final Map<String, Reference> references = new LinkedHashMap<>();

  private final Set<String> cutLinks = new HashSet<>(); // "from>to"
  private final RaftConfig config;
  double dropRate;
  double duplicateRate;
  int maxDelayMillis = 5;

  /** False to run MicroRaft 0.7 as it is (see {@link io.vecdb.cluster.raft.RaftReplica}). */
  boolean snapshotPrevLogFix = true;

  /** False to run MicroRaft 0.7 as it is (see {@code PreVoteResetFix}). */
  boolean preVoteResetFix = true;

  /** One group on all {@code size} nodes ({@link #GROUP}). */
  SimCluster(long seed, int size) {
    this(seed, size, null, 1, size);
  }

  /**
   * {@code shards} groups of {@code replicationFactor} replicas each for {@code collection}, placed
   * on {@code size} nodes by the hash ring.
   */
  SimCluster(long seed, int size, String collection, int shards, int replicationFactor) {
    this.random = new Random(seed);
    this.config =
        RaftConfig.newBuilder()
            .setLeaderElectionTimeoutMillis(300)
            .setLeaderHeartbeatPeriodSecs(1)
            .setLeaderHeartbeatTimeoutSecs(2)
            .setCommitCountToTakeSnapshot(20)
            .setMaxPendingLogEntryCount(50)
            .setAppendEntriesRequestBatchSize(10)
            // Snapshots come from the leader only (followers' copies could be stale or partial).
            .setTransferSnapshotsFromFollowersEnabled(false)
            .build();
    for (int i = 1; i <= size; i++) {
      NodeEndpoint e = new NodeEndpoint("n" + i);
      members.add(e);
    }
    if (collection == null) {
      shardGroups.add(GROUP);
      groups.put(GROUP, List.copyOf(members));
    } else {
      HashRing ring =
          HashRing.of(members.stream().map(NodeEndpoint::nodeId).toList(), HashRing.DEFAULT_VNODES);
      for (int s = 0; s < shards; s++) {
        String group = ShardMap.groupId(collection, 1, s);
        shardGroups.add(group);
        groups.put(
            group,
            ring.shardReplicas(collection, s, replicationFactor).stream()
                .map(NodeEndpoint::new)
                .toList());
      }
    }
    for (String group : groups.keySet()) {
      references.put(group, new Reference());
    }
    for (NodeEndpoint e : members) {
      nodes.put(e, new SimNode(e));
    }
  }

  /** The reference of a single-group cluster. */
  Reference reference() {
    return references.get(shardGroups.get(0));
  }

  void startAll() {
    nodes.values().forEach(SimNode::start);
  }

  /**
   * Where nodes keep real {@link RaftLogStore}s (one directory each), or null for simulated disks
   * that lose unflushed writes at a crash. With real stores a crash closes the log (what was
   * written is kept) and the restart reads it back: recovery and prefix truncation get exercised.
   */
  java.nio.file.Path durableRoot;

  /** A simulated node: its disk outlives its incarnations. */
  final class SimNode {
    final NodeEndpoint endpoint;

    /** The groups placed on this node, in shard order. */
    final List<String> hosted = new ArrayList<>();

    private final Map<String, SimRaftStore> stores = new LinkedHashMap<>();
    private final Map<String, RaftReplica> replicas = new LinkedHashMap<>();
    RaftLogStore log;
    int incarnation;
    boolean up;

    SimNode(NodeEndpoint endpoint) {
      this.endpoint = endpoint;
      groups.forEach(
          (group, groupMembers) -> {
            if (groupMembers.contains(endpoint)) {
              hosted.add(group);
              stores.put(group, new SimRaftStore());
            }
          });
    }

    /** This node's replica of {@code group} (null while down or if not placed here). */
    RaftReplica replica(String group) {
      return replicas.get(group);
    }

    /** The replica of a single-group cluster's group. */
    RaftReplica replica() {
      return replicas.get(shardGroups.get(0));
    }

    java.util.Collection<RaftReplica> replicas() {
      return replicas.values();
    }

    void start() {
      incarnation++;
      up = true;
      if (durableRoot != null) {
        try {
          log =
              RaftLogStore.open(
                  durableRoot.resolve(endpoint.nodeId()), WalStorage.files(), 64 << 10);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
      for (String group : hosted) {
        startReplica(group);
      }
    }

    private void startReplica(String group) {
      int inc = incarnation;
      RaftNodeExecutor executor =
          new RaftNodeExecutor() {
            @Override
            public void execute(Runnable task) {
              scheduler.schedule(guard(inc, task), 0);
            }

            @Override
            public void submit(Runnable task) {
              scheduler.schedule(guard(inc, task), 0);
            }

            @Override
            public void schedule(Runnable task, long delay, TimeUnit unit) {
              scheduler.schedule(guard(inc, task), unit.toMillis(delay));
            }
          };
      Transport transport =
          new Transport() {
            @Override
            public void send(RaftEndpoint target, RaftMessage message) {
              deliver(endpoint, (NodeEndpoint) target, message);
            }

            @Override
            public boolean isReachable(RaftEndpoint target) {
              return !cut(endpoint, (NodeEndpoint) target);
            }
          };
      // The apply lane drains after a seeded delay: replicas apply behind their Raft lanes, as on
      // real nodes, and a crash drops what was handed over and not yet applied.
      Random applyDelays = new Random(random.nextLong());
      Reference reference = references.get(group);
      ShardStateMachine sm =
          new ShardStateMachine(
              group + "@" + endpoint + "#" + inc,
              () -> new Collections(ParallelInserter.SERIAL),
              (index, command, result) -> reference.applied(endpoint, index, command, result),
              task -> scheduler.schedule(guard(inc, task), applyDelays.nextInt(20)));
      RaftNode.RaftNodeBuilder b =
          RaftNode.newBuilder()
              .setGroupId(group)
              .setConfig(config)
              .setExecutor(executor)
              .setTransport(transport)
              .setStateMachine(sm)
              .setClock(scheduler.clock())
              .setRandom(new Random(random.nextLong()));
      SimRaftStore store = stores.get(group);
      io.microraft.persistence.RaftStore raftStore = store;
      RestoredRaftState restored = store.restored();
      if (log != null) {
        raftStore = log.store(group, () -> {});
        restored = log.restored(group);
      }
      b.setStore(raftStore);
      if (restored != null) {
        b.setRestoredState(restored);
      } else {
        b.setLocalEndpoint(endpoint)
            .setInitialGroupMembers(new ArrayList<RaftEndpoint>(groups.get(group)));
      }
      RaftNode node = b.build();
      replicas.put(
          group,
          new RaftReplica(endpoint, node, executor, sm, snapshotPrevLogFix, preVoteResetFix));
      node.start();
    }

    /** Kill -9: pending tasks and timers die with the process, unflushed writes are lost. */
    void crash() {
      up = false;
      incarnation++;
      replicas.clear();
      stores.values().forEach(SimRaftStore::crash);
      if (log != null) {
        log.close();
        log = null;
      }
    }

    private Runnable guard(int inc, Runnable task) {
      return () -> {
        if (up && incarnation == inc) {
          task.run();
        }
      };
    }
  }

  boolean cut(NodeEndpoint from, NodeEndpoint to) {
    return cutLinks.contains(from.nodeId() + ">" + to.nodeId());
  }

  /** Cuts both directions between every node of {@code side} and every other node. */
  void isolate(Set<NodeEndpoint> side) {
    for (NodeEndpoint a : members) {
      for (NodeEndpoint b : members) {
        if (side.contains(a) != side.contains(b)) {
          cutLinks.add(a.nodeId() + ">" + b.nodeId());
        }
      }
    }
  }

  void cutOneWay(NodeEndpoint from, NodeEndpoint to) {
    cutLinks.add(from.nodeId() + ">" + to.nodeId());
  }

  void healAll() {
    cutLinks.clear();
  }

  private void deliver(NodeEndpoint from, NodeEndpoint to, RaftMessage message) {
    if (cut(from, to) || random.nextDouble() < dropRate) {
      return;
    }
    int copies = random.nextDouble() < duplicateRate ? 2 : 1;
    for (int i = 0; i < copies; i++) {
      scheduler.schedule(
          () -> {
            SimNode n = nodes.get(to);
            RaftReplica r = n.replicas.get((String) message.getGroupId());
            if (n.up && r != null && !cut(from, to)) {
              r.handle(message);
            }
          },
          1 + random.nextInt(maxDelayMillis));
    }
  }

  /** A client's way to the members of the single group. */
  GroupClient.Channel channel() {
    return channel(shardGroups.get(0));
  }

  /**
   * A client's way to the members of {@code group}: requests and answers cross the network (delay,
   * drops).
   */
  GroupClient.Channel channel(String group) {
    return new GroupClient.Channel() {
      @Override
      public CompletableFuture<Ordered<Object>> replicate(NodeEndpoint target, Object command) {
        return roundTrip(target, group, r -> r.replicate(command));
      }

      @Override
      public <T> CompletableFuture<Ordered<T>> query(
          NodeEndpoint target,
          LocalRead<T> read,
          QueryPolicy policy,
          long minCommitIndex,
          long waitMs) {
        return roundTrip(target, group, r -> r.query(read, policy, minCommitIndex, waitMs));
      }
    };
  }

  private <T> CompletableFuture<T> roundTrip(
      NodeEndpoint target,
      String group,
      java.util.function.Function<RaftReplica, CompletableFuture<T>> call) {
    CompletableFuture<T> out = new CompletableFuture<>();
    if (random.nextDouble() < dropRate) {
      return out; // request lost: the client's attempt times out
    }
    scheduler.schedule(
        () -> {
          SimNode n = nodes.get(target);
          RaftReplica r = n.replicas.get(group);
          if (!n.up || r == null) {
            return;
          }
          call.apply(r)
              .whenComplete(
                  (v, e) -> {
                    if (random.nextDouble() < dropRate) {
                      return; // answer lost
                    }
                    scheduler.schedule(
                        () -> {
                          if (e == null) {
                            out.complete(v);
                          } else {
                            out.completeExceptionally(e);
                          }
                        },
                        1 + random.nextInt(maxDelayMillis));
                  });
        },
        1 + random.nextInt(maxDelayMillis));
    return out;
  }

  /**
   * Every live point of {@code collection} in {@code node}'s replica of {@code group}: id -> vector
   * and payload, as text.
   */
  Map<PointId, String> content(SimNode node, String group, String collection) {
    Map<PointId, String> out = new TreeMap<>();
    Collection c = node.replica(group).stateMachine().collections().get(collection);
    if (c == null) {
      return out;
    }
    for (PointView p : c.all(null)) {
      out.put(p.id(), java.util.Arrays.toString(c.vector(p)) + " " + p.payload().json().encode());
    }
    return out;
  }

  /**
   * What was applied at each index, from every replica that applied it: they must agree (state
   * machine safety). Also the per-key history of effects, to compute any key's value at an index.
   */
  static final class Reference {
    private final TreeMap<Long, String> commandAt = new TreeMap<>();
    private final Map<String, TreeMap<Long, Integer>> effects = new LinkedHashMap<>();
    private static final Integer ABSENT = Integer.valueOf(Integer.MIN_VALUE + 11);
    String violation;

    void applied(NodeEndpoint node, long index, ShardCommand command, Applied result) {
      String identity = command.client() + "#" + command.request();
      String earlier = commandAt.putIfAbsent(index, identity);
      if (earlier != null && !earlier.equals(identity) && violation == null) {
        violation =
            "index "
                + index
                + ": "
                + node
                + " applied "
                + identity
                + ", another replica "
                + earlier;
      }
      if (earlier != null || result.duplicate() || !result.succeeded()) {
        return;
      }
      switch (command.operation()) {
        case Operation.UpsertPoints u ->
            u.points()
                .forEach(
                    p ->
                        effects
                            .computeIfAbsent(p.id().toString(), k -> new TreeMap<>())
                            .put(index, p.payload().json().getInteger("v")));
        case Operation.DeletePoints d ->
            d.selector()
                .ids()
                .forEach(
                    id ->
                        effects
                            .computeIfAbsent(id.toString(), k -> new TreeMap<>())
                            .put(index, ABSENT));
        default -> {}
      }
    }

    /** The value of {@code key} after every entry up to {@code index}; null if absent. */
    Integer valueAt(String key, long index) {
      TreeMap<Long, Integer> h = effects.get(key);
      if (h == null) {
        return null;
      }
      Map.Entry<Long, Integer> e = h.floorEntry(index);
      return e == null || e.getValue() == ABSENT ? null : e.getValue();
    }

    long lastIndex() {
      return commandAt.isEmpty() ? 0 : commandAt.lastKey();
    }
  }
}
