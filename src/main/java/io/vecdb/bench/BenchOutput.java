package io.vecdb.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What the benchmark commands share: their result records ({@code bench}, {@code phase}, {@code
 * what}, then figures), printed as one JSON object or one {@code key=value} line each, and the
 * removal of their scratch directories. Stateless.
 */
final class BenchOutput {
  private BenchOutput() {}

  /** A result record of {@code bench}, to which the figures are added in print order. */
  /**
   * The nearest-rank {@code p} percentile of {@code sorted} latencies, in milliseconds ({@code
   * unitsPerMs}: 1,000,000 for nanoseconds, 1,000 for microseconds); NaN if there are none.
   */
  static double percentileMs(long[] sorted, double p, double unitsPerMs) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
    return sorted[Math.max(0, i)] / unitsPerMs;
  }

  static Map<String, Object> record(String bench, String phase, String what) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("bench", bench);
    r.put("phase", phase);
    r.put("what", what);
    return r;
  }

  /** {@code r} as one line: JSON, or the phase padded to {@code width} and then key=value pairs. */
  static String line(Map<String, Object> r, boolean json, int width) {
    if (json) {
      return new JsonObject(r).encode();
    }
    StringBuilder line =
        new StringBuilder(String.format(Locale.ROOT, "%-" + width + "s", r.get("phase")));
    r.forEach(
        (k, v) -> {
          if (!k.equals("bench") && !k.equals("phase")) {
            line.append("  ").append(k).append('=').append(v);
          }
        });
    return line.toString();
  }

  /** Deletes {@code dir} and everything under it; nothing if it does not exist. */
  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
