package io.vecdb.bench;

import java.util.ArrayList;
import java.util.List;

/** Parsed {@code vecdb bench} flags. Parsing fails with a {@link BadFlag} naming the flag. */
record BenchOptions(
    String dataset,
    int n,
    int dim,
    long seed,
    int queries,
    int m,
    int efConstruction,
    int[] efs,
    int buildThreads,
    int searchThreads,
    boolean json,
    String peer,
    int k,
    String dataDir,
    String python,
    String metric,
    String hnswlibSrc,
    List<String> quantizations,
    double oversampling,
    int repeatQueries,
    float quantile,
    boolean onDisk) {

  static final String USAGE =
      "usage: vecdb bench [--dataset fashion-mnist|random|DIR] [--metric euclid|cosine|dot]"
          + " [--n N] [--dim D] [--seed S]"
          + " [--queries Q] [--m 16] [--ef-construction 200] [--ef 10,20,40,80,160]"
          + " [--build-threads 2] [--search-threads 1] [--k 10] [--json]"
          + " [--peer hnswlib|hnswlib-native|hnswlib,hnswlib-native] [--hnswlib-src DIR]"
          + " [--data-dir DIR] [--python PATH] [--quantization none,int8,binary]"
          + " [--oversampling 2] [--quantile 0.99] [--repeat-queries 1] [--on-disk]";

  /** A flag that is unknown, lacks its value or has a bad one. */
  static final class BadFlag extends Exception {
    BadFlag(String message) {
      super(message);
    }
  }

  static BenchOptions parse(String[] args) throws BadFlag {
    String dataset = "fashion-mnist";
    int n = -1;
    int dim = 128;
    long seed = 42;
    int queries = -1;
    int m = 16;
    int efc = 200;
    int[] efs = {10, 20, 40, 80, 160};
    int buildThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
    int searchThreads = 1;
    boolean json = false;
    String peer = null;
    int k = 10;
    String dataDir = "/usr/share/datasets/fashion-mnist";
    String python = System.getenv().getOrDefault("VECDB_PYTHON", "/usr/bin/python3");
    String metric = "euclid";
    String hnswlibSrc = "/usr/include";
    List<String> quantizations = List.of("none");
    double oversampling = 2.0;
    int repeatQueries = 1;
    float quantile = 0.99f;
    boolean onDisk = false;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("bench") && i == 0) {
        continue;
      }
      switch (flag) {
        case "--json" -> json = true;
        case "--on-disk" -> onDisk = true;
        case "--dataset" -> {
          dataset = dataset(args, ++i, flag);
        }
        case "--n" -> n = positiveInt(args, ++i, flag);
        case "--dim" -> dim = positiveInt(args, ++i, flag);
        case "--seed" -> {
          String v = value(args, ++i, flag);
          try {
            seed = Long.parseLong(v);
          } catch (NumberFormatException e) {
            throw new BadFlag("--seed: expected an integer, got '" + v + "'");
          }
        }
        case "--queries" -> queries = positiveInt(args, ++i, flag);
        case "--m" -> m = positiveInt(args, ++i, flag);
        case "--ef-construction", "--ef-construct" -> efc = positiveInt(args, ++i, flag);
        case "--ef" -> efs = intList(args, ++i, flag);
        case "--build-threads" -> buildThreads = positiveInt(args, ++i, flag);
        case "--search-threads" -> searchThreads = positiveInt(args, ++i, flag);
        case "--k" -> k = positiveInt(args, ++i, flag);
        case "--peer" -> {
          peer = value(args, ++i, flag);
          for (String one : peer.split(",", -1)) {
            if (!one.equals("hnswlib") && !one.equals("hnswlib-native")) {
              throw new BadFlag(
                  "--peer: expected hnswlib, hnswlib-native or both (comma-separated), got '"
                      + peer
                      + "'");
            }
          }
        }
        case "--hnswlib-src" -> hnswlibSrc = value(args, ++i, flag);
        case "--data-dir" -> dataDir = value(args, ++i, flag);
        case "--metric" -> {
          metric = value(args, ++i, flag);
          if (!metric.equals("euclid") && !metric.equals("cosine") && !metric.equals("dot")) {
            throw new BadFlag("--metric: expected euclid, cosine or dot, got '" + metric + "'");
          }
        }
        case "--python" -> python = value(args, ++i, flag);
        case "--quantization" -> {
          String v = value(args, ++i, flag);
          quantizations = List.of(v.split(","));
          for (String q : quantizations) {
            if (!q.equals("none") && !q.equals("int8") && !q.equals("binary")) {
              throw new BadFlag(
                  "--quantization: expected a comma-separated list of none, int8 and binary, got '"
                      + v
                      + "'");
            }
          }
        }
        case "--repeat-queries" -> repeatQueries = positiveInt(args, ++i, flag);
        case "--quantile" -> {
          String v = value(args, ++i, flag);
          try {
            quantile = Float.parseFloat(v);
          } catch (NumberFormatException e) {
            quantile = Float.NaN;
          }
          if (!(quantile >= 0.5f && quantile <= 1f)) {
            throw new BadFlag("--quantile: expected a number in [0.5, 1], got '" + v + "'");
          }
        }
        case "--oversampling" -> {
          String v = value(args, ++i, flag);
          try {
            oversampling = Double.parseDouble(v);
          } catch (NumberFormatException e) {
            oversampling = Double.NaN;
          }
          if (!(oversampling >= 1.0) || Double.isInfinite(oversampling)) {
            throw new BadFlag("--oversampling: expected a number >= 1, got '" + v + "'");
          }
        }
        default -> throw new BadFlag("unknown flag '" + flag + "'");
      }
    }
    if (m < 2) {
      throw new BadFlag("--m: expected at least 2, got " + m);
    }
    if (dataset.equals("random")) {
      n = n < 0 ? 100_000 : n;
      queries = queries < 0 ? 1_000 : queries;
    }
    return new BenchOptions(
        dataset,
        n,
        dim,
        seed,
        queries,
        m,
        efc,
        efs,
        buildThreads,
        searchThreads,
        json,
        peer,
        k,
        dataDir,
        python,
        metric,
        hnswlibSrc,
        quantizations,
        oversampling,
        repeatQueries,
        quantile,
        onDisk);
  }

  /** The peers {@code --peer} names, in order (none if it was not given). */
  List<String> peers() {
    return peer == null ? List.of() : List.of(peer.split(","));
  }

  /** True when {@code --dataset} names a directory of TEXMEX files. */
  boolean texmex() {
    return !dataset.equals("fashion-mnist") && !dataset.equals("random");
  }

  /** The index distance {@code --metric} names. */
  io.vecdb.index.Distance distance() {
    return distance(metric);
  }

  /** The index distance a {@code --metric} value names (euclid, cosine, dot). */
  static io.vecdb.index.Distance distance(String metric) {
    return switch (metric) {
      case "cosine" -> io.vecdb.index.Distance.COSINE;
      case "dot" -> io.vecdb.index.Distance.DOT;
      default -> io.vecdb.index.Distance.EUCLID;
    };
  }

  /** A {@code --dataset} value: fashion-mnist, random, or a directory of TEXMEX files. */
  static String dataset(String[] args, int i, String flag) throws BadFlag {
    String dataset = value(args, i, flag);
    if (!dataset.equals("fashion-mnist")
        && !dataset.equals("random")
        && !java.nio.file.Files.isDirectory(java.nio.file.Path.of(dataset))) {
      throw new BadFlag(
          "--dataset: expected fashion-mnist, random or a directory of TEXMEX files"
              + " (base.fvecs, query.fvecs, optional groundtruth.ivecs), got '"
              + dataset
              + "'");
    }
    return dataset;
  }

  /** The value after flag {@code args[i - 1]} (not another flag); shared by the bench commands. */
  static String value(String[] args, int i, String flag) throws BadFlag {
    if (i >= args.length || args[i].startsWith("--")) {
      throw new BadFlag(flag + ": missing value");
    }
    return args[i];
  }

  /** {@link #value} as a positive integer. */
  static int positiveInt(String[] args, int i, String flag) throws BadFlag {
    String v = value(args, i, flag);
    try {
      int x = Integer.parseInt(v);
      if (x <= 0) {
        throw new NumberFormatException();
      }
      return x;
    } catch (NumberFormatException e) {
      throw new BadFlag(flag + ": expected a positive integer, got '" + v + "'");
    }
  }

  private static int[] intList(String[] args, int i, String flag) throws BadFlag {
    String v = value(args, i, flag);
    List<Integer> out = new ArrayList<>();
    for (String part : v.split(",")) {
      try {
        int x = Integer.parseInt(part.trim());
        if (x <= 0) {
          throw new NumberFormatException();
        }
        out.add(x);
      } catch (NumberFormatException e) {
        throw new BadFlag(
            flag + ": expected a comma-separated list of positive integers, got '" + v + "'");
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }
}
