package io.vecdb.wal;

import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Options of a {@link SegmentedWal}. Fluent setters validate their argument and name it in the
 * error. Not thread-safe; the WAL copies what it needs when it opens.
 */
public final class WalOptions {
  public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
  public static final int DEFAULT_MAX_RECORD_BYTES = 64 << 20;
  public static final SyncPolicy DEFAULT_SYNC_POLICY = SyncPolicy.ALWAYS;
  public static final long DEFAULT_SYNC_INTERVAL_MILLIS = 200;

  /** How often, at most, the sync marker follows the fsynced end of the log. */
  public static final long DEFAULT_SYNC_MARK_INTERVAL_MILLIS = 1000;

  /** Upper bound of bytes one group commit writes before its single fsync. */
  public static final int DEFAULT_MAX_GROUP_BYTES = 32 << 20;

  private final Path dir;
  private long segmentBytes = DEFAULT_SEGMENT_BYTES;
  private int maxRecordBytes = DEFAULT_MAX_RECORD_BYTES;
  private SyncPolicy syncPolicy = DEFAULT_SYNC_POLICY;
  private long syncIntervalMillis = DEFAULT_SYNC_INTERVAL_MILLIS;
  private int maxGroupBytes = DEFAULT_MAX_GROUP_BYTES;
  private boolean truncateCorruptTail;
  private WalStorage storage = WalStorage.files();
  private Executor completionExecutor;
  private java.util.function.Consumer<WalException> onFailStop;
  private long syncMarkIntervalMillis = DEFAULT_SYNC_MARK_INTERVAL_MILLIS;
  private long coveredLsn;

  public WalOptions(Path dir) {
    this.dir = Objects.requireNonNull(dir, "wal dir");
  }

  public Path dir() {
    return dir;
  }

  public long segmentBytes() {
    return segmentBytes;
  }

  /** Size at which the active segment is closed and a new one started (default 64 MiB). */
  public WalOptions segmentBytes(long bytes) {
    if (bytes < 4096) {
      throw new IllegalArgumentException("wal segmentBytes: expected >= 4096, got " + bytes);
    }
    this.segmentBytes = bytes;
    return this;
  }

  public int maxRecordBytes() {
    return maxRecordBytes;
  }

  /** Largest payload accepted; recovery also treats longer length fields as damage. */
  public WalOptions maxRecordBytes(int bytes) {
    if (bytes < 1 || bytes > Integer.MAX_VALUE - 64) {
      throw new IllegalArgumentException(
          "wal maxRecordBytes: expected 1.." + (Integer.MAX_VALUE - 64) + ", got " + bytes);
    }
    this.maxRecordBytes = bytes;
    return this;
  }

  public SyncPolicy syncPolicy() {
    return syncPolicy;
  }

  public WalOptions syncPolicy(SyncPolicy policy) {
    this.syncPolicy = Objects.requireNonNull(policy, "wal syncPolicy");
    return this;
  }

  public long syncIntervalMillis() {
    return syncIntervalMillis;
  }

  /** fsync period for {@link SyncPolicy#INTERVAL}. */
  public WalOptions syncIntervalMillis(long millis) {
    if (millis < 1) {
      throw new IllegalArgumentException("wal syncIntervalMillis: expected >= 1, got " + millis);
    }
    this.syncIntervalMillis = millis;
    return this;
  }

  public int maxGroupBytes() {
    return maxGroupBytes;
  }

  public WalOptions maxGroupBytes(int bytes) {
    if (bytes < 4096) {
      throw new IllegalArgumentException("wal maxGroupBytes: expected >= 4096, got " + bytes);
    }
    this.maxGroupBytes = bytes;
    return this;
  }

  public boolean truncateCorruptTail() {
    return truncateCorruptTail;
  }

  /**
   * If true, a corrupt record found on open (with valid records after it) truncates the log there
   * with a warning instead of failing with {@link WalCorruptionException}. Loses data: an operator
   * choice ({@code --wal-truncate-corrupt}), never a default.
   */
  public WalOptions truncateCorruptTail(boolean truncate) {
    this.truncateCorruptTail = truncate;
    return this;
  }

  public WalStorage storage() {
    return storage;
  }

  public WalOptions storage(WalStorage storage) {
    this.storage = Objects.requireNonNull(storage, "wal storage");
    return this;
  }

  public Executor completionExecutor() {
    return completionExecutor;
  }

  /**
   * Executor on which append futures complete. Default (null): the WAL writer thread itself, which
   * is fastest but means dependent stages run on the writer and must not block (use the {@code
   * *Async} variants or hop to your own context, as the Vert.x wrapper does).
   */
  public WalOptions completionExecutor(Executor executor) {
    this.completionExecutor = executor;
    return this;
  }

  public java.util.function.Consumer<WalException> onFailStop() {
    return onFailStop;
  }

  /**
   * Called once, on the writer thread, after the WAL's first I/O failure has made it refuse writes
   * and its fail-stop marker is written (see {@link SegmentedWal}): a server stops its process here
   * ({@code FailStop}), as PostgreSQL panics. Null (the default): the WAL only refuses writes.
   */
  public WalOptions onFailStop(java.util.function.Consumer<WalException> handler) {
    this.onFailStop = handler;
    return this;
  }

  public long coveredLsn() {
    return coveredLsn;
  }

  /**
   * Records up to this LSN are also held elsewhere (every collection's checkpoint covers them), so
   * their loss is no loss: damage there is cut like a torn tail even where the sync marker says
   * they were fsynced. Default 0.
   */
  public WalOptions coveredLsn(long lsn) {
    this.coveredLsn = Math.max(0, lsn);
    return this;
  }

  public long syncMarkIntervalMillis() {
    return syncMarkIntervalMillis;
  }

  /**
   * How often, at most, the {@code SYNCED} marker is moved up to the fsynced end of the log (one
   * small fsync each time): damage to records older than the marker refuses the open instead of
   * being cut as a torn tail; records fsynced within the last interval are not covered. 0: after
   * every fsync (tests).
   */
  public WalOptions syncMarkIntervalMillis(long millis) {
    if (millis < 0) {
      throw new IllegalArgumentException("syncMarkIntervalMillis: expected >= 0, got " + millis);
    }
    this.syncMarkIntervalMillis = millis;
    return this;
  }
}
