package io.vecdb;

import io.vecdb.server.ServeCommand;
import java.util.Arrays;

/**
 * Command-line entry point: {@code vecdb <command> [flags]}. Exit status 2 for usage errors
 * (unknown command, unknown flag, bad value), 1 for start-up failures.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    if (args.length == 0) {
      usage("missing command");
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    switch (args[0]) {
      case "serve" -> ServeCommand.run(rest);
      case "bench" -> System.exit(io.vecdb.bench.BenchCommand.run(rest));
      case "bench-ingest" -> System.exit(io.vecdb.bench.IngestBenchCommand.run(rest));
      case "bench-raft-log" -> System.exit(io.vecdb.bench.RaftLogBench.run(rest));
      case "bench-cluster" -> System.exit(io.vecdb.bench.ClusterBenchCommand.run(rest));
      case "bench-overwrite" -> System.exit(io.vecdb.bench.OverwriteBenchCommand.run(rest));
      case "bench-stall" -> System.exit(io.vecdb.bench.StallBenchCommand.run(rest));
      case "bench-writes" -> System.exit(io.vecdb.bench.WritesBenchCommand.run(rest));
      case "bench-server" -> System.exit(io.vecdb.bench.ServerBenchCommand.run(rest));
      case "help", "-h", "--help" -> {
        System.out.println(USAGE);
        System.exit(0);
      }
      default -> usage("unknown command '" + args[0] + "'");
    }
  }

  static final String USAGE =
      """
      usage: vecdb serve [--config FILE] [--data-dir DIR] [--host H] [--http-port N]
                         [--max-request-bytes N] [--wal-sync always|interval|never]
                         [--wal-truncate-corrupt] [--cluster --node-id ID --cluster-host H
                         --cluster-port N --seeds H:P,... --initial-members ID,...]
             vecdb bench --help          HNSW benchmark (Fashion-MNIST or random data)
             vecdb bench-ingest --help   durable ingest benchmark over HTTP
             vecdb bench-raft-log --help fsyncs of the node-wide Raft WAL vs one per group
             vecdb bench-cluster         3 nodes (RF 3 and 1) beside a single node, failover
             vecdb bench-overwrite       memory and recall after overwriting every point 10 times
             vecdb bench-stall           longest write stall from a compaction or a checkpoint
             vecdb bench-writes          64 clients writing one point each, beside PostgreSQL
             vecdb bench-server          search over HTTP, batch and WebSocket beside the engine""";

  private static void usage(String problem) {
    System.err.println("vecdb: " + problem);
    System.err.println(USAGE);
    System.exit(2);
  }
}
