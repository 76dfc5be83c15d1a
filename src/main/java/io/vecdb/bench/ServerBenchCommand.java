package io.vecdb.bench;

import io.vecdb.collection.Collection;
import io.vecdb.config.VecdbOptions;
import io.vecdb.index.Distance;
import io.vecdb.index.Hits;
import io.vecdb.index.HnswIndex;
import io.vecdb.index.SearchParams;
import io.vecdb.server.VecdbNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code vecdb bench-server}: how much of the engine's search rate reaches a client (issue 10, item
 * 1). In one process and one run, on one collection:
 *
 * <ol>
 *   <li>a VecDB node (the real server: HTTP on loopback, event loop, bus, {@code --search-threads}
 *       search workers) is started and the dataset upserted through its REST API;
 *   <li>the in-process engine: {@code --search-threads} threads searching the collection's HNSW
 *       graph directly, then through the collection (id mapping, as a request does), at {@code
 *       hnsw_ef};
 *   <li>the same queries end to end from {@link LoadClient} (one thread, non-blocking, one request
 *       in flight per connection) at each of {@code --connections}: {@code POST /points/search},
 *       {@code POST /points/search/batch} of {@code --batch} queries, and WebSocket {@code search}
 *       messages.
 * </ol>
 *
 * <p>Each line gives queries/s, the ratio to the engine's rate, p50/p99 latency per request, and
 * CPU per query: of the whole process, and of the server alone (the process less the load thread,
 * which shares the same two cores, as any client on this machine would). Recall@k is checked from
 * the server's replies (one pass over the queries, replies parsed) before the timed runs. Every run
 * is bounded in time; only loopback is used.
 */
public final class ServerBenchCommand {
  static final String USAGE =
      "usage: vecdb bench-server [--dataset fashion-mnist|random|DIR] [--metric euclid|cosine|dot]"
          + " [--n N] [--dim 128 (random)] [--queries 1000] [--ef 40] [--k 10] [--m 16] [--ef-construction 200]"
          + " [--search-threads 2] [--connections 1,8,32] [--batch 16] [--seconds 10]"
          + " [--apis search,batch,ws] [--data-dir DIR] [--json]";

  private ServerBenchCommand() {}

  record Options(
      String dataset,
      String metric,
      int n,
      int dim,
      int queries,
      int ef,
      int k,
      int m,
      int efConstruction,
      int searchThreads,
      int[] connections,
      int batch,
      double seconds,
      List<String> apis,
      String fashionDir,
      boolean json) {
    Distance distance() {
      return BenchOptions.distance(metric);
    }

    String qdrantDistance() {
      return switch (metric) {
        case "cosine" -> "Cosine";
        case "dot" -> "Dot";
        default -> "Euclid";
      };
    }
  }

  static Options parse(String[] args) throws BenchOptions.BadFlag {
    String dataset = "fashion-mnist";
    String metric = "euclid";
    int n = -1;
    int dim = 128;
    int queries = 1000;
    int ef = 40;
    int k = 10;
    int m = 16;
    int efc = 200;
    int threads = 2;
    int[] connections = {1, 8, 32};
    int batch = 16;
    double seconds = 10;
    List<String> apis = List.of("search", "batch", "ws");
    String fashionDir = "/usr/share/datasets/fashion-mnist";
    boolean json = false;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("bench-server") && i == 0) {
        continue;
      }
      switch (flag) {
        case "--json" -> json = true;
        case "--dataset" -> dataset = BenchOptions.dataset(args, ++i, flag);
        case "--metric" -> {
          metric = value(args, ++i, flag);
          if (!Set.of("euclid", "cosine", "dot").contains(metric)) {
            throw new BenchOptions.BadFlag("--metric: expected euclid, cosine or dot");
          }
        }
        case "--n" -> n = positive(args, ++i, flag);
        case "--dim" -> dim = positive(args, ++i, flag);
        case "--queries" -> queries = positive(args, ++i, flag);
        case "--ef" -> ef = positive(args, ++i, flag);
        case "--k" -> k = positive(args, ++i, flag);
        case "--m" -> m = positive(args, ++i, flag);
        case "--ef-construction" -> efc = positive(args, ++i, flag);
        case "--search-threads" -> threads = positive(args, ++i, flag);
        case "--batch" -> batch = positive(args, ++i, flag);
        case "--data-dir" -> fashionDir = value(args, ++i, flag);
        case "--seconds" -> {
          String v = value(args, ++i, flag);
          try {
            seconds = Double.parseDouble(v);
          } catch (NumberFormatException e) {
            seconds = -1;
          }
          if (!(seconds > 0 && seconds <= 3600)) {
            throw new BenchOptions.BadFlag("--seconds: expected a number in (0, 3600], got " + v);
          }
        }
        case "--connections" -> {
          String[] parts = value(args, ++i, flag).split(",");
          connections = new int[parts.length];
          for (int j = 0; j < parts.length; j++) {
            connections[j] = positive(parts, j, flag);
            if (connections[j] > 1024) {
              throw new BenchOptions.BadFlag("--connections: at most 1024 each");
            }
          }
        }
        case "--apis" -> {
          apis = List.of(value(args, ++i, flag).split(","));
          for (String a : apis) {
            if (!Set.of("search", "batch", "ws").contains(a)) {
              throw new BenchOptions.BadFlag(
                  "--apis: expected a list of search, batch, ws; got " + a);
            }
          }
        }
        default -> throw new BenchOptions.BadFlag("unknown flag " + flag);
      }
    }
    return new Options(
        dataset,
        metric,
        n,
        dim,
        queries,
        ef,
        k,
        m,
        efc,
        threads,
        connections,
        batch,
        seconds,
        apis,
        fashionDir,
        json);
  }

  private static String value(String[] args, int i, String flag) throws BenchOptions.BadFlag {
    return BenchOptions.value(args, i, flag);
  }

  private static int positive(String[] args, int i, String flag) throws BenchOptions.BadFlag {
    return BenchOptions.positiveInt(args, i, flag);
  }

  public static int run(String[] args) {
    Options o;
    try {
      o = parse(args);
    } catch (BenchOptions.BadFlag e) {
      System.err.println("vecdb bench-server: " + e.getMessage());
      System.err.println(USAGE);
      return 2;
    }
    try {
      return run(o, System.out, System.err);
    } catch (Exception e) {
      System.err.println("vecdb bench-server: failed: " + e);
      e.printStackTrace(System.err);
      return 1;
    }
  }

  private static final String NAME = "bench";

  static int run(Options o, PrintStream out, PrintStream err) throws Exception {
    Dataset data =
        switch (o.dataset()) {
          case "fashion-mnist" -> Dataset.fashionMnist(Path.of(o.fashionDir()), o.n());
          case "random" -> Dataset.random(o.n() > 0 ? o.n() : 10_000, o.dim(), o.queries(), 42);
          default -> Dataset.texmex(Path.of(o.dataset()), o.n(), 0);
        };
    int nq = Math.min(o.queries(), data.nq());
    int cpus = Runtime.getRuntime().availableProcessors();
    int[] gt = GroundTruth.load(data, o.k(), o.distance(), Path.of("target", "bench-cache"), cpus);
    if (!o.json()) {
      err.printf(
          Locale.ROOT,
          "dataset %s: %d x %d, %d of %d queries, %s, hnsw_ef %d, %d search threads%n",
          data.name(),
          data.n(),
          data.dim(),
          nq,
          data.nq(),
          o.metric(),
          o.ef(),
          o.searchThreads());
    }
    Path dir = Files.createTempDirectory("vecdb-bench-server");
    VecdbOptions options =
        new VecdbOptions()
            .setDataDir(dir.toString())
            .setHost("127.0.0.1")
            .setHttpPort(0)
            .setGrpcPort(0)
            .setSearchInstances(o.searchThreads());
    // Loading is not what is measured: no fsync, and no checkpoint during the timed runs.
    options.getDurability().setWalSync("never").setSnapshotWalMb(1 << 20);
    options.getDurability().setSnapshotIntervalMinutes(0);
    VecdbNode node =
        VecdbNode.start(options)
            .toCompletionStage()
            .toCompletableFuture()
            .get(120, TimeUnit.SECONDS);
    try {
      URI base = URI.create("http://127.0.0.1:" + node.httpPort());
      long t0 = System.nanoTime();
      load(base, data, o);
      if (!o.json()) {
        err.printf(
            Locale.ROOT,
            "loaded %d points over HTTP in %.1f s%n",
            data.n(),
            (System.nanoTime() - t0) / 1e9);
      }
      Collection c = node.collections().require(NAME);
      float[][] queries = new float[nq][];
      for (int i = 0; i < nq; i++) {
        queries[i] = data.testVector(i);
      }
      SearchParams params = new SearchParams(o.ef(), false);
      HnswIndex graph = c.hnswOf("");
      int[] ordOfId = new int[data.n()];
      int maxOrd = 0;
      for (int id = 0; id < data.n(); id++) {
        ordOfId[id] = c.point(new io.vecdb.model.PointId.Num(id)).ordinal();
        maxOrd = Math.max(maxOrd, ordOfId[id]);
      }
      int[] ordinalToId = new int[maxOrd + 1];
      for (int id = 0; id < data.n(); id++) {
        ordinalToId[ordOfId[id]] = id;
      }
      Engine engineGraph = (q, k) -> ids(graph.search(q, k, params, null), ordinalToId);
      Engine engineCollection =
          (q, k) -> {
            var hits = c.search(q, k, 0, params, null, null);
            int[] found = new int[hits.size()];
            for (int i = 0; i < found.length; i++) {
              found[i] = (int) ((io.vecdb.model.PointId.Num) hits.get(i).id()).value();
            }
            return found;
          };
      Map<String, Object> engine = engine("engine-graph", engineGraph, queries, gt, o);
      double engineQps = (double) engine.get("qps");
      print(engine, o, out);
      print(
          withRatio(engine("engine-collection", engineCollection, queries, gt, o), engineQps),
          o,
          out);
      InetSocketAddress at = new InetSocketAddress("127.0.0.1", node.httpPort());
      for (String api : o.apis()) {
        LoadClient client =
            new LoadClient(
                at,
                api.equals("ws") ? LoadClient.Mode.WEBSOCKET : LoadClient.Mode.HTTP,
                switch (api) {
                  case "batch" -> "/collections/" + NAME + "/points/search/batch";
                  case "ws" -> "/ws";
                  default -> "/collections/" + NAME + "/points/search";
                });
        int per = api.equals("batch") ? o.batch() : 1;
        List<String> bodies = bodies(api, queries, o);
        byte[][] wire = client.encode(bodies, 7);
        // The recall pass: every query once, over one connection, replies parsed.
        double recall = recallOverApi(client, wire, api, per, gt, o.k(), nq);
        for (int conns : o.connections()) {
          client.run(wire, conns, Math.min(2, o.seconds()), Long.MAX_VALUE, null); // warm-up
          double cpu0 = BenchCommand.processCpuSeconds();
          double sys0 = systemCpuSeconds();
          Map<String, Long> threads0 = threadCpu();
          LoadClient.Result r = client.run(wire, conns, o.seconds(), Long.MAX_VALUE, null);
          Map<String, Long> threads1 = threadCpu();
          double cpu = BenchCommand.processCpuSeconds() - cpu0;
          double sys = systemCpuSeconds() - sys0;
          if (r.errors() > 0) {
            throw new IllegalStateException(
                api
                    + ": "
                    + r.errors()
                    + " of "
                    + r.requests()
                    + " failed; first: "
                    + r.firstError());
          }
          long q = r.requests() * per;
          Map<String, Object> line = BenchOutput.record(NAME + "-server", api, "loopback");
          line.put("connections", conns);
          line.put("qps", round(q / r.seconds(), 1));
          line.put("x_engine", round(q / r.seconds() / engineQps, 3));
          line.put("requests", r.requests());
          line.put("p50_ms", round(r.percentileMs(0.50), 3));
          line.put("p99_ms", round(r.percentileMs(0.99), 3));
          line.put("cpu_us_per_query", round(cpu * 1e6 / q, 1));
          line.put("server_cpu_us_per_query", round((cpu - r.clientCpuNanos() / 1e9) * 1e6 / q, 1));
          line.put("client_cpu_us_per_query", round(r.clientCpuNanos() / 1e3 / q, 1));
          if (Double.isFinite(sys)) {
            line.put("kernel_cpu_us_per_query", round(sys * 1e6 / q, 1));
          }
          for (Map.Entry<String, Long> e : threads1.entrySet()) {
            long before = threads0.getOrDefault(e.getKey(), 0L);
            line.put(e.getKey() + "_cpu_us_per_query", round((e.getValue() - before) / 1e3 / q, 1));
          }
          line.put("recall", round(recall, 4));
          print(line, o, out);
        }
      }
    } finally {
      node.close().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      BenchOutput.deleteTree(dir);
    }
    if (!o.json()) {
      err.println(
          "x_engine: queries/s over the in-process graph search's queries/s with the same number of"
              + " threads; server_cpu: the process's CPU less the load thread's, per query");
    }
    return 0;
  }

  /**
   * This process's CPU time in the kernel (all threads, server and load thread), from {@code
   * /proc/self/stat} in clock ticks of 10 ms; NaN where there is no such file.
   */
  static double systemCpuSeconds() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[12]) / 100.0; // stime is field 15; f[0] is field 3
    } catch (java.io.IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /**
   * CPU nanoseconds of this process's live threads by role: the event loops, the search workers,
   * the load thread (this one) and the rest (GC, JIT, apply, bookkeeping). Threads that ended
   * between two calls drop out: the figures are lower bounds, and the process total is exact.
   */
  static Map<String, Long> threadCpu() {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    Map<String, Long> out = new java.util.LinkedHashMap<>();
    out.put("eventloop", 0L);
    out.put("search_workers", 0L);
    for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (t == null) {
        continue;
      }
      long cpu = mx.getThreadCpuTime(t.getThreadId());
      if (cpu < 0) {
        continue;
      }
      String name = t.getThreadName();
      String role =
          name.startsWith("vert.x-eventloop")
              ? "eventloop"
              : name.startsWith("vecdb-search")
                  ? "search_workers"
                  : t.getThreadId() == Thread.currentThread().threadId() ? null : "other_threads";
      if (role != null) {
        out.merge(role, cpu, Long::sum);
      }
    }
    return out;
  }

  /** A search in process: the ids of the best {@code k}. */
  interface Engine {
    int[] search(float[] q, int k);
  }

  private static int[] ids(Hits h, int[] ordinalToId) {
    int[] out = new int[h.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ordinalToId[h.ordinal(i)];
    }
    return out;
  }

  /** The engine with {@code searchThreads} threads for {@code seconds}, after a recall pass. */
  private static Map<String, Object> engine(
      String what, Engine e, float[][] queries, int[] gt, Options o) throws Exception {
    double recall = 0;
    for (int i = 0; i < queries.length; i++) {
      recall += recall(e.search(queries[i], o.k()), gt, i, o.k());
    }
    recall /= queries.length;
    run(e, queries, o, Math.min(2, o.seconds())); // warm-up
    double cpu0 = BenchCommand.processCpuSeconds();
    long t0 = System.nanoTime();
    long count = run(e, queries, o, o.seconds());
    double seconds = (System.nanoTime() - t0) / 1e9;
    double cpu = BenchCommand.processCpuSeconds() - cpu0;
    Map<String, Object> line = BenchOutput.record(NAME + "-server", what, "in-process");
    line.put("threads", o.searchThreads());
    line.put("qps", round(count / seconds, 1));
    line.put("cpu_us_per_query", round(cpu * 1e6 / count, 1));
    line.put("recall", round(recall, 4));
    return line;
  }

  private static Map<String, Object> withRatio(Map<String, Object> line, double engineQps) {
    Map<String, Object> out = new java.util.LinkedHashMap<>(line);
    out.put("x_engine", round((double) line.get("qps") / engineQps, 3));
    return out;
  }

  private static long run(Engine e, float[][] queries, Options o, double seconds)
      throws InterruptedException {
    AtomicLong count = new AtomicLong();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    Thread[] threads = new Thread[o.searchThreads()];
    for (int t = 0; t < threads.length; t++) {
      int start = t * queries.length / threads.length;
      threads[t] =
          new Thread(
              () -> {
                long mine = 0;
                int i = start;
                while (System.nanoTime() < end) {
                  e.search(queries[i], o.k());
                  i = (i + 1) % queries.length;
                  mine++;
                }
                count.addAndGet(mine);
              },
              "bench-engine-" + t);
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    return count.get();
  }

  private static double recall(int[] found, int[] gt, int query, int k) {
    Set<Integer> truth = new HashSet<>();
    for (int j = 0; j < k; j++) {
      truth.add(gt[query * k + j]);
    }
    int hit = 0;
    for (int id : found) {
      if (truth.contains(id)) {
        hit++;
      }
    }
    return (double) hit / k;
  }

  /** The request bodies (or WebSocket messages) of {@code api}, one per query or batch. */
  private static List<String> bodies(String api, float[][] queries, Options o) {
    List<String> out = new ArrayList<>();
    switch (api) {
      case "batch" -> {
        for (int i = 0; i < queries.length; i += o.batch()) {
          StringBuilder b = new StringBuilder("{\"searches\":[");
          for (int j = 0; j < o.batch(); j++) {
            if (j > 0) {
              b.append(',');
            }
            search(b, queries[(i + j) % queries.length], o);
          }
          out.add(b.append("]}").toString());
        }
      }
      case "ws" -> {
        for (int i = 0; i < queries.length; i++) {
          StringBuilder b = new StringBuilder("{\"id\":").append(i);
          b.append(",\"action\":\"search\",\"collection\":\"").append(NAME).append("\",\"body\":");
          search(b, queries[i], o);
          out.add(b.append('}').toString());
        }
      }
      default -> {
        for (float[] q : queries) {
          out.add(search(new StringBuilder(), q, o).toString());
        }
      }
    }
    return out;
  }

  private static StringBuilder search(StringBuilder b, float[] q, Options o) {
    b.append("{\"vector\":[");
    for (int i = 0; i < q.length; i++) {
      if (i > 0) {
        b.append(',');
      }
      b.append(q[i]);
    }
    return b.append("],\"limit\":")
        .append(o.k())
        .append(",\"params\":{\"hnsw_ef\":")
        .append(o.ef())
        .append("}}");
  }

  /** Recall@k from the server's replies to every query once. */
  private static double recallOverApi(
      LoadClient client, byte[][] wire, String api, int per, int[] gt, int k, int nq)
      throws Exception {
    double[] sum = {0};
    int[] counted = {0};
    LoadClient.Result r =
        client.run(
            wire,
            1,
            600,
            wire.length,
            (i, body) -> {
              JsonObject reply = new JsonObject(body);
              Object result = reply.getValue("result");
              List<JsonArray> lists = new ArrayList<>();
              if (per == 1) {
                lists.add((JsonArray) result);
              } else {
                for (Object one : (JsonArray) result) {
                  lists.add((JsonArray) one);
                }
              }
              for (int j = 0; j < lists.size(); j++) {
                int query = (i * per + j) % nq;
                if (per > 1 && i * per + j >= nq) {
                  break; // the last batch wrapped around to the first queries
                }
                JsonArray hits = lists.get(j);
                int[] ids = new int[hits.size()];
                for (int h = 0; h < ids.length; h++) {
                  ids[h] = ((Number) hits.getJsonObject(h).getValue("id")).intValue();
                }
                sum[0] += recall(ids, gt, query, k);
                counted[0]++;
              }
            });
    if (r.errors() > 0) {
      throw new IllegalStateException(api + ": " + r.firstError());
    }
    return sum[0] / counted[0];
  }

  /** Creates the collection and upserts every train row (id = row) through the REST API. */
  private static void load(URI base, Dataset data, Options o) throws Exception {
    try (HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build()) {
      send(
          http,
          HttpRequest.newBuilder(base.resolve("/collections/" + NAME))
              .PUT(
                  HttpRequest.BodyPublishers.ofString(
                      new JsonObject()
                          .put(
                              "vectors",
                              new JsonObject()
                                  .put("size", data.dim())
                                  .put("distance", o.qdrantDistance()))
                          .put(
                              "hnsw_config",
                              new JsonObject()
                                  .put("m", o.m())
                                  .put("ef_construct", o.efConstruction()))
                          .encode())));
      int batch = 512;
      for (int from = 0; from < data.n(); from += batch) {
        StringBuilder b = new StringBuilder("{\"points\":[");
        for (int i = from; i < Math.min(data.n(), from + batch); i++) {
          if (i > from) {
            b.append(',');
          }
          b.append("{\"id\":").append(i).append(",\"vector\":[");
          for (int d = 0; d < data.dim(); d++) {
            if (d > 0) {
              b.append(',');
            }
            b.append(data.train()[i * data.dim() + d]);
          }
          b.append("]}");
        }
        b.append("]}");
        send(
            http,
            HttpRequest.newBuilder(base.resolve("/collections/" + NAME + "/points?wait=true"))
                .PUT(HttpRequest.BodyPublishers.ofString(b.toString())));
      }
    }
  }

  private static void send(HttpClient http, HttpRequest.Builder request) throws Exception {
    HttpResponse<String> r =
        http.send(
            request
                .header("content-type", "application/json")
                .timeout(Duration.ofMinutes(5))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("load: " + r.statusCode() + " " + r.body());
    }
  }

  private static void print(Map<String, Object> line, Options o, PrintStream out) {
    out.println(BenchOutput.line(line, o.json(), 18));
    out.flush();
  }

  static double round(double x, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(x * f) / f;
  }
}
