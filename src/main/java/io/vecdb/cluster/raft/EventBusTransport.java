package io.vecdb.cluster.raft;

import io.microraft.RaftEndpoint;
import io.microraft.model.message.RaftMessage;
import io.microraft.transport.Transport;
import io.vertx.core.eventbus.EventBus;
import java.util.function.Predicate;

/**
 * MicroRaft's transport over the (clustered) event bus: a message is encoded by {@link RaftCodec}
 * and sent, fire and forget, to the target node's Raft address, where {@link RaftHost} hands it to
 * the group it names. One address per node rather than per group and node: a node with many groups
 * registers one consumer (each registration is a cluster-wide subscription entry), and the group id
 * travels in the message. {@link #send} never blocks; a message to a node that is gone is lost,
 * which Raft tolerates.
 *
 * <p>Thread-safe: called from every group's lane.
 */
public final class EventBusTransport implements Transport {
  private final EventBus bus;
  private final Predicate<String> reachable;
  private final Predicate<String> cut;

  /**
   * @param reachable whether a node id is a live member now (Hazelcast's view)
   * @param cut whether traffic to a node id is cut on purpose (fault injection; else never)
   */
  public EventBusTransport(EventBus bus, Predicate<String> reachable, Predicate<String> cut) {
    this.bus = bus;
    this.reachable = reachable;
    this.cut = cut;
  }

  /** The address a node's Raft messages go to. */
  public static String address(String nodeId) {
    return "vecdb.raft.v" + RaftCodec.VERSION + "." + nodeId;
  }

  /** The address of a node's Raft requests (replicate, query) from other nodes. */
  public static String rpcAddress(String nodeId) {
    return address(nodeId) + ".rpc";
  }

  @Override
  public void send(RaftEndpoint target, RaftMessage message) {
    String id = ((NodeEndpoint) target).nodeId();
    if (!cut.test(id)) {
      bus.send(address(id), RaftCodec.encode(message));
    }
  }

  @Override
  public boolean isReachable(RaftEndpoint endpoint) {
    String id = ((NodeEndpoint) endpoint).nodeId();
    return reachable.test(id) && !cut.test(id);
  }
}
