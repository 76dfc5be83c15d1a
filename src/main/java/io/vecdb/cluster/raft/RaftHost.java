package io.vecdb.cluster.raft;

import io.microraft.Ordered;
import io.microraft.QueryPolicy;
import io.microraft.RaftConfig;
import io.microraft.RaftEndpoint;
import io.microraft.RaftNode;
import io.microraft.exception.CannotReplicateException;
import io.microraft.persistence.RestoredRaftState;
import io.microraft.report.RaftNodeReport;
import io.microraft.statemachine.StateMachine;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.logging.Logger;

/**
 * The Raft groups of one node: each a MicroRaft node on a {@link LaneExecutor} lane of one shared
 * pool (lanes block in fsync, so never an event loop and not a thread per group), logging to the
 * node's {@link RaftLogStore}, talking to other nodes through {@link EventBusTransport}. Two bus
 * consumers serve the node: its Raft address (messages, decoded on the group's lane) and its RPC
 * address (writes forwarded from other nodes). {@link #channel} is the {@link GroupClient.Channel}
 * every node uses to reach a group's members, itself included.
 *
 * <p>A group whose log fails is terminated (the WAL is fail-stop: MicroRaft alone would only log
 * the store's exception and run on).
 *
 * <p>Concurrency: any thread may call the public methods. {@code groups} is a concurrent map; each
 * group's state is confined to its lane.
 */
public final class RaftHost implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RaftHost.class.getName());

  private static final byte RPC_REPLICATE = 1;
  private static final byte RPC_READ = 2;
  private static final byte RPC_REPORT = 3;

  /** As RPC_REPLICATE, answered once committed ({@link CommitOnly}). */
  private static final byte RPC_REPLICATE_COMMIT = 4;

  /** A range of a shard checkpoint file ({@link ShardCheckpoints}). */
  private static final byte RPC_CHECKPOINT = 5;

  /** Bytes of a checkpoint file per RPC. */
  static final int CHECKPOINT_RANGE_BYTES = 2 << 20;

  private static final byte REPLY_OK = 0;
  private static final byte REPLY_NOT_LEADER = 1;
  private static final byte REPLY_BUSY = 2;
  private static final byte REPLY_UNCERTAIN = 3;
  private static final byte REPLY_COMMITTED = 4;

  /** Timing for groups on real nodes: a dead leader is replaced in about 3 s. */
  public static final RaftConfig CONFIG =
      RaftConfig.newBuilder()
          .setLeaderElectionTimeoutMillis(700)
          .setLeaderHeartbeatPeriodSecs(1)
          .setLeaderHeartbeatTimeoutSecs(2)
          .setCommitCountToTakeSnapshot(1_000)
          .setMaxPendingLogEntryCount(1_000)
          .setAppendEntriesRequestBatchSize(100)
          .setTransferSnapshotsFromFollowersEnabled(false)
          .setRaftNodeReportPublishPeriodSecs(2)
          .build();

  /**
   * Timing and memory bounds of shard groups. MicroRaft keeps up to {@code
   * commitCountToTakeSnapshot + maxPendingLogEntryCount} entries in memory; a shard entry is a
   * write batch (up to {@code max_request_bytes} of vectors), so both are kept small: at 256 points
   * of 784 floats per batch, about 300 entries are some 240 MB. A snapshot, every 200 commits (see
   * {@link #dataConfig} for the replicas after the first), is a checkpoint file the apply lane
   * writes ({@link ShardCheckpoints}).
   */
  public static final RaftConfig DATA_CONFIG = dataConfig(0);

  /**
   * {@link #DATA_CONFIG} for the replica at {@code position} in its shard's replica list: its
   * snapshots come every {@code 200 + 30 * position} commits. Writing a checkpoint pauses that
   * replica's apply lane and takes disk bandwidth for about a second at 50,000 points of 784
   * dimensions; with different intervals the replicas of a group (often on one disk in tests and
   * benchmarks) do not all write at once. (When snapshots were logical images written through the
   * Raft WAL on the Raft lane, all three replicas stalled together and the leader stepped down.)
   */
  public static RaftConfig dataConfig(int position) {
    return RaftConfig.newBuilder()
        .setLeaderElectionTimeoutMillis(700)
        .setLeaderHeartbeatPeriodSecs(1)
        .setLeaderHeartbeatTimeoutSecs(2)
        .setCommitCountToTakeSnapshot(200 + 30 * Math.max(0, Math.min(position, 8)))
        .setMaxPendingLogEntryCount(16)
        .setAppendEntriesRequestBatchSize(16)
        .setTransferSnapshotsFromFollowersEnabled(false)
        .setRaftNodeReportPublishPeriodSecs(2)
        .build();
  }

  private static final LocalRead<Object> SYNC = new LocalRead<>(c -> null);

  private final Vertx vertx;
  private final NodeEndpoint local;
  private final RaftLogStore log;
  private final EventBusTransport transport;
  private final ExecutorService pool;
  private final ExecutorService applyPool;
  private final ScheduledExecutorService timers;
  private final ConcurrentHashMap<String, RaftReplica> groups = new ConcurrentHashMap<>();
  private final List<MessageConsumer<Buffer>> consumers = new ArrayList<>();
  private final long rpcTimeoutMillis;
  private final io.micrometer.core.instrument.MeterRegistry registry;
  private final io.micrometer.core.instrument.Counter forwarded;
  private final Predicate<String> cut;
  private final java.util.concurrent.Executor reads;
  private volatile java.util.function.Function<
          Buffer, java.util.function.Function<io.vecdb.collection.Collections, Object>>
      readDecoder =
          b -> {
            throw new IllegalStateException("this node serves no remote reads");
          };

  /**
   * @param reachable whether a node id is a live member now
   * @param cut whether traffic to a node id is cut on purpose (fault injection; else never)
   * @param registry where each group's Raft gauges go (term, commit index, leader, changes)
   * @param reads where reads of shard state run (search workers): never a Raft lane, so a search
   *     does not hold up its group's log
   */
  public RaftHost(
      Vertx vertx,
      String nodeId,
      RaftLogStore log,
      Predicate<String> reachable,
      Predicate<String> cut,
      io.micrometer.core.instrument.MeterRegistry registry,
      java.util.concurrent.Executor reads) {
    this.cut = cut;
    this.reads = reads;
    this.vertx = vertx;
    this.registry = registry;
    this.forwarded =
        io.micrometer.core.instrument.Counter.builder(io.vecdb.metrics.MetricNames.RAFT_FORWARDED)
            .description("Raft writes forwarded to another node's member of the group")
            .register(registry);
    this.local = new NodeEndpoint(nodeId);
    this.log = log;
    this.transport = new EventBusTransport(vertx.eventBus(), reachable, cut);
    AtomicInteger n = new AtomicInteger();
    this.pool =
        // More threads than cores: lanes block in fsync, in snapshot writes and in long applies,
        // and a group whose lane waits behind others misses its heartbeat checks.
        Executors.newFixedThreadPool(
            Math.max(4, 2 * Runtime.getRuntime().availableProcessors()),
            r ->
                Thread.ofPlatform()
                    .name("vecdb-raft-" + n.incrementAndGet())
                    .daemon(true)
                    .unstarted(r));
    AtomicInteger a = new AtomicInteger();
    this.applyPool =
        // Shard replicas apply (index) here, off their Raft lanes; the work is CPU-bound.
        Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            r ->
                Thread.ofPlatform()
                    .name("vecdb-apply-" + a.incrementAndGet())
                    .daemon(true)
                    .unstarted(r));
    this.timers =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("vecdb-raft-timers").daemon(true).unstarted(r));
    this.rpcTimeoutMillis = 2_000;
    consumers.add(
        vertx
            .eventBus()
            .<Buffer>consumer(
                EventBusTransport.address(nodeId),
                m -> {
                  RaftReplica r = groups.get(groupOf(m.body()));
                  if (r != null) {
                    r.handleEncoded(m.body());
                  }
                }));
    consumers.add(
        vertx.eventBus().<Buffer>consumer(EventBusTransport.rpcAddress(nodeId), m -> rpc(m)));
  }

  public NodeEndpoint local() {
    return local;
  }

  /** Where shard replicas of this node apply committed entries ({@link ShardStateMachine}). */
  public java.util.concurrent.Executor applyPool() {
    return applyPool;
  }

  /** How reads arriving from other nodes ({@link WireRead#encode}'s bytes) become functions. */
  public void setReadDecoder(
      java.util.function.Function<
              Buffer, java.util.function.Function<io.vecdb.collection.Collections, Object>>
          decoder) {
    this.readDecoder = decoder;
  }

  /**
   * Starts (or restarts from the log) this node's member of {@code group}. {@code members}: the
   * group's initial voting members, used only when the log has nothing for the group.
   */
  public RaftReplica startGroup(
      String group, List<NodeEndpoint> members, StateMachine stateMachine) {
    return startGroup(group, members, stateMachine, CONFIG);
  }

  /** As {@link #startGroup(String, List, StateMachine)}, with the given Raft config. */
  public RaftReplica startGroup(
      String group, List<NodeEndpoint> members, StateMachine stateMachine, RaftConfig config) {
    LaneExecutor executor = new LaneExecutor(group + "@" + local, pool, timers);
    GroupGauges gauges =
        new GroupGauges(group, stateMachine instanceof ShardStateMachine s ? s : null);
    RaftReplica[] self = new RaftReplica[1];
    RaftNode.RaftNodeBuilder b =
        RaftNode.newBuilder()
            .setGroupId(group)
            .setConfig(config)
            .setExecutor(executor)
            .setTransport(transport)
            .setStateMachine(stateMachine)
            .setRandom(new Random())
            .setRaftNodeReportListener(gauges::update)
            .setStore(
                log.store(
                    group,
                    () -> {
                      LOG.severe("Raft group " + group + " stops: its log failed");
                      RaftReplica r = self[0];
                      if (r != null) {
                        r.raftNode().terminate();
                      }
                    },
                    index -> {
                      if (stateMachine instanceof ShardStateMachine s && s.checkpoints() != null) {
                        s.checkpoints().snapshotDurable(index);
                      }
                    }));
    if (stateMachine instanceof ShardStateMachine s) {
      s.hooks(
          index ->
              executor.execute(
                  () -> {
                    try {
                      log.commitCheckpoint(group, index);
                    } catch (java.io.IOException e) {
                      LOG.severe("Raft group " + group + ": snapshot not recorded: " + e);
                    }
                  }),
          () -> {
            LOG.severe("Raft group " + group + " stops: its checkpoints failed");
            RaftReplica r = self[0];
            if (r != null) {
              r.raftNode().terminate();
            }
          });
    }
    RestoredRaftState restored = log.restored(group);
    if (restored != null) {
      b.setRestoredState(restored);
    } else {
      b.setLocalEndpoint(local).setInitialGroupMembers(new ArrayList<RaftEndpoint>(members));
    }
    RaftNode node = b.build();
    ShardStateMachine sm = stateMachine instanceof ShardStateMachine s ? s : null;
    RaftReplica replica = new RaftReplica(local, node, executor, sm);
    self[0] = replica;
    if (groups.putIfAbsent(group, replica) != null) {
      throw new IllegalStateException("group " + group + " already runs on " + local);
    }
    node.start();
    LOG.info(
        "Raft group "
            + group
            + " started on "
            + local
            + (restored != null ? " from its log" : " with members " + members));
    return replica;
  }

  public RaftReplica group(String group) {
    return groups.get(group);
  }

  /** The ids of the groups running on this node. */
  public java.util.Set<String> groupIds() {
    return java.util.Set.copyOf(groups.keySet());
  }

  /**
   * Stops this node's member of {@code group} (its collection was deleted), forgets its gauges and
   * drops it from the Raft WAL ({@link RaftLogStore#drop}).
   */
  public CompletableFuture<Void> stopGroup(String group) {
    RaftReplica r = groups.remove(group);
    if (r == null) {
      return CompletableFuture.completedFuture(null);
    }
    registry
        .find(io.vecdb.metrics.MetricNames.RAFT_TERM)
        .tag(io.vecdb.metrics.MetricNames.TAG_GROUP, group)
        .meters()
        .forEach(registry::remove);
    for (String name :
        List.of(
            io.vecdb.metrics.MetricNames.RAFT_COMMIT_INDEX,
            io.vecdb.metrics.MetricNames.RAFT_APPLIED_INDEX,
            io.vecdb.metrics.MetricNames.RAFT_APPLY_BACKLOG,
            io.vecdb.metrics.MetricNames.RAFT_LEADER,
            io.vecdb.metrics.MetricNames.RAFT_LEADER_CHANGES)) {
      registry
          .find(name)
          .tag(io.vecdb.metrics.MetricNames.TAG_GROUP, group)
          .meters()
          .forEach(registry::remove);
    }
    LOG.info("Raft group " + group + " stops on " + local);
    return r.raftNode()
        .terminate()
        .thenRun(
            () -> {
              try {
                log.drop(group); // after termination: MicroRaft writes nothing more for it
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
  }

  /** A report of this node's member of {@code group}. */
  public CompletableFuture<RaftNodeReport> report(String group) {
    RaftReplica r = groups.get(group);
    if (r == null) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("no group " + group));
    }
    return r.raftNode().getReport().thenApply(Ordered::getResult);
  }

  /**
   * A summary of {@code target}'s member of {@code group}: {@code term}, {@code leader} (node id or
   * null), {@code commit} (its commit index), {@code role} and, for a shard, {@code applied} and
   * {@code points_count}. Fails if the target does not answer in time or does not run it.
   */
  public CompletableFuture<io.vertx.core.json.JsonObject> summary(
      NodeEndpoint target, String group) {
    if (target.equals(local)) {
      return localSummary(group);
    }
    if (cut.test(target.nodeId())) {
      return CompletableFuture.failedFuture(new IllegalStateException("cut from " + target));
    }
    Buffer req = Buffer.buffer().appendByte(RPC_REPORT);
    RaftCodec.str(req, group);
    CompletableFuture<io.vertx.core.json.JsonObject> out = new CompletableFuture<>();
    request(target, req, rpcTimeoutMillis)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                out.completeExceptionally(ar.cause());
              } else {
                out.complete(new io.vertx.core.json.JsonObject(ar.result().body()));
              }
            });
    return out;
  }

  private CompletableFuture<io.vertx.core.json.JsonObject> localSummary(String group) {
    RaftReplica r = groups.get(group);
    if (r == null) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("no group " + group + " on " + local));
    }
    return r.raftNode()
        .getReport()
        .thenApply(
            o -> {
              RaftNodeReport report = o.getResult();
              Object leader = report.getTerm().getLeaderEndpoint();
              io.vertx.core.json.JsonObject j =
                  new io.vertx.core.json.JsonObject()
                      .put("term", report.getTerm().getTerm())
                      .put("leader", leader == null ? null : leader.toString())
                      .put("commit", report.getLog().getCommitIndex())
                      .put("role", report.getRole().name())
                      .put("status", report.getStatus().name());
              ShardStateMachine sm = r.stateMachine();
              if (sm != null) {
                j.put("applied", sm.appliedIndex());
                io.vecdb.collection.Collections c = sm.collections();
                long points = 0;
                for (String name : c.names()) {
                  io.vecdb.collection.Collection col = c.get(name);
                  points += col == null ? 0 : col.size();
                }
                j.put("points_count", points);
              }
              return j;
            });
  }

  /**
   * Runs {@code read} against this node's member of a group: an eventual read with no minimum index
   * reads the applied state directly; otherwise a no-op query under {@code policy} (for
   * LINEARIZABLE, a ReadIndex round on the leader) waits until the member has applied far enough,
   * and then the read runs. Either way the read itself runs on the read executor, not the lane, on
   * state at least as new as the index reported (so a linearizable read stays linearizable).
   */
  private <T> CompletableFuture<Ordered<T>> localRead(
      RaftReplica r, LocalRead<T> read, QueryPolicy policy, long minCommitIndex, long waitMs) {
    ShardStateMachine sm = r.stateMachine();
    if (sm == null) {
      return r.query(read, policy, minCommitIndex, waitMs);
    }
    CompletableFuture<Long> synced;
    if (policy == QueryPolicy.EVENTUAL_CONSISTENCY && minCommitIndex <= 0) {
      if (io.vertx.core.Context.isOnWorkerThread()) {
        // Already on a search worker: read here rather than hop to another worker.
        long index = sm.appliedIndex();
        try {
          return CompletableFuture.completedFuture(
              ordered(index, read.read().apply(sm.collections())));
        } catch (RuntimeException e) {
          return CompletableFuture.failedFuture(e);
        }
      }
      synced = CompletableFuture.completedFuture(sm.appliedIndex());
    } else {
      synced = r.query(SYNC, policy, minCommitIndex, waitMs).thenApply(Ordered::getCommitIndex);
    }
    return synced.thenApplyAsync(
        index -> ordered(index, read.read().apply(sm.collections())), reads);
  }

  @SuppressWarnings("unchecked")
  private <T> CompletableFuture<Ordered<T>> remoteRead(
      NodeEndpoint target,
      String group,
      WireRead read,
      QueryPolicy policy,
      long minCommitIndex,
      long waitMs) {
    if (cut.test(target.nodeId())) {
      return CompletableFuture.failedFuture(new NotLeaderHere(target, null));
    }
    Buffer req = Buffer.buffer().appendByte(RPC_READ);
    RaftCodec.str(req, group);
    req.appendByte((byte) policy.ordinal()).appendLongLE(minCommitIndex).appendLongLE(waitMs);
    Buffer body = read.encode();
    req.appendIntLE(body.length()).appendBuffer(body);
    CompletableFuture<Ordered<T>> out = new CompletableFuture<>();
    request(target, req, rpcTimeoutMillis + waitMs)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                out.completeExceptionally(new CompletionException(ar.cause()));
                return;
              }
              RaftCodec.Reader r = new RaftCodec.Reader(ar.result().body());
              switch (r.b()) {
                case REPLY_OK -> {
                  long index = r.l();
                  Object value = io.vertx.core.json.Json.decodeValue(r.str());
                  out.complete(ordered(index, (T) value));
                }
                case REPLY_NOT_LEADER -> {
                  String leader = r.str();
                  out.completeExceptionally(
                      new NotLeaderHere(target, leader == null ? null : new NodeEndpoint(leader)));
                }
                default -> out.completeExceptionally(new IllegalStateException(r.str()));
              }
            });
    return out;
  }

  /** How this node reaches the members of {@code group}: locally, or over the bus. */
  public GroupClient.Channel channel(String group) {
    return new GroupClient.Channel() {
      @Override
      public CompletableFuture<Ordered<Object>> replicate(NodeEndpoint target, Object command) {
        RaftReplica r = groups.get(group);
        if (target.equals(local) && r != null) {
          return r.replicate(command);
        }
        return remoteReplicate(target, group, command);
      }

      @Override
      public <T> CompletableFuture<Ordered<T>> query(
          NodeEndpoint target,
          LocalRead<T> read,
          QueryPolicy policy,
          long minCommitIndex,
          long waitMs) {
        RaftReplica r = groups.get(group);
        if (target.equals(local)) {
          if (r == null) {
            return CompletableFuture.failedFuture(new NotLeaderHere(local, null));
          }
          return localRead(r, read, policy, minCommitIndex, waitMs);
        }
        if (!(read.read() instanceof WireRead wire)) {
          return CompletableFuture.failedFuture(
              new IllegalStateException("this read of group " + group + " runs locally only"));
        }
        return remoteRead(target, group, wire, policy, minCommitIndex, waitMs);
      }
    };
  }

  /** An RPC to {@code target}'s {@code .rpc} address, failing after {@code timeoutMillis}. */
  private io.vertx.core.Future<io.vertx.core.eventbus.Message<Buffer>> request(
      NodeEndpoint target, Buffer req, long timeoutMillis) {
    return vertx
        .eventBus()
        .request(
            EventBusTransport.rpcAddress(target.nodeId()),
            req,
            new DeliveryOptions().setSendTimeout(timeoutMillis));
  }

  /** Timers for {@link GroupClient}s of this node (Vert.x timers, any thread). */
  public GroupClient.Timers timers() {
    return new GroupClient.Timers() {
      @Override
      public long nowMillis() {
        return System.currentTimeMillis();
      }

      @Override
      public void schedule(Runnable task, long delayMillis) {
        vertx.setTimer(Math.max(1, delayMillis), id -> task.run());
      }
    };
  }

  /**
   * A group's Raft figures for {@code /metrics}, updated from MicroRaft's reports (on every role or
   * term change and every 2 s) on the group's lane; read by the registry from any thread.
   */
  private final class GroupGauges {
    private volatile long term;
    private volatile long commitIndex;
    private volatile boolean leader;
    private volatile Object lastLeader;
    private final io.micrometer.core.instrument.Counter changes;

    GroupGauges(String group, ShardStateMachine shard) {
      if (shard != null) {
        io.micrometer.core.instrument.Gauge.builder(
                io.vecdb.metrics.MetricNames.RAFT_APPLIED_INDEX, shard, s -> s.appliedIndex())
            .description("Raft index this node's replica of the shard has applied")
            .tag(io.vecdb.metrics.MetricNames.TAG_GROUP, group)
            .register(registry);
        io.micrometer.core.instrument.Gauge.builder(
                io.vecdb.metrics.MetricNames.RAFT_APPLY_BACKLOG, shard, s -> s.backlog())
            .description("Committed entries of the shard waiting to be applied on this node")
            .tag(io.vecdb.metrics.MetricNames.TAG_GROUP, group)
            .register(registry);
      }
      io.micrometer.core.instrument.Gauge.builder(
              io.vecdb.metrics.MetricNames.RAFT_TERM, this, g -> g.term)
          .description("Raft term of this node's member of the group")
          .tag(io.vecdb.metrics.MetricNames.TAG_GROUP, group)
          .register(registry);
      io.micrometer.core.instrument.Gauge.builder(
              io.vecdb.metrics.MetricNames.RAFT_COMMIT_INDEX, this, g -> g.commitIndex)
          .description("Raft commit index of this node's member of the group")
          .tag(io.vecdb.metrics.MetricNames.TAG_GROUP, group)
          .register(registry);
      io.micrometer.core.instrument.Gauge.builder(
              io.vecdb.metrics.MetricNames.RAFT_LEADER, this, g -> g.leader ? 1 : 0)
          .description("1 while this node leads the group")
          .tag(io.vecdb.metrics.MetricNames.TAG_GROUP, group)
          .register(registry);
      changes =
          io.micrometer.core.instrument.Counter.builder(
                  io.vecdb.metrics.MetricNames.RAFT_LEADER_CHANGES)
              .description("Leader changes of the group seen by this node")
              .tag(io.vecdb.metrics.MetricNames.TAG_GROUP, group)
              .register(registry);
    }

    void update(RaftNodeReport report) {
      term = report.getTerm().getTerm();
      commitIndex = report.getLog().getCommitIndex();
      Object l = report.getTerm().getLeaderEndpoint();
      leader = local.equals(l);
      if (l != null && !l.equals(lastLeader)) {
        changes.increment();
      }
      lastLeader = l;
    }
  }

  private CompletableFuture<Ordered<Object>> remoteReplicate(
      NodeEndpoint target, String group, Object command) {
    forwarded.increment();
    if (cut.test(target.nodeId())) {
      // Not sent (fault injection): nothing was appended.
      return CompletableFuture.failedFuture(new NotLeaderHere(target, null));
    }
    Buffer req =
        Buffer.buffer()
            .appendByte(command instanceof CommitOnly ? RPC_REPLICATE_COMMIT : RPC_REPLICATE);
    RaftCodec.str(req, group);
    RaftCodec.writeOperation(req, command instanceof CommitOnly c ? c.command() : command);
    CompletableFuture<Ordered<Object>> out = new CompletableFuture<>();
    request(target, req, rpcTimeoutMillis)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                if (ar.cause() instanceof ReplyException e
                    && e.failureType() == ReplyFailure.NO_HANDLERS) {
                  // Never delivered: nothing was appended.
                  out.completeExceptionally(new NotLeaderHere(target, null));
                } else {
                  out.completeExceptionally(new CompletionException(ar.cause()));
                }
                return;
              }
              RaftCodec.Reader r = new RaftCodec.Reader(ar.result().body());
              switch (r.b()) {
                case REPLY_OK -> {
                  long commit = r.l();
                  Applied applied = r.applied();
                  out.complete(RaftHost.<Object>ordered(commit, applied));
                }
                case REPLY_COMMITTED -> {
                  long commit = r.l();
                  out.complete(RaftHost.<Object>ordered(commit, new CommitOnly.Committed(commit)));
                }
                case REPLY_NOT_LEADER -> {
                  String leader = r.str();
                  out.completeExceptionally(
                      new NotLeaderHere(target, leader == null ? null : new NodeEndpoint(leader)));
                }
                case REPLY_BUSY -> out.completeExceptionally(new CannotReplicateException(null));
                default ->
                    out.completeExceptionally(
                        new IllegalStateException("uncertain on " + target + ": " + r.str()));
              }
            });
    return out;
  }

  private void rpc(io.vertx.core.eventbus.Message<Buffer> m) {
    RaftCodec.Reader r = new RaftCodec.Reader(m.body());
    byte kind;
    String group;
    try {
      kind = r.b();
      group = r.str();
    } catch (RuntimeException e) {
      m.fail(400, "bad Raft RPC: " + e.getMessage());
      return;
    }
    switch (kind) {
      case RPC_REPLICATE -> rpcReplicate(m, r, group, false);
      case RPC_REPLICATE_COMMIT -> rpcReplicate(m, r, group, true);
      case RPC_READ -> rpcRead(m, r, group);
      case RPC_REPORT ->
          localSummary(group)
              .whenComplete(
                  (j, e) -> {
                    if (e != null) {
                      m.fail(404, String.valueOf(e.getMessage()));
                    } else {
                      m.reply(j.toBuffer());
                    }
                  });
      case RPC_CHECKPOINT -> rpcCheckpoint(m, r, group);
      default -> m.fail(400, "unknown Raft RPC " + kind);
    }
  }

  /** Serves a range of a checkpoint file: [0][total][bytes] or [1] if this node has none. */
  private void rpcCheckpoint(
      io.vertx.core.eventbus.Message<Buffer> m, RaftCodec.Reader r, String group) {
    long index = r.l();
    long offset = r.l();
    int max = Math.min(r.i(), CHECKPOINT_RANGE_BYTES);
    RaftReplica replica = groups.get(group);
    ShardCheckpoints checkpoints =
        replica == null || replica.stateMachine() == null
            ? null
            : replica.stateMachine().checkpoints();
    if (checkpoints == null) {
      m.reply(Buffer.buffer().appendByte((byte) 1));
      return;
    }
    java.nio.file.Path file = checkpoints.file(index);
    vertx
        .executeBlocking(
            () -> {
              try (java.nio.channels.FileChannel ch =
                  java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ)) {
                long total = ch.size();
                java.nio.ByteBuffer bytes =
                    java.nio.ByteBuffer.allocate((int) Math.max(0, Math.min(max, total - offset)));
                while (bytes.hasRemaining() && ch.read(bytes, offset + bytes.position()) >= 0) {
                  // reads until the range is full
                }
                bytes.flip();
                return Buffer.buffer(1 + 8 + bytes.remaining())
                    .appendByte((byte) 0)
                    .appendLongLE(total)
                    .appendBytes(bytes.array(), 0, bytes.remaining());
              } catch (java.nio.file.NoSuchFileException e) {
                return Buffer.buffer().appendByte((byte) 1);
              }
            },
            false)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                m.reply(ar.result());
              } else {
                m.fail(500, String.valueOf(ar.cause()));
              }
            });
  }

  /**
   * How shard replicas of {@code group} on this node fetch checkpoint files from other members:
   * range by range over the bus, blocking the calling thread (an apply lane, never an event loop).
   */
  public ShardCheckpoints.Fetcher checkpointFetcher(String group) {
    return (node, index, target) -> {
      if (cut.test(node)) {
        throw new java.io.IOException("cut from " + node);
      }
      try (java.nio.channels.FileChannel out =
          java.nio.channels.FileChannel.open(
              target,
              java.nio.file.StandardOpenOption.CREATE_NEW,
              java.nio.file.StandardOpenOption.WRITE)) {
        long offset = 0;
        long total;
        do {
          Buffer req = Buffer.buffer().appendByte(RPC_CHECKPOINT);
          RaftCodec.str(req, group);
          req.appendLongLE(index).appendLongLE(offset).appendIntLE(CHECKPOINT_RANGE_BYTES);
          Buffer reply;
          try {
            reply =
                request(new NodeEndpoint(node), req, 30_000)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(35, TimeUnit.SECONDS)
                    .body();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.IOException("interrupted fetching from " + node, e);
          } catch (java.util.concurrent.ExecutionException
              | java.util.concurrent.TimeoutException e) {
            throw new java.io.IOException("checkpoint from " + node + ": " + e, e);
          }
          if (reply.getByte(0) != 0) {
            return false;
          }
          total = reply.getLongLE(1);
          java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(reply.getBytes(9, reply.length()));
          while (bytes.hasRemaining()) {
            offset += out.write(bytes, offset);
          }
          if (reply.length() == 9 && offset < total) {
            throw new java.io.IOException("checkpoint from " + node + ": empty range at " + offset);
          }
        } while (offset < total);
        out.force(true);
        return true;
      }
    };
  }

  private void rpcReplicate(
      io.vertx.core.eventbus.Message<Buffer> m,
      RaftCodec.Reader r,
      String group,
      boolean commitOnly) {
    RaftReplica replica = groups.get(group);
    if (replica == null) {
      m.reply(Buffer.buffer().appendByte(REPLY_NOT_LEADER).appendIntLE(-1));
      return;
    }
    // A forwarded write batch is decoded on the group's lane, not on the event loop.
    replica.execute(
        () -> {
          Object command;
          try {
            command = RaftCodec.readOperation(r);
            if (commitOnly) {
              if (!(command instanceof ShardCommand c)) {
                throw new IllegalArgumentException("a commit-only write must be a shard write");
              }
              command = new CommitOnly(c);
            }
          } catch (RuntimeException e) {
            m.fail(400, "bad Raft RPC: " + e.getMessage());
            return;
          }
          replica
              .replicate(command)
              .whenComplete(
                  (ordered, error) -> {
                    Buffer reply = Buffer.buffer();
                    if (error == null && ordered.getResult() instanceof CommitOnly.Committed) {
                      reply.appendByte(REPLY_COMMITTED).appendLongLE(ordered.getCommitIndex());
                    } else if (error == null) {
                      reply.appendByte(REPLY_OK).appendLongLE(ordered.getCommitIndex());
                      RaftCodec.applied(reply, (Applied) ordered.getResult());
                    } else {
                      Throwable cause =
                          error instanceof CompletionException c ? c.getCause() : error;
                      if (cause instanceof NotLeaderHere n) {
                        reply.appendByte(REPLY_NOT_LEADER);
                        RaftCodec.str(reply, n.leader() == null ? null : n.leader().nodeId());
                      } else if (cause instanceof CannotReplicateException) {
                        reply.appendByte(REPLY_BUSY);
                      } else {
                        reply.appendByte(REPLY_UNCERTAIN);
                        RaftCodec.str(reply, String.valueOf(cause));
                      }
                    }
                    m.reply(reply);
                  });
        });
  }

  private void rpcRead(io.vertx.core.eventbus.Message<Buffer> m, RaftCodec.Reader r, String group) {
    QueryPolicy policy;
    long min;
    long wait;
    java.util.function.Function<io.vecdb.collection.Collections, Object> fn;
    try {
      int p = r.b();
      if (p < 0 || p >= QueryPolicy.values().length) {
        throw new IllegalArgumentException("query policy " + p);
      }
      policy = QueryPolicy.values()[p];
      min = r.l();
      wait = r.l();
      int n = r.i();
      Buffer body = m.body().getBuffer(r.position(), r.position() + n);
      fn = readDecoder.apply(body);
    } catch (RuntimeException e) {
      m.fail(400, "bad Raft read: " + e.getMessage());
      return;
    }
    RaftReplica replica = groups.get(group);
    if (replica == null) {
      m.reply(Buffer.buffer().appendByte(REPLY_NOT_LEADER).appendIntLE(-1));
      return;
    }
    localRead(replica, new LocalRead<>(fn), policy, min, wait)
        .whenComplete(
            (ordered, error) -> {
              Buffer reply = Buffer.buffer();
              if (error == null) {
                reply.appendByte(REPLY_OK).appendLongLE(ordered.getCommitIndex());
                RaftCodec.str(reply, io.vertx.core.json.Json.encode(ordered.getResult()));
              } else {
                Throwable cause = error;
                while (cause instanceof CompletionException c && c.getCause() != null) {
                  cause = c.getCause();
                }
                if (cause instanceof NotLeaderHere n) {
                  reply.appendByte(REPLY_NOT_LEADER);
                  RaftCodec.str(reply, n.leader() == null ? null : n.leader().nodeId());
                } else if (cause instanceof io.microraft.exception.NotLeaderException n) {
                  reply.appendByte(REPLY_NOT_LEADER);
                  RaftCodec.str(
                      reply, n.getLeader() == null ? null : n.getLeader().getId().toString());
                } else {
                  reply.appendByte(REPLY_UNCERTAIN);
                  RaftCodec.str(reply, String.valueOf(cause));
                }
              }
              m.reply(reply);
            });
  }

  private static <T> Ordered<T> ordered(long commitIndex, T result) {
    return new OrderedValue<>(commitIndex, result);
  }

  private static String groupOf(Buffer b) {
    try {
      RaftCodec.Reader r = new RaftCodec.Reader(b, 1);
      return r.str();
    } catch (RuntimeException e) {
      return "";
    }
  }

  /** Terminates every group, then stops the threads and closes the log. Blocks (not on a loop). */
  @Override
  public void close() {
    consumers.forEach(MessageConsumer::unregister);
    List<CompletableFuture<?>> stops = new ArrayList<>();
    for (RaftReplica r : groups.values()) {
      stops.add(r.raftNode().terminate());
    }
    try {
      CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warning("Raft groups did not all stop within 5 s: " + e);
    }
    timers.shutdownNow();
    pool.shutdown();
    applyPool.shutdown();
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.close();
  }
}
