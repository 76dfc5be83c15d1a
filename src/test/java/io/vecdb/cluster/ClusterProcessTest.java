package io.vecdb.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.durability.ServerProcess;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real VecDB JVMs on loopback with the Hazelcast cluster manager: they find each other, elect
 * a metadata leader over the clustered event bus and register; the leader is SIGKILLed and a new
 * one is elected; the killed node comes back from its data directory (its Raft WAL) and rejoins; a
 * SIGSTOPped follower catches up after SIGCONT; a data directory refuses another node id. (The data
 * path, sharded and replicated collections, is {@link ShardedClusterProcessTest}.) Every wait is a
 * poll with a deadline.
 */
class ClusterProcessTest {
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  @TempDir Path dir;

  private final List<ServerProcess> nodes = new ArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private List<Integer> clusterPorts;

  @AfterEach
  void stopAll() throws InterruptedException {
    for (ServerProcess p : nodes) {
      if (p.isAlive()) {
        signal(p, "CONT");
        p.kill();
      }
    }
    http.close();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private ServerProcess.Options options(int i, String nodeId, String... extra) {
    String seeds = String.join(",", clusterPorts.stream().map(p -> "127.0.0.1:" + p).toList());
    return new ServerProcess.Options(
        dir.resolve("n" + i),
        dir.resolve("n" + i + ".log"),
        "512m",
        List.of(
            "--cluster",
            "--node-id",
            nodeId,
            "--cluster-host",
            "127.0.0.1",
            "--cluster-port",
            Integer.toString(clusterPorts.get(i - 1)),
            "--seeds",
            seeds,
            "--initial-members",
            "n1,n2,n3",
            extra.length > 0 ? extra[0] : "--cluster"),
        Duration.ofSeconds(90));
  }

  private JsonObject cluster(ServerProcess p) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(p.baseUri().resolve("cluster"))
                  .timeout(Duration.ofSeconds(3))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? new JsonObject(r.body()).getJsonObject("result") : null;
    } catch (IOException | RuntimeException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static String leader(JsonObject info) {
    return info == null ? null : info.getJsonObject("raft_info").getString("leader");
  }

  private static long term(JsonObject info) {
    return info.getJsonObject("raft_info").getLong("term");
  }

  /** Polls every node in {@code among} until {@code ok} holds for all their views. */
  private List<JsonObject> await(
      List<ServerProcess> among, Predicate<List<JsonObject>> ok, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    List<JsonObject> views = List.of();
    while (System.nanoTime() < deadline) {
      views = among.stream().map(this::cluster).toList();
      if (views.stream().allMatch(v -> v != null) && ok.test(views)) {
        return views;
      }
      Thread.sleep(50); // poll interval
    }
    throw new AssertionError("not within " + DEADLINE + ": " + what + "; last views " + views);
  }

  private static boolean sameLeader(List<JsonObject> views) {
    String l = leader(views.get(0));
    return l != null
        && views.stream().allMatch(v -> l.equals(leader(v)) && term(v) == term(views.get(0)));
  }

  private static boolean allAlive(JsonObject view, int n) {
    JsonObject peers = view.getJsonObject("peers");
    return peers.size() == n
        && peers.stream()
            .allMatch(
                e ->
                    "alive".equals(((JsonObject) e.getValue()).getString("state"))
                        && ((JsonObject) e.getValue()).getString("uri") != null);
  }

  private static void signal(ServerProcess p, String sig) {
    try {
      new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).start().waitFor();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void startThree(String... extra) throws Exception {
    clusterPorts = List.of(freePort(), freePort(), freePort());
    ExecutorService starter = Executors.newFixedThreadPool(3);
    try {
      List<Future<ServerProcess>> started = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        ServerProcess.Options o = options(i, "n" + i, extra);
        started.add(starter.submit(() -> ServerProcess.start(o)));
      }
      for (Future<ServerProcess> f : started) {
        nodes.add(f.get());
      }
    } finally {
      starter.shutdownNow();
    }
  }

  private ServerProcess node(String nodeId) {
    return nodes.stream().filter(p -> p.dataDir().endsWith(nodeId)).findFirst().orElseThrow();
  }

  private void block(ServerProcess p, String... ids) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(p.baseUri().resolve("debug/partition"))
                .header("content-type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        new JsonObject()
                            .put("blocked", new io.vertx.core.json.JsonArray(List.of(ids)))
                            .encode()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
  }

  private static long commit(JsonObject view) {
    return view.getJsonObject("raft_info").getLong("commit");
  }

  /**
   * The leader is cut off from both followers (Raft traffic dropped both ways, by the test-only
   * fault injection): the majority elects a new leader and commits, the old leader steps down and
   * commits nothing; healed, all three agree on one leader and one commit index.
   */
  @Test
  void aPartitionedLeaderStepsDownWhileTheMajorityGoesOn() throws Exception {
    startThree("--fault-injection");
    List<JsonObject> views =
        await(nodes, v -> sameLeader(v) && v.stream().allMatch(x -> allAlive(x, 3)), "one leader");
    String old = leader(views.get(0));
    long oldTerm = term(views.get(0));
    ServerProcess minority = node(old);
    List<ServerProcess> majority = nodes.stream().filter(p -> p != minority).toList();
    List<String> majorityIds =
        majority.stream().map(p -> p.dataDir().getFileName().toString()).toList();
    block(minority, majorityIds.toArray(String[]::new));
    for (ServerProcess p : majority) {
      block(p, old);
    }
    List<JsonObject> alone =
        await(
            List.of(minority),
            v -> !"LEADER".equals(v.get(0).getJsonObject("raft_info").getString("role")),
            "the cut-off leader steps down");
    long minorityCommit = commit(alone.get(0));
    await(
        majority,
        v ->
            sameLeader(v)
                && !old.equals(leader(v.get(0)))
                && term(v.get(0)) > oldTerm
                && commit(v.get(0)) > minorityCommit,
        "the majority elects a new leader and commits (its new-term entry)");
    assertEquals(minorityCommit, commit(cluster(minority)), "the minority committed nothing");
    for (ServerProcess p : nodes) {
      block(p);
    }
    await(
        nodes,
        v -> sameLeader(v) && v.stream().map(ClusterProcessTest::commit).distinct().count() == 1,
        "healed: one leader, one commit index");
  }

  @Test
  void threeNodesElectFailOverAndRejoin() throws Exception {
    startThree();
    List<JsonObject> views =
        await(
            nodes,
            v -> sameLeader(v) && v.stream().allMatch(x -> allAlive(x, 3)),
            "one leader, 3 nodes registered");
    String leaderId = leader(views.get(0));
    assertEquals("enabled", views.get(0).getString("status"));
    assertEquals(
        List.of("n1", "n2", "n3"),
        views.get(0).getJsonObject("raft_info").getJsonArray("members").getList());

    // Fault injection is off unless asked for.
    HttpResponse<String> debug =
        http.send(
            HttpRequest.newBuilder(nodes.get(0).baseUri().resolve("debug/partition"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"blocked\":[]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(404, debug.statusCode(), debug.body());

    // SIGKILL the leader: the other two elect a new one.
    ServerProcess killed =
        nodes.stream().filter(p -> p.dataDir().endsWith(leaderId)).findFirst().orElseThrow();
    List<ServerProcess> survivors = nodes.stream().filter(p -> p != killed).toList();
    long t0 = System.nanoTime();
    killed.kill();
    List<JsonObject> after =
        await(survivors, v -> sameLeader(v) && !leaderId.equals(leader(v.get(0))), "a new leader");
    double failoverSeconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        "metadata leader %s SIGKILLed: %s leads after %.2f s%n",
        leaderId, leader(after.get(0)), failoverSeconds);
    // Measured 2.8 s idle (2 s heartbeat timeout + election); the bound leaves room for a loaded
    // CI.
    assertTrue(failoverSeconds < 8, "failover took " + failoverSeconds + " s");
    assertNotEquals(leaderId, leader(after.get(0)));
    assertEquals(
        "unreachable",
        after.get(0).getJsonObject("peers").getJsonObject(leaderId).getString("state"));

    // It comes back from its data directory (Raft WAL) and follows the new leader.
    ServerProcess back = killed.restart();
    nodes.set(nodes.indexOf(killed), back);
    await(
        nodes,
        v -> sameLeader(v) && v.stream().allMatch(x -> allAlive(x, 3)),
        "the restarted node rejoined");

    // SIGSTOP a follower for a while, SIGCONT: it catches up to the leader's commit index.
    String newLeader = leader(after.get(0));
    ServerProcess follower =
        nodes.stream().filter(p -> !p.dataDir().endsWith(newLeader)).findFirst().orElseThrow();
    signal(follower, "STOP");
    List<ServerProcess> others = nodes.stream().filter(p -> p != follower).toList();
    await(others, ClusterProcessTest::sameLeader, "a leader while a follower is stopped");
    Thread.sleep(3_000); // the pause under test: longer than the Raft heartbeat timeout
    signal(follower, "CONT");
    await(
        nodes,
        v ->
            sameLeader(v)
                && v.stream()
                        .map(x -> x.getJsonObject("raft_info").getLong("commit"))
                        .distinct()
                        .count()
                    == 1,
        "the resumed follower caught up");
  }

  @Test
  void aDataDirectoryKeepsItsNodeId() throws Exception {
    clusterPorts = List.of(freePort(), freePort(), freePort());
    Path data = dir.resolve("n1");
    Files.createDirectories(data);
    Files.writeString(data.resolve("node-id"), "n2\n");
    IOException e =
        assertThrows(IOException.class, () -> nodes.add(ServerProcess.start(options(1, "n1"))));
    assertTrue(e.getMessage().contains("belongs to node 'n2'"), e.getMessage());
  }
}
