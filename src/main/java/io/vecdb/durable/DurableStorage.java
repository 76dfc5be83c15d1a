package io.vecdb.durable;

import io.vecdb.collection.Applier;
import io.vecdb.collection.Collections;
import io.vecdb.collection.OperationLog;
import io.vecdb.config.DurabilityOptions;
import io.vecdb.config.VecdbOptions;
import io.vecdb.wal.RecoveryStats;
import io.vecdb.wal.SegmentedWal;
import io.vecdb.wal.SyncPolicy;
import io.vecdb.wal.WalOptions;
import io.vecdb.wal.WalStorage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * A node's durable state: the WAL under {@code <data>/wal} behind a {@link WalOperationLog}, the
 * checkpoints under {@code <data>/snapshots}, recovery on start and checkpoints in the background.
 *
 * <p>Life cycle: {@link #open} (recovers into the node's {@link Collections} on a worker thread;
 * fails with the WAL's {@link io.vecdb.wal.WalCorruptionException} on mid-log damage), {@link
 * #attach} once the applier exists (before the first append), then {@link #close} on shutdown
 * (final checkpoint, then the WAL is closed).
 *
 * <p>Concurrency: {@link #open} and {@link #attach} are called once by the node during start-up;
 * {@link #checkpoint} from any thread (rounds run on the single checkpoint thread); {@link #close}
 * from a thread that may block (never an event loop). {@code checkpointer} is written once in
 * {@link #attach} before the scheduler starts and read by it.
 */
public final class DurableStorage {
  private static final Logger LOG = Logger.getLogger(DurableStorage.class.getName());
  private static final long CHECK_PERIOD_MS = 1000;

  private final DurabilityOptions options;
  private final SegmentedWal wal;
  private final WalOperationLog log;
  private final SnapshotStore store;
  private final Collections collections;
  private final Recovery.Result recovered;
  private final ScheduledExecutorService scheduler;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Vertx vertx;
  private final Path dataDir;
  private volatile Checkpointer checkpointer;
  private volatile SnapshotService snapshots;
  private volatile java.util.function.Consumer<String> installed = name -> {};
  private volatile long bytesAtLastRound;
  private volatile long nanosAtLastRound = System.nanoTime();

  private DurableStorage(
      Vertx vertx,
      Path dataDir,
      DurabilityOptions options,
      SegmentedWal wal,
      SnapshotStore store,
      Collections collections,
      Recovery.Result recovered) {
    this.vertx = vertx;
    this.dataDir = dataDir;
    this.options = options;
    this.wal = wal;
    this.log = new WalOperationLog(vertx, wal);
    this.store = store;
    this.collections = collections;
    this.recovered = recovered;
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("vecdb-checkpoint").daemon(true).unstarted(r));
  }

  /**
   * Opens the WAL with {@code storage} (the file-system seam; {@link WalStorage#files()} outside
   * tests) and recovers the collections. Blocking work runs on a worker thread.
   */
  public static Future<DurableStorage> open(
      Vertx vertx, VecdbOptions node, WalStorage storage, Collections collections) {
    return open(vertx, node, storage, collections, null);
  }

  /**
   * The highest LSN every collection's newest checkpoint covers (by their file names; 0 if some
   * collection has none): WAL records up to it are needed by no recovery, so the WAL may lose them
   * without losing data (see {@code WalOptions.coveredLsn}).
   */
  private static long checkpointedEverywhere(Path snapshots) throws java.io.IOException {
    if (!java.nio.file.Files.isDirectory(snapshots)) {
      return 0;
    }
    long covered = Long.MAX_VALUE;
    try (var dirs = java.nio.file.Files.list(snapshots)) {
      for (Path dir : dirs.filter(java.nio.file.Files::isDirectory).toList()) {
        covered = Math.min(covered, new io.vecdb.snapshot.SnapshotDirectory(dir).newestNamedLsn());
      }
    }
    return covered == Long.MAX_VALUE ? 0 : covered;
  }

  /**
   * As {@link #open(Vertx, VecdbOptions, WalStorage, Collections)}, with {@code onFailStop} called
   * once if the WAL fails (a server process stops there; see {@link WalOptions#onFailStop}).
   */
  public static Future<DurableStorage> open(
      Vertx vertx,
      VecdbOptions node,
      WalStorage storage,
      Collections collections,
      java.util.function.Consumer<io.vecdb.wal.WalException> onFailStop) {
    DurabilityOptions options = new DurabilityOptions(node.getDurability());
    Path data = Path.of(node.getDataDir());
    return vertx.executeBlocking(
        () -> {
          Path walDir = data.resolve("wal");
          io.vecdb.wal.WalStorage.files().createDirectories(walDir);
          WalOptions wo =
              new WalOptions(walDir)
                  .syncPolicy(SyncPolicy.parse(options.getWalSync()))
                  .syncIntervalMillis(options.getWalSyncIntervalMs())
                  .segmentBytes((long) options.getWalSegmentMb() << 20)
                  .truncateCorruptTail(options.isWalTruncateCorrupt())
                  .storage(storage)
                  .onFailStop(onFailStop)
                  .coveredLsn(checkpointedEverywhere(data.resolve("snapshots")));
          SegmentedWal wal = SegmentedWal.open(wo);
          try {
            RecoveryStats ws = wal.recoveryStats();
            SnapshotStore store = new SnapshotStore(data.resolve("snapshots"));
            Recovery.Result r = Recovery.run(wal, store, collections);
            LOG.info(
                "recovery: WAL "
                    + walDir.toAbsolutePath()
                    + " (sync "
                    + options.getWalSync()
                    + ", LSN "
                    + wal.firstLsn()
                    + ".."
                    + wal.lastLsn()
                    + ", "
                    + ws.segments()
                    + " segment(s), "
                    + ws.truncatedBytes()
                    + " torn bytes truncated); loaded "
                    + r.snapshots()
                    + " snapshot(s); replayed "
                    + r.replayed()
                    + " WAL record(s) ("
                    + r.rejected()
                    + " rejected as they were live, "
                    + r.skipped()
                    + " already in snapshots) in "
                    + r.millis()
                    + " ms; "
                    + collections.names().size()
                    + " collection(s)");
            return new DurableStorage(vertx, data, options, wal, store, collections, r);
          } catch (Exception | Error e) {
            wal.close();
            throw e;
          }
        },
        false);
  }

  /** The log the node appends operations to. */
  public OperationLog operationLog() {
    return log;
  }

  /** What recovery did (for tests and the start-up log). */
  public long replayedRecords() {
    return recovered.replayed();
  }

  public int loadedSnapshots() {
    return recovered.snapshots();
  }

  /**
   * Connects the applier: sets its next sequence number after the recovered state, tracks applied
   * operations and starts background checkpoints. Blocks (may take a checkpoint at once when
   * snapshots are ahead of a WAL that lost its tail); call it on a worker thread.
   */
  public void attach(Applier applier) throws Exception {
    long next = Math.max(wal.lastLsn(), recovered.maxSnapshotLsn()) + 1;
    applier.expectNext(next);
    Checkpointer cp =
        new Checkpointer(
            wal, store, collections, applier, recovered.snapshotLsn(), recovered.lastApplied());
    applier.addListener((seq, op, changes) -> cp.applied(seq, op.collection()));
    checkpointer = cp;
    snapshots =
        new SnapshotService(
            vertx,
            dataDir.resolve("collection-snapshots"),
            collections,
            cp,
            name -> installed.accept(name));
    if (recovered.maxSnapshotLsn() > wal.lastLsn()) {
      // The WAL lost records a snapshot already contains (sync=never/interval after a power
      // failure, or --wal-truncate-corrupt). Checkpoint everything at the snapshot's LSN and
      // restart the WAL after it, so new operations never reuse a covered LSN.
      LOG.warning(
          "WAL ends at LSN "
              + wal.lastLsn()
              + " but a snapshot covers LSN "
              + recovered.maxSnapshotLsn()
              + "; checkpointing all collections and continuing the WAL after it");
      cp.checkpoint();
    }
    bytesAtLastRound = wal.stats().bytesWritten();
    scheduler.scheduleWithFixedDelay(
        this::maybeCheckpoint, CHECK_PERIOD_MS, CHECK_PERIOD_MS, TimeUnit.MILLISECONDS);
  }

  /**
   * Tells {@code listener} about every collection that appears without an applied CreateCollection:
   * now for those recovery loaded, later for those restored from a snapshot (metrics register their
   * gauges this way).
   */
  public void onCollectionInstalled(java.util.function.Consumer<String> listener) {
    installed = listener;
    collections.names().forEach(listener);
  }

  /** The snapshot API (Qdrant's collection snapshots); null before {@link #attach}. */
  public SnapshotService snapshots() {
    return snapshots;
  }

  /** Publishes WAL, checkpoint and recovery figures (call after {@link #attach}). */
  public void registerMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
    DurabilityMetrics.register(registry, wal, options.getWalSync(), checkpointer, recovered);
  }

  /** Runs a checkpoint round now, on the checkpoint thread. */
  public Future<Void> checkpoint() {
    Promise<Void> done = Promise.promise();
    if (closed.get()) {
      return Future.failedFuture(new IllegalStateException("storage is closed"));
    }
    try {
      scheduler.execute(
          () -> {
            try {
              round();
              done.complete();
            } catch (Exception e) {
              done.fail(e);
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return Future.failedFuture(new IllegalStateException("storage is closed", e));
    }
    return done.future();
  }

  private void maybeCheckpoint() {
    long walBytes = wal.stats().bytesWritten() - bytesAtLastRound;
    long elapsed = System.nanoTime() - nanosAtLastRound;
    boolean byWal = options.getSnapshotWalMb() > 0 && walBytes >= options.getSnapshotWalMb() << 20;
    boolean byTime =
        options.getSnapshotIntervalMinutes() > 0
            && walBytes > 0
            && elapsed >= TimeUnit.MINUTES.toNanos(options.getSnapshotIntervalMinutes());
    if (byWal || byTime) {
      try {
        round();
      } catch (Exception e) {
        Checkpointer.logFailure(e);
        nanosAtLastRound = System.nanoTime(); // retry after another interval, not every second
      }
    }
  }

  private void round() throws Exception {
    Checkpointer cp = checkpointer;
    if (cp == null || closed.get()) {
      throw new IllegalStateException("storage is not attached or closed");
    }
    long bytes = wal.stats().bytesWritten();
    cp.checkpoint();
    bytesAtLastRound = bytes;
    nanosAtLastRound = System.nanoTime();
  }

  /**
   * The longest time a checkpoint capture held a collection's apply lane since the last call, which
   * resets it; 0 before the first (benchmarks: {@code vecdb bench-stall}).
   */
  public long takeLongestCaptureNanos() {
    Checkpointer cp = checkpointer;
    return cp == null ? 0 : cp.takeLongestCaptureNanos();
  }

  /** The checkpointer once recovery is done (null before); tests. */
  Checkpointer checkpointer() {
    return checkpointer;
  }

  /**
   * Stops background checkpoints, takes a final one (so the next start replays little) and closes
   * the WAL. Blocks; idempotent.
   */
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    scheduler.shutdown();
    try {
      scheduler.awaitTermination(5, TimeUnit.MINUTES);
      Checkpointer cp = checkpointer;
      if (cp != null) {
        cp.checkpoint();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      Checkpointer.logFailure(e);
    } finally {
      log.closeBlocking();
    }
  }
}
