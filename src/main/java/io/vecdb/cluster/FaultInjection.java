package io.vecdb.cluster;

import java.util.Collection;
import java.util.Set;

/**
 * Test-only network faults for real nodes, off unless the node was started with {@code
 * --fault-injection}: this node stops sending Raft traffic (messages and forwarded writes) to the
 * blocked node ids, as if the links were cut. A partition is made by blocking on both sides; the
 * multi-process tests drive it through {@code POST /debug/partition}.
 *
 * <p>Thread-safe: an immutable set behind a volatile field.
 */
public final class FaultInjection {
  private volatile Set<String> blocked = Set.of();

  /** True if traffic to {@code nodeId} is cut. */
  public boolean isBlocked(String nodeId) {
    return blocked.contains(nodeId);
  }

  /** Cuts traffic to exactly {@code nodeIds} (empty: heals). */
  public void block(Collection<String> nodeIds) {
    blocked = Set.copyOf(nodeIds);
  }

  public Set<String> blocked() {
    return blocked;
  }
}
