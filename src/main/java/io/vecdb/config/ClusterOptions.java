package io.vecdb.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code cluster} section of {@code conf/vecdb.json} (and the {@code --cluster} flags): whether
 * this node joins a cluster, its persistent id, where Hazelcast listens and whom it asks to join.
 * Builder-style like {@link VecdbOptions}; not thread-safe, built once at start-up, then only read.
 *
 * <pre>{@code
 * "cluster": {"enabled": true, "node_id": "n1", "host": "127.0.0.1", "port": 5701,
 *             "seeds": ["127.0.0.1:5701", "127.0.0.1:5702"], "initial_members": ["n1", "n2", "n3"],
 *             "virtual_nodes": 128}
 * }</pre>
 *
 * {@code initial_members}: the node ids of the metadata Raft group, the same list on every node (as
 * etcd's {@code --initial-cluster}); a node must be one of them in this version. Hazelcast joins by
 * TCP-IP to {@code seeds} (multicast and auto-detection off).
 */
public final class ClusterOptions {
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 5701;
  public static final int DEFAULT_VIRTUAL_NODES = 128;

  static final Set<String> KEYS =
      Set.of(
          "enabled",
          "node_id",
          "host",
          "port",
          "seeds",
          "initial_members",
          "virtual_nodes",
          "fault_injection",
          "tls");

  private boolean enabled;
  private String nodeId;
  private String host = DEFAULT_HOST;
  private int port = DEFAULT_PORT;
  private List<String> seeds = List.of();
  private List<String> initialMembers = List.of();
  private int virtualNodes = DEFAULT_VIRTUAL_NODES;
  private boolean faultInjection;
  private TlsOptions tls = new TlsOptions("cluster.tls");

  public ClusterOptions() {}

  /** Reads the {@code cluster} object (null: defaults, single node). */
  public ClusterOptions(JsonObject json) {
    if (json == null) {
      return;
    }
    ConfigJson.checkKeys(json, KEYS, "cluster");
    Object t = json.getValue("tls");
    if (t != null && !(t instanceof JsonObject)) {
      throw new IllegalArgumentException("cluster.tls: expected an object, got " + t);
    }
    tls = new TlsOptions("cluster.tls", (JsonObject) t);
    if (json.containsKey("enabled")) {
      Object v = json.getValue("enabled");
      if (!(v instanceof Boolean b)) {
        throw new IllegalArgumentException("cluster.enabled: expected true or false, got " + v);
      }
      setEnabled(b);
    }
    if (json.containsKey("node_id")) {
      setNodeId(string(json, "node_id"));
    }
    if (json.containsKey("host")) {
      setHost(string(json, "host"));
    }
    if (json.containsKey("port")) {
      setPort(
          (int)
              ConfigJson.inRange(
                  "cluster.port", ConfigJson.integer(json, "port", "cluster.port"), 1, 65535));
    }
    if (json.containsKey("seeds")) {
      setSeeds(strings(json, "seeds"));
    }
    if (json.containsKey("initial_members")) {
      setInitialMembers(strings(json, "initial_members"));
    }
    if (json.containsKey("fault_injection")) {
      Object v = json.getValue("fault_injection");
      if (!(v instanceof Boolean b)) {
        throw new IllegalArgumentException(
            "cluster.fault_injection: expected true or false, got " + v);
      }
      setFaultInjection(b);
    }
    if (json.containsKey("virtual_nodes")) {
      setVirtualNodes(
          (int)
              ConfigJson.inRange(
                  "cluster.virtual_nodes",
                  ConfigJson.integer(json, "virtual_nodes", "cluster.virtual_nodes"),
                  1,
                  4096));
    }
  }

  public JsonObject toJson() {
    JsonObject json =
        new JsonObject()
            .put("enabled", enabled)
            .put("host", host)
            .put("port", port)
            .put("seeds", new JsonArray(new ArrayList<>(seeds)))
            .put("initial_members", new JsonArray(new ArrayList<>(initialMembers)))
            .put("virtual_nodes", virtualNodes)
            .put("fault_injection", faultInjection)
            .put("tls", tls.toJson());
    if (nodeId != null) {
      json.put("node_id", nodeId);
    }
    return json;
  }

  /**
   * Checks that an enabled cluster has what it needs: a node id among the initial members, and
   * seeds. Called once all sources (file, env, flags) are applied.
   *
   * @throws IllegalArgumentException naming the missing or inconsistent setting
   */
  public void validate() {
    if (!enabled) {
      if (tls.isEnabled()) {
        throw new IllegalArgumentException("cluster.tls: set, but this node is not clustered");
      }
      return;
    }
    tls.validate(true);
    if (nodeId == null) {
      throw new IllegalArgumentException(
          "cluster.node_id: a clustered node needs a persistent id (--node-id ID or VECDB_NODE_ID)");
    }
    if (initialMembers.isEmpty()) {
      throw new IllegalArgumentException(
          "cluster.initial_members: expected the node ids of the metadata group, e.g."
              + " --initial-members n1,n2,n3 (the same list on every node)");
    }
    if (!initialMembers.contains(nodeId)) {
      throw new IllegalArgumentException(
          "cluster.initial_members: this node ('"
              + nodeId
              + "') must be one of "
              + initialMembers
              + " (joining an existing cluster later is not supported yet)");
    }
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException(
          "cluster.seeds: expected host:port of at least one node, e.g. --seeds 127.0.0.1:5701");
    }
  }

  public boolean isEnabled() {
    return enabled;
  }

  /** Mutual TLS of the event bus between nodes (every node presents and checks a certificate). */
  public TlsOptions getTls() {
    return tls;
  }

  public ClusterOptions setEnabled(boolean enabled) {
    this.enabled = enabled;
    return this;
  }

  public String getNodeId() {
    return nodeId;
  }

  /** A node id: 1 to 64 characters of letters, digits, '-', '_' and '.'. */
  public ClusterOptions setNodeId(String nodeId) {
    if (nodeId == null || !nodeId.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException(
          "cluster.node_id: expected 1-64 letters, digits, '.', '_' or '-', got '" + nodeId + "'");
    }
    this.nodeId = nodeId;
    return this;
  }

  public String getHost() {
    return host;
  }

  public ClusterOptions setHost(String host) {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("cluster.host: expected a host name or address");
    }
    this.host = host;
    return this;
  }

  public int getPort() {
    return port;
  }

  public ClusterOptions setPort(int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("cluster.port: expected 1..65535, got " + port);
    }
    this.port = port;
    return this;
  }

  public List<String> getSeeds() {
    return seeds;
  }

  /** Seeds as {@code host:port}. */
  public ClusterOptions setSeeds(List<String> seeds) {
    for (String s : seeds) {
      int colon = s.lastIndexOf(':');
      boolean ok = colon > 0;
      if (ok) {
        try {
          int p = Integer.parseInt(s.substring(colon + 1));
          ok = p >= 1 && p <= 65535;
        } catch (NumberFormatException e) {
          ok = false;
        }
      }
      if (!ok) {
        throw new IllegalArgumentException("cluster.seeds: expected host:port, got '" + s + "'");
      }
    }
    this.seeds = List.copyOf(seeds);
    return this;
  }

  public List<String> getInitialMembers() {
    return initialMembers;
  }

  public ClusterOptions setInitialMembers(List<String> members) {
    List<String> checked = new ArrayList<>();
    for (String m : members) {
      if (m == null || !m.matches("[A-Za-z0-9._-]{1,64}")) {
        throw new IllegalArgumentException(
            "cluster.initial_members: expected node ids, got '" + m + "'");
      }
      if (checked.contains(m)) {
        throw new IllegalArgumentException("cluster.initial_members: '" + m + "' appears twice");
      }
      checked.add(m);
    }
    this.initialMembers = List.copyOf(checked);
    return this;
  }

  public int getVirtualNodes() {
    return virtualNodes;
  }

  public ClusterOptions setVirtualNodes(int virtualNodes) {
    this.virtualNodes = virtualNodes;
    return this;
  }

  /** Test-only: {@code POST /debug/partition} may cut this node's Raft traffic to peers. */
  public boolean isFaultInjection() {
    return faultInjection;
  }

  public ClusterOptions setFaultInjection(boolean faultInjection) {
    this.faultInjection = faultInjection;
    return this;
  }

  /** Splits a comma-separated flag or env value ("a,b, c") into its non-empty parts. */
  public static List<String> split(String csv) {
    List<String> out = new ArrayList<>();
    for (String part : csv.split(",")) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return out;
  }

  private static String string(JsonObject json, String key) {
    Object v = json.getValue(key);
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException("cluster." + key + ": expected a string, got " + v);
    }
    return s;
  }

  private static List<String> strings(JsonObject json, String key) {
    Object v = json.getValue(key);
    if (!(v instanceof JsonArray a)) {
      throw new IllegalArgumentException("cluster." + key + ": expected an array of strings");
    }
    List<String> out = new ArrayList<>();
    for (Object o : a) {
      if (!(o instanceof String s)) {
        throw new IllegalArgumentException(
            "cluster." + key + ": expected an array of strings, got " + o);
      }
      out.add(s);
    }
    return out;
  }
}
