package io.vecdb.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Resolves {@code vecdb serve}'s settings. Precedence, lowest first: defaults, the config file
 * ({@code --config}, else {@code VECDB_CONFIG}, else {@code conf/vecdb.json} when present),
 * environment variables ({@code VECDB_DATA_DIR}, {@code VECDB_HOST}, {@code VECDB_HTTP_PORT},
 * {@code VECDB_GRPC_PORT}, {@code VECDB_WAL_SYNC}, {@code VECDB_WAL_TRUNCATE_CORRUPT}), then flags
 * ({@code --data-dir}, {@code --host}, {@code --http-port}, {@code --grpc-port}, {@code
 * --max-request-bytes}, {@code --wal-sync}, {@code --wal-truncate-corrupt} (no value, or {@code
 * =true|false})). Flags take {@code --flag value} or {@code --flag=value}.
 */
public final class ServeArguments {
  static final Path DEFAULT_CONFIG = Path.of("conf", "vecdb.json");

  private ServeArguments() {}

  /** Parses {@code args} (after the subcommand) against {@code env}. */
  public static VecdbOptions parse(String[] args, Map<String, String> env) throws UsageException {
    String configFlag = null;
    String dataDir = null;
    String host = null;
    String port = null;
    String grpcPort = null;
    String maxBytes = null;
    String walSync = null;
    String walTruncate = null;
    String cluster = null;
    String faultInjection = null;
    String apiKey = null;
    String readOnlyKey = null;
    boolean insecure = false;
    java.util.Map<String, String> clusterFlags = new java.util.LinkedHashMap<>();
    java.util.Map<String, String> tlsFlags = new java.util.LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      if (name.equals("--wal-truncate-corrupt")) {
        walTruncate = value == null ? "true" : value;
        continue;
      }
      if (name.equals("--cluster")) {
        cluster = value == null ? "true" : value;
        continue;
      }
      if (name.equals("--insecure")) {
        insecure = value == null || value.equals("true");
        continue;
      }
      if (name.equals("--api-key") || name.equals("--read-only-api-key")) {
        if (value == null) {
          if (i + 1 >= args.length) {
            throw new UsageException(name + ": missing value");
          }
          value = args[++i];
        }
        if (name.equals("--api-key")) {
          apiKey = value;
        } else {
          readOnlyKey = value;
        }
        continue;
      }
      if (name.equals("--fault-injection")) {
        faultInjection = value == null ? "true" : value;
        continue;
      }
      if (TLS_FLAGS.contains(name)) {
        if (value == null) {
          if (i + 1 >= args.length) {
            throw new UsageException(name + ": missing value");
          }
          value = args[++i];
        }
        tlsFlags.put(name, value);
        continue;
      }
      if (CLUSTER_FLAGS.contains(name)) {
        if (value == null) {
          if (i + 1 >= args.length) {
            throw new UsageException(name + ": missing value");
          }
          value = args[++i];
        }
        clusterFlags.put(name, value);
        continue;
      }
      switch (name) {
        case "--config",
            "--data-dir",
            "--host",
            "--http-port",
            "--grpc-port",
            "--max-request-bytes",
            "--wal-sync" -> {
          if (value == null) {
            if (i + 1 >= args.length) {
              throw new UsageException(name + ": missing value");
            }
            value = args[++i];
          }
        }
        default ->
            throw new UsageException(
                "unknown flag '"
                    + arg
                    + "': expected --config FILE, --data-dir DIR, --host H, --http-port N,"
                    + " --grpc-port N, --max-request-bytes N, --wal-sync always|interval|never,"
                    + " --wal-truncate-corrupt, --api-key K, --read-only-api-key K, --insecure,"
                    + " --tls-cert F, --tls-key F, --tls-ca F,"
                    + " --cluster, --node-id ID, --cluster-host H,"
                    + " --cluster-port N, --seeds H:P,..., --initial-members ID,...,"
                    + " --cluster-tls-cert F, --cluster-tls-key F, --cluster-tls-ca F");
      }
      switch (name) {
        case "--config" -> configFlag = value;
        case "--data-dir" -> dataDir = value;
        case "--host" -> host = value;
        case "--http-port" -> port = value;
        case "--grpc-port" -> grpcPort = value;
        case "--wal-sync" -> walSync = value;
        default -> maxBytes = value;
      }
    }
    VecdbOptions options = load(configFlag, env.get("VECDB_CONFIG"));
    apply(
        options, "VECDB_DATA_DIR", env.get("VECDB_DATA_DIR"), "VECDB_HOST", env.get("VECDB_HOST"));
    port(options, "VECDB_HTTP_PORT", env.get("VECDB_HTTP_PORT"));
    apply(options, "--data-dir", dataDir, "--host", host);
    port(options, "--http-port", port);
    grpcPort(options, "VECDB_GRPC_PORT", env.get("VECDB_GRPC_PORT"));
    grpcPort(options, "--grpc-port", grpcPort);
    if (maxBytes != null) {
      try {
        options.setMaxRequestBytes(Long.parseLong(maxBytes));
      } catch (IllegalArgumentException e) {
        throw new UsageException(
            "--max-request-bytes: expected an integer >= 1024, got '" + maxBytes + "'");
      }
    }
    walSync(options, "VECDB_WAL_SYNC", env.get("VECDB_WAL_SYNC"));
    walTruncate(options, "VECDB_WAL_TRUNCATE_CORRUPT", env.get("VECDB_WAL_TRUNCATE_CORRUPT"));
    walSync(options, "--wal-sync", walSync);
    walTruncate(options, "--wal-truncate-corrupt", walTruncate);
    tls(options.getTls(), env, tlsFlags, "VECDB_TLS_", "--tls-");
    tls(options.getCluster().getTls(), env, tlsFlags, "VECDB_CLUSTER_TLS_", "--cluster-tls-");
    try {
      options.getTls().validate(false);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    cluster(options, env, cluster, clusterFlags);
    if (faultInjection != null) {
      switch (faultInjection.trim()) {
        case "true", "1" -> options.getCluster().setFaultInjection(true);
        case "false", "0" -> options.getCluster().setFaultInjection(false);
        default ->
            throw new UsageException(
                "--fault-injection: expected true or false, got '" + faultInjection + "'");
      }
    }
    // Keys: the config file, then the environment, then flags (a key is never logged).
    if (env.get("VECDB_API_KEY") != null) {
      options.setApiKey(env.get("VECDB_API_KEY"));
    }
    if (env.get("VECDB_READ_ONLY_API_KEY") != null) {
      options.setReadOnlyApiKey(env.get("VECDB_READ_ONLY_API_KEY"));
    }
    if (apiKey != null) {
      options.setApiKey(apiKey);
    }
    if (readOnlyKey != null) {
      options.setReadOnlyApiKey(readOnlyKey);
    }
    if (insecure || "true".equals(env.get("VECDB_INSECURE"))) {
      options.setInsecure(true);
    }
    try {
      options.checkExposure();
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    return options;
  }

  private static final java.util.List<String> TLS_FLAGS =
      java.util.List.of(
          "--tls-cert",
          "--tls-key",
          "--tls-ca",
          "--cluster-tls-cert",
          "--cluster-tls-key",
          "--cluster-tls-ca");

  /**
   * TLS files: env ({@code <envPrefix>CERT}, {@code KEY}, {@code CA}) over the file, flags ({@code
   * <flagPrefix>cert}, ...) over env.
   */
  private static void tls(
      TlsOptions tls,
      Map<String, String> env,
      Map<String, String> flags,
      String envPrefix,
      String flagPrefix) {
    for (String part : new String[] {"cert", "key", "ca"}) {
      for (String value :
          new String[] {
            env.get(envPrefix + part.toUpperCase(java.util.Locale.ROOT)),
            flags.get(flagPrefix + part)
          }) {
        if (value == null) {
          continue;
        }
        switch (part) {
          case "cert" -> tls.setCert(value);
          case "key" -> tls.setKey(value);
          default -> tls.setCa(value);
        }
      }
    }
  }

  private static final java.util.List<String> CLUSTER_FLAGS =
      java.util.List.of(
          "--node-id", "--cluster-host", "--cluster-port", "--seeds", "--initial-members");

  /**
   * Cluster settings: env ({@code VECDB_CLUSTER}, {@code VECDB_NODE_ID}, {@code
   * VECDB_CLUSTER_HOST}, {@code VECDB_CLUSTER_PORT}, {@code VECDB_SEEDS}, {@code
   * VECDB_INITIAL_MEMBERS}) over the file, flags over env. A clustered node always syncs its WAL.
   */
  private static void cluster(
      VecdbOptions options, Map<String, String> env, String flag, Map<String, String> flags)
      throws UsageException {
    ClusterOptions c = options.getCluster();
    String[][] sources = {
      {"VECDB_CLUSTER", env.get("VECDB_CLUSTER"), "--cluster", flag},
      {"VECDB_NODE_ID", env.get("VECDB_NODE_ID"), "--node-id", flags.get("--node-id")},
      {
        "VECDB_CLUSTER_HOST",
        env.get("VECDB_CLUSTER_HOST"),
        "--cluster-host",
        flags.get("--cluster-host")
      },
      {
        "VECDB_CLUSTER_PORT",
        env.get("VECDB_CLUSTER_PORT"),
        "--cluster-port",
        flags.get("--cluster-port")
      },
      {"VECDB_SEEDS", env.get("VECDB_SEEDS"), "--seeds", flags.get("--seeds")},
      {
        "VECDB_INITIAL_MEMBERS",
        env.get("VECDB_INITIAL_MEMBERS"),
        "--initial-members",
        flags.get("--initial-members")
      }
    };
    for (String[] s : sources) {
      for (int k = 0; k < 4; k += 2) {
        String name = s[k];
        String value = s[k + 1];
        if (value == null) {
          continue;
        }
        try {
          switch (sources[0] == s ? "cluster" : s[2]) {
            case "cluster" -> {
              switch (value.trim()) {
                case "true", "1" -> c.setEnabled(true);
                case "false", "0" -> c.setEnabled(false);
                default ->
                    throw new IllegalArgumentException(
                        "expected true or false, got '" + value + "'");
              }
            }
            case "--node-id" -> c.setNodeId(value.trim());
            case "--cluster-host" -> c.setHost(value.trim());
            case "--cluster-port" -> {
              try {
                c.setPort(Integer.parseInt(value.trim()));
              } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                    "expected a port number 1..65535, got '" + value + "'");
              }
            }
            case "--seeds" -> c.setSeeds(ClusterOptions.split(value));
            default -> c.setInitialMembers(ClusterOptions.split(value));
          }
        } catch (IllegalArgumentException e) {
          throw new UsageException(name + ": " + e.getMessage());
        }
      }
    }
    try {
      c.validate();
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    if (c.isEnabled()) {
      // Raft acknowledges a write only once a majority has it on disk: the WAL must fsync.
      options.getDurability().setWalSync("always");
    }
  }

  private static void walSync(VecdbOptions options, String name, String value)
      throws UsageException {
    if (value == null) {
      return;
    }
    try {
      options.getDurability().setWalSync(value);
    } catch (IllegalArgumentException e) {
      throw new UsageException(
          name + ": expected one of always, interval, never, got '" + value + "'");
    }
  }

  private static void walTruncate(VecdbOptions options, String name, String value)
      throws UsageException {
    if (value == null) {
      return;
    }
    switch (value.trim()) {
      case "true", "1" -> options.getDurability().setWalTruncateCorrupt(true);
      case "false", "0" -> options.getDurability().setWalTruncateCorrupt(false);
      default -> throw new UsageException(name + ": expected true or false, got '" + value + "'");
    }
  }

  private static VecdbOptions load(String flag, String env) throws UsageException {
    String source = flag != null ? "--config" : "VECDB_CONFIG";
    String file = flag != null ? flag : env;
    Path path;
    if (file == null) {
      if (!Files.isRegularFile(DEFAULT_CONFIG)) {
        return new VecdbOptions();
      }
      path = DEFAULT_CONFIG;
      source = "config";
    } else {
      path = Path.of(file);
    }
    try {
      return new VecdbOptions(new JsonObject(Files.readString(path)));
    } catch (IOException e) {
      throw new UsageException(source + ": cannot read config file '" + path + "': " + e);
    } catch (DecodeException e) {
      throw new UsageException(source + ": '" + path + "' is not valid JSON: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new UsageException(source + ": '" + path + "': " + e.getMessage());
    }
  }

  private static void apply(
      VecdbOptions options, String dirName, String dir, String hostName, String host)
      throws UsageException {
    try {
      if (dir != null) {
        options.setDataDir(dir);
      }
    } catch (IllegalArgumentException e) {
      throw new UsageException(dirName + ": " + e.getMessage());
    }
    try {
      if (host != null) {
        options.setHost(host);
      }
    } catch (IllegalArgumentException e) {
      throw new UsageException(hostName + ": " + e.getMessage());
    }
  }

  private static void grpcPort(VecdbOptions options, String name, String value)
      throws UsageException {
    if (value == null) {
      return;
    }
    try {
      options.setGrpcPort(Integer.parseInt(value.trim()));
    } catch (IllegalArgumentException e) {
      throw new UsageException(
          name + ": expected a port number 1..65535, or 0 to turn gRPC off, got '" + value + "'");
    }
  }

  private static void port(VecdbOptions options, String name, String value) throws UsageException {
    if (value == null) {
      return;
    }
    try {
      options.setHttpPort(Integer.parseInt(value.trim()));
    } catch (IllegalArgumentException e) {
      throw new UsageException(name + ": expected a port number 0..65535, got '" + value + "'");
    }
  }
}
