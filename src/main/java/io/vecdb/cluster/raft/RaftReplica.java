package io.vecdb.cluster.raft;

import io.microraft.Ordered;
import io.microraft.QueryPolicy;
import io.microraft.RaftNode;
import io.microraft.RaftNodeStatus;
import io.microraft.executor.RaftNodeExecutor;
import io.microraft.model.message.RaftMessage;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One member of a Raft group on this node: the MicroRaft node, its executor lane and its state
 * machine, with the member's side of {@link GroupClient.Channel}. A write is checked for leadership
 * on the group's lane before it is handed to Raft, so that a refusal ({@link NotLeaderHere}) is
 * known to have appended nothing.
 *
 * <p>Concurrency: any thread may call any method; work runs on the group's lane.
 */
public final class RaftReplica {
  private final NodeEndpoint local;
  private final RaftNode node;
  private final RaftNodeExecutor executor;
  private final ShardStateMachine stateMachine;
  private final boolean snapshotPrevLogFix;

  public RaftReplica(
      NodeEndpoint local,
      RaftNode node,
      RaftNodeExecutor executor,
      ShardStateMachine stateMachine) {
    this(local, node, executor, stateMachine, true);
  }

  /**
   * @param snapshotPrevLogFix false only in tests that show what {@link SnapshotPrevLogFix} fixes
   */
  public RaftReplica(
      NodeEndpoint local,
      RaftNode node,
      RaftNodeExecutor executor,
      ShardStateMachine stateMachine,
      boolean snapshotPrevLogFix) {
    this.local = local;
    this.node = node;
    this.executor = executor;
    this.stateMachine = stateMachine;
    this.snapshotPrevLogFix = snapshotPrevLogFix;
  }

  public NodeEndpoint endpoint() {
    return local;
  }

  public RaftNode raftNode() {
    return node;
  }

  /** The shard state machine of a data group; null for other groups (the metadata group). */
  public ShardStateMachine stateMachine() {
    return stateMachine;
  }

  /** True if this member believes it leads its group now (a hint: it may have been deposed). */
  public boolean isLeader() {
    return local.equals(node.getTerm().getLeaderEndpoint());
  }

  /**
   * Hands a message from another member to Raft (on the group's lane, through {@link
   * SnapshotPrevLogFix}). Transports call this, never {@link RaftNode#handle} directly.
   */
  public void handle(RaftMessage message) {
    if (snapshotPrevLogFix) {
      executor.execute(() -> node.handle(SnapshotPrevLogFix.adjust(node, message)));
    } else {
      node.handle(message);
    }
  }

  /** Decodes (on the group's lane) and handles a message that arrived encoded. */
  public void handleEncoded(io.vertx.core.buffer.Buffer bytes) {
    executor.execute(
        () -> {
          RaftMessage m = RaftCodec.decodeMessage(bytes);
          node.handle(snapshotPrevLogFix ? SnapshotPrevLogFix.adjust(node, m) : m);
        });
  }

  /** Runs {@code task} on the group's lane. */
  public void execute(Runnable task) {
    executor.execute(task);
  }

  /** See {@link GroupClient.Channel#replicate}. */
  public CompletableFuture<Ordered<Object>> replicate(Object command) {
    CompletableFuture<Ordered<Object>> out = new CompletableFuture<>();
    executor.execute(
        () -> {
          RaftNodeStatus status = node.getStatus();
          Object leader = node.getTerm().getLeaderEndpoint();
          if (!local.equals(leader) || status != RaftNodeStatus.ACTIVE) {
            out.completeExceptionally(
                new NotLeaderHere(
                    local, leader instanceof NodeEndpoint e && !e.equals(local) ? e : null));
            return;
          }
          node.<Object>replicate(command)
              .whenComplete(
                  (v, e) -> {
                    if (e == null) {
                      out.complete(v);
                    } else {
                      out.completeExceptionally(e);
                    }
                  });
        });
    return out;
  }

  /** See {@link GroupClient.Channel#query}. */
  public <T> CompletableFuture<Ordered<T>> query(
      LocalRead<T> read, QueryPolicy policy, long minCommitIndex, long waitMillis) {
    return node.query(
        read,
        policy,
        minCommitIndex > 0 ? Optional.of(minCommitIndex) : Optional.empty(),
        waitMillis > 0 ? Optional.of(Duration.ofMillis(waitMillis)) : Optional.empty());
  }
}
