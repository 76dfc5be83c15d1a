package io.vecdb.cluster.raft;

import io.microraft.Ordered;
import io.microraft.QueryPolicy;
import io.microraft.exception.CannotReplicateException;
import io.microraft.exception.RaftException;
import io.vecdb.cluster.ReadConsistency;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends writes and reads of one Raft group to the right member: writes to the leader (following
 * "not leader" answers to the leader they name, and retrying a write whose outcome was unknown
 * under its idempotency key, which the state machine applies at most once), reads to the replica
 * their {@link ReadConsistency} allows. Every request has a deadline; attempts have their own
 * timeout, so a member that never answers (crashed, partitioned) costs one attempt.
 *
 * <p>What a client is told is exact: {@link WriteOutcome.Failed} only when no attempt could have
 * been appended (every answer was a refusal before Raft saw the write), {@link
 * WriteOutcome.Unknown} when the last word was uncertain.
 *
 * <p>Concurrency: thread-safe. Futures complete on whatever thread completes the channel's futures
 * or runs the timers. The leader hint is a volatile field: a stale hint costs one redirect.
 */
public final class GroupClient {
  /** How requests reach a member's Raft node: the event bus in a cluster, calls in a simulation. */
  public interface Channel {
    /**
     * Replicates {@code command} on {@code target}: completes with the commit index and the state
     * machine's {@link Applied}, or fails with {@link NotLeaderHere} if {@code target} did not hand
     * it to Raft, or with any other failure if it may have.
     */
    CompletableFuture<Ordered<Object>> replicate(NodeEndpoint target, Object command);

    /** Runs {@code read} on {@code target} under {@code policy} once its commit index >= min. */
    <T> CompletableFuture<Ordered<T>> query(
        NodeEndpoint target,
        LocalRead<T> read,
        QueryPolicy policy,
        long minCommitIndex,
        long waitMs);
  }

  /** Time and timers: the node's (Vert.x timers) or a simulation's virtual clock. */
  public interface Timers {
    long nowMillis();

    void schedule(Runnable task, long delayMillis);
  }

  /** Timing of attempts. */
  public record Timing(long attemptTimeoutMillis, long backoffMillis, long replicaWaitMillis) {
    public static final Timing DEFAULT = new Timing(2_000, 50, 1_000);
  }

  private final List<NodeEndpoint> members;
  private final Channel channel;
  private final Timers timers;
  private final Random random;
  private final Timing timing;
  private final NodeEndpoint near;
  private volatile NodeEndpoint leaderHint;

  public GroupClient(
      List<NodeEndpoint> members, Channel channel, Timers timers, Random random, Timing timing) {
    this(members, channel, timers, random, timing, null);
  }

  /**
   * @param near the member replica reads try first (this node, when it is a member), or null for a
   *     random member
   */
  public GroupClient(
      List<NodeEndpoint> members,
      Channel channel,
      Timers timers,
      Random random,
      Timing timing,
      NodeEndpoint near) {
    this.near = near != null && members.contains(near) ? near : null;
    if (members.isEmpty()) {
      throw new IllegalArgumentException("members: expected at least one");
    }
    this.members = List.copyOf(members);
    this.channel = channel;
    this.timers = timers;
    this.random = random;
    this.timing = timing;
  }

  /** The leader this client last heard of (null if none yet). */
  public NodeEndpoint leaderHint() {
    return leaderHint;
  }

  /**
   * Replicates {@code command} (an idempotent {@link ShardCommand} or {@link
   * io.vecdb.cluster.MetaCommand}, or a {@link CommitOnly} shard write, answered once committed),
   * retrying within {@code timeoutMillis}. Never fails: see the outcome.
   */
  public CompletableFuture<WriteOutcome> write(Object command, long timeoutMillis) {
    CompletableFuture<WriteOutcome> done = new CompletableFuture<>();
    long deadline = timers.nowMillis() + timeoutMillis;
    attemptWrite(command, deadline, pickLeader(), false, null, done);
    return done;
  }

  private void attemptWrite(
      Object command,
      long deadline,
      NodeEndpoint target,
      boolean uncertain,
      String lastReason,
      CompletableFuture<WriteOutcome> done) {
    long now = timers.nowMillis();
    if (now >= deadline) {
      done.complete(
          uncertain
              ? new WriteOutcome.Unknown("no answer before the deadline: " + lastReason)
              : new WriteOutcome.Failed(
                  "no leader took the write before the deadline: " + lastReason));
      return;
    }
    withTimeout(
            channel.replicate(target, command),
            Math.min(timing.attemptTimeoutMillis, deadline - now))
        .whenComplete(
            (ordered, error) -> {
              if (error == null) {
                leaderHint = target;
                Object result = ordered.getResult();
                if (result instanceof CommitOnly.Committed c) {
                  done.complete(new WriteOutcome.Committed(c.index(), target, null));
                  return;
                }
                if (!(result instanceof Applied applied)) {
                  done.complete(
                      new WriteOutcome.Unknown("unexpected state machine result " + result));
                  return;
                }
                done.complete(new WriteOutcome.Committed(applied.index(), target, applied));
                return;
              }
              Throwable cause = unwrap(error);
              NodeEndpoint next;
              boolean stillUncertain = uncertain;
              long delay = timing.backoffMillis;
              if (cause instanceof NotLeaderHere n) {
                next =
                    n.leader() != null && !n.leader().equals(target) ? n.leader() : other(target);
                delay = n.leader() != null && !n.leader().equals(target) ? 0 : delay;
              } else if (cause instanceof CannotReplicateException) {
                next = target; // leader busy: too many entries in flight; the write was not taken
              } else {
                // Timeout, lost leadership, truncated entry, terminated node: it may be in a log.
                stillUncertain = true;
                NodeEndpoint hinted = hint(cause);
                next = hinted != null && !hinted.equals(target) ? hinted : other(target);
              }
              leaderHint = next;
              NodeEndpoint to = next;
              boolean u = stillUncertain;
              String reason = String.valueOf(cause);
              timers.schedule(() -> attemptWrite(command, deadline, to, u, reason, done), delay);
            });
  }

  /**
   * Reads with the given consistency. {@code token}: the client's write token (read-your-writes) or
   * last read token (monotonic), 0 for none.
   */
  public <T> CompletableFuture<ReadOutcome<T>> read(
      LocalRead<T> read, ReadConsistency consistency, long token, long timeoutMillis) {
    CompletableFuture<ReadOutcome<T>> done = new CompletableFuture<>();
    long deadline = timers.nowMillis() + timeoutMillis;
    switch (consistency) {
      case STRONG -> attemptLeaderRead(read, deadline, pickLeader(), null, done);
      case EVENTUAL -> attemptReplicaRead(read, 0, deadline, replica(), done);
      case READ_YOUR_WRITES, MONOTONIC ->
          attemptReplicaRead(read, Math.max(0, token), deadline, replica(), done);
    }
    return done;
  }

  private <T> void attemptReplicaRead(
      LocalRead<T> read,
      long minIndex,
      long deadline,
      NodeEndpoint target,
      CompletableFuture<ReadOutcome<T>> done) {
    long now = timers.nowMillis();
    long wait = Math.min(timing.replicaWaitMillis, Math.max(0, deadline - now));
    withTimeout(
            channel.query(target, read, QueryPolicy.EVENTUAL_CONSISTENCY, minIndex, wait),
            Math.min(timing.attemptTimeoutMillis, Math.max(1, deadline - now)))
        .whenComplete(
            (ordered, error) -> {
              if (error == null && ordered.getCommitIndex() >= minIndex) {
                done.complete(
                    new ReadOutcome.Done<>(ordered.getResult(), ordered.getCommitIndex(), target));
                return;
              }
              // Behind the token, unreachable or too slow: the leader answers (linearizable, so
              // at least as fresh as any token).
              attemptLeaderRead(read, deadline, pickLeader(), String.valueOf(error), done);
            });
  }

  private <T> void attemptLeaderRead(
      LocalRead<T> read,
      long deadline,
      NodeEndpoint target,
      String lastReason,
      CompletableFuture<ReadOutcome<T>> done) {
    long now = timers.nowMillis();
    if (now >= deadline) {
      done.complete(
          new ReadOutcome.Failed<>("no leader answered before the deadline: " + lastReason));
      return;
    }
    withTimeout(
            channel.query(target, read, QueryPolicy.LINEARIZABLE, 0, 0),
            Math.min(timing.attemptTimeoutMillis, deadline - now))
        .whenComplete(
            (ordered, error) -> {
              if (error == null) {
                leaderHint = target;
                done.complete(
                    new ReadOutcome.Done<>(ordered.getResult(), ordered.getCommitIndex(), target));
                return;
              }
              Throwable cause = unwrap(error);
              NodeEndpoint hinted = hint(cause);
              NodeEndpoint next = hinted != null && !hinted.equals(target) ? hinted : other(target);
              long delay = hinted != null && !hinted.equals(target) ? 0 : timing.backoffMillis;
              leaderHint = next;
              timers.schedule(
                  () -> attemptLeaderRead(read, deadline, next, String.valueOf(cause), done),
                  delay);
            });
  }

  private <T> CompletableFuture<T> withTimeout(CompletableFuture<T> f, long millis) {
    CompletableFuture<T> out = new CompletableFuture<>();
    AtomicBoolean settled = new AtomicBoolean();
    f.whenComplete(
        (v, e) -> {
          if (settled.compareAndSet(false, true)) {
            if (e == null) {
              out.complete(v);
            } else {
              out.completeExceptionally(e);
            }
          }
        });
    timers.schedule(
        () -> {
          if (settled.compareAndSet(false, true)) {
            out.completeExceptionally(new AttemptTimeout(millis));
          }
        },
        millis);
    return out;
  }

  private NodeEndpoint replica() {
    return near != null ? near : randomMember();
  }

  /** The group's members, in the order given. */
  public List<NodeEndpoint> members() {
    return members;
  }

  private NodeEndpoint pickLeader() {
    NodeEndpoint h = leaderHint;
    return h != null ? h : randomMember();
  }

  private NodeEndpoint randomMember() {
    synchronized (random) {
      return members.get(random.nextInt(members.size()));
    }
  }

  private NodeEndpoint other(NodeEndpoint not) {
    if (members.size() == 1) {
      return members.get(0);
    }
    NodeEndpoint n;
    do {
      n = randomMember();
    } while (n.equals(not));
    return n;
  }

  private static NodeEndpoint hint(Throwable cause) {
    if (cause instanceof NotLeaderHere n) {
      return n.leader();
    }
    if (cause instanceof RaftException r && r.getLeader() instanceof NodeEndpoint e) {
      return e;
    }
    return null;
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** An attempt that got no answer in time (the target may still act on it). */
  static final class AttemptTimeout extends RuntimeException {
    AttemptTimeout(long millis) {
      super("no answer within " + millis + " ms", null, false, false);
    }
  }
}
