package io.vecdb.cluster.membership;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.XmlConfigBuilder;
import com.hazelcast.core.HazelcastInstance;
import io.vecdb.config.ClusterOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Who is in the cluster now, as Hazelcast sees it: discovery (TCP-IP join to the seeds), failure
 * suspicion and the event bus's routing. Each member carries its VecDB node id as the member
 * attribute {@value #NODE_ID_ATTRIBUTE}; Vert.x's and Hazelcast's own ids are not identities. Never
 * the source of truth for placement or leadership (the metadata Raft group is).
 *
 * <p>Concurrency: Hazelcast calls the listener on its event threads; {@code members} is a
 * concurrent map, read from any thread.
 */
public final class ClusterMembership {
  public static final String NODE_ID_ATTRIBUTE = "vecdb.node-id";
  private static final Logger LOG = Logger.getLogger(ClusterMembership.class.getName());

  /** A member as Hazelcast reports it. */
  public record Peer(String nodeId, String address, boolean local) {}

  private final String localNodeId;
  private final ConcurrentHashMap<String, Peer> members = new ConcurrentHashMap<>();

  private ClusterMembership(String localNodeId) {
    this.localNodeId = localNodeId;
  }

  /**
   * The Hazelcast configuration of a node: {@code conf/cluster.xml} when present (it must keep
   * vertx-hazelcast's maps), else vertx-hazelcast's defaults; then this node's network, join and
   * identity settings on top, and no calls home.
   */
  public static Config hazelcastConfig(ClusterOptions options, Path clusterXml) throws IOException {
    Config config =
        clusterXml != null && Files.isRegularFile(clusterXml)
            ? new XmlConfigBuilder(clusterXml.toString()).build()
            : ConfigUtil.loadConfig();
    config.setClusterName("vecdb");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "jdk");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.local.localAddress", options.getHost());
    if (config.getProperty("hazelcast.heartbeat.interval.seconds") == null) {
      config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    }
    if (config.getProperty("hazelcast.max.no.heartbeat.seconds") == null) {
      config.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
    }
    NetworkConfig net = config.getNetworkConfig();
    net.setPort(options.getPort()).setPortAutoIncrement(false);
    net.getInterfaces().setEnabled(true).clear().addInterface(options.getHost());
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(options.getSeeds());
    config.getMemberAttributeConfig().setAttribute(NODE_ID_ATTRIBUTE, options.getNodeId());
    return config;
  }

  public static HazelcastClusterManager clusterManager(ClusterOptions options, Path clusterXml)
      throws IOException {
    return new HazelcastClusterManager(hazelcastConfig(options, clusterXml));
  }

  /** Starts listening to {@code hazelcast}'s membership (after the cluster manager joined). */
  public static ClusterMembership watch(HazelcastInstance hazelcast, String localNodeId) {
    ClusterMembership m = new ClusterMembership(localNodeId);
    hazelcast
        .getCluster()
        .addMembershipListener(
            new MembershipListener() {
              @Override
              public void memberAdded(MembershipEvent e) {
                m.add(e.getMember());
              }

              @Override
              public void memberRemoved(MembershipEvent e) {
                m.remove(e.getMember());
              }
            });
    for (Member member : hazelcast.getCluster().getMembers()) {
      m.add(member);
    }
    return m;
  }

  private void add(Member member) {
    String id = member.getAttribute(NODE_ID_ATTRIBUTE);
    if (id == null) {
      LOG.warning("cluster member " + member.getAddress() + " has no node id: not a VecDB node");
      return;
    }
    Peer before =
        members.put(
            id,
            new Peer(
                id,
                member.getAddress().getHost() + ":" + member.getAddress().getPort(),
                member.localMember()));
    if (before == null && !id.equals(localNodeId)) {
      LOG.info("cluster: node " + id + " joined at " + member.getAddress());
    }
  }

  private void remove(Member member) {
    String id = member.getAttribute(NODE_ID_ATTRIBUTE);
    if (id != null && members.remove(id) != null) {
      LOG.info("cluster: node " + id + " left (or is suspected dead) at " + member.getAddress());
    }
  }

  /** True while Hazelcast counts {@code nodeId} as a member. */
  public boolean isMember(String nodeId) {
    return members.containsKey(nodeId);
  }

  /** The current members by node id. */
  public Map<String, Peer> members() {
    return new TreeMap<>(members);
  }
}
