package io.vecdb.wal;

import java.util.Locale;

/**
 * When the WAL calls fsync, and therefore when an append is acknowledged (its future completes).
 */
public enum SyncPolicy {
  /**
   * Group commit: the writer thread takes every append waiting at that moment, writes them and
   * calls fsync once for all of them; no future completes before the fsync that covers its record
   * returned. Nothing acknowledged is lost on a crash or power failure.
   */
  ALWAYS,
  /**
   * Futures complete as soon as the records are written to the OS (page cache); the writer calls
   * fsync at most every {@code syncIntervalMillis}. A process crash loses nothing (the OS still has
   * the data), but a power failure or kernel crash loses the acknowledged writes of up to the last
   * interval (plus the group being written).
   */
  INTERVAL,
  /**
   * Futures complete after the write to the OS; fsync only when a segment is rolled, on {@link
   * Wal#sync()} and on close. A process crash loses nothing; a power failure or kernel crash can
   * lose everything not yet written back by the OS (typically up to ~30 s on Linux).
   */
  NEVER;

  /**
   * Parses {@code always}, {@code interval} or {@code never} (case-insensitive), as given in {@code
   * conf/vecdb.json} or {@code --wal-sync}.
   */
  public static SyncPolicy parse(String value) {
    if (value != null) {
      for (SyncPolicy p : values()) {
        if (p.name().equalsIgnoreCase(value.trim())) {
          return p;
        }
      }
    }
    throw new IllegalArgumentException(
        "wal sync policy: expected one of always, interval, never, got '" + value + "'");
  }

  /** The lower-case name used in configuration. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
