package io.vecdb.cluster.sim;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vecdb.cluster.raft.NodeEndpoint;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Regression for {@code PreVoteResetFix}: in {@code bench-cluster} a SIGKILLed shard leader was
 * once never replaced. Both followers had started a pre-vote a minute earlier, while the leader's
 * lane was busy for 3 s taking a snapshot; the leader came back, and MicroRaft 0.7 left each
 * follower's pre-candidate state in place, which stops it from ever suspecting that leader again.
 *
 * <p>Scripted in the simulation (virtual time, no drops): the leader's traffic to one follower,
 * then to the other, is cut for 3.5 s (past the 2 s heartbeat timeout: that follower pre-votes, and
 * the others refuse, hearing from the leader), then healed; then the leader crashes. Without the
 * fix nobody is elected in 20 s; with it a survivor leads within a few seconds.
 */
class PreVoteStallTest {

  @Test
  void followersThatPreVotedWhileTheirLeaderWasSlowStillReplaceItOnceItDies() {
    assertNull(
        run(false), "MicroRaft as it is: no leader after the crash (the bug is still there)");
    assertNotNull(run(true), "with PreVoteResetFix a survivor leads");
  }

  /** The node leading 20 s after the leader crashed, or null. */
  private static NodeEndpoint run(boolean fix) {
    SimCluster c = new SimCluster(20261202L, 3);
    c.preVoteResetFix = fix;
    c.startAll();
    advance(c, 5_000);
    NodeEndpoint leader = leader(c, null);
    assertNotNull(leader, "a first leader");
    List<NodeEndpoint> followers = new ArrayList<>(c.members);
    followers.remove(leader);
    for (NodeEndpoint f : followers) {
      c.cutOneWay(leader, f);
      advance(c, 3_500);
      c.healAll();
      advance(c, 1_500);
    }
    assertNotNull(leader(c, null), "the first leader still leads: " + leader(c, null));
    c.nodes.get(leader).crash();
    advance(c, 20_000);
    return leader(c, leader);
  }

  private static void advance(SimCluster c, long millis) {
    c.scheduler.runUntil(c.scheduler.nowMillis() + millis);
  }

  /** A live node that believes it leads (other than {@code not}), or null. */
  private static NodeEndpoint leader(SimCluster c, NodeEndpoint not) {
    for (SimCluster.SimNode n : c.nodes.values()) {
      if (n.up && !n.endpoint.equals(not) && n.replica().isLeader()) {
        return n.endpoint;
      }
    }
    return null;
  }
}
