package io.vecdb.config;

import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * The {@code write_backlog} section of {@code conf/vecdb.json}: how many logged but not yet applied
 * operations a node holds before it delays new writes, and for how long. Builder-style like {@link
 * VecdbOptions}; not thread-safe, built once at start-up and then only read.
 *
 * <pre>{@code
 * "write_backlog": {"max_operations": 1048576, "max_mb": 256, "timeout_ms": 30000}
 * }</pre>
 *
 * A write is admitted (logged) only while the backlog is under both limits; an operation larger
 * than {@code max_mb} ({@code max_bytes} sets it in bytes instead) on its own is admitted when the
 * backlog is empty. A write that waits longer than {@code timeout_ms} is answered 503 and not
 * logged.
 */
public final class WriteBacklogOptions {
  public static final int DEFAULT_MAX_OPERATIONS = 1 << 20;
  public static final int DEFAULT_MAX_MB = 256;
  public static final long DEFAULT_TIMEOUT_MS = 30_000;

  static final Set<String> KEYS = Set.of("max_operations", "max_mb", "max_bytes", "timeout_ms");

  private int maxOperations = DEFAULT_MAX_OPERATIONS;
  private long maxBytes = (long) DEFAULT_MAX_MB << 20;
  private long timeoutMs = DEFAULT_TIMEOUT_MS;

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
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("max_operations", maxOperations);
    if (maxBytes % (1 << 20) == 0) {
      json.put("max_mb", maxBytes >> 20);
    } else {
      json.put("max_bytes", maxBytes);
    }
    return json.put("timeout_ms", timeoutMs);
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
