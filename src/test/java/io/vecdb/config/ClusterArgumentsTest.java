package io.vecdb.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster settings from file, env and flags, and the errors that name what is wrong. */
class ClusterArgumentsTest {
  @TempDir Path dir;

  private Map<String, String> emptyConfig() throws Exception {
    Path f = dir.resolve("empty.json");
    Files.writeString(f, "{}");
    return Map.of("VECDB_CONFIG", f.toString());
  }

  private static final String[] FULL = {
    "--cluster",
    "--node-id",
    "n2",
    "--cluster-host",
    "127.0.0.1",
    "--cluster-port=5702",
    "--seeds",
    "127.0.0.1:5701, 127.0.0.1:5702",
    "--initial-members",
    "n1,n2,n3"
  };

  @Test
  void singleNodeByDefault() throws Exception {
    VecdbOptions o = ServeArguments.parse(new String[0], emptyConfig());
    assertFalse(o.getCluster().isEnabled());
  }

  @Test
  void flagsMakeAClusteredNodeThatAlwaysSyncs() throws Exception {
    VecdbOptions o =
        ServeArguments.parse(
            FULL,
            Map.of("VECDB_CONFIG", emptyConfig().get("VECDB_CONFIG"), "VECDB_WAL_SYNC", "never"));
    ClusterOptions c = o.getCluster();
    assertTrue(c.isEnabled());
    assertEquals("n2", c.getNodeId());
    assertEquals(5702, c.getPort());
    assertEquals(List.of("127.0.0.1:5701", "127.0.0.1:5702"), c.getSeeds());
    assertEquals(List.of("n1", "n2", "n3"), c.getInitialMembers());
    assertEquals("always", o.getDurability().getWalSync());
    assertFalse(c.isFaultInjection());
    String[] withFaults = java.util.Arrays.copyOf(FULL, FULL.length + 1);
    withFaults[FULL.length] = "--fault-injection";
    assertTrue(ServeArguments.parse(withFaults, emptyConfig()).getCluster().isFaultInjection());
  }

  @Test
  void envAndFileWork() throws Exception {
    Path f = dir.resolve("c.json");
    Files.writeString(
        f,
        new JsonObject()
            .put(
                "cluster",
                new JsonObject()
                    .put("enabled", true)
                    .put("node_id", "a")
                    .put("seeds", new JsonArray().add("127.0.0.1:5701"))
                    .put("initial_members", new JsonArray().add("a").add("b").add("c")))
            .encode());
    VecdbOptions o = ServeArguments.parse(new String[0], Map.of("VECDB_CONFIG", f.toString()));
    assertEquals("a", o.getCluster().getNodeId());
    VecdbOptions e =
        ServeArguments.parse(
            new String[0],
            Map.of(
                "VECDB_CONFIG", f.toString(),
                "VECDB_NODE_ID", "b",
                "VECDB_CLUSTER_PORT", "5799"));
    assertEquals("b", e.getCluster().getNodeId());
    assertEquals(5799, e.getCluster().getPort());
    // and back to JSON and in again, unchanged
    assertEquals(o.toJson(), new VecdbOptions(o.toJson()).toJson());
  }

  @Test
  void errorsNameTheSetting() throws Exception {
    Map<String, String> env = emptyConfig();
    assertMessage(env, "cluster.node_id", "--cluster", "--seeds", "h:1", "--initial-members", "a");
    assertMessage(
        env,
        "must be one of",
        "--cluster",
        "--node-id",
        "z",
        "--seeds",
        "h:1",
        "--initial-members",
        "a,b");
    assertMessage(env, "cluster.seeds", "--cluster", "--node-id", "a", "--initial-members", "a");
    assertMessage(env, "--seeds: cluster.seeds: expected host:port", "--seeds", "nohostport");
    assertMessage(env, "--node-id", "--node-id", "bad id!");
    assertMessage(env, "--cluster-port", "--cluster-port", "99999");
    assertMessage(env, "appears twice", "--initial-members", "a,a");
    assertMessage(env, "--cluster", "--cluster=maybe");
  }

  private static void assertMessage(Map<String, String> env, String part, String... args) {
    UsageException e = assertThrows(UsageException.class, () -> ServeArguments.parse(args, env));
    assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should name " + part);
  }
}
