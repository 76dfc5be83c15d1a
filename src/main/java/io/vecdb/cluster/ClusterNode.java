package io.vecdb.cluster;

import io.microraft.report.RaftNodeReport;
import io.vecdb.cluster.membership.ClusterMembership;
import io.vecdb.cluster.meta.MetadataStateMachine;
import io.vecdb.cluster.raft.GroupClient;
import io.vecdb.cluster.raft.NodeEndpoint;
import io.vecdb.cluster.raft.RaftHost;
import io.vecdb.cluster.raft.RaftLogStore;
import io.vecdb.cluster.raft.WriteOutcome;
import io.vecdb.config.ClusterOptions;
import io.vecdb.wal.WalStorage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * This node's part in a cluster: its persistent identity, Hazelcast membership, the Raft host with
 * the node-wide Raft WAL ({@code <data>/raft}), and its member of the metadata group, which it
 * registers itself with (node id and HTTP address) until that is committed.
 *
 * <p>The metadata group holds the node registry and the shard map; this node runs a member of every
 * shard group the map places on it (started and stopped by the reconciler as the map changes), and
 * {@link #shardClient} reaches any shard's leader or replicas from any node.
 *
 * <p>Concurrency: started once, then read from any thread; {@link #close} blocks (not on an event
 * loop).
 */
public final class ClusterNode implements AutoCloseable {
  public static final String META_GROUP = "meta";
  private static final Logger LOG = Logger.getLogger(ClusterNode.class.getName());

  private final ClusterOptions options;
  private final ClusterMembership membership;
  private final RaftHost host;
  private final MetadataStateMachine metadata;
  private final GroupClient metaClient;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final FaultInjection faults;
  private final io.vecdb.index.ParallelInserter inserter;
  private final Path dataDir;

  /** Starts and stops this node's shard groups as the shard map changes, one change at a time. */
  private final java.util.concurrent.ExecutorService reconciler =
      java.util.concurrent.Executors.newSingleThreadExecutor(
          r -> Thread.ofPlatform().name("vecdb-shards").daemon(true).unstarted(r));

  /**
   * Hands shard leadership to each group's preferred replica ({@link
   * io.vecdb.cluster.meta.ShardMap#preferredLeaders}), so that leaders, and the work only leaders
   * do, spread over the nodes instead of staying wherever the first election put them.
   */
  private final java.util.concurrent.ScheduledExecutorService balancer =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().name("vecdb-leaders").daemon(true).unstarted(r));

  /** A leader hands over after leading this long (a node that just came back catches up first). */
  static final long BALANCE_AFTER_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);

  /** The preferred replica must have applied up to this many entries short of the commit index. */
  static final long BALANCE_MAX_LAG = 16;

  // Groups this node has led without a break since (nanoTime), and groups being handed over: the
  // balancer thread and completion callbacks touch them, so concurrent maps.
  private final java.util.concurrent.ConcurrentHashMap<String, Long> leadingSince =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Set<String> handingOver =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final java.util.concurrent.ConcurrentHashMap<String, GroupClient> shardClients =
      new java.util.concurrent.ConcurrentHashMap<>();

  private final IdempotencyKeys keys;

  private ClusterNode(
      ClusterOptions options,
      ClusterMembership membership,
      RaftHost host,
      MetadataStateMachine metadata,
      GroupClient metaClient,
      FaultInjection faults,
      io.vecdb.index.ParallelInserter inserter,
      Path dataDir) {
    this.faults = faults;
    this.inserter = inserter;
    this.dataDir = dataDir;
    this.keys = new IdempotencyKeys(options.getNodeId());
    this.options = options;
    this.membership = membership;
    this.host = host;
    this.metadata = metadata;
    this.metaClient = metaClient;
  }

  /**
   * Starts this node's cluster side on {@code vertx} (built clustered with {@code manager}): must
   * run on a thread that may block (it opens and reads the Raft WAL).
   */
  public static ClusterNode start(
      Vertx vertx,
      HazelcastClusterManager manager,
      ClusterOptions options,
      Path dataDir,
      io.micrometer.core.instrument.MeterRegistry registry,
      io.vecdb.index.ParallelInserter inserter,
      WalStorage walStorage,
      java.util.function.Consumer<io.vecdb.wal.WalException> onFailStop)
      throws IOException {
    String id = NodeIdentity.establish(dataDir, options.getNodeId());
    ClusterMembership membership = ClusterMembership.watch(manager.getHazelcastInstance(), id);
    RaftLogStore log =
        RaftLogStore.open(dataDir.resolve("raft"), walStorage, 64L << 20, onFailStop);
    io.micrometer.core.instrument.FunctionCounter.builder(
            "vecdb.raft.wal.fsyncs", log, l -> l.stats().fsyncs())
        .description("fsyncs of the node-wide Raft WAL (one covers every group waiting)")
        .register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder(
            "vecdb.raft.wal.records", log, l -> l.stats().records())
        .description("records appended to the node-wide Raft WAL")
        .register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder(
            "vecdb.raft.wal.bytes", log, l -> l.stats().bytesWritten())
        .description("bytes written to the node-wide Raft WAL")
        .register(registry);
    FaultInjection faults = new FaultInjection();
    RaftHost host;
    try {
      host =
          new RaftHost(
              vertx,
              id,
              log,
              membership::isMember,
              faults::isBlocked,
              registry,
              task ->
                  vertx.executeBlocking(
                      () -> {
                        task.run();
                        return null;
                      },
                      false));
      host.setReadDecoder(ShardRead::decode);
    } catch (RuntimeException e) {
      log.close();
      throw e;
    }
    List<NodeEndpoint> members =
        options.getInitialMembers().stream().map(NodeEndpoint::new).toList();
    java.util.concurrent.atomic.AtomicReference<ClusterNode> self =
        new java.util.concurrent.atomic.AtomicReference<>();
    MetadataStateMachine metadata =
        new MetadataStateMachine(
            map -> {
              ClusterNode n = self.get();
              if (n != null) { // else: reconciled below, from the newest map
                n.reconcileLater(map);
              }
            });
    host.startGroup(META_GROUP, members, metadata);
    GroupClient client =
        new GroupClient(
            members,
            host.channel(META_GROUP),
            host.timers(),
            new Random(),
            GroupClient.Timing.DEFAULT);
    ClusterNode node =
        new ClusterNode(options, membership, host, metadata, client, faults, inserter, dataDir);
    self.set(node);
    // Maps applied before `self` was set: reconciling the newest is enough (each map is whole).
    node.reconcileLater(metadata.shards());
    node.balancer.scheduleWithFixedDelay(
        node::balanceLeaders, 5, 5, java.util.concurrent.TimeUnit.SECONDS);
    return node;
  }

  /**
   * For each shard group this node leads but another replica is preferred for: once this node has
   * led it for {@link #BALANCE_AFTER_NANOS}, the preferred replica is a live member, reachable, and
   * has applied nearly everything committed, transfers leadership to it (MicroRaft's leadership
   * transfer: writes pause for a moment, none is lost). Balancer thread.
   */
  private void balanceLeaders() {
    if (closed.get()) {
      return;
    }
    try {
      java.util.Map<String, String> preferred = metadata.shards().preferredLeaders();
      leadingSince.keySet().retainAll(preferred.keySet());
      long now = System.nanoTime();
      for (java.util.Map.Entry<String, String> e : preferred.entrySet()) {
        String group = e.getKey();
        String want = e.getValue();
        io.vecdb.cluster.raft.RaftReplica r = host.group(group);
        if (r == null || !r.isLeader()) {
          leadingSince.remove(group);
          continue;
        }
        long since = leadingSince.computeIfAbsent(group, g -> now);
        if (want.equals(options.getNodeId())
            || now - since < BALANCE_AFTER_NANOS
            || !membership.isMember(want)
            || faults.isBlocked(want)
            || !handingOver.add(group)) {
          continue;
        }
        NodeEndpoint target = new NodeEndpoint(want);
        host.summary(host.local(), group)
            .thenCombine(
                host.summary(target, group),
                (mine, theirs) ->
                    mine.getLong("commit", 0L) - theirs.getLong("applied", 0L) <= BALANCE_MAX_LAG
                        && options.getNodeId().equals(theirs.getString("leader")))
            .thenCompose(
                ready ->
                    ready
                        ? r.raftNode().transferLeadership(target).thenApply(o -> true)
                        : java.util.concurrent.CompletableFuture.completedFuture(false))
            .whenComplete(
                (moved, error) -> {
                  handingOver.remove(group);
                  leadingSince.put(group, System.nanoTime()); // if still leading: wait again
                  if (error != null) {
                    LOG.info("leadership of " + group + " not handed to " + want + ": " + error);
                  } else if (moved) {
                    LOG.info("leadership of " + group + " handed to its preferred replica " + want);
                  }
                });
      }
    } catch (RuntimeException e) {
      LOG.log(java.util.logging.Level.WARNING, "leader balancing failed", e);
    }
  }

  private void reconcileLater(io.vecdb.cluster.meta.ShardMap map) {
    try {
      reconciler.execute(() -> reconcile(map));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  /**
   * Makes this node run exactly the shard groups the map places on it: starts the missing ones
   * (from their log, if they have one) and stops those of deleted collections. Runs on the
   * reconciler thread, in the order the maps were applied.
   */
  private void reconcile(io.vecdb.cluster.meta.ShardMap map) {
    if (closed.get()) {
      return;
    }
    java.util.Set<String> wanted = new java.util.HashSet<>();
    for (io.vecdb.cluster.meta.ShardMap.Placement p : map.collections().values()) {
      io.vecdb.collection.CollectionConfig config = p.config();
      for (int shard = 0; shard < p.shardCount(); shard++) {
        List<String> replicas = p.replicas().get(shard);
        if (!replicas.contains(options.getNodeId())) {
          continue;
        }
        String group = p.group(shard);
        wanted.add(group);
        if (host.group(group) == null) {
          String name = p.name();
          io.vecdb.cluster.raft.ShardStateMachine sm =
              new io.vecdb.cluster.raft.ShardStateMachine(
                  group,
                  () -> {
                    io.vecdb.collection.Collections c =
                        new io.vecdb.collection.Collections(inserter);
                    c.apply(0, new io.vecdb.collection.Operation.CreateCollection(name, config));
                    return c;
                  },
                  (index, command, result) -> {},
                  host.applyPool(),
                  new io.vecdb.cluster.raft.ShardCheckpoints(
                      checkpointDir(group),
                      options.getNodeId(),
                      replicas,
                      host.checkpointFetcher(group)));
          host.startGroup(
              group,
              replicas.stream().map(NodeEndpoint::new).toList(),
              sm,
              RaftHost.dataConfig(replicas.indexOf(options.getNodeId())));
        }
      }
    }
    // Validation states of collections no longer placed (shard 0's group names the incarnation).
    java.util.Set<String> placed = new java.util.HashSet<>();
    for (io.vecdb.cluster.meta.ShardMap.Placement p : map.collections().values()) {
      placed.add(p.group(0));
    }
    schemas.keySet().retainAll(placed);
    for (String group : host.groupIds()) {
      if (!group.equals(META_GROUP) && !wanted.contains(group)) {
        shardClients.remove(group);
        io.vecdb.cluster.raft.RaftReplica gone = host.group(group);
        io.vecdb.cluster.raft.ShardCheckpoints files =
            gone == null || gone.stateMachine() == null ? null : gone.stateMachine().checkpoints();
        host.stopGroup(group)
            .thenRun(
                () -> {
                  if (files != null) {
                    files.deleteAll();
                  }
                });
      }
    }
  }

  /** Where the checkpoint files of this node's replica of shard group {@code group} live. */
  private Path checkpointDir(String group) {
    return dataDir
        .resolve("shards")
        .resolve(java.net.URLEncoder.encode(group, java.nio.charset.StandardCharsets.UTF_8));
  }

  /**
   * The collections of the shard replicas this node hosts, each under {@code <collection>@<group>},
   * for the optimizer to compact (a replica's state is replaced wholesale by a snapshot install;
   * the map names the current instances). Any thread.
   */
  public java.util.Map<String, io.vecdb.collection.Collection> shardCollections() {
    java.util.Map<String, io.vecdb.collection.Collection> out = new java.util.LinkedHashMap<>();
    for (String group : new java.util.TreeSet<>(host.groupIds())) {
      if (group.equals(META_GROUP)) {
        continue;
      }
      io.vecdb.cluster.raft.RaftReplica r = host.group(group);
      io.vecdb.cluster.raft.ShardStateMachine sm = r == null ? null : r.stateMachine();
      if (sm == null) {
        continue;
      }
      io.vecdb.collection.Collections cs = sm.collections();
      for (String name : cs.names()) {
        io.vecdb.collection.Collection c = cs.get(name);
        if (c != null) {
          out.put(name + "@" + group, c);
        }
      }
    }
    return out;
  }

  /** The collections and placement this node's metadata member has applied; any thread. */
  public io.vecdb.cluster.meta.ShardMap shards() {
    return metadata.shards();
  }

  // Validation states by collection incarnation, made on first use (a node validates a write before
  // it routes it, whether or not it holds a replica): against the placement it routes by, whether
  // or not the reconciler has caught up with that map yet.
  private final java.util.concurrent.ConcurrentHashMap<String, io.vecdb.collection.Collections>
      schemas = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * An empty state holding {@code p}'s collection with its config, for validating a request routed
   * by {@code p}. Any thread.
   */
  public io.vecdb.collection.Collections schemaFor(io.vecdb.cluster.meta.ShardMap.Placement p) {
    return schemas.computeIfAbsent(
        p.group(0),
        k -> {
          io.vecdb.collection.Collections c = new io.vecdb.collection.Collections();
          c.apply(0, new io.vecdb.collection.Operation.CreateCollection(p.name(), p.config()));
          return c;
        });
  }

  /** The client of shard {@code shard} of {@code p}: writes to its leader, reads by consistency. */
  public GroupClient shardClient(io.vecdb.cluster.meta.ShardMap.Placement p, int shard) {
    return shardClients.computeIfAbsent(
        p.group(shard),
        g ->
            new GroupClient(
                p.replicas().get(shard).stream().map(NodeEndpoint::new).toList(),
                host.channel(g),
                host.timers(),
                new Random(),
                GroupClient.Timing.DEFAULT,
                host.local()));
  }

  /** A command with a fresh idempotency key ({@link IdempotencyKeys}). */
  public io.vecdb.cluster.raft.ShardCommand command(io.vecdb.collection.Operation op) {
    return keys.command(op);
  }

  /** Replicates a metadata change (with a fresh idempotency key). */
  public java.util.concurrent.CompletableFuture<WriteOutcome> metaWrite(
      MetaCommand.MetaOp op, long timeoutMillis) {
    return metaClient.write(keys.meta(op), timeoutMillis);
  }

  /**
   * Completes once this node's metadata member has applied up to {@code index} and reconciled its
   * shard groups with the result (so that a collection just created has its groups started here).
   */
  public java.util.concurrent.CompletableFuture<Void> awaitMetadata(
      long index, long timeoutMillis) {
    io.vecdb.cluster.raft.RaftReplica meta = host.group(META_GROUP);
    return meta.query(
            new io.vecdb.cluster.raft.LocalRead<>(c -> null),
            io.microraft.QueryPolicy.EVENTUAL_CONSISTENCY,
            index,
            timeoutMillis)
        .thenCompose(o -> java.util.concurrent.CompletableFuture.runAsync(() -> {}, reconciler));
  }

  /**
   * Brings this node's metadata up to what the metadata leader had committed when asked, so that a
   * collection created through another node is found here: asks the leader its commit index and
   * waits until this node applied it. Best effort: completes (never fails) once that is done, the
   * leader is unknown or unreachable, or the timeout passes.
   */
  public java.util.concurrent.CompletableFuture<Void> syncMetadata(long timeoutMillis) {
    io.vecdb.cluster.raft.RaftReplica meta = host.group(META_GROUP);
    Object leader = meta.raftNode().getTerm().getLeaderEndpoint();
    java.util.concurrent.CompletableFuture<Void> synced;
    if (!(leader instanceof NodeEndpoint l)) {
      synced = java.util.concurrent.CompletableFuture.completedFuture(null);
    } else if (l.equals(host.local())) {
      synced = awaitMetadata(0, timeoutMillis); // the leader applies what it commits
    } else {
      synced =
          host.summary(l, META_GROUP)
              .thenCompose(j -> awaitMetadata(j.getLong("commit", 0L), timeoutMillis));
    }
    return synced
        .orTimeout(timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS)
        .exceptionally(e -> null);
  }

  /** See {@link RaftHost#summary}. */
  public java.util.concurrent.CompletableFuture<JsonObject> summary(String nodeId, String group) {
    return host.summary(new NodeEndpoint(nodeId), group);
  }

  /** Registers this node's HTTP address with the metadata group, retrying until committed. */
  public void register(String httpAddress) {
    MetaCommand command =
        new MetaCommand(
            "node:" + options.getNodeId() + ":" + System.currentTimeMillis(),
            1,
            new MetaCommand.RegisterNode(options.getNodeId(), httpAddress));
    attemptRegister(command);
  }

  private void attemptRegister(MetaCommand command) {
    if (closed.get()) {
      return;
    }
    metaClient
        .write(command, 10_000)
        .thenAccept(
            outcome -> {
              if (outcome instanceof WriteOutcome.Committed c) {
                LOG.info(
                    "cluster: node "
                        + options.getNodeId()
                        + " registered at index "
                        + c.index()
                        + " (metadata leader "
                        + c.leader()
                        + ")");
              } else {
                LOG.info("cluster: registration pending (" + outcome + "), retrying");
                host.timers().schedule(() -> attemptRegister(command), 1_000);
              }
            });
  }

  public String nodeId() {
    return options.getNodeId();
  }

  /** The fault-injection switch; null unless the node runs with {@code --fault-injection}. */
  public FaultInjection faults() {
    return options.isFaultInjection() ? faults : null;
  }

  public ClusterMembership membership() {
    return membership;
  }

  public MetadataStateMachine metadata() {
    return metadata;
  }

  public RaftHost raftHost() {
    return host;
  }

  /**
   * {@code GET /cluster}'s result, in Qdrant's shape ({@code status}, {@code peer_id}, {@code
   * peers} with {@code uri}, {@code raft_info}) plus VecDB's: each peer's cluster address and
   * state, and the metadata group's members.
   */
  public Future<JsonObject> info() {
    Promise<JsonObject> done = Promise.promise();
    host.report(META_GROUP)
        .whenComplete(
            (report, error) -> {
              if (error != null) {
                done.fail(error);
                return;
              }
              done.complete(info(report));
            });
    return done.future();
  }

  private JsonObject info(RaftNodeReport report) {
    Map<String, ClusterMembership.Peer> live = membership.members();
    NodeRegistry registry = metadata.registry();
    JsonObject peers = new JsonObject();
    java.util.TreeSet<String> ids = new java.util.TreeSet<>(registry.nodes().keySet());
    ids.addAll(live.keySet());
    ids.addAll(options.getInitialMembers());
    for (String id : ids) {
      NodeRegistry.Node node = registry.nodes().get(id);
      ClusterMembership.Peer peer = live.get(id);
      JsonObject p = new JsonObject();
      p.put("uri", node == null ? null : node.httpAddress());
      p.put("cluster_address", peer == null ? null : peer.address());
      p.put("state", peer == null ? "unreachable" : node == null ? "joining" : "alive");
      peers.put(id, p);
    }
    Object leader = report.getTerm().getLeaderEndpoint();
    JsonArray voters = new JsonArray();
    report.getCommittedMembers().getVotingMembers().forEach(e -> voters.add(e.getId()));
    return new JsonObject()
        .put("status", "enabled")
        .put("peer_id", options.getNodeId())
        .put("node_id", options.getNodeId())
        .put("peers", peers)
        .put(
            "raft_info",
            new JsonObject()
                .put("term", report.getTerm().getTerm())
                .put("commit", report.getLog().getCommitIndex())
                .put("pending_operations", 0)
                .put("leader", leader == null ? null : leader.toString())
                .put("role", report.getRole().name())
                .put("is_voter", voters.contains(options.getNodeId()))
                .put("members", voters)
                .put("group", META_GROUP));
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      balancer.shutdownNow();
      reconciler.shutdown();
      try {
        reconciler.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      host.close();
    }
  }
}
