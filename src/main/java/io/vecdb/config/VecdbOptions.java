package io.vecdb.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * A node's settings, as in {@code conf/vecdb.json}. Mutable builder-style options (like Vert.x's
 * {@code *Options}): {@code DEFAULT_*} constants, a JSON constructor, {@link #toJson()} and fluent
 * setters that reject bad values with a message naming the setting. Not thread-safe; build once at
 * start-up and then only read.
 */
public final class VecdbOptions {
  public static final String DEFAULT_DATA_DIR = "data";
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_HTTP_PORT = 6333;

  /** Qdrant's gRPC port; 0 turns the gRPC API off. */
  public static final int DEFAULT_GRPC_PORT = 6334;

  public static final long DEFAULT_MAX_REQUEST_BYTES = 32L * 1024 * 1024;
  public static final int DEFAULT_SEARCH_INSTANCES =
      Math.max(2, Runtime.getRuntime().availableProcessors());
  public static final int DEFAULT_APPLY_THREADS =
      Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  public static final int DEFAULT_INDEX_NICE = 10;

  public static final int DEFAULT_INDEX_THREADS =
      Math.max(1, Runtime.getRuntime().availableProcessors());

  static final Set<String> KEYS =
      Set.of(
          "data_dir",
          "host",
          "http_port",
          "grpc_port",
          "max_request_bytes",
          "search_instances",
          "apply_threads",
          "index_threads",
          "index_nice",
          "wal",
          "snapshots",
          "optimizer",
          "write_backlog",
          "cluster",
          "api_key",
          "read_only_api_key",
          "metrics_without_key",
          "insecure",
          "tls");

  private String dataDir = DEFAULT_DATA_DIR;
  private String host = DEFAULT_HOST;
  private int httpPort = DEFAULT_HTTP_PORT;
  private int grpcPort = DEFAULT_GRPC_PORT;
  private long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
  private int searchInstances = DEFAULT_SEARCH_INSTANCES;
  private int applyThreads = DEFAULT_APPLY_THREADS;
  private int indexThreads = DEFAULT_INDEX_THREADS;
  private int indexNice = DEFAULT_INDEX_NICE;
  private DurabilityOptions durability = new DurabilityOptions();
  private OptimizerOptions optimizer = new OptimizerOptions();
  private WriteBacklogOptions writeBacklog = new WriteBacklogOptions();
  private ClusterOptions cluster = new ClusterOptions();
  private TlsOptions tls = new TlsOptions("tls");
  private String apiKey;
  private String readOnlyApiKey;
  private boolean metricsWithoutKey;
  private boolean insecure;

  public VecdbOptions() {}

  /**
   * Reads the keys of {@code conf/vecdb.json}; absent keys keep their defaults.
   *
   * @throws IllegalArgumentException naming an unknown key or a bad value
   */
  public VecdbOptions(JsonObject json) {
    for (String key : json.fieldNames()) {
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException(
            "unknown setting '" + key + "': expected one of " + String.join(", ", KEYS));
      }
    }
    if (json.containsKey("data_dir")) {
      setDataDir(string(json, "data_dir"));
    }
    if (json.containsKey("host")) {
      setHost(string(json, "host"));
    }
    if (json.containsKey("http_port")) {
      setHttpPort(intValue(json, "http_port"));
    }
    if (json.containsKey("grpc_port")) {
      setGrpcPort(intValue(json, "grpc_port"));
    }
    if (json.containsKey("max_request_bytes")) {
      setMaxRequestBytes(integer(json, "max_request_bytes"));
    }
    if (json.containsKey("search_instances")) {
      setSearchInstances(intValue(json, "search_instances"));
    }
    if (json.containsKey("apply_threads")) {
      setApplyThreads(intValue(json, "apply_threads"));
    }
    if (json.containsKey("index_threads")) {
      setIndexThreads(intValue(json, "index_threads"));
    }
    if (json.containsKey("index_nice")) {
      setIndexNice(intValue(json, "index_nice"));
    }
    durability = new DurabilityOptions(object(json, "wal"), object(json, "snapshots"));
    optimizer = new OptimizerOptions(object(json, "optimizer"));
    writeBacklog = new WriteBacklogOptions(object(json, "write_backlog"));
    cluster = new ClusterOptions(object(json, "cluster"));
    tls = new TlsOptions("tls", object(json, "tls"));
    if (json.getValue("api_key") != null) { // null: none (as toJson writes it)
      setApiKey(string(json, "api_key"));
    }
    if (json.getValue("read_only_api_key") != null) {
      setReadOnlyApiKey(string(json, "read_only_api_key"));
    }
    if (json.containsKey("metrics_without_key")) {
      setMetricsWithoutKey(bool(json, "metrics_without_key"));
    }
    if (json.containsKey("insecure")) {
      setInsecure(bool(json, "insecure"));
    }
  }

  public VecdbOptions(VecdbOptions other) {
    this(other.toJson());
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("data_dir", dataDir)
        .put("host", host)
        .put("http_port", httpPort)
        .put("grpc_port", grpcPort)
        .put("max_request_bytes", maxRequestBytes)
        .put("search_instances", searchInstances)
        .put("apply_threads", applyThreads)
        .put("index_threads", indexThreads)
        .put("index_nice", indexNice)
        .put("wal", durability.walJson())
        .put("snapshots", durability.snapshotsJson())
        .put("optimizer", optimizer.toJson())
        .put("write_backlog", writeBacklog.toJson())
        .put("cluster", cluster.toJson())
        .put("tls", tls.toJson())
        .put("api_key", apiKey)
        .put("read_only_api_key", readOnlyApiKey)
        .put("metrics_without_key", metricsWithoutKey)
        .put("insecure", insecure);
  }

  /** The full-access API key, or null for none. Never log it. */
  public String getApiKey() {
    return apiKey;
  }

  public VecdbOptions setApiKey(String key) {
    this.apiKey = key == null || key.isEmpty() ? null : key;
    return this;
  }

  /** The read-only API key, or null for none. Never log it. */
  public String getReadOnlyApiKey() {
    return readOnlyApiKey;
  }

  public VecdbOptions setReadOnlyApiKey(String key) {
    this.readOnlyApiKey = key == null || key.isEmpty() ? null : key;
    return this;
  }

  /** Whether {@code /metrics} answers without a key when keys are configured (default false). */
  public boolean isMetricsWithoutKey() {
    return metricsWithoutKey;
  }

  public VecdbOptions setMetricsWithoutKey(boolean open) {
    this.metricsWithoutKey = open;
    return this;
  }

  /** Whether the node may listen beyond loopback without an API key ({@code --insecure}). */
  public boolean isInsecure() {
    return insecure;
  }

  public VecdbOptions setInsecure(boolean insecure) {
    this.insecure = insecure;
    return this;
  }

  /**
   * Refuses to serve unauthenticated beyond this machine: with no API key configured, {@code host}
   * must be a loopback address unless {@code insecure} is set.
   *
   * @throws IllegalArgumentException naming what to do
   */
  public void checkExposure() {
    if (apiKey != null || readOnlyApiKey != null || insecure) {
      return;
    }
    boolean loopback;
    try {
      loopback = java.net.InetAddress.getByName(host).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      loopback = false;
    }
    if (!loopback) {
      throw new IllegalArgumentException(
          "host: "
              + host
              + " is reachable from other machines and no api_key is set: set api_key (or"
              + " VECDB_API_KEY, --api-key), or start with --insecure to serve without"
              + " authentication");
    }
  }

  /** When collections are compacted in the background ({@code optimizer}); mutable. */
  public OptimizerOptions getOptimizer() {
    return optimizer;
  }

  /**
   * TLS of the HTTP, WebSocket and gRPC listeners ({@code tls.ca}: clients must present a
   * certificate).
   */
  public TlsOptions getTls() {
    return tls;
  }

  /** Cluster membership ({@code cluster}); disabled by default (a single node); mutable. */
  public ClusterOptions getCluster() {
    return cluster;
  }

  /** The bound on logged but unapplied writes ({@code write_backlog}); mutable. */
  public WriteBacklogOptions getWriteBacklog() {
    return writeBacklog;
  }

  /** WAL fsync policy and checkpoint settings ({@code wal}, {@code snapshots}); mutable. */
  public DurabilityOptions getDurability() {
    return durability;
  }

  public String getDataDir() {
    return dataDir;
  }

  public VecdbOptions setDataDir(String dataDir) {
    if (dataDir == null || dataDir.isBlank()) {
      throw new IllegalArgumentException("data_dir: expected a non-empty directory path");
    }
    this.dataDir = dataDir;
    return this;
  }

  public String getHost() {
    return host;
  }

  public VecdbOptions setHost(String host) {
    if (host == null || host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException(
          "host: expected a host name or IP address, got '" + host + "'");
    }
    this.host = host;
    return this;
  }

  public int getHttpPort() {
    return httpPort;
  }

  /** 0 picks a free port (tests). */
  public VecdbOptions setHttpPort(int httpPort) {
    if (httpPort < 0 || httpPort > 65535) {
      throw new IllegalArgumentException(
          "http_port: expected a port number 0..65535, got " + httpPort);
    }
    this.httpPort = httpPort;
    return this;
  }

  /** The gRPC API's port ({@code grpc_port}); 0 when it is off. */
  public int getGrpcPort() {
    return grpcPort;
  }

  /** 0 turns the gRPC API off (as Qdrant's {@code grpc_port: null}). */
  public VecdbOptions setGrpcPort(int grpcPort) {
    if (grpcPort < 0 || grpcPort > 65535) {
      throw new IllegalArgumentException(
          "grpc_port: expected a port number 1..65535, or 0 to turn gRPC off, got " + grpcPort);
    }
    this.grpcPort = grpcPort;
    return this;
  }

  public long getMaxRequestBytes() {
    return maxRequestBytes;
  }

  public VecdbOptions setMaxRequestBytes(long maxRequestBytes) {
    if (maxRequestBytes < 1024) {
      throw new IllegalArgumentException(
          "max_request_bytes: expected at least 1024, got " + maxRequestBytes);
    }
    this.maxRequestBytes = maxRequestBytes;
    return this;
  }

  public int getSearchInstances() {
    return searchInstances;
  }

  public VecdbOptions setSearchInstances(int searchInstances) {
    this.searchInstances = (int) ConfigJson.inRange("search_instances", searchInstances, 1, 256);
    return this;
  }

  public int getApplyThreads() {
    return applyThreads;
  }

  public VecdbOptions setApplyThreads(int applyThreads) {
    this.applyThreads = (int) ConfigJson.inRange("apply_threads", applyThreads, 1, 256);
    return this;
  }

  /** Threads that insert one upsert batch into a collection's graph, its apply thread included. */
  public int getIndexThreads() {
    return indexThreads;
  }

  public VecdbOptions setIndexThreads(int indexThreads) {
    this.indexThreads = (int) ConfigJson.inRange("index_threads", indexThreads, 1, 256);
    return this;
  }

  /**
   * The Linux nice value (0..19) of the threads that apply writes and insert them into graphs:
   * above 0 they yield the cores to accepting writes and to searches while both compete (see {@code
   * io.vecdb.index.ThreadNice}); 0 leaves them at normal priority.
   */
  public int getIndexNice() {
    return indexNice;
  }

  public VecdbOptions setIndexNice(int indexNice) {
    this.indexNice = (int) ConfigJson.inRange("index_nice", indexNice, 0, 19);
    return this;
  }

  private static String string(JsonObject json, String key) {
    Object v = json.getValue(key);
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException(key + ": expected a string, got " + v);
    }
    return s;
  }

  private static boolean bool(JsonObject json, String key) {
    Object v = json.getValue(key);
    if (!(v instanceof Boolean b)) {
      throw new IllegalArgumentException(key + ": expected true or false, got " + v);
    }
    return b;
  }

  private static JsonObject object(JsonObject json, String key) {
    Object v = json.getValue(key);
    if (v != null && !(v instanceof JsonObject)) {
      throw new IllegalArgumentException(key + ": expected a JSON object, got " + v);
    }
    return (JsonObject) v;
  }

  private static long integer(JsonObject json, String key) {
    return ConfigJson.integer(json, key, key);
  }

  /** An integer that fits an int (the setter checks its range); no silent wrap-around. */
  private static int intValue(JsonObject json, String key) {
    return (int) ConfigJson.inRange(key, integer(json, key), Integer.MIN_VALUE, Integer.MAX_VALUE);
  }
}
