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
  private static final byte REPLY_OK = 0;
  private static final byte REPLY_NOT_LEADER = 1;
  private static final byte REPLY_BUSY = 2;
  private static final byte REPLY_UNCERTAIN = 3;

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

  private final Vertx vertx;
  private final NodeEndpoint local;
  private final RaftLogStore log;
  private final EventBusTransport transport;
  private final ExecutorService pool;
  private final ScheduledExecutorService timers;
  private final ConcurrentHashMap<String, RaftReplica> groups = new ConcurrentHashMap<>();
  private final List<MessageConsumer<Buffer>> consumers = new ArrayList<>();
  private final long rpcTimeoutMillis;
  private final io.micrometer.core.instrument.MeterRegistry registry;
  private final io.micrometer.core.instrument.Counter forwarded;
  private final Predicate<String> cut;

  /**
   * @param reachable whether a node id is a live member now
   * @param cut whether traffic to a node id is cut on purpose (fault injection; else never)
   * @param registry where each group's Raft gauges go (term, commit index, leader, changes)
   */
  public RaftHost(
      Vertx vertx,
      String nodeId,
      RaftLogStore log,
      Predicate<String> reachable,
      Predicate<String> cut,
      io.micrometer.core.instrument.MeterRegistry registry) {
    this.cut = cut;
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
        Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            r ->
                Thread.ofPlatform()
                    .name("vecdb-raft-" + n.incrementAndGet())
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

  /**
   * Starts (or restarts from the log) this node's member of {@code group}. {@code members}: the
   * group's initial voting members, used only when the log has nothing for the group.
   */
  public RaftReplica startGroup(
      String group, List<NodeEndpoint> members, StateMachine stateMachine) {
    LaneExecutor executor = new LaneExecutor(group + "@" + local, pool, timers);
    GroupGauges gauges = new GroupGauges(group);
    RaftReplica[] self = new RaftReplica[1];
    RaftNode.RaftNodeBuilder b =
        RaftNode.newBuilder()
            .setGroupId(group)
            .setConfig(CONFIG)
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
                    }));
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

  /** A report of this node's member of {@code group}. */
  public CompletableFuture<RaftNodeReport> report(String group) {
    RaftReplica r = groups.get(group);
    if (r == null) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("no group " + group));
    }
    return r.raftNode().getReport().thenApply(Ordered::getResult);
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
        if (!target.equals(local) || r == null) {
          // Reads run where the data is; the callers of this channel read their local member.
          return CompletableFuture.failedFuture(
              new IllegalStateException(
                  "reads of group " + group + " are served on its members only"));
        }
        return r.query(read, policy, minCommitIndex, waitMs);
      }
    };
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

    GroupGauges(String group) {
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
    Buffer req = Buffer.buffer().appendByte(RPC_REPLICATE);
    RaftCodec.str(req, group);
    RaftCodec.writeOperation(req, command);
    CompletableFuture<Ordered<Object>> out = new CompletableFuture<>();
    vertx
        .eventBus()
        .<Buffer>request(
            EventBusTransport.rpcAddress(target.nodeId()),
            req,
            new DeliveryOptions().setSendTimeout(rpcTimeoutMillis))
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
                  out.complete(ordered(commit, applied));
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
    Object command;
    String group;
    try {
      if (r.b() != RPC_REPLICATE) {
        m.fail(400, "unknown Raft RPC");
        return;
      }
      group = r.str();
      command = RaftCodec.readOperation(r);
    } catch (RuntimeException e) {
      m.fail(400, "bad Raft RPC: " + e.getMessage());
      return;
    }
    RaftReplica replica = groups.get(group);
    if (replica == null) {
      m.reply(Buffer.buffer().appendByte(REPLY_NOT_LEADER).appendIntLE(-1));
      return;
    }
    replica
        .replicate(command)
        .whenComplete(
            (ordered, error) -> {
              Buffer reply = Buffer.buffer();
              if (error == null) {
                reply.appendByte(REPLY_OK).appendLongLE(ordered.getCommitIndex());
                RaftCodec.applied(reply, (Applied) ordered.getResult());
              } else {
                Throwable cause = error instanceof CompletionException c ? c.getCause() : error;
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
  }

  private static Ordered<Object> ordered(long commitIndex, Object result) {
    return new Ordered<>() {
      @Override
      public long getCommitIndex() {
        return commitIndex;
      }

      @Override
      public Object getResult() {
        return result;
      }
    };
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
    try {
      pool.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.close();
  }
}
