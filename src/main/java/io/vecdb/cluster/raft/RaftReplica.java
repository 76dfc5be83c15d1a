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
  private final boolean preVoteResetFix;

  public RaftReplica(
      NodeEndpoint local,
      RaftNode node,
      RaftNodeExecutor executor,
      ShardStateMachine stateMachine) {
    this(local, node, executor, stateMachine, true, true);
  }

  /**
   * @param snapshotPrevLogFix false only in tests that show what {@link SnapshotPrevLogFix} fixes
   * @param preVoteResetFix false only in tests that show what {@link PreVoteResetFix} fixes
   */
  public RaftReplica(
      NodeEndpoint local,
      RaftNode node,
      RaftNodeExecutor executor,
      ShardStateMachine stateMachine,
      boolean snapshotPrevLogFix,
      boolean preVoteResetFix) {
    this.local = local;
    this.node = node;
    this.executor = executor;
    this.stateMachine = stateMachine;
    this.snapshotPrevLogFix = snapshotPrevLogFix;
    this.preVoteResetFix = preVoteResetFix;
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
   * SnapshotPrevLogFix} and {@link PreVoteResetFix}). Transports call this, never {@link
   * RaftNode#handle} directly.
   */
  public void handle(RaftMessage message) {
    executor.execute(() -> handleOnLane(message));
  }

  /** Decodes (on the group's lane) and handles a message that arrived encoded. */
  public void handleEncoded(io.vertx.core.buffer.Buffer bytes) {
    executor.execute(() -> handleOnLane(RaftCodec.decodeMessage(bytes)));
  }

  private void handleOnLane(RaftMessage m) {
    node.handle(snapshotPrevLogFix ? SnapshotPrevLogFix.adjust(node, m) : m);
    if (preVoteResetFix) {
      // RaftNode.handle queues its handler on this lane: this task runs after it.
      executor.execute(() -> PreVoteResetFix.afterHandled(node, m));
    }
  }

  /** Runs {@code task} on the group's lane. */
  public void execute(Runnable task) {
    executor.execute(task);
  }

  /**
   * Writes a leader has proposed and not yet seen applied, at most: beyond it, a proposal waits
   * (without holding the lane) until an earlier one is applied. This keeps the leader's apply
   * backlog (memory, and how far behind its searches are) short, whatever its clients send.
   */
  static final int MAX_IN_FLIGHT = 8;

  private final Object admission = new Object(); // guards inFlight and admissions
  private int inFlight;
  private final java.util.ArrayDeque<Runnable> admissions = new java.util.ArrayDeque<>();

  /**
   * See {@link GroupClient.Channel#replicate}. Completes once the entry is committed and applied
   * here (with the state machine's result, for a shard: {@link Applied}); for a {@link CommitOnly}
   * write, once committed (with a {@link CommitOnly.Committed}).
   */
  public CompletableFuture<Ordered<Object>> replicate(Object command) {
    CompletableFuture<Ordered<Object>> out = new CompletableFuture<>();
    if (stateMachine == null) {
      executor.execute(() -> propose(command, out));
      return out;
    }
    // The slot is held until the leader applied the write, also for a CommitOnly write (answered
    // earlier): the bound is on the leader's apply backlog.
    admit(() -> executor.execute(() -> propose(command, out).whenComplete((v, e) -> release())));
    return out;
  }

  private void admit(Runnable proposal) {
    synchronized (admission) {
      if (inFlight >= MAX_IN_FLIGHT) {
        admissions.add(proposal);
        return;
      }
      inFlight++;
    }
    proposal.run();
  }

  private void release() {
    Runnable next;
    synchronized (admission) {
      next = admissions.poll();
      if (next == null) {
        inFlight--;
      }
    }
    if (next != null) {
      next.run(); // takes over the released slot
    }
  }

  /**
   * Hands {@code command} to Raft if this member leads; completes {@code out} with the answer.
   * Returns a future that completes once the write was applied here or failed.
   */
  private CompletableFuture<?> propose(Object command, CompletableFuture<Ordered<Object>> out) {
    RaftNodeStatus status = node.getStatus();
    Object leader = node.getTerm().getLeaderEndpoint();
    if (!local.equals(leader) || status != RaftNodeStatus.ACTIVE) {
      out.completeExceptionally(
          new NotLeaderHere(
              local, leader instanceof NodeEndpoint e && !e.equals(local) ? e : null));
      return out;
    }
    if (!(command instanceof CommitOnly c)) {
      node.<Object>replicate(command).whenComplete((v, e) -> settle(v, e, out));
      return out;
    }
    CompletableFuture<Ordered<Object>> applied = new CompletableFuture<>();
    node.<Object>replicate(c.command())
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                out.completeExceptionally(e);
              } else {
                long index = v.getCommitIndex();
                out.complete(new OrderedValue<>(index, new CommitOnly.Committed(index)));
              }
              settle(v, e, applied);
            });
    return applied;
  }

  /** See {@link GroupClient.Channel#query}. */
  public <T> CompletableFuture<Ordered<T>> query(
      LocalRead<T> read, QueryPolicy policy, long minCommitIndex, long waitMillis) {
    CompletableFuture<Ordered<T>> out = new CompletableFuture<>();
    node.<T>query(
            read,
            policy,
            minCommitIndex > 0 ? Optional.of(minCommitIndex) : Optional.empty(),
            waitMillis > 0 ? Optional.of(Duration.ofMillis(waitMillis)) : Optional.empty())
        .whenComplete((v, e) -> settle(v, e, out));
    return out;
  }

  /**
   * Completes {@code out} from MicroRaft's answer; a shard's result is a future of the apply lane
   * (see {@link ShardStateMachine}), waited for here, so the answer means "applied here".
   */
  @SuppressWarnings("unchecked")
  private static <T> void settle(Ordered<T> v, Throwable e, CompletableFuture<Ordered<T>> out) {
    if (e != null) {
      out.completeExceptionally(e);
    } else if (v.getResult() instanceof CompletableFuture<?> applying) {
      long index = v.getCommitIndex();
      applying.whenComplete(
          (r, f) -> {
            if (f != null) {
              out.completeExceptionally(f);
            } else {
              out.complete(new OrderedValue<>(index, (T) r));
            }
          });
    } else {
      out.complete(v);
    }
  }
}
