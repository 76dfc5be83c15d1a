package io.vecdb.bench;

import io.vecdb.index.Distance;
import io.vecdb.index.HnswConfig;
import io.vecdb.index.HnswIndex;
import io.vecdb.index.ParallelInserter;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code vecdb bench-writes}: many clients each writing one point at a time, the workload of an
 * application that stores one embedding per user action. In one run:
 *
 * <ol>
 *   <li>VecDB (a server process it starts, {@code wal.sync always}) and PostgreSQL 15 (a throwaway
 *       cluster it initialises, {@code synchronous_commit=on}) in {@code --rounds} alternating
 *       rounds: {@code --clients} HTTP connections from {@link LoadClient}, each with one {@code
 *       PUT /points?wait=false} of one random point in flight, for {@code --seconds}: acknowledged
 *       writes/s, writes per fsync (from {@code /metrics}), p50/p99 latency, the client's CPU per
 *       write; then pgbench with the same client count, one single-row INSERT per transaction into
 *       a plain table. Each phase starts once the CPUs are quiet; the summary compares medians;
 *   <li>the same VecDB load for {@code --sustain-seconds} into a fresh collection, and the rate at
 *       which points became searchable (counted applied at half time and at the end);
 *   <li>VecDB's engine in process: the same vectors inserted by 2 threads, the ceiling for the
 *       searchable rate;
 *   <li>if the pgvector extension is installed, pgbench's INSERTs into a table with an HNSW index.
 * </ol>
 *
 * <p>Vectors are random integers 0..255 in each of {@code --dim} components, a function of the
 * point id and the seed, so every system gets the same data. Every loop is bounded in time; only
 * loopback is used.
 */
public final class WritesBenchCommand {
  static final String USAGE =
      "usage: vecdb bench-writes [--clients 64] [--dim 128] [--seconds 10] [--sustain-seconds 60]"
          + " [--warmup-seconds 10] [--rounds 3] [--seed 42] [--server-heap 4g]"
          + " [--server-arg ARG]..."
          + " [--pg-bin /usr/lib/postgresql/15/bin] [--no-pg] [--json] [--work-dir DIR]";

  private WritesBenchCommand() {}

  record Options(
      int clients,
      int dim,
      int seconds,
      int sustainSeconds,
      int warmupSeconds,
      int rounds,
      long seed,
      String serverHeap,
      List<String> serverArgs,
      Path pgBin,
      boolean pg,
      boolean json,
      Path workDir) {

    static Options parse(String[] args) throws BenchOptions.BadFlag {
      int clients = 64;
      int dim = 128;
      int seconds = 10;
      int sustain = 60;
      int warmup = 10;
      int rounds = 3;
      long seed = 42;
      String heap = "4g";
      List<String> serverArgs = new ArrayList<>();
      Path pgBin = Path.of("/usr/lib/postgresql/15/bin");
      boolean pg = true;
      boolean json = false;
      Path workDir = null;
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        try {
          switch (flag) {
            case "--clients" -> clients = positive(flag, BenchOptions.value(args, ++i, flag));
            case "--dim" -> dim = positive(flag, BenchOptions.value(args, ++i, flag));
            case "--seconds" -> seconds = positive(flag, BenchOptions.value(args, ++i, flag));
            case "--sustain-seconds" ->
                sustain = positive(flag, BenchOptions.value(args, ++i, flag));
            case "--warmup-seconds" ->
                warmup = Integer.parseInt(BenchOptions.value(args, ++i, flag));
            case "--rounds" -> rounds = positive(flag, BenchOptions.value(args, ++i, flag));
            case "--seed" -> seed = Long.parseLong(BenchOptions.value(args, ++i, flag));
            case "--server-heap" -> heap = BenchOptions.value(args, ++i, flag);
            case "--server-arg" -> {
              if (++i >= args.length) {
                throw new BenchOptions.BadFlag(flag + ": missing value");
              }
              serverArgs.add(args[i]); // may itself start with "--"
            }
            case "--pg-bin" -> pgBin = Path.of(BenchOptions.value(args, ++i, flag));
            case "--no-pg" -> pg = false;
            case "--json" -> json = true;
            case "--work-dir" -> workDir = Path.of(BenchOptions.value(args, ++i, flag));
            default -> throw new BenchOptions.BadFlag("unknown flag '" + flag + "'");
          }
        } catch (NumberFormatException e) {
          throw new BenchOptions.BadFlag(flag + ": expected a number, got '" + args[i] + "'");
        }
      }
      return new Options(
          clients,
          dim,
          seconds,
          sustain,
          warmup,
          rounds,
          seed,
          heap,
          serverArgs,
          pgBin,
          pg,
          json,
          workDir);
    }

    private static int positive(String flag, String value) throws BenchOptions.BadFlag {
      int v = Integer.parseInt(value);
      if (v <= 0) {
        throw new BenchOptions.BadFlag(flag + ": expected a positive number, got " + v);
      }
      return v;
    }
  }

  public static int run(String[] args) {
    Options o;
    try {
      o = Options.parse(args);
    } catch (BenchOptions.BadFlag e) {
      System.err.println("vecdb bench-writes: " + e.getMessage());
      System.err.println(USAGE);
      return 2;
    }
    try {
      new Run(o).execute();
      return 0;
    } catch (IngestBenchCommand.BenchFailed e) {
      System.err.println("vecdb bench-writes: " + e.getMessage());
      return 1;
    } catch (Exception e) {
      System.err.println("vecdb bench-writes: failed: " + e);
      e.printStackTrace();
      return 1;
    }
  }

  /** Component {@code j} of point {@code id}'s vector: an integer 0..255, as the wire carries. */
  static int[] vector(long seed, long id, int dim) {
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + id);
    int[] v = new int[dim];
    for (int j = 0; j < dim; j++) {
      v[j] = r.nextInt(256);
    }
    return v;
  }

  /** Bytes {@link #body(long, long, int, byte[])} may need for a {@code dim}-d point. */
  static int maxBodyLength(int dim) {
    return 64 + 4 * dim;
  }

  /**
   * Writes {@code {"points":[{"id":ID,"vector":[..]}]}}, the body of point {@code id}, into {@code
   * out} (at least {@link #maxBodyLength} bytes); returns its length. ASCII digits straight into
   * bytes: the load thread makes one per request.
   */
  static int body(long seed, long id, int dim, byte[] out) {
    int[] v = vector(seed, id, dim);
    int at = ascii(out, 0, "{\"points\":[{\"id\":");
    at = ascii(out, at, Long.toString(id));
    at = ascii(out, at, ",\"vector\":[");
    for (int j = 0; j < dim; j++) {
      if (j > 0) {
        out[at++] = ',';
      }
      int x = v[j]; // 0..255
      if (x >= 100) {
        out[at++] = (byte) ('0' + x / 100);
      }
      if (x >= 10) {
        out[at++] = (byte) ('0' + x / 10 % 10);
      }
      out[at++] = (byte) ('0' + x % 10);
    }
    return ascii(out, at, "]}]}");
  }

  private static int ascii(byte[] out, int at, String s) {
    for (int i = 0; i < s.length(); i++) {
      out[at++] = (byte) s.charAt(i);
    }
    return at;
  }

  /** Latencies of one load phase, and what it counted. */
  record Load(
      long acknowledged,
      long failed,
      double seconds,
      long[] sortedLatencyNanos,
      double clientCpuMicrosPerRequest) {
    double perSecond() {
      return acknowledged / seconds;
    }

    double percentileMs(double p) {
      return BenchOutput.percentileMs(sortedLatencyNanos, p, 1e6);
    }
  }

  private static final class Run {
    private final Options o;
    private final List<Map<String, Object>> results = new ArrayList<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private Vertx vertx;
    private HttpClient http;
    private URI base;

    Run(Options o) {
      this.o = o;
    }

    void execute() throws Exception {
      Path workDir =
          o.workDir() != null
              ? Files.createDirectories(o.workDir())
              : Files.createTempDirectory("vecdb-bench-writes");
      progress(
          "%d clients, one %d-d point per request, %d s measured (%d s sustained), seed %d",
          o.clients(), o.dim(), o.seconds(), o.sustainSeconds(), o.seed());
      vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
      try (PostgresPeer pg = o.pg() ? PostgresPeer.start(o.pgBin()) : null) {
        long searchable = vecdb(workDir.resolve("vecdb"), pg);
        inProcess(searchable);
        if (pg != null) {
          if (pg.hasPgvector()) {
            awaitQuiet();
            progress("pgvector %s: INSERTs into an HNSW-indexed table ...", pg.pgvectorVersion());
            PostgresPeer.Result vector =
                pg.pgvectorInserts(o.clients(), o.dim(), o.warmupSeconds(), o.sustainSeconds());
            Map<String, Object> r = pgRecord("pgvector_hnsw", vector, pg.version());
            r.put("pgvector", pg.pgvectorVersion());
            emit(r);
          } else {
            emit(record("pgvector_hnsw", "skipped: the pgvector extension is not installed"));
          }
        }
        summary();
      } finally {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        if (o.workDir() == null) {
          BenchOutput.deleteTree(workDir);
        }
      }
    }

    /**
     * The VecDB phases, with PostgreSQL's plain-table rounds (if {@code pg}) interleaved with
     * VecDB's acknowledged rounds: on this shared machine the rate drifts by a third within
     * minutes, so each round of one is next to a round of the other. Returns how many points the
     * sustained phase made searchable.
     */
    private long vecdb(Path dir, PostgresPeer pg) throws Exception {
      Files.createDirectories(dir);
      List<String> args = new ArrayList<>(List.of("--wal-sync", "always"));
      args.addAll(o.serverArgs());
      try (IngestBenchCommand.ServerJvm server =
          IngestBenchCommand.ServerJvm.start(dir, o.serverHeap(), args, Duration.ofMinutes(5))) {
        base = server.base;
        http =
            vertx.createHttpClient(
                new HttpClientOptions()
                    .setDefaultHost(base.getHost())
                    .setDefaultPort(base.getPort())
                    .setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(2)); // set-up, metrics and counts only
        createCollection("bench_writes_warmup");
        if (o.warmupSeconds() > 0) {
          progress("warm-up: %d s ...", o.warmupSeconds());
          Load warm = load("bench_writes_warmup", o.warmupSeconds());
          awaitCount("bench_writes_warmup", warm.acknowledged(), 600);
        }
        for (int round = 1; round <= o.rounds(); round++) {
          awaitQuiet();
          acknowledged(round);
          if (pg != null) {
            awaitQuiet();
            progress(
                "PostgreSQL %s: plain-table INSERTs, round %d of %d ...",
                pg.version(), round, o.rounds());
            PostgresPeer.Result plain =
                pg.plainInserts(
                    o.clients(), o.dim(), round == 1 ? o.warmupSeconds() : 0, o.seconds());
            Map<String, Object> r = pgRecord("postgres_plain", plain, pg.version());
            r.put("round", round);
            emit(r);
          }
        }

        createCollection("bench_writes_sustained");
        awaitQuiet();
        progress(
            "sustained: %d s of the same load; searchable = applied points, counted at half time"
                + " and at the end ...",
            o.sustainSeconds());
        long t0 = System.nanoTime();
        long[] half = new long[] {-1, 0};
        long halfAt = t0 + TimeUnit.SECONDS.toNanos(o.sustainSeconds()) / 2;
        Thread counter =
            Thread.ofPlatform()
                .name("bench-writes-count")
                .start(
                    () -> {
                      try {
                        Thread.sleep(Math.max(0, (halfAt - System.nanoTime()) / 1_000_000));
                        long c = count("bench_writes_sustained");
                        half[1] = System.nanoTime();
                        half[0] = c;
                      } catch (Exception e) {
                        // reported as n/a
                      }
                    });
        Load sustained = load("bench_writes_sustained", o.sustainSeconds());
        long applied = count("bench_writes_sustained");
        long end = System.nanoTime();
        counter.join();
        double s = (end - t0) / 1e9;
        Map<String, Object> q =
            record("vecdb_sustained", "the same load; points searchable when it ends");
        putLoad(q, sustained);
        q.put("searchable", applied);
        q.put("searchable_per_s", round(applied / s));
        q.put(
            "searchable_per_s_second_half",
            half[0] < 0 ? null : round((applied - half[0]) / ((end - half[1]) / 1e9)));
        Map<String, Double> m = metrics();
        q.put("backlog_operations_at_end", m.get("vecdb_write_backlog_operations"));
        emit(q);
        awaitCount("bench_writes_sustained", sustained.acknowledged(), 900);
        http.close();
        server.stop(Duration.ofSeconds(120));
        return applied;
      }
    }

    /**
     * One round of acknowledged writes into a fresh collection; returns once every write is
     * searchable, so that the next phase does not share the cores with its graph insertion.
     */
    private void acknowledged(int round) throws Exception {
      String collection = "bench_writes_" + round;
      createCollection(collection);
      Map<String, Double> before = metrics();
      progress(
          "acknowledged: %d s of single-point writes, wait=false, round %d of %d ...",
          o.seconds(), round, o.rounds());
      Load ack = load(collection, o.seconds());
      Map<String, Double> after = metrics();
      Map<String, Object> r = record("vecdb_acknowledged", "PUT /points?wait=false, 1 point");
      r.put("round", round);
      putLoad(r, ack);
      double fsyncs = delta(before, after, "vecdb_wal_fsyncs_total");
      r.put("fsyncs", (long) fsyncs);
      r.put("writes_per_fsync", round(ack.acknowledged() / Math.max(1, fsyncs)));
      // Every acknowledged write must become searchable; the next phase starts once they have.
      long drainStart = System.nanoTime();
      awaitCount(collection, ack.acknowledged(), 600);
      r.put("all_searchable_after_s", round((System.nanoTime() - drainStart) / 1e9));
      emit(r);
    }

    /**
     * Waits (at most 120 s) until the machine's CPUs are at most 10% busy over a second, so that a
     * phase does not share the cores with the last one's aftermath: VecDB's checkpoint of the
     * collection just filled, PostgreSQL's autovacuum of the table. Without it PostgreSQL's rounds
     * after the first ran beside a VecDB checkpoint, at two thirds of the first round's rate.
     */
    private void awaitQuiet() throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      long t0 = System.nanoTime();
      long[] a = cpuTicks();
      while (true) {
        Thread.sleep(1000); // one-second sample
        long[] b = cpuTicks();
        double busy = (b[0] - a[0]) / (double) Math.max(1, b[1] - a[1]);
        if (busy <= 0.10) {
          break;
        }
        if (System.nanoTime() > deadline) {
          progress(
              "  the machine stayed busy (%.0f%% of its CPUs) for 120 s; going on", busy * 100);
          break;
        }
        a = b;
      }
      double waited = (System.nanoTime() - t0) / 1e9;
      if (waited > 1.5) {
        progress("  waited %.0f s for the CPUs to quieten", waited);
      }
    }

    /** Busy and total ticks of all CPUs, from the first line of {@code /proc/stat}. */
    private static long[] cpuTicks() throws java.io.IOException {
      Path stat = Path.of("/proc/stat");
      if (!Files.isReadable(stat)) {
        return new long[] {0, 1};
      }
      String[] f = Files.readAllLines(stat).get(0).trim().split("\\s+");
      long total = 0;
      long idle = 0;
      for (int i = 1; i < f.length && i <= 8; i++) {
        long v = Long.parseLong(f[i]);
        total += v;
        if (i == 4 || i == 5) {
          idle += v; // idle, iowait
        }
      }
      return new long[] {total - idle, total};
    }

    /** The same vectors, inserted into VecDB's HNSW index by two threads in this process. */
    private void inProcess(long n) {
      int count = (int) Math.max(1000, Math.min(n, 2_000_000));
      progress("in process: %,d of the same vectors, 2 insert threads ...", count);
      List<float[]> vectors = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        int[] v = vector(o.seed(), i + 1, o.dim());
        float[] f = new float[o.dim()];
        for (int j = 0; j < f.length; j++) {
          f[j] = v[j];
        }
        vectors.add(f);
      }
      HnswIndex index =
          new HnswIndex(
              o.dim(), Distance.EUCLID, HnswConfig.DEFAULT.withM(16).withEfConstruct(100));
      long t0;
      try (ParallelInserter inserter = new ParallelInserter(2)) {
        t0 = System.nanoTime();
        for (int from = 0; from < count; from += 4096) {
          inserter.addAll(index, vectors.subList(from, Math.min(count, from + 4096)));
        }
      }
      double s = (System.nanoTime() - t0) / 1e9;
      Map<String, Object> r =
          record("vecdb_in_process", "HnswIndex, 2 insert threads, m 16, ef_construct 100");
      r.put("points", count);
      r.put("seconds", round(s));
      r.put("points_per_s", round(count / s));
      emit(r);
    }

    /**
     * {@code clients} closed loops of one single-point upsert each, for {@code seconds}, from
     * {@link LoadClient} (one thread, each request made as it is sent), so that the load costs the
     * two cores about what pgbench costs PostgreSQL's run. Only requests answered inside the window
     * count as acknowledged.
     */
    private Load load(String collection, int seconds) throws Exception {
      String uri = "/collections/" + collection + "/points?wait=false";
      LoadClient client =
          new LoadClient(
              new InetSocketAddress(base.getHost(), base.getPort()), LoadClient.Mode.HTTP, uri);
      byte[] scratch = new byte[maxBodyLength(o.dim())];
      LoadClient.Result r =
          client.run(
              () ->
                  LoadClient.httpRequest(
                      "PUT",
                      uri,
                      scratch,
                      body(o.seed(), nextId.getAndIncrement(), o.dim(), scratch)),
              o.clients(),
              seconds,
              Long.MAX_VALUE);
      if (r.errors() > 0) {
        progress("  %d requests failed, the first: %s", r.errors(), r.firstError());
      }
      return new Load(
          r.okInWindow(),
          r.errors(),
          Math.min(r.seconds(), seconds),
          r.latencies(),
          r.clientCpuNanos() / 1e3 / Math.max(1, r.requests()));
    }

    private void createCollection(String name) throws Exception {
      int status =
          send(
              HttpMethod.PUT,
              "/collections/" + name,
              new JsonObject()
                  .put("vectors", new JsonObject().put("size", o.dim()).put("distance", "Euclid"))
                  .put("hnsw_config", new JsonObject().put("m", 16).put("ef_construct", 100))
                  .encode(),
              null);
      if (status != 200) {
        throw new IngestBenchCommand.BenchFailed("create collection " + name + ": HTTP " + status);
      }
    }

    /** Waits until {@code name} holds {@code n} points (polls each 100 ms, at most {@code s}). */
    private void awaitCount(String name, long n, int s) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(s);
      while (count(name) < n) {
        if (System.nanoTime() > deadline) {
          throw new IngestBenchCommand.BenchFailed(
              name + ": fewer than " + n + " acknowledged points searchable after " + s + " s");
        }
        Thread.sleep(100); // poll interval
      }
    }

    private long count(String name) throws Exception {
      AtomicReference<String> body = new AtomicReference<>();
      int status =
          send(HttpMethod.POST, "/collections/" + name + "/points/count", "{\"exact\":true}", body);
      if (status != 200) {
        throw new IngestBenchCommand.BenchFailed("count " + name + ": HTTP " + status);
      }
      try {
        return new JsonObject(body.get()).getJsonObject("result").getLong("count");
      } catch (RuntimeException e) {
        throw new IngestBenchCommand.BenchFailed("count " + name + ": answered " + body.get());
      }
    }

    private Map<String, Double> metrics() throws Exception {
      AtomicReference<String> body = new AtomicReference<>();
      send(HttpMethod.GET, "/metrics", null, body);
      return IngestBenchCommand.parseMetrics(body.get() == null ? "" : body.get());
    }

    private int send(HttpMethod method, String uri, String json, AtomicReference<String> out)
        throws Exception {
      return http.request(method, uri)
          .compose(
              req -> {
                req.putHeader("content-type", "application/json");
                // The body is read in the same step as the response arrives (a later step could
                // find it already ended).
                return (json == null ? req.send() : req.send(json))
                    .compose(
                        resp ->
                            resp.body()
                                .map(
                                    b -> {
                                      if (out != null) {
                                        out.set(b.toString());
                                      }
                                      return resp.statusCode();
                                    }));
              })
          .toCompletionStage()
          .toCompletableFuture()
          .get(60, TimeUnit.SECONDS);
    }

    private void summary() {
      if (o.json()) {
        return;
      }
      double ack = median("vecdb_acknowledged", "writes_per_s");
      double searchable = value("vecdb_sustained", "searchable_per_s");
      double secondHalf = value("vecdb_sustained", "searchable_per_s_second_half");
      double inProcess = value("vecdb_in_process", "points_per_s");
      double pg = median("postgres_plain", "writes_per_s");
      double pgv = value("pgvector_hnsw", "writes_per_s");
      System.out.println();
      System.out.printf(
          Locale.ROOT,
          "acknowledged writes/s, median of %d rounds: VecDB %,.0f, PostgreSQL plain table %s:"
              + " ratio %s (target >= 1)%n",
          o.rounds(),
          ack,
          Double.isNaN(pg) ? "n/a" : String.format(Locale.ROOT, "%,.0f", pg),
          Double.isNaN(pg) ? "n/a" : String.format(Locale.ROOT, "%.2f", ack / pg));
      if (!Double.isNaN(pg)) {
        StringBuilder each = new StringBuilder();
        List<Double> v = values("vecdb_acknowledged", "writes_per_s");
        List<Double> p = values("postgres_plain", "writes_per_s");
        for (int i = 0; i < Math.min(v.size(), p.size()); i++) {
          each.append(i == 0 ? "" : ", ")
              .append(String.format(Locale.ROOT, "%.2f", v.get(i) / p.get(i)));
        }
        System.out.println(
            "  round by round (each VecDB round beside the PostgreSQL one after it): " + each);
      }
      System.out.printf(
          Locale.ROOT,
          "searchable writes/s over %d s: VecDB %,.0f; pgvector HNSW %s: ratio %s (target >= 5);"
              + " VecDB in process, 2 threads, %,.0f: ratio %.2f (target >= 0.5)%n",
          o.sustainSeconds(),
          searchable,
          Double.isNaN(pgv) ? "n/a" : String.format(Locale.ROOT, "%,.0f", pgv),
          Double.isNaN(pgv) ? "n/a" : String.format(Locale.ROOT, "%.2f", searchable / pgv),
          inProcess,
          searchable / inProcess);
      System.out.printf(
          Locale.ROOT,
          "  in the second half alone: VecDB %,.0f/s: %s x pgvector, %.2f x in process%n",
          secondHalf,
          Double.isNaN(pgv) ? "n/a" : String.format(Locale.ROOT, "%.2f", secondHalf / pgv),
          secondHalf / inProcess);
    }

    private List<Double> values(String phase, String key) {
      List<Double> out = new ArrayList<>();
      for (Map<String, Object> r : results) {
        if (phase.equals(r.get("phase")) && r.get(key) instanceof Number n) {
          out.add(n.doubleValue());
        }
      }
      return out;
    }

    private double median(String phase, String key) {
      List<Double> v = new ArrayList<>(values(phase, key));
      if (v.isEmpty()) {
        return Double.NaN;
      }
      v.sort(null);
      int n = v.size();
      return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    private double value(String phase, String key) {
      for (Map<String, Object> r : results) {
        if (phase.equals(r.get("phase")) && r.get(key) instanceof Number n) {
          return n.doubleValue();
        }
      }
      return Double.NaN;
    }

    private static void putLoad(Map<String, Object> r, Load l) {
      r.put("seconds", round(l.seconds()));
      r.put("writes", l.acknowledged());
      r.put("failed", l.failed());
      r.put("writes_per_s", round(l.perSecond()));
      r.put("p50_ms", round(l.percentileMs(0.50)));
      r.put("p99_ms", round(l.percentileMs(0.99)));
      r.put("client_cpu_us_per_write", round(l.clientCpuMicrosPerRequest()));
    }

    private Map<String, Object> pgRecord(String phase, PostgresPeer.Result p, String version) {
      Map<String, Object> r = record(phase, p.what());
      r.put("postgres", version);
      r.put("seconds", round(p.seconds()));
      r.put("writes", p.transactions());
      r.put("failed", p.failed());
      r.put("writes_per_s", round(p.transactions() / p.seconds()));
      r.put("p50_ms", round(p.p50Ms()));
      r.put("p99_ms", round(p.p99Ms()));
      r.put("fsyncs", p.walSyncs());
      r.put("writes_per_fsync", round(p.transactions() / (double) Math.max(1, p.walSyncs())));
      r.put(
          "client_cpu_us_per_write",
          Double.isNaN(p.clientCpuMicrosPerTransaction())
              ? "n/a (no /usr/bin/time)"
              : round(p.clientCpuMicrosPerTransaction()));
      return r;
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String k) {
      return after.getOrDefault(k, 0.0) - before.getOrDefault(k, 0.0);
    }

    private Map<String, Object> record(String phase, String what) {
      return BenchOutput.record("writes", phase, what);
    }

    private void emit(Map<String, Object> r) {
      results.add(r);
      System.out.println(BenchOutput.line(r, o.json(), 19));
    }

    private void progress(String format, Object... args) {
      if (!o.json()) {
        System.err.println(String.format(Locale.ROOT, format, args));
      }
    }
  }

  static double round(double x) {
    return Math.round(x * 100) / 100.0;
  }
}
