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
 * <p>What a cluster serves in this version: membership, the metadata group (leader election,
 * failover, the node registry) and {@code GET /cluster}. Collections are not yet sharded and
 * replicated across nodes, so a clustered node refuses to create them rather than keep data on one
 * node that a client would take for replicated.
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

  private ClusterNode(
      ClusterOptions options,
      ClusterMembership membership,
      RaftHost host,
      MetadataStateMachine metadata,
      GroupClient metaClient,
      FaultInjection faults) {
    this.faults = faults;
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
      io.micrometer.core.instrument.MeterRegistry registry)
      throws IOException {
    String id = NodeIdentity.establish(dataDir, options.getNodeId());
    ClusterMembership membership = ClusterMembership.watch(manager.getHazelcastInstance(), id);
    RaftLogStore log = RaftLogStore.open(dataDir.resolve("raft"), WalStorage.files(), 64L << 20);
    FaultInjection faults = new FaultInjection();
    RaftHost host;
    try {
      host = new RaftHost(vertx, id, log, membership::isMember, faults::isBlocked, registry);
    } catch (RuntimeException e) {
      log.close();
      throw e;
    }
    List<NodeEndpoint> members =
        options.getInitialMembers().stream().map(NodeEndpoint::new).toList();
    MetadataStateMachine metadata = new MetadataStateMachine();
    host.startGroup(META_GROUP, members, metadata);
    GroupClient client =
        new GroupClient(
            members,
            host.channel(META_GROUP),
            host.timers(),
            new Random(),
            GroupClient.Timing.DEFAULT);
    return new ClusterNode(options, membership, host, metadata, client, faults);
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
      host.close();
    }
  }
}
