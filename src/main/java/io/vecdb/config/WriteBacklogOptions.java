package io.vecdb.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * The {@code write_backlog} section of {@code conf/vecdb.json}: how many logged but not yet applied
 * operations a node holds before it delays new writes, and for how long. Builder-style like {@link
 * VecdbOptions}; not thread-safe, built once at start-up and then only read.
 *
 * <pre>{@code
 * "write_backlog": {"max_operations": 1048576, "max_mb": 256, "timeout_ms": 30000,
 *                   "burst_ms": 10000}
 * }</pre>
 *
 * A write is admitted (logged) only while the backlog is under both limits, and once its oldest
 * write was logged more than {@code burst_ms} ago, only as applied writes leave it; an operation
 * larger than {@code max_mb} ({@code max_bytes} sets it in bytes instead) on its own is admitted
 * when the backlog is empty. A write that waits longer than {@code timeout_ms} is answered 503 and
 * not logged.
 */
public final class WriteBacklogOptions {
  public static final int DEFAULT_MAX_OPERATIONS = 1 << 20;
  public static final int DEFAULT_MAX_MB = 256;
  public static final long DEFAULT_TIMEOUT_MS = 30_000;
  public static final long DEFAULT_BURST_MS = 10_000;

  static final Set<String> KEYS =
      Set.of("max_operations", "max_mb", "max_bytes", "timeout_ms", "burst_ms");

  private int maxOperations = DEFAULT_MAX_OPERATIONS;
  private long maxBytes = (long) DEFAULT_MAX_MB << 20;
  private long timeoutMs = DEFAULT_TIMEOUT_MS;
  private long burstMs = DEFAULT_BURST_MS;

  public WriteBacklogOptions() {}

  /** Reads the {@code write_backlog} object (null: defaults). */
  public WriteBacklogOptions(JsonObject json) {
    if (json == null) {
      return;
    }
    ConfigJson.checkKeys(json, KEYS, "write_backlog");
    if (json.containsKey("max_operations")) {
      setMaxOperations(
          (int) ConfigJson.integer(json, "max_operations", "write_backlog.max_operations"));
    }
    if (json.containsKey("max_mb")) {
      long mb = ConfigJson.integer(json, "max_mb", "write_backlog.max_mb");
      if (mb < 1 || mb > 1 << 20) {
        throw new IllegalArgumentException("write_backlog.max_mb: expected 1..1048576, got " + mb);
      }
      setMaxBytes(mb << 20);
    }
    if (json.containsKey("max_bytes")) {
      setMaxBytes(ConfigJson.integer(json, "max_bytes", "write_backlog.max_bytes"));
    }
    if (json.containsKey("timeout_ms")) {
      setTimeoutMs(ConfigJson.integer(json, "timeout_ms", "write_backlog.timeout_ms"));
    }
    if (json.containsKey("burst_ms")) {
      setBurstMs(ConfigJson.integer(json, "burst_ms", "write_backlog.burst_ms"));
    }
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("max_operations", maxOperations);
    if (maxBytes % (1 << 20) == 0) {
      json.put("max_mb", maxBytes >> 20);
    } else {
      json.put("max_bytes", maxBytes);
    }
    return json.put("timeout_ms", timeoutMs).put("burst_ms", burstMs);
  }

  /**
   * How long the backlog may grow faster than it drains: once its oldest logged-but-unapplied write
   * is older than this, new writes are admitted one per applied write (0: never held by age). A
   * burst shorter than this is acknowledged at the log's pace, sustained load at the apply rate.
   */
  public long getBurstMs() {
    return burstMs;
  }

  public WriteBacklogOptions setBurstMs(long ms) {
    if (ms < 0 || ms > 86_400_000) {
      throw new IllegalArgumentException("write_backlog.burst_ms: expected 0..86400000, got " + ms);
    }
    this.burstMs = ms;
    return this;
  }

  public int getMaxOperations() {
    return maxOperations;
  }

  public WriteBacklogOptions setMaxOperations(int max) {
    if (max < 1) {
      throw new IllegalArgumentException(
          "write_backlog.max_operations: expected at least 1, got " + max);
    }
    this.maxOperations = max;
    return this;
  }

  /** Estimated bytes of waiting operations (vectors plus a per-point overhead). */
  public long getMaxBytes() {
    return maxBytes;
  }

  /** In bytes (tests use tiny limits; the JSON setting is in MB). */
  public WriteBacklogOptions setMaxBytes(long bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException(
          "write_backlog.max_bytes: expected at least 1, got " + bytes);
    }
    this.maxBytes = bytes;
    return this;
  }

  public long getTimeoutMs() {
    return timeoutMs;
  }

  public WriteBacklogOptions setTimeoutMs(long ms) {
    if (ms < 1 || ms > 280_000) {
      // Below IngestVerticle's 300 s bus timeout, so the 503 always reaches the client.
      throw new IllegalArgumentException("write_backlog.timeout_ms: expected 1..280000, got " + ms);
    }
    this.timeoutMs = ms;
    return this;
  }
}
