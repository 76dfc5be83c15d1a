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
 * environment variables ({@code VECDB_DATA_DIR}, {@code VECDB_HOST}, {@code VECDB_HTTP_PORT}), then
 * flags ({@code --data-dir}, {@code --host}, {@code --http-port}, {@code --max-request-bytes}).
 * Flags take {@code --flag value} or {@code --flag=value}.
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
    String maxBytes = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        name = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      switch (name) {
        case "--config", "--data-dir", "--host", "--http-port", "--max-request-bytes" -> {
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
                    + " --max-request-bytes N");
      }
      switch (name) {
        case "--config" -> configFlag = value;
        case "--data-dir" -> dataDir = value;
        case "--host" -> host = value;
        case "--http-port" -> port = value;
        default -> maxBytes = value;
      }
    }
    VecdbOptions options = load(configFlag, env.get("VECDB_CONFIG"));
    apply(
        options, "VECDB_DATA_DIR", env.get("VECDB_DATA_DIR"), "VECDB_HOST", env.get("VECDB_HOST"));
    port(options, "VECDB_HTTP_PORT", env.get("VECDB_HTTP_PORT"));
    apply(options, "--data-dir", dataDir, "--host", host);
    port(options, "--http-port", port);
    if (maxBytes != null) {
      try {
        options.setMaxRequestBytes(Long.parseLong(maxBytes));
      } catch (IllegalArgumentException e) {
        throw new UsageException(
            "--max-request-bytes: expected an integer >= 1024, got '" + maxBytes + "'");
      }
    }
    return options;
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
