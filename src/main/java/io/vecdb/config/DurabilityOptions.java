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
      ConfigJson.checkKeys(wal, WAL_KEYS, "wal");
      if (wal.containsKey("sync")) {
        Object v = wal.getValue("sync");
        if (!(v instanceof String s)) {
          throw new IllegalArgumentException(
              "wal.sync: expected one of always, interval, never, got " + v);
        }
        setWalSync(s);
      }
      if (wal.containsKey("sync_interval_ms")) {
        setWalSyncIntervalMs(ConfigJson.integer(wal, "sync_interval_ms", "wal.sync_interval_ms"));
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
        long mb = ConfigJson.integer(wal, "segment_mb", "wal.segment_mb");
        setWalSegmentMb((int) ConfigJson.inRange("wal.segment_mb", mb, 1, 1024));
      }
    }
    if (snapshots != null) {
      ConfigJson.checkKeys(snapshots, SNAPSHOT_KEYS, "snapshots");
      if (snapshots.containsKey("wal_mb")) {
        setSnapshotWalMb(ConfigJson.integer(snapshots, "wal_mb", "snapshots.wal_mb"));
      }
      if (snapshots.containsKey("interval_minutes")) {
        setSnapshotIntervalMinutes(
            ConfigJson.integer(snapshots, "interval_minutes", "snapshots.interval_minutes"));
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
    this.walSyncIntervalMs = ConfigJson.inRange("wal.sync_interval_ms", ms, 1, 60_000);
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
    this.walSegmentMb = (int) ConfigJson.inRange("wal.segment_mb", mb, 1, 1024);
    return this;
  }

  /** Checkpoint once this many MB were written to the WAL since the last checkpoint; 0: never. */
  public long getSnapshotWalMb() {
    return snapshotWalMb;
  }

  public DurabilityOptions setSnapshotWalMb(long mb) {
    this.snapshotWalMb = ConfigJson.inRange("snapshots.wal_mb", mb, 0, 1 << 20);
    return this;
  }

  /** Checkpoint collections changed since their last snapshot every N minutes; 0: never. */
  public long getSnapshotIntervalMinutes() {
    return snapshotIntervalMinutes;
  }

  public DurabilityOptions setSnapshotIntervalMinutes(long minutes) {
    this.snapshotIntervalMinutes =
        ConfigJson.inRange("snapshots.interval_minutes", minutes, 0, 7 * 24 * 60);
    return this;
  }
}
