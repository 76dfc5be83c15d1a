package io.vecdb.cluster;

import io.vecdb.durability.ServerProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Real VecDB JVMs on loopback forming one cluster (Hazelcast TCP-IP join, metadata group over all
 * of them), and an HTTP client for them. Every wait is a poll with a deadline. Not thread-safe
 * except {@link #call}, which any thread may use.
 */
final class ClusterHarness implements AutoCloseable {
  static final Duration DEADLINE = Duration.ofSeconds(60);

  /** An HTTP answer: status, parsed body (null if not JSON) and the consistency token header. */
  record Reply(int status, JsonObject body, String token) {
    Object result() {
      return body == null ? null : body.getValue("result");
    }

    boolean ok() {
      return status == 200;
    }
  }

  private final Path dir;
  private final List<ServerProcess> nodes = new ArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<Integer> clusterPorts = new ArrayList<>();
  private final List<Integer> grpcPorts = new ArrayList<>();
  private boolean grpc;
  private final int n;

  ClusterHarness(Path dir, int n) {
    this.dir = dir;
    this.n = n;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Gives each node a gRPC port of its own ({@link #grpcPort}); call before {@link #start}. */
  ClusterHarness withGrpc() {
    grpc = true;
    return this;
  }

  /** The gRPC port of node {@code i} (0-based) of a harness started {@link #withGrpc}. */
  int grpcPort(int i) {
    return grpcPorts.get(i);
  }

  /** Starts nodes n1..nN concurrently, each with {@code extra} flags, and waits for them. */
  ClusterHarness start(String... extra) throws Exception {
    for (int i = 0; i < n; i++) {
      clusterPorts.add(freePort());
    }
    String seeds = String.join(",", clusterPorts.stream().map(p -> "127.0.0.1:" + p).toList());
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      ids.add("n" + i);
    }
    ExecutorService starter = Executors.newFixedThreadPool(n);
    try {
      List<Future<ServerProcess>> started = new ArrayList<>();
      for (int i = 1; i <= n; i++) {
        List<String> args =
            new ArrayList<>(
                List.of(
                    "--cluster",
                    "--node-id",
                    "n" + i,
                    "--cluster-host",
                    "127.0.0.1",
                    "--cluster-port",
                    Integer.toString(clusterPorts.get(i - 1)),
                    "--seeds",
                    seeds,
                    "--initial-members",
                    String.join(",", ids)));
        if (grpc) {
          grpcPorts.add(freePort());
          args.addAll(List.of("--grpc-port", Integer.toString(grpcPorts.get(i - 1))));
        }
        args.addAll(List.of(extra));
        ServerProcess.Options o =
            new ServerProcess.Options(
                dir.resolve("n" + i),
                dir.resolve("n" + i + ".log"),
                "512m",
                args,
                Duration.ofSeconds(120));
        started.add(starter.submit(() -> ServerProcess.start(o)));
      }
      for (Future<ServerProcess> f : started) {
        nodes.add(f.get());
      }
    } finally {
      starter.shutdownNow();
    }
    await(
        () -> {
          for (ServerProcess p : nodes) {
            Reply r = call(p, "GET", "cluster", null);
            if (!r.ok()) {
              return false;
            }
            JsonObject peers = ((JsonObject) r.result()).getJsonObject("peers");
            if (peers.size() != n
                || !peers.stream()
                    .allMatch(e -> ((JsonObject) e.getValue()).getString("uri") != null)) {
              return false;
            }
          }
          return true;
        },
        "all " + n + " nodes registered with the metadata group");
    return this;
  }

  /** True if {@code port} is one of the Hazelcast ports the nodes were given. */
  boolean isHazelcastPort(int port) {
    return clusterPorts.contains(port);
  }

  List<ServerProcess> nodes() {
    return nodes;
  }

  ServerProcess node(String id) {
    return nodes.stream().filter(p -> p.dataDir().endsWith(id)).findFirst().orElseThrow();
  }

  static String id(ServerProcess p) {
    return p.dataDir().getFileName().toString();
  }

  /** Restarts a killed node from its data directory (same ports and flags). */
  ServerProcess restart(ServerProcess p) throws Exception {
    ServerProcess back = p.restart();
    nodes.set(nodes.indexOf(p), back);
    return back;
  }

  Reply call(ServerProcess p, String method, String path, JsonObject body) {
    return call(p, method, path, body, null);
  }

  /** One request; a connection failure or timeout is status -1. */
  Reply call(ServerProcess p, String method, String path, JsonObject body, String token) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(p.baseUri().resolve(path))
            .timeout(Duration.ofSeconds(30))
            .header("content-type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (token != null) {
      b.header("X-Vecdb-Token", token);
    }
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonObject json;
      try {
        json = new JsonObject(r.body());
      } catch (RuntimeException e) {
        json = null;
      }
      return new Reply(r.statusCode(), json, r.headers().firstValue("X-Vecdb-Token").orElse(null));
    } catch (IOException e) {
      return new Reply(-1, null, null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Reply(-1, null, null);
    }
  }

  /** Like {@link #call}, but the answer must be 200. */
  Reply ok(ServerProcess p, String method, String path, JsonObject body) {
    Reply r = call(p, method, path, body);
    if (!r.ok()) {
      throw new AssertionError(method + " " + path + " on " + id(p) + ": " + r);
    }
    return r;
  }

  /** Test-only fault injection: cut {@code p}'s Raft traffic to {@code ids} (none heals). */
  void block(ServerProcess p, String... ids) {
    ok(
        p,
        "POST",
        "debug/partition",
        new JsonObject().put("blocked", new JsonArray(List.of((Object[]) ids))));
  }

  void signal(ServerProcess p, String sig) throws Exception {
    new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).start().waitFor();
  }

  static void await(Supplier<Boolean> ok, String what) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (System.nanoTime() < deadline) {
      if (ok.get()) {
        return;
      }
      Thread.sleep(100); // poll interval
    }
    throw new AssertionError("not within " + DEADLINE + ": " + what);
  }

  /** The shard leaders of collection {@code c} as {@code GET /collections/c/cluster} sees them. */
  List<String> shardLeaders(ServerProcess via, String c) {
    Reply r = call(via, "GET", "collections/" + c + "/cluster", null);
    if (!r.ok()) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (Object s : ((JsonObject) r.result()).getJsonArray("shards")) {
      JsonObject leader = ((JsonObject) s).getJsonObject("leader");
      out.add(leader == null ? null : leader.getString("node_id"));
    }
    return out;
  }

  /** Every point of {@code c} on the replicas {@code via} reads at eventual consistency. */
  JsonArray allPoints(ServerProcess via, String c) {
    Reply r =
        call(
            via,
            "POST",
            "collections/" + c + "/points/scroll?consistency=eventual",
            new JsonObject()
                .put("limit", 100_000)
                .put("with_vector", true)
                .put("with_payload", true));
    return r.ok() ? ((JsonObject) r.result()).getJsonArray("points") : null;
  }

  @Override
  public void close() throws Exception {
    for (ServerProcess p : nodes) {
      if (p.isAlive()) {
        signal(p, "CONT");
        p.kill();
      }
    }
    http.close();
  }
}
