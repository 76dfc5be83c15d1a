package io.vecdb.cluster.raft;

import io.microraft.RaftNode;
import io.microraft.RaftRole;
import io.microraft.impl.RaftNodeImpl;
import io.microraft.impl.state.RaftState;
import io.microraft.model.message.AppendEntriesRequest;
import io.microraft.model.message.InstallSnapshotRequest;
import io.microraft.model.message.RaftMessage;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Works around a liveness bug of MicroRaft 0.7 (still in its latest source): a follower that
 * started a pre-vote (its leader's heartbeats timed out) and then hears from that same leader again
 * in the same term sets the leader back but keeps its pre-candidate state. Its heartbeat check only
 * suspects a leader while no pre-candidate state is set, and nothing else clears it but a term
 * change, so from then on the follower never notices that leader die. When every survivor is in
 * that state (seen in {@code bench-cluster}: both followers had started a pre-vote while their
 * leader's lane was busy taking a snapshot for 3 s), a dead leader is never replaced.
 *
 * <p>The fix: after a follower has handled an AppendEntries or InstallSnapshot request from the
 * leader it now knows, in its current term, a pre-candidate state left over is cleared. That is
 * what MicroRaft does on every other way out of a pre-vote (becoming follower in a new term,
 * candidate or leader). A pre-vote neither changes the term nor casts a vote, so dropping one only
 * makes late pre-vote answers ignored. {@code PreVoteStallTest} reproduces the stall in the
 * simulation and shows the fix.
 *
 * <p>Must run on the receiving node's executor lane, after MicroRaft's handler of the message
 * (which {@link RaftNode#handle} queues on that lane).
 */
final class PreVoteResetFix {
  private static final VarHandle PRE_CANDIDATE;

  static {
    try {
      PRE_CANDIDATE =
          MethodHandles.privateLookupIn(RaftState.class, MethodHandles.lookup())
              .findVarHandle(
                  RaftState.class,
                  "preCandidateState",
                  io.microraft.impl.state.CandidateState.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private PreVoteResetFix() {}

  static void afterHandled(RaftNode node, RaftMessage message) {
    if (!(message instanceof AppendEntriesRequest || message instanceof InstallSnapshotRequest)
        || !(node instanceof RaftNodeImpl impl)) {
      return;
    }
    RaftState state = impl.state();
    if (state.role() == RaftRole.FOLLOWER
        && state.preCandidateState() != null
        && message.getTerm() == state.term()
        && message.getSender().equals(state.leader())) {
      PRE_CANDIDATE.set(state, (io.microraft.impl.state.CandidateState) null);
    }
  }
}
