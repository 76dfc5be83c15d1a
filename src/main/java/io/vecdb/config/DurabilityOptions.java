package io.vecdb.config;

import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code wal} and {@code snapshots} sections of {@code conf/vecdb.json}: the WAL's fsync policy
 * and when collections are checkpointed. Builder-style like {@link VecdbOptions}: setters validate
 * and name the setting; not thread-safe, built once at start-up and then only read.
 *
 * <pre>{@code
 * "wal": {"sync": "always", "sync_interval_ms": 200, "truncate_corrupt": false, "segment_mb": 64},
 * "snapshots": {"wal_mb": 128, "interval_minutes": 10}
 * }</pre>
 */
public final class DurabilityOptions {
  public static final String DEFAULT_WAL_SYNC = "always";
  public static final long DEFAULT_WAL_SYNC_INTERVAL_MS = 200;
  public static final int DEFAULT_WAL_SEGMENT_MB = 64;
  public static final long DEFAULT_SNAPSHOT_WAL_MB = 128;
  public static final long DEFAULT_SNAPSHOT_INTERVAL_MINUTES = 10;

  static final Set<String> WAL_KEYS =
      Set.of("sync", "sync_interval_ms", "truncate_corrupt", "segment_mb");
  static final Set<String> SNAPSHOT_KEYS = Set.of("wal_mb", "interval_minutes");

  private String walSync = DEFAULT_WAL_SYNC;
  private long walSyncIntervalMs = DEFAULT_WAL_SYNC_INTERVAL_MS;
  private boolean walTruncateCorrupt;
  private int walSegmentMb = DEFAULT_WAL_SEGMENT_MB;
  private long snapshotWalMb = DEFAULT_SNAPSHOT_WAL_MB;
  private long snapshotIntervalMinutes = DEFAULT_SNAPSHOT_INTERVAL_MINUTES;

  public DurabilityOptions() {}

  /** Reads the {@code wal} and {@code snapshots} objects (either may be null). */
  public DurabilityOptions(JsonObject wal, JsonObject snapshots) {
    if (wal != null) {
      checkKeys(wal, WAL_KEYS, "wal");
      if (wal.containsKey("sync")) {
        Object v = wal.getValue("sync");
        if (!(v instanceof String s)) {
          throw new IllegalArgumentException(
              "wal.sync: expected one of always, interval, never, got " + v);
        }
        setWalSync(s);
      }
      if (wal.containsKey("sync_interval_ms")) {
        setWalSyncIntervalMs(integer(wal, "sync_interval_ms", "wal.sync_interval_ms"));
      }
      if (wal.containsKey("truncate_corrupt")) {
        Object v = wal.getValue("truncate_corrupt");
        if (!(v instanceof Boolean b)) {
          throw new IllegalArgumentException(
              "wal.truncate_corrupt: expected true or false, got " + v);
        }
        setWalTruncateCorrupt(b);
      }
      if (wal.containsKey("segment_mb")) {
        setWalSegmentMb((int) integer(wal, "segment_mb", "wal.segment_mb"));
      }
    }
    if (snapshots != null) {
      checkKeys(snapshots, SNAPSHOT_KEYS, "snapshots");
      if (snapshots.containsKey("wal_mb")) {
        setSnapshotWalMb(integer(snapshots, "wal_mb", "snapshots.wal_mb"));
      }
      if (snapshots.containsKey("interval_minutes")) {
        setSnapshotIntervalMinutes(
            integer(snapshots, "interval_minutes", "snapshots.interval_minutes"));
      }
    }
  }

  public DurabilityOptions(DurabilityOptions other) {
    this(other.walJson(), other.snapshotsJson());
  }

  public JsonObject walJson() {
    return new JsonObject()
        .put("sync", walSync)
        .put("sync_interval_ms", walSyncIntervalMs)
        .put("truncate_corrupt", walTruncateCorrupt)
        .put("segment_mb", walSegmentMb);
  }

  public JsonObject snapshotsJson() {
    return new JsonObject()
        .put("wal_mb", snapshotWalMb)
        .put("interval_minutes", snapshotIntervalMinutes);
  }

  /** {@code always} (group commit, the default), {@code interval} or {@code never}. */
  public String getWalSync() {
    return walSync;
  }

  public DurabilityOptions setWalSync(String sync) {
    String s = sync == null ? "" : sync.trim().toLowerCase(Locale.ROOT);
    if (!s.equals("always") && !s.equals("interval") && !s.equals("never")) {
      throw new IllegalArgumentException(
          "wal.sync: expected one of always, interval, never, got '" + sync + "'");
    }
    this.walSync = s;
    return this;
  }

  public long getWalSyncIntervalMs() {
    return walSyncIntervalMs;
  }

  public DurabilityOptions setWalSyncIntervalMs(long ms) {
    if (ms < 1 || ms > 60_000) {
      throw new IllegalArgumentException("wal.sync_interval_ms: expected 1..60000, got " + ms);
    }
    this.walSyncIntervalMs = ms;
    return this;
  }

  /** Start even if the WAL is corrupt before its tail, dropping the damaged record and the rest. */
  public boolean isWalTruncateCorrupt() {
    return walTruncateCorrupt;
  }

  public DurabilityOptions setWalTruncateCorrupt(boolean truncate) {
    this.walTruncateCorrupt = truncate;
    return this;
  }

  public int getWalSegmentMb() {
    return walSegmentMb;
  }

  public DurabilityOptions setWalSegmentMb(int mb) {
    if (mb < 1 || mb > 1024) {
      throw new IllegalArgumentException("wal.segment_mb: expected 1..1024, got " + mb);
    }
    this.walSegmentMb = mb;
    return this;
  }

  /** Checkpoint once this many MB were written to the WAL since the last checkpoint; 0: never. */
  public long getSnapshotWalMb() {
    return snapshotWalMb;
  }

  public DurabilityOptions setSnapshotWalMb(long mb) {
    if (mb < 0 || mb > 1 << 20) {
      throw new IllegalArgumentException("snapshots.wal_mb: expected 0..1048576, got " + mb);
    }
    this.snapshotWalMb = mb;
    return this;
  }

  /** Checkpoint collections changed since their last snapshot every N minutes; 0: never. */
  public long getSnapshotIntervalMinutes() {
    return snapshotIntervalMinutes;
  }

  public DurabilityOptions setSnapshotIntervalMinutes(long minutes) {
    if (minutes < 0 || minutes > 7 * 24 * 60) {
      throw new IllegalArgumentException(
          "snapshots.interval_minutes: expected 0..10080, got " + minutes);
    }
    this.snapshotIntervalMinutes = minutes;
    return this;
  }

  private static void checkKeys(JsonObject json, Set<String> keys, String section) {
    for (String key : json.fieldNames()) {
      if (!keys.contains(key)) {
        throw new IllegalArgumentException(
            "unknown setting '"
                + section
                + "."
                + key
                + "': expected one of "
                + String.join(", ", keys.stream().sorted().toList()));
      }
    }
  }

  private static long integer(JsonObject json, String key, String path) {
    Object v = json.getValue(key);
    if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new IllegalArgumentException(path + ": expected an integer, got " + v);
    }
    return n.longValue();
  }
}
