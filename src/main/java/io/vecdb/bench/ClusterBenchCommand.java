package io.vecdb.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code vecdb bench-cluster}: a three-node cluster on loopback beside a single node, in one run.
 *
 * <p>Loads Fashion-MNIST (or {@code --n} of it) through the REST API in batches from a few
 * connections with {@code wait=true} (acknowledged once committed and applied on the leader, so
 * acknowledged = searchable), into a single node, then into a replication-factor-3 collection of
 * {@code --shards} shards (default 1: every node holds every point and serves searches locally) and
 * a replication-factor-1 collection of 3 x {@code --shards} shards (one per node) of a three-node
 * cluster; runs searches from several concurrent clients for a fixed time against each (after an
 * unmeasured warm-up, so that every node's JIT has compiled the search path); measures fsyncs per
 * second per node while writing to 1, 2 and 4 shards per node; then SIGKILLs a shard leader and
 * times the first acknowledged write to that shard through a survivor. Every loop is bounded in
 * count and time; all traffic is to 127.0.0.1.
 *
 * <p>Threading: the command runs on the main thread; workers take batch numbers from an atomic
 * counter; the first failure is kept and stops every worker.
 */
public final class ClusterBenchCommand {
  static final String USAGE =
      "usage: vecdb bench-cluster [--dataset-dir DIR] [--n N] [--batch 256] [--clients 4]"
          + " [--search-clients 8] [--search-seconds 10] [--search-warmup-seconds 20]"
          + " [--shards 1] [--server-heap 3g]"
          + " [--work-dir DIR] [--json]";

  private ClusterBenchCommand() {}

  record Options(
      Path datasetDir,
      int n,
      int batch,
      int clients,
      int searchClients,
      int searchSeconds,
      int warmupSeconds,
      int shards,
      String heap,
      Path workDir,
      boolean json) {
    static Options parse(String[] args) throws BenchOptions.BadFlag {
      Path datasetDir = Path.of("/usr/share/datasets/fashion-mnist");
      int n = 60_000;
      int batch = 256;
      int clients = 4;
      int searchClients = 8;
      int searchSeconds = 10;
      int warmupSeconds = 20;
      int shards = 1;
      String heap = "3g";
      Path workDir = null;
      boolean json = false;
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        switch (flag) {
          case "--json" -> json = true;
          case "--dataset-dir" -> datasetDir = Path.of(BenchOptions.value(args, ++i, flag));
          case "--n" -> n = BenchOptions.positiveInt(args, ++i, flag);
          case "--batch" -> batch = BenchOptions.positiveInt(args, ++i, flag);
          case "--clients" -> clients = BenchOptions.positiveInt(args, ++i, flag);
          case "--search-clients" -> searchClients = BenchOptions.positiveInt(args, ++i, flag);
          case "--search-seconds" -> searchSeconds = BenchOptions.positiveInt(args, ++i, flag);
          case "--search-warmup-seconds" ->
              warmupSeconds = BenchOptions.positiveInt(args, ++i, flag);
          case "--shards" -> shards = BenchOptions.positiveInt(args, ++i, flag);
          case "--server-heap" -> heap = BenchOptions.value(args, ++i, flag);
          case "--work-dir" -> workDir = Path.of(BenchOptions.value(args, ++i, flag));
          default -> throw new BenchOptions.BadFlag("unknown flag " + flag);
        }
      }
      return new Options(
          datasetDir,
          n,
          batch,
          clients,
          searchClients,
          searchSeconds,
          warmupSeconds,
          shards,
          heap,
          workDir,
          json);
    }
  }

  public static int run(String[] args) {
    return run(args, System.out, System.err);
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    Options o;
    try {
      o = Options.parse(args);
    } catch (BenchOptions.BadFlag e) {
      err.println("vecdb bench-cluster: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
    try {
      new Run(o, out).execute();
      return 0;
    } catch (IngestBenchCommand.BenchFailed e) {
      err.println("vecdb bench-cluster: " + e.getMessage());
      return 1;
    } catch (Exception e) {
      err.println("vecdb bench-cluster: failed: " + e);
      e.printStackTrace(err);
      return 1;
    }
  }

  private static final class Run {
    private final Options o;
    private final PrintStream out;
    private final HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private final JsonObject results = new JsonObject();

    Run(Options o, PrintStream out) {
      this.o = o;
      this.out = out;
    }

    void execute() throws Exception {
      Dataset data = Dataset.fashionMnist(o.datasetDir(), o.n());
      List<byte[]> bodies = IngestBenchCommand.encodeBatches(data, o.batch());
      List<byte[]> queries = searchBodies(data, 500);
      Path work =
          o.workDir() != null ? o.workDir() : Files.createTempDirectory("vecdb-bench-cluster");
      out.printf(
          Locale.ROOT,
          "bench-cluster: %d x %d points in batches of %d from %d clients; searches from %d"
              + " clients for %d s; work dir %s%n",
          data.n(),
          data.dim(),
          o.batch(),
          o.clients(),
          o.searchClients(),
          o.searchSeconds(),
          work);

      // A single node, alone on the machine.
      try (IngestBenchCommand.ServerJvm single =
          IngestBenchCommand.ServerJvm.start(
              Files.createDirectories(work.resolve("single")),
              o.heap(),
              List.of(),
              Duration.ofMinutes(3))) {
        JsonObject r =
            phase(
                "single node",
                List.of(single),
                1,
                "b",
                createBody(data.dim(), 1, 1),
                bodies,
                queries);
        results.put("single", r);
      }

      // Three nodes.
      List<IngestBenchCommand.ServerJvm> nodes = startCluster(work.resolve("cluster"), 3);
      try {
        List<URI> uris = nodes.stream().map(n -> n.base).toList();
        awaitRegistered(uris);
        results.put(
            "rf3",
            phase(
                "3 nodes, RF=3, " + o.shards() + " shards",
                nodes,
                3,
                "rf3",
                createBody(data.dim(), o.shards(), 3),
                bodies,
                queries));
        results.put(
            "rf1",
            phase(
                "3 nodes, RF=1, " + o.shards() * 3 + " shards",
                nodes,
                1,
                "rf1",
                createBody(data.dim(), o.shards() * 3, 1),
                bodies,
                queries));
        results.put("fsyncs", fsyncScaling(uris, data));
        results.put("failover", failover(nodes, uris, data));
      } finally {
        for (IngestBenchCommand.ServerJvm n : nodes) {
          n.close();
        }
      }
      summary();
    }

    private void summary() {
      JsonObject single = results.getJsonObject("single");
      JsonObject rf3 = results.getJsonObject("rf3");
      JsonObject rf1 = results.getJsonObject("rf1");
      double s = single.getDouble("points_per_s");
      out.println();
      out.println(
          "| run | points/s (acknowledged = searchable) | vs single | points/s on every replica"
              + " | CPU-s per 1000 points (all JVMs) | search QPS | vs single |");
      out.println("|---|---|---|---|---|---|---|");
      for (JsonObject r : List.of(single, rf3, rf1)) {
        out.printf(
            Locale.ROOT,
            "| %s | %.0f | %.2fx | %.0f | %.2f | %.0f | %.2fx |%n",
            r.getString("name"),
            r.getDouble("points_per_s"),
            r.getDouble("points_per_s") / s,
            r.getInteger("points") / r.getDouble("replicated_s"),
            r.getDouble("cpu_s_per_1000_points"),
            r.getDouble("search_qps"),
            r.getDouble("search_qps") / single.getDouble("search_qps"));
      }
      out.println();
      out.println(
          "| shards per node | write requests/s | Raft entries/s (each on every node) | fsyncs/s"
              + " per node | entries per fsync |");
      out.println("|---|---|---|---|---|");
      for (Object x : results.getJsonArray("fsyncs")) {
        JsonObject f = (JsonObject) x;
        out.printf(
            Locale.ROOT,
            "| %d | %.0f | %.0f | %s | %.2f |%n",
            f.getInteger("shards_per_node"),
            f.getDouble("writes_per_s"),
            f.getDouble("entries_per_s"),
            f.getJsonArray("fsyncs_per_s_per_node").encode(),
            f.getDouble("entries_per_fsync"));
      }
      JsonObject fo = results.getJsonObject("failover");
      out.printf(
          Locale.ROOT,
          "%nfailover: shard 0 leader %s SIGKILLed, first acknowledged write to shard 0 after %.2f"
              + " s%n",
          fo.getString("killed"),
          fo.getDouble("seconds"));
      if (o.json()) {
        out.println(results.encodePrettily());
      }
    }

    private static JsonObject createBody(int dim, int shards, int rf) {
      return new JsonObject()
          .put("vectors", new JsonObject().put("size", dim).put("distance", "Euclid"))
          .put("hnsw_config", new JsonObject().put("m", 16).put("ef_construct", 100))
          .put("shard_number", shards)
          .put("replication_factor", rf);
    }

    private static List<byte[]> searchBodies(Dataset data, int count) {
      List<byte[]> out = new ArrayList<>();
      int dim = data.dim();
      for (int q = 0; q < Math.min(count, data.nq()); q++) {
        StringBuilder sb = new StringBuilder("{\"vector\":[");
        for (int d = 0; d < dim; d++) {
          float v = data.test()[q * dim + d];
          sb.append(d == 0 ? "" : ",").append((int) v);
        }
        sb.append("],\"limit\":10,\"params\":{\"hnsw_ef\":64}}");
        out.add(sb.toString().getBytes(StandardCharsets.UTF_8));
      }
      return out;
    }

    private List<IngestBenchCommand.ServerJvm> startCluster(Path dir, int n) throws Exception {
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
          ports.add(s.getLocalPort());
        }
      }
      String seeds = String.join(",", ports.stream().map(p -> "127.0.0.1:" + p).toList());
      List<String> ids = new ArrayList<>();
      for (int i = 1; i <= n; i++) {
        ids.add("n" + i);
      }
      ExecutorService starter = Executors.newFixedThreadPool(n);
      try {
        List<Future<IngestBenchCommand.ServerJvm>> started = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
          Path nodeDir = Files.createDirectories(dir.resolve("n" + i));
          List<String> args =
              List.of(
                  "--cluster",
                  "--node-id",
                  "n" + i,
                  "--cluster-host",
                  "127.0.0.1",
                  "--cluster-port",
                  Integer.toString(ports.get(i - 1)),
                  "--seeds",
                  seeds,
                  "--initial-members",
                  String.join(",", ids));
          started.add(
              starter.submit(
                  () ->
                      IngestBenchCommand.ServerJvm.start(
                          nodeDir, o.heap(), args, Duration.ofMinutes(3))));
        }
        List<IngestBenchCommand.ServerJvm> nodes = new ArrayList<>();
        for (Future<IngestBenchCommand.ServerJvm> f : started) {
          nodes.add(f.get());
        }
        return nodes;
      } finally {
        starter.shutdownNow();
      }
    }

    private void awaitRegistered(List<URI> uris) throws Exception {
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (System.nanoTime() < deadline) {
        boolean all = true;
        for (URI u : uris) {
          JsonObject r = get(u, "cluster");
          JsonObject peers = r == null ? null : r.getJsonObject("result").getJsonObject("peers");
          all &=
              peers != null
                  && peers.size() == uris.size()
                  && peers.stream()
                      .allMatch(e -> ((JsonObject) e.getValue()).getString("uri") != null);
        }
        if (all) {
          return;
        }
        Thread.sleep(100); // poll interval
      }
      throw new IngestBenchCommand.BenchFailed("the cluster did not form within 2 minutes");
    }

    /** Creates {@code c}, loads it, searches it; returns the figures. */
    private JsonObject phase(
        String name,
        List<IngestBenchCommand.ServerJvm> jvms,
        int replication,
        String c,
        JsonObject create,
        List<byte[]> bodies,
        List<byte[]> queries)
        throws Exception {
      List<URI> uris = jvms.stream().map(j -> j.base).toList();
      send(
          uris.get(0), "PUT", "collections/" + c, create.encode().getBytes(StandardCharsets.UTF_8));
      Map<String, Double> before = metrics(uris);
      double cpu0 = cpuSeconds(jvms);
      long t0 = System.nanoTime();
      AtomicInteger next = new AtomicInteger();
      AtomicReference<String> failure = new AtomicReference<>();
      runWorkers(
          o.clients(),
          w -> {
            URI u = uris.get(w % uris.size());
            for (int b = next.getAndIncrement();
                b < bodies.size() && failure.get() == null;
                b = next.getAndIncrement()) {
              String err = send(u, "PUT", "collections/" + c + "/points?wait=true", bodies.get(b));
              if (err != null) {
                failure.compareAndSet(null, err);
              }
            }
          });
      double loadS = (System.nanoTime() - t0) / 1e9;
      if (failure.get() != null) {
        throw new IngestBenchCommand.BenchFailed(name + ": upload failed: " + failure.get());
      }
      Map<String, Double> after = metrics(uris);
      int points = 0;
      for (byte[] b : bodies) {
        points += countPoints(b);
      }
      double pps = points / loadS;
      // Followers apply behind the leader: until every replica holds every point.
      double replicatedS = awaitReplicated(uris, c, (long) points * replication, t0);
      double cpuPerKPoint = (cpuSeconds(jvms) - cpu0) / points * 1000;
      JsonArray fsyncs = fsyncsPerSecond(before, after, uris.size(), loadS);
      // Searches: each client pinned to one node, for a fixed time (and at most 1M requests),
      // after a warm-up: every node's JIT compiles the search path on its share of the load.
      search(uris, c, queries, o.warmupSeconds(), failure, new AtomicLong());
      AtomicLong done = new AtomicLong();
      long s0 = System.nanoTime();
      search(uris, c, queries, o.searchSeconds(), failure, done);
      double qps = done.get() / ((System.nanoTime() - s0) / 1e9);
      if (failure.get() != null) {
        throw new IngestBenchCommand.BenchFailed(name + ": search failed: " + failure.get());
      }
      out.printf(
          Locale.ROOT,
          "%-28s load %.1f s: %.0f points/s (fsyncs/s per node %s), on every replica after"
              + " %.1f s, %.2f CPU-s per 1000 points (all JVMs); search %.0f QPS%n",
          name,
          loadS,
          pps,
          fsyncs.encode(),
          replicatedS,
          cpuPerKPoint,
          qps);
      return new JsonObject()
          .put("name", name)
          .put("points", points)
          .put("load_s", round(loadS))
          .put("points_per_s", round(pps))
          .put("replicated_s", round(replicatedS))
          .put("cpu_s_per_1000_points", round(cpuPerKPoint))
          .put("fsyncs_per_s_per_node", fsyncs)
          .put("search_qps", round(qps))
          .put("search_clients", o.searchClients());
    }

    /** CPU time the server JVMs have used so far (every thread), in seconds. */
    private static double cpuSeconds(List<IngestBenchCommand.ServerJvm> jvms) {
      double total = 0;
      for (IngestBenchCommand.ServerJvm j : jvms) {
        total +=
            j.process.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
      }
      return total;
    }

    /**
     * Seconds from {@code t0} until the nodes' local replicas of {@code c} hold {@code copies}
     * points in all (every point on each of its replicas); polls for at most 5 minutes.
     */
    private double awaitReplicated(List<URI> uris, String c, long copies, long t0)
        throws Exception {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (true) {
        long held = 0;
        for (URI u : uris) {
          JsonObject reply = get(u, "collections/" + c + "/cluster");
          if (reply == null) {
            continue; // not answering this time: asked again
          }
          for (Object s : reply.getJsonObject("result").getJsonArray("local_shards")) {
            held += ((JsonObject) s).getLong("points_count", 0L);
          }
        }
        if (held >= copies) {
          return (System.nanoTime() - t0) / 1e9;
        }
        if (System.nanoTime() > deadline) {
          throw new IngestBenchCommand.BenchFailed(
              c + ": replicas hold " + held + " of " + copies + " point copies after 5 min");
        }
        Thread.sleep(100);
      }
    }

    /**
     * Searches from {@code o.searchClients()} clients, each pinned to one node, for {@code seconds}
     * (and at most 1M requests each), counting the answered ones in {@code done}; the first failure
     * goes to {@code failure} and stops that client.
     */
    private void search(
        List<URI> uris,
        String c,
        List<byte[]> queries,
        int seconds,
        AtomicReference<String> failure,
        AtomicLong done)
        throws Exception {
      long deadline = System.nanoTime() + seconds * 1_000_000_000L;
      runWorkers(
          o.searchClients(),
          w -> {
            URI u = uris.get(w % uris.size());
            for (int i = w; System.nanoTime() < deadline && i < 1_000_000; i++) {
              String err =
                  send(
                      u,
                      "POST",
                      "collections/" + c + "/points/search",
                      queries.get(i % queries.size()));
              if (err != null) {
                failure.compareAndSet(null, err);
                return;
              }
              done.incrementAndGet();
            }
          });
    }

    /** Small writes (16 points) for 8 s into collections of 1, 2 and 4 shards per node. */
    private JsonArray fsyncScaling(List<URI> uris, Dataset data) throws Exception {
      JsonArray rows = new JsonArray();
      List<byte[]> small = IngestBenchCommand.encodeBatches(data, 16);
      for (int perNode : List.of(1, 2, 4)) {
        String c = "fsync_" + perNode;
        send(
            uris.get(0),
            "PUT",
            "collections/" + c,
            createBody(data.dim(), perNode, 3).encode().getBytes(StandardCharsets.UTF_8));
        Map<String, Double> before = metrics(uris);
        AtomicLong writes = new AtomicLong();
        AtomicLong entries = new AtomicLong();
        AtomicReference<String> failure = new AtomicReference<>();
        long deadline = System.nanoTime() + 8_000_000_000L;
        long t0 = System.nanoTime();
        runWorkers(
            8,
            w -> {
              URI u = uris.get(w % uris.size());
              for (int i = w; System.nanoTime() < deadline && i < small.size(); i += 8) {
                String err = send(u, "PUT", "collections/" + c + "/points?wait=true", small.get(i));
                if (err != null) {
                  failure.compareAndSet(null, err);
                  return;
                }
                writes.incrementAndGet();
                // Batch i holds ids 16i..16i+15: one Raft entry per shard they fall in.
                java.util.Set<Integer> touched = new java.util.HashSet<>();
                for (long id = 16L * i; id < 16L * i + 16 && id < data.n(); id++) {
                  touched.add(
                      io.vecdb.cluster.placement.Hashing.shardOf(
                          io.vecdb.model.PointId.of(id), perNode));
                }
                entries.addAndGet(touched.size());
              }
            });
        double s = (System.nanoTime() - t0) / 1e9;
        if (failure.get() != null) {
          throw new IngestBenchCommand.BenchFailed(c + ": " + failure.get());
        }
        Map<String, Double> after = metrics(uris);
        JsonArray perSecond = fsyncsPerSecond(before, after, uris.size(), s);
        double total = 0;
        for (Object v : perSecond) {
          total += ((Number) v).doubleValue();
        }
        double wps = writes.get() / s;
        double eps = entries.get() / s; // every node stores every entry (RF=3 on 3 nodes)
        rows.add(
            new JsonObject()
                .put("shards_per_node", perNode)
                .put("writes_per_s", round(wps))
                .put("entries_per_s", round(eps))
                .put("fsyncs_per_s_per_node", perSecond)
                .put("entries_per_fsync", round(eps / (total / uris.size()))));
        out.printf(
            Locale.ROOT,
            "%d shard(s) per node: %.0f writes/s of 16 points (%.0f Raft entries/s), fsyncs/s per"
                + " node %s%n",
            perNode,
            wps,
            eps,
            perSecond.encode());
      }
      return rows;
    }

    private JsonObject failover(
        List<IngestBenchCommand.ServerJvm> nodes, List<URI> uris, Dataset data) throws Exception {
      JsonObject info = get(uris.get(0), "collections/rf3/cluster");
      String leader =
          info.getJsonObject("result")
              .getJsonArray("shards")
              .getJsonObject(0)
              .getJsonObject("leader")
              .getString("node_id");
      int victim = Integer.parseInt(leader.substring(1)) - 1;
      URI via = uris.get((victim + 1) % uris.size());
      // A point of shard 0 (the server's hash: see Hashing.shardOf).
      long id = 1_000_000;
      while (io.vecdb.cluster.placement.Hashing.shardOf(io.vecdb.model.PointId.of(id), o.shards())
          != 0) {
        id++;
      }
      StringBuilder v = new StringBuilder();
      for (int d = 0; d < data.dim(); d++) {
        v.append(d == 0 ? "" : ",").append(d % 7);
      }
      byte[] body =
          ("{\"points\":[{\"id\":" + id + ",\"vector\":[" + v + "]}]}")
              .getBytes(StandardCharsets.UTF_8);
      nodes.get(victim).kill();
      long t0 = System.nanoTime();
      String err = send(via, "PUT", "collections/rf3/points?wait=true&timeout=30", body);
      double s = (System.nanoTime() - t0) / 1e9;
      if (err != null) {
        // Keep what the survivors were doing for a diagnosis: a thread dump each, beside its log.
        for (int i = 0; i < nodes.size(); i++) {
          if (i != victim) {
            threadDump(nodes.get(i));
          }
        }
        throw new IngestBenchCommand.BenchFailed(
            "no write after failover (thread dumps of the survivors in their work dirs): " + err);
      }
      return new JsonObject().put("killed", leader).put("seconds", round(s));
    }

    private static void threadDump(IngestBenchCommand.ServerJvm jvm) {
      Path java = Path.of(System.getProperty("java.home"), "bin", "jcmd");
      try {
        new ProcessBuilder(java.toString(), String.valueOf(jvm.process.pid()), "Thread.print")
            .redirectErrorStream(true)
            .redirectOutput(jvm.workDir.resolve("threads.txt").toFile())
            .start()
            .waitFor(30, TimeUnit.SECONDS);
      } catch (IOException e) {
        System.err.println("bench-cluster: no thread dump of " + jvm.workDir + ": " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private interface Worker {
      void run(int w) throws Exception;
    }

    private static void runWorkers(int n, Worker worker) throws Exception {
      ExecutorService pool = Executors.newFixedThreadPool(n);
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int w = 0; w < n; w++) {
          int id = w;
          fs.add(
              pool.submit(
                  () -> {
                    worker.run(id);
                    return null;
                  }));
        }
        for (Future<?> f : fs) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
    }

    private static int countPoints(byte[] body) {
      String s = new String(body, 0, body.length, StandardCharsets.UTF_8);
      int n = 0;
      for (int i = s.indexOf("{\"id\":"); i >= 0; i = s.indexOf("{\"id\":", i + 1)) {
        n++;
      }
      return n;
    }

    /** Null on 200, else what went wrong. */
    private String send(URI base, String method, String path, byte[] body) {
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(base.resolve(path))
                    .timeout(Duration.ofSeconds(120))
                    .header("content-type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200
            ? null
            : r.statusCode() + " " + r.body().substring(0, Math.min(300, r.body().length()));
      } catch (IOException e) {
        return String.valueOf(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "interrupted";
      }
    }

    private JsonObject get(URI base, String path) {
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? new JsonObject(r.body()) : null;
      } catch (IOException | RuntimeException e) {
        return null;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }

    /** Each node's fsync counter: the Raft WAL's on a clustered node, else the WAL's. */
    private Map<String, Double> metrics(List<URI> uris) {
      Map<String, Double> out = new java.util.HashMap<>();
      for (int i = 0; i < uris.size(); i++) {
        try {
          HttpResponse<String> r =
              http.send(
                  HttpRequest.newBuilder(uris.get(i).resolve("metrics")).build(),
                  HttpResponse.BodyHandlers.ofString());
          Map<String, Double> m = IngestBenchCommand.parseMetrics(r.body());
          Double raft = m.get("vecdb_raft_wal_fsyncs_total");
          Double wal = m.get("vecdb_wal_fsyncs_total");
          out.put("n" + i, raft != null ? raft : wal != null ? wal : -1.0);
        } catch (IOException e) {
          out.put("n" + i, -1.0);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return out;
    }

    private static JsonArray fsyncsPerSecond(
        Map<String, Double> before, Map<String, Double> after, int n, double seconds) {
      JsonArray a = new JsonArray();
      for (int i = 0; i < n; i++) {
        a.add(round((after.get("n" + i) - before.get("n" + i)) / seconds));
      }
      return a;
    }

    private static double round(double x) {
      return Math.round(x * 100) / 100.0;
    }
  }
}
