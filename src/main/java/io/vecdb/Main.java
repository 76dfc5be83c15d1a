package io.vecdb;

public final class Main {
  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("bench")) {
      System.exit(io.vecdb.bench.BenchCommand.run(args));
    }
    System.out.println("vecdb");
  }
}
