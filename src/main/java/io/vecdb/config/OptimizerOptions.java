package io.vecdb.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * The {@code optimizer} section of {@code conf/vecdb.json}: when the background optimizer compacts
 * a collection's HNSW graph. Builder-style like {@link VecdbOptions}: setters validate and name the
 * setting; not thread-safe, built once at start-up and then only read.
 *
 * <pre>{@code
 * "optimizer": {"deleted_threshold": 0.2, "min_deleted": 1000, "check_interval_ms": 1000,
 *               "repair_after_inserts": 50000}
 * }</pre>
 *
 * A collection is compacted when it holds at least {@code min_deleted} tombstones and they are at
 * least {@code deleted_threshold} of its stored vectors (live plus tombstoned); or, when {@code
 * repair_after_inserts} > 0, once that many vectors were inserted since its last compaction and no
 * insert happened during the last check interval (a cheap reachability repair after a bulk load).
 */
public final class OptimizerOptions {
  public static final double DEFAULT_DELETED_THRESHOLD = 0.2;
  public static final int DEFAULT_MIN_DELETED = 1000;
  public static final long DEFAULT_CHECK_INTERVAL_MS = 1000;
  public static final long DEFAULT_REPAIR_AFTER_INSERTS = 50_000;

  static final Set<String> KEYS =
      Set.of("deleted_threshold", "min_deleted", "check_interval_ms", "repair_after_inserts");

  private double deletedThreshold = DEFAULT_DELETED_THRESHOLD;
  private int minDeleted = DEFAULT_MIN_DELETED;
  private long checkIntervalMs = DEFAULT_CHECK_INTERVAL_MS;
  private long repairAfterInserts = DEFAULT_REPAIR_AFTER_INSERTS;

  public OptimizerOptions() {}

  /** Reads the {@code optimizer} object (null: defaults). */
  public OptimizerOptions(JsonObject json) {
    if (json == null) {
      return;
    }
    ConfigJson.checkKeys(json, KEYS, "optimizer");
    if (json.containsKey("deleted_threshold")) {
      Object v = json.getValue("deleted_threshold");
      if (!(v instanceof Number n)) {
        throw new IllegalArgumentException(
            "optimizer.deleted_threshold: expected a number in (0, 1], got " + v);
      }
      setDeletedThreshold(n.doubleValue());
    }
    if (json.containsKey("min_deleted")) {
      setMinDeleted((int) ConfigJson.integer(json, "min_deleted", "optimizer.min_deleted"));
    }
    if (json.containsKey("check_interval_ms")) {
      setCheckIntervalMs(
          ConfigJson.integer(json, "check_interval_ms", "optimizer.check_interval_ms"));
    }
    if (json.containsKey("repair_after_inserts")) {
      setRepairAfterInserts(
          ConfigJson.integer(json, "repair_after_inserts", "optimizer.repair_after_inserts"));
    }
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("deleted_threshold", deletedThreshold)
        .put("min_deleted", minDeleted)
        .put("check_interval_ms", checkIntervalMs)
        .put("repair_after_inserts", repairAfterInserts);
  }

  /** Fraction of stored vectors that must be tombstones before a compaction runs. */
  public double getDeletedThreshold() {
    return deletedThreshold;
  }

  public OptimizerOptions setDeletedThreshold(double threshold) {
    if (!(threshold > 0 && threshold <= 1)) {
      throw new IllegalArgumentException(
          "optimizer.deleted_threshold: expected a number in (0, 1], got " + threshold);
    }
    this.deletedThreshold = threshold;
    return this;
  }

  /** Fewest tombstones worth a compaction (small collections are not compacted for a few). */
  public int getMinDeleted() {
    return minDeleted;
  }

  public OptimizerOptions setMinDeleted(int min) {
    if (min < 1) {
      throw new IllegalArgumentException("optimizer.min_deleted: expected at least 1, got " + min);
    }
    this.minDeleted = min;
    return this;
  }

  /** How often the optimizer looks at the collections; 0 turns background compaction off. */
  public long getCheckIntervalMs() {
    return checkIntervalMs;
  }

  public OptimizerOptions setCheckIntervalMs(long ms) {
    if (ms < 0 || ms > 3_600_000) {
      throw new IllegalArgumentException(
          "optimizer.check_interval_ms: expected 0..3600000 (0: off), got " + ms);
    }
    this.checkIntervalMs = ms;
    return this;
  }

  /**
   * Inserts since the last compaction that trigger a repair pass once inserts pause (or, without a
   * pause, twice as many and at least half the live points); 0: never.
   */
  public long getRepairAfterInserts() {
    return repairAfterInserts;
  }

  public OptimizerOptions setRepairAfterInserts(long inserts) {
    if (inserts < 0) {
      throw new IllegalArgumentException(
          "optimizer.repair_after_inserts: expected 0 (off) or more, got " + inserts);
    }
    this.repairAfterInserts = inserts;
    return this;
  }
}
