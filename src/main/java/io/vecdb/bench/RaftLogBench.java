package io.vecdb.bench;

import io.microraft.model.RaftModelFactory;
import io.microraft.model.log.LogEntry;
import io.microraft.persistence.RaftStore;
import io.vecdb.cluster.raft.NodeEndpoint;
import io.vecdb.cluster.raft.RaftCodec;
import io.vecdb.cluster.raft.RaftLogStore;
import io.vecdb.cluster.raft.ShardCommand;
import io.vecdb.collection.Operation;
import io.vecdb.collection.PointStruct;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vecdb.wal.WalStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code vecdb bench-raft-log}: what the node-wide Raft WAL buys. N groups write on N threads, each
 * appending one entry and flushing (as a Raft leader does per write), for a fixed time; once into
 * one shared {@link RaftLogStore} (VecDB's design) and once into one store per group (the
 * alternative), on the same disk, in the same run. Prints flushes/s, fsyncs/s and flushes per fsync
 * for each N: with the shared log, fsyncs per second stay flat as groups are added.
 */
public final class RaftLogBench {
  private static final RaftModelFactory M = RaftCodec.model();
  // Held so that the level sticks (JUL keeps loggers weakly): each run's WAL-open line is noise.
  private static final java.util.logging.Logger WAL_LOG =
      java.util.logging.Logger.getLogger("io.vecdb.wal");

  private RaftLogBench() {}

  public static int run(String[] args) {
    int[] groups = {1, 2, 4, 8};
    double seconds = 3;
    int entryBytes = 4096;
    Path dir = Path.of("target", "bench-raft-log");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--groups" ->
            groups = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--seconds" -> seconds = Double.parseDouble(args[++i]);
        case "--entry-bytes" -> entryBytes = Integer.parseInt(args[++i]);
        case "--dir" -> dir = Path.of(args[++i]);
        case "--help" -> {
          System.out.println(
              "vecdb bench-raft-log [--groups 1,2,4,8] [--seconds 3] [--entry-bytes 4096]"
                  + " [--dir target/bench-raft-log]\n"
                  + "  N groups append+flush on N threads into one node-wide Raft WAL, then into"
                  + " one WAL per group; prints flushes/s and fsyncs/s for each.");
          return 0;
        }
        default -> {
          System.err.println("bench-raft-log: unknown flag '" + args[i] + "' (see --help)");
          return 2;
        }
      }
    }
    WAL_LOG.setLevel(java.util.logging.Level.WARNING);
    try {
      Files.createDirectories(dir);
      System.out.printf(
          "%-8s %-18s %12s %10s %16s %12s%n",
          "groups", "log", "flushes/s", "fsyncs/s", "flushes/fsync", "mean ms");
      for (int n : groups) {
        for (boolean shared : new boolean[] {true, false}) {
          Result r =
              measure(
                  dir.resolve((shared ? "shared-" : "per-group-") + n),
                  n,
                  shared,
                  seconds,
                  entryBytes);
          System.out.printf(
              "%-8d %-18s %12.0f %10.0f %16.2f %12.2f%n",
              n,
              shared ? "one per node" : "one per group",
              r.flushes / r.seconds,
              r.fsyncs / r.seconds,
              r.fsyncs == 0 ? 0 : (double) r.flushes / r.fsyncs,
              r.seconds * 1000 * n / Math.max(1, r.flushes));
        }
      }
      return 0;
    } catch (Exception e) {
      System.err.println("bench-raft-log: " + e);
      return 1;
    }
  }

  private record Result(long flushes, long fsyncs, double seconds) {}

  private static Result measure(Path dir, int n, boolean shared, double seconds, int entryBytes)
      throws Exception {
    BenchOutput.deleteTree(dir);
    List<RaftLogStore> logs = new ArrayList<>();
    List<RaftStore> stores = new ArrayList<>();
    for (int g = 0; g < n; g++) {
      if (shared && g == 0 || !shared) {
        logs.add(
            RaftLogStore.open(shared ? dir : dir.resolve("g" + g), WalStorage.files(), 64L << 20));
      }
      RaftStore s = logs.get(shared ? 0 : g).store("g" + g, () -> {});
      s.persistAndFlushLocalEndpoint(
          M.createRaftEndpointPersistentStateBuilder()
              .setLocalEndpoint(new NodeEndpoint("n1"))
              .setVoting(true)
              .build());
      stores.add(s);
    }
    long fsyncsBefore = logs.stream().mapToLong(l -> l.stats().fsyncs()).sum();
    AtomicLong flushes = new AtomicLong();
    CountDownLatch done = new CountDownLatch(n);
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    long t0 = System.nanoTime();
    List<Thread> threads = new ArrayList<>();
    for (int g = 0; g < n; g++) {
      RaftStore s = stores.get(g);
      String group = "g" + g;
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      float[] v = new float[entryBytes / 4];
                      for (long i = 1; System.nanoTime() < deadline; i++) {
                        Operation op =
                            new Operation.UpsertPoints(
                                group, List.of(new PointStruct(PointId.of(i), v, Payload.EMPTY)));
                        LogEntry e =
                            M.createLogEntryBuilder()
                                .setIndex(i)
                                .setTerm(1)
                                .setOperation(new ShardCommand("bench", i, op))
                                .build();
                        s.persistLogEntries(List.of(e));
                        s.flush();
                        flushes.incrementAndGet();
                      }
                    } catch (IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    } finally {
                      done.countDown();
                    }
                  }));
    }
    done.await();
    double elapsed = (System.nanoTime() - t0) / 1e9;
    long fsyncs = logs.stream().mapToLong(l -> l.stats().fsyncs()).sum() - fsyncsBefore;
    logs.forEach(RaftLogStore::close);
    BenchOutput.deleteTree(dir);
    return new Result(flushes.get(), fsyncs, elapsed);
  }
}
