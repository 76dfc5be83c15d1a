package io.vecdb.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServeArgumentsTest {
  private static final String[] NONE = {};

  @Test
  void defaults() throws Exception {
    VecdbOptions o =
        ServeArguments.parse(NONE, Map.of("VECDB_CONFIG", write(new JsonObject()).toString()));
    assertEquals("data", o.getDataDir());
    assertEquals("127.0.0.1", o.getHost());
    assertEquals(6333, o.getHttpPort());
    assertEquals(6334, o.getGrpcPort());
    assertEquals(32L * 1024 * 1024, o.getMaxRequestBytes());
  }

  /** The {@code vecdb.json} a Kubernetes manifest ships in its ConfigMap. */
  private static Path configOf(String manifest) throws Exception {
    String yaml = java.nio.file.Files.readString(Path.of("k8s", manifest));
    int start = yaml.indexOf("vecdb.json: |");
    int end = yaml.indexOf("\n---", start);
    StringBuilder json = new StringBuilder();
    for (String line : yaml.substring(yaml.indexOf('\n', start) + 1, end).split("\n")) {
      json.append(line).append('\n');
    }
    Path f = java.nio.file.Files.createTempFile("vecdb-k8s", ".json");
    java.nio.file.Files.writeString(f, json.toString());
    return f;
  }

  /** The configs the Kubernetes manifests ship are valid for `vecdb serve` as the pods run it. */
  @Test
  void theKubernetesManifestsConfigsParse() throws Exception {
    Map<String, String> env = Map.of("VECDB_API_KEY", "from-secret");
    VecdbOptions single =
        ServeArguments.parse(
            new String[] {"--config", configOf("vecdb.yaml").toString(), "--host", "0.0.0.0"}, env);
    assertEquals("0.0.0.0", single.getHost());
    VecdbOptions node =
        ServeArguments.parse(
            new String[] {
              "--config",
              configOf("vecdb-cluster.yaml").toString(),
              "--node-id",
              "vecdb-1",
              "--cluster-host",
              "10.0.0.7"
            },
            env);
    org.junit.jupiter.api.Assertions.assertTrue(node.getCluster().isEnabled());
    assertEquals("vecdb-1", node.getCluster().getNodeId());
    assertEquals(
        java.util.List.of("vecdb-0", "vecdb-1", "vecdb-2"), node.getCluster().getInitialMembers());
    assertEquals("from-secret", node.getApiKey());
  }

  /** Beyond loopback a node needs an API key (config, env or flag) or an explicit --insecure. */
  @Test
  void servingBeyondLoopbackWithoutAKeyIsRefusedUnlessInsecure() throws Exception {
    UsageException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            UsageException.class,
            () -> ServeArguments.parse(new String[] {"--host", "0.0.0.0"}, Map.of()));
    org.junit.jupiter.api.Assertions.assertTrue(
        e.getMessage().contains("--insecure"), e.getMessage());
    assertEquals(
        "0.0.0.0",
        ServeArguments.parse(new String[] {"--host", "0.0.0.0", "--insecure"}, Map.of()).getHost());
    VecdbOptions keyed =
        ServeArguments.parse(
            new String[] {"--host", "0.0.0.0", "--read-only-api-key", "r"},
            Map.of("VECDB_API_KEY", "full"));
    assertEquals("full", keyed.getApiKey());
    assertEquals("r", keyed.getReadOnlyApiKey());
    assertEquals(
        "127.0.0.1", ServeArguments.parse(new String[] {}, Map.of()).getHost()); // loopback: fine
  }

  @Test
  void flagsOverrideEnvOverrideConfigFile() throws Exception {
    Path file =
        write(
            new JsonObject()
                .put("data_dir", "/from/file")
                .put("host", "0.0.0.0")
                .put("api_key", "k")
                .put("http_port", 7000)
                .put("grpc_port", 7100)
                .put("max_request_bytes", 4096));
    VecdbOptions fromFile =
        ServeArguments.parse(new String[] {"--config", file.toString()}, Map.of());
    assertEquals("/from/file", fromFile.getDataDir());
    assertEquals(7000, fromFile.getHttpPort());
    assertEquals(7100, fromFile.getGrpcPort());
    assertEquals(4096, fromFile.getMaxRequestBytes());
    Map<String, String> env =
        Map.of(
            "VECDB_CONFIG",
            file.toString(),
            "VECDB_DATA_DIR",
            "/from/env",
            "VECDB_HTTP_PORT",
            "7001",
            "VECDB_GRPC_PORT",
            "7101",
            "VECDB_HOST",
            "localhost");
    VecdbOptions fromEnv = ServeArguments.parse(NONE, env);
    assertEquals("/from/env", fromEnv.getDataDir());
    assertEquals(7001, fromEnv.getHttpPort());
    assertEquals(7101, fromEnv.getGrpcPort());
    assertEquals("localhost", fromEnv.getHost());
    VecdbOptions fromFlags =
        ServeArguments.parse(
            new String[] {
              "--data-dir",
              "/from/flag",
              "--http-port=7002",
              "--grpc-port",
              "0",
              "--host",
              "::1",
              "--max-request-bytes",
              "2048"
            },
            env);
    assertEquals("/from/flag", fromFlags.getDataDir());
    assertEquals(7002, fromFlags.getHttpPort());
    assertEquals(0, fromFlags.getGrpcPort(), "0 turns gRPC off");
    assertEquals("::1", fromFlags.getHost());
    assertEquals(2048, fromFlags.getMaxRequestBytes());
  }

  @Test
  void tlsFilesComeFromTheFileEnvAndFlags(@org.junit.jupiter.api.io.TempDir Path tmp)
      throws Exception {
    Path cert = java.nio.file.Files.writeString(tmp.resolve("c.pem"), "x");
    Path key = java.nio.file.Files.writeString(tmp.resolve("k.pem"), "x");
    Path ca = java.nio.file.Files.writeString(tmp.resolve("ca.pem"), "x");
    Path file =
        write(new JsonObject().put("tls", new JsonObject().put("cert", "/nope").put("key", "/no")));
    VecdbOptions o =
        ServeArguments.parse(
            new String[] {"--tls-cert", cert.toString(), "--tls-ca=" + ca},
            Map.of("VECDB_CONFIG", file.toString(), "VECDB_TLS_KEY", key.toString()));
    assertEquals(cert.toString(), o.getTls().getCert());
    assertEquals(key.toString(), o.getTls().getKey());
    assertEquals(ca.toString(), o.getTls().getCa());
    // The event bus: mutual TLS, so the authority is required.
    String[] clustered = {
      "--cluster",
      "--node-id",
      "n1",
      "--initial-members",
      "n1",
      "--seeds",
      "127.0.0.1:5701",
      "--cluster-tls-cert",
      cert.toString(),
      "--cluster-tls-key",
      key.toString()
    };
    UsageException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            UsageException.class,
            () ->
                ServeArguments.parse(
                    clustered, Map.of("VECDB_CONFIG", write(new JsonObject()).toString())));
    org.junit.jupiter.api.Assertions.assertTrue(
        e.getMessage().contains("cluster.tls.ca"), e.getMessage());
    VecdbOptions c =
        ServeArguments.parse(
            clustered,
            Map.of(
                "VECDB_CONFIG", write(new JsonObject()).toString(),
                "VECDB_CLUSTER_TLS_CA", ca.toString()));
    assertEquals(ca.toString(), c.getCluster().getTls().getCa());
    // A missing file is named.
    UsageException missing =
        org.junit.jupiter.api.Assertions.assertThrows(
            UsageException.class,
            () ->
                ServeArguments.parse(
                    new String[] {"--tls-cert", "/no/such.pem", "--tls-key", key.toString()},
                    Map.of("VECDB_CONFIG", write(new JsonObject()).toString())));
    org.junit.jupiter.api.Assertions.assertTrue(
        missing.getMessage().contains("tls.cert: expected a readable PEM file"),
        missing.getMessage());
  }

  @Test
  void usageErrorsNameTheFlagOrValue() throws Exception {
    Map<String, String> env = Map.of("VECDB_CONFIG", write(new JsonObject()).toString());
    assertMessage("--bogus", new String[] {"--bogus"}, env);
    assertMessage("--http-port", new String[] {"--http-port", "70000"}, env);
    assertMessage("'abc'", new String[] {"--http-port", "abc"}, env);
    assertMessage("--http-port: missing value", new String[] {"--http-port"}, env);
    assertMessage("--grpc-port", new String[] {"--grpc-port", "65536"}, env);
    assertMessage(
        "VECDB_GRPC_PORT",
        NONE,
        Map.of("VECDB_CONFIG", env.get("VECDB_CONFIG"), "VECDB_GRPC_PORT", "x"));
    assertMessage(
        "VECDB_HTTP_PORT",
        NONE,
        Map.of("VECDB_CONFIG", env.get("VECDB_CONFIG"), "VECDB_HTTP_PORT", "-1"));
    assertMessage("--max-request-bytes", new String[] {"--max-request-bytes", "10"}, env);
    assertMessage("--config", new String[] {"--config", "/no/such/file.json"}, env);
    Path badKey = write(new JsonObject().put("http_prot", 1));
    assertMessage("http_prot", new String[] {"--config", badKey.toString()}, Map.of());
    Path badValue = write(new JsonObject().put("http_port", "x"));
    assertMessage("http_port", new String[] {"--config", badValue.toString()}, Map.of());
    Path notJson = Files.createTempFile("vecdb", ".json");
    Files.writeString(notJson, "{nope");
    assertMessage("not valid JSON", new String[] {"--config", notJson.toString()}, Map.of());
  }

  @Test
  void optionsJsonRoundTripAndValidation() {
    VecdbOptions o =
        new VecdbOptions()
            .setDataDir("/d")
            .setHost("h")
            .setHttpPort(1)
            .setMaxRequestBytes(5000)
            .setSearchInstances(3)
            .setApplyThreads(2);
    assertEquals(o.toJson(), new VecdbOptions(o.toJson()).toJson());
    assertThrows(IllegalArgumentException.class, () -> o.setHttpPort(65536));
    assertThrows(IllegalArgumentException.class, () -> o.setHost(" "));
    assertThrows(IllegalArgumentException.class, () -> o.setSearchInstances(0));
    assertThrows(IllegalArgumentException.class, () -> o.setDataDir(""));
    assertEquals(1, o.getHttpPort(), "a rejected value changes nothing");
  }

  private static void assertMessage(String expected, String[] args, Map<String, String> env) {
    UsageException e = assertThrows(UsageException.class, () -> ServeArguments.parse(args, env));
    assertTrue(
        e.getMessage().contains(expected),
        "'" + e.getMessage() + "' should contain '" + expected + "'");
  }

  private static Path write(JsonObject json) throws Exception {
    Path f = Files.createTempFile("vecdb-conf", ".json");
    Files.writeString(f, json.encode());
    return f;
  }
}
