package io.vecdb.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL cluster for {@code vecdb bench-writes}: initialised in a temporary
 * directory, listening only on a Unix socket in that directory (no TCP), with {@code
 * synchronous_commit=on} and {@code fsync=on} (every acknowledged INSERT is durable, as VecDB's
 * {@code wal.sync always}). Run as root, the server and pgbench run as the {@code postgres} user
 * ({@code runuser}), since PostgreSQL refuses to run as root. Load comes from {@code pgbench}, one
 * single-row INSERT per transaction; its per-transaction log gives the latency percentiles and
 * {@code pg_stat_wal.wal_sync} the fsyncs.
 */
final class PostgresPeer implements AutoCloseable {
  private final Path bin;
  private final Path dir;
  private final Path data;
  private final int port;
  private final boolean asPostgres;

  /** One pgbench run. */
  record Result(
      String what,
      long transactions,
      long failed,
      double seconds,
      double p50Ms,
      double p99Ms,
      long walSyncs,
      double clientCpuMicrosPerTransaction) {}

  private PostgresPeer(Path bin, Path dir, int port, boolean asPostgres) {
    this.bin = bin;
    this.dir = dir;
    this.data = dir.resolve("data");
    this.port = port;
    this.asPostgres = asPostgres;
  }

  static PostgresPeer start(Path bin) throws Exception {
    if (!Files.isExecutable(bin.resolve("pgbench")) || !Files.isExecutable(bin.resolve("initdb"))) {
      throw new IngestBenchCommand.BenchFailed(
          "PostgreSQL not found in "
              + bin
              + " (apt-get install postgresql-15, or --pg-bin DIR, or --no-pg)");
    }
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dir = Files.createTempDirectory("vecdb-pg");
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort(); // only names the socket file: the server listens on no TCP port
    }
    PostgresPeer pg = new PostgresPeer(bin, dir, port, root);
    if (root) {
      exec(List.of("chown", "postgres:", dir.toString()), 30);
    }
    pg.run(
        List.of(
            bin.resolve("initdb").toString(),
            "-D",
            pg.data.toString(),
            "-A",
            "trust",
            "-U",
            "bench",
            "--no-sync"),
        120);
    pg.run(
        List.of(
            bin.resolve("pg_ctl").toString(),
            "-D",
            pg.data.toString(),
            "-l",
            dir.resolve("server.log").toString(),
            "-w",
            "-o",
            "-c listen_addresses='' -k "
                + dir
                + " -p "
                + port
                + " -c fsync=on -c synchronous_commit=on -c max_connections=300"
                + " -c shared_buffers=1GB -c max_wal_size=4GB",
            "start"),
        120);
    return pg;
  }

  String version() throws Exception {
    return sql("SHOW server_version").trim();
  }

  boolean hasPgvector() throws Exception {
    return !sql("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").isBlank();
  }

  String pgvectorVersion() throws Exception {
    return sql("SELECT default_version FROM pg_available_extensions WHERE name = 'vector'").trim();
  }

  /** Single-row INSERTs of a {@code real[]} of {@code dim} values into a table with a key. */
  Result plainInserts(int clients, int dim, int warmupSeconds, int seconds) throws Exception {
    sql("CREATE TABLE IF NOT EXISTS items (id bigserial PRIMARY KEY, v real[])");
    return pgbench(
        "INSERT INTO items (v) SELECT array_agg((random() * 255)::int::real)"
            + " FROM generate_series(1, "
            + dim
            + ");",
        clients,
        warmupSeconds,
        seconds,
        "pgbench: INSERT of one row (bigserial key, real[" + dim + "]) per transaction");
  }

  /** Single-row INSERTs into a pgvector table with an HNSW index (m 16, ef_construction 100). */
  Result pgvectorInserts(int clients, int dim, int warmupSeconds, int seconds) throws Exception {
    sql("CREATE EXTENSION IF NOT EXISTS vector");
    sql("CREATE TABLE vitems (id bigserial PRIMARY KEY, embedding vector(" + dim + "))");
    sql(
        "CREATE INDEX ON vitems USING hnsw (embedding vector_l2_ops)"
            + " WITH (m = 16, ef_construction = 100)");
    return pgbench(
        "INSERT INTO vitems (embedding) SELECT array_agg((random() * 255)::int::real)::vector"
            + " FROM generate_series(1, "
            + dim
            + ");",
        clients,
        warmupSeconds,
        seconds,
        "pgbench: INSERT of one row into an HNSW-indexed vector(" + dim + ") table");
  }

  private Result pgbench(String statement, int clients, int warmup, int seconds, String what)
      throws Exception {
    Path script = dir.resolve("script-" + System.nanoTime() + ".sql");
    Files.writeString(script, statement + "\n");
    if (asPostgres) {
      exec(List.of("chown", "postgres:", script.toString()), 30);
    }
    if (warmup > 0) {
      pgbenchRun(script, clients, warmup, null);
    }
    long syncsBefore = Long.parseLong(sql("SELECT wal_sync FROM pg_stat_wal").trim());
    Path logDir = Files.createDirectories(dir.resolve("log-" + System.nanoTime()));
    if (asPostgres) {
      exec(List.of("chown", "postgres:", logDir.toString()), 30);
    }
    String out = pgbenchRun(script, clients, seconds, logDir.resolve("tx"));
    long syncs = Long.parseLong(sql("SELECT wal_sync FROM pg_stat_wal").trim()) - syncsBefore;
    long tx = number(out, "number of transactions actually processed: (\\d+)");
    long failed = 0;
    Matcher f = Pattern.compile("number of failed transactions: (\\d+)").matcher(out);
    if (f.find()) {
      failed = Long.parseLong(f.group(1));
    }
    long[] latencies = latencies(logDir);
    double cpu = Double.NaN;
    Matcher c = Pattern.compile("pgbench_cpu_seconds ([0-9.]+) ([0-9.]+)").matcher(out);
    if (c.find()) {
      double total = Double.parseDouble(c.group(1)) + Double.parseDouble(c.group(2));
      cpu = total * 1e6 / Math.max(1, tx);
    }
    return new Result(
        what,
        tx,
        failed,
        seconds,
        BenchOutput.percentileMs(latencies, 0.50, 1e3),
        BenchOutput.percentileMs(latencies, 0.99, 1e3),
        syncs,
        cpu);
  }

  private String pgbenchRun(Path script, int clients, int seconds, Path logPrefix)
      throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                bin.resolve("pgbench").toString(),
                "-n",
                "-c",
                Integer.toString(clients),
                "-j",
                "2",
                "-T",
                Integer.toString(seconds),
                "-f",
                script.toString(),
                "-h",
                dir.toString(),
                "-p",
                Integer.toString(port),
                "-U",
                "bench"));
    if (logPrefix != null) {
      cmd.add("-l");
      cmd.add("--log-prefix=" + logPrefix);
    }
    cmd.add("postgres");
    if (logPrefix != null && Files.isExecutable(TIME)) {
      // The client's own CPU (user, system), to compare with VecDB's load generator.
      return run(cmd, seconds + 120L, List.of(TIME.toString(), "-f", "pgbench_cpu_seconds %U %S"));
    }
    return run(cmd, seconds + 120L, List.of());
  }

  /** Per-transaction latencies (microseconds) from pgbench's logs, sorted. */
  private static long[] latencies(Path logDir) throws IOException {
    List<Long> all = new ArrayList<>();
    try (Stream<Path> files = Files.list(logDir)) {
      for (Path f : files.toList()) {
        for (String line : Files.readAllLines(f)) {
          String[] cols = line.trim().split("\\s+");
          if (cols.length >= 3 && cols[2].chars().allMatch(Character::isDigit)) {
            all.add(Long.parseLong(cols[2]));
          }
        }
      }
    }
    long[] a = all.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(a);
    return a;
  }

  private static long number(String text, String regex) throws IngestBenchCommand.BenchFailed {
    Matcher m = Pattern.compile(regex).matcher(text);
    if (!m.find()) {
      throw new IngestBenchCommand.BenchFailed("pgbench printed no '" + regex + "':\n" + text);
    }
    return Long.parseLong(m.group(1));
  }

  private String sql(String statement) throws Exception {
    return run(
        List.of(
            bin.resolve("psql").toString(),
            "-X",
            "-q",
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            dir.toString(),
            "-p",
            Integer.toString(port),
            "-U",
            "bench",
            "-d",
            "postgres",
            "-c",
            statement),
        120);
  }

  private static final Path TIME = Path.of("/usr/bin/time");

  private String run(List<String> cmd, long timeoutSeconds) throws Exception {
    return run(cmd, timeoutSeconds, List.of());
  }

  private String run(List<String> cmd, long timeoutSeconds, List<String> prefix) throws Exception {
    List<String> full = new ArrayList<>(prefix);
    if (asPostgres) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(cmd);
    return exec(full, timeoutSeconds);
  }

  private static String exec(List<String> cmd, long timeoutSeconds) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out;
    try (var in = p.getInputStream()) {
      out = in.readAllBytes(); // the commands here end by themselves; the wait below bounds them
    }
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IngestBenchCommand.BenchFailed("timed out: " + String.join(" ", cmd));
    }
    String text = new String(out, java.nio.charset.StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IngestBenchCommand.BenchFailed(
          "exit " + p.exitValue() + ": " + String.join(" ", cmd) + "\n" + text);
    }
    return text;
  }

  @Override
  public void close() throws Exception {
    try {
      run(
          List.of(
              bin.resolve("pg_ctl").toString(),
              "-D",
              data.toString(),
              "-m",
              "immediate",
              "-w",
              "stop"),
          120);
    } finally {
      BenchOutput.deleteTree(dir);
    }
  }
}
