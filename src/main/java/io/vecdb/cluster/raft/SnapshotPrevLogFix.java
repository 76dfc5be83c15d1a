package io.vecdb.cluster.raft;

import io.microraft.RaftNode;
import io.microraft.RaftRole;
import io.microraft.impl.RaftNodeImpl;
import io.microraft.impl.log.RaftLog;
import io.microraft.impl.state.RaftState;
import io.microraft.model.groupop.RaftGroupOp;
import io.microraft.model.log.LogEntry;
import io.microraft.model.message.AppendEntriesRequest;
import io.microraft.model.message.RaftMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * Works around a liveness bug of MicroRaft 0.7 (fixed upstream after 0.7, in the commit "Fixed an
 * issue where the old leader's log could not be synced with the new one due to the absence of a
 * previous LogEntry"; 0.8 was never published on Maven Central). A follower whose own snapshot
 * covers an AppendEntries request's previous index, while its log goes on past it, cannot find that
 * entry (it is compacted) and refuses the request; the leader answers with the same request again,
 * for ever, and the follower never catches up. Found by the cluster simulation (a follower stuck 15
 * entries behind, seed 1248011290906 before this fix).
 *
 * <p>The fix here reshapes such a request before MicroRaft sees it. Entries up to the follower's
 * snapshot index are committed (a snapshot covers applied entries only), so by Leader Completeness
 * they equal the leader's. Of the request's entries past the snapshot, the follower's log is
 * compared with those it also has:
 *
 * <ul>
 *   <li>some match: the request starts after the last matching entry instead (previous index and
 *       term are that entry's), and MicroRaft truncates any later conflict itself;
 *   <li>the first one after the snapshot conflicts: the follower's entry there is not in the
 *       leader's log (Log Matching), hence not committed, and the suffix from it is truncated as
 *       Raft does (futures of those entries fail); the request then starts at the snapshot, which
 *       is now the follower's last entry.
 * </ul>
 *
 * Requests of older terms, requests without entries past the snapshot, suffixes that hold
 * membership changes, and every case MicroRaft handles itself pass unchanged.
 *
 * <p>Must run on the receiving node's executor lane (it reads and may truncate the node's log),
 * just before the message is handed to {@link RaftNode#handle}.
 */
final class SnapshotPrevLogFix {
  private SnapshotPrevLogFix() {}

  static RaftMessage adjust(RaftNode node, RaftMessage message) {
    if (!(message instanceof AppendEntriesRequest request)
        || !(node instanceof RaftNodeImpl impl)) {
      return message;
    }
    RaftState state = impl.state();
    RaftLog log = state.log();
    long prev = request.getPreviousLogIndex();
    long snapshot = log.snapshotIndex();
    long last = log.lastLogOrSnapshotIndex();
    if (prev == 0
        || prev > snapshot
        || prev == last
        || request.getTerm() < state.term()
        || state.role() == RaftRole.LEADER
        || log.snapshotEntry() == null) {
      return message;
    }
    List<LogEntry> past = new ArrayList<>();
    for (LogEntry e : request.getLogEntries()) {
      if (e.getIndex() > snapshot) {
        past.add(e);
      }
    }
    if (past.isEmpty() || past.get(0).getIndex() != snapshot + 1) {
      return message;
    }
    LogEntry matched = null;
    for (LogEntry e : past) {
      if (e.getIndex() > last || log.getLogEntry(e.getIndex()).getTerm() != e.getTerm()) {
        break;
      }
      matched = e;
    }
    if (matched != null) {
      long from = matched.getIndex();
      return rebuilt(
          impl,
          request,
          from,
          matched.getTerm(),
          past.stream().filter(e -> e.getIndex() > from).toList());
    }
    if (last == snapshot) {
      // Nothing past the snapshot here: the request can start at it.
      return rebuilt(impl, request, snapshot, log.snapshotEntry().getTerm(), past);
    }
    // The entry right after the snapshot conflicts with the leader's: truncate, as Raft would.
    for (long i = snapshot + 1; i <= last; i++) {
      if (log.getLogEntry(i).getOperation() instanceof RaftGroupOp) {
        return message;
      }
    }
    log.truncateEntriesFrom(snapshot + 1);
    state.invalidateFuturesFrom(snapshot + 1, impl.newNotLeaderException());
    log.flush();
    return rebuilt(impl, request, snapshot, log.snapshotEntry().getTerm(), past);
  }

  private static RaftMessage rebuilt(
      RaftNodeImpl impl,
      AppendEntriesRequest request,
      long prev,
      int prevTerm,
      List<LogEntry> entries) {
    return impl.getModelFactory()
        .createAppendEntriesRequestBuilder()
        .setGroupId(request.getGroupId())
        .setSender(request.getSender())
        .setTerm(request.getTerm())
        .setPreviousLogIndex(prev)
        .setPreviousLogTerm(prevTerm)
        .setCommitIndex(request.getCommitIndex())
        .setLogEntries(new ArrayList<>(entries))
        .setQuerySequenceNumber(request.getQuerySequenceNumber())
        .setFlowControlSequenceNumber(request.getFlowControlSequenceNumber())
        .build();
  }
}
