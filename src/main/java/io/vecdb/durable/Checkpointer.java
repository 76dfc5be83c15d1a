package io.vecdb.durable;

import io.vecdb.collection.Applier;
import io.vecdb.collection.Collection;
import io.vecdb.collection.CollectionImage;
import io.vecdb.collection.Collections;
import io.vecdb.snapshot.SnapshotDirectory;
import io.vecdb.snapshot.SnapshotWriter;
import io.vecdb.wal.Wal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Takes checkpoints: per collection a snapshot at a consistent cut, then removes WAL segments that
 * every collection's snapshot covers.
 *
 * <p>One round ({@link #checkpoint}):
 *
 * <ol>
 *   <li>{@link Applier#barrier()}: wait until every operation dispatched so far (up to {@code G})
 *       is applied, so a collection whose creation is in flight is live before names are listed.
 *   <li>For each live collection, a task on its apply lane ({@link Applier#onLane}) at cut {@code L
 *       >= G}: if the collection changed since its last snapshot, the lane captures it ({@link
 *       CollectionImage#capture}: reference copies, milliseconds per million points; writes to that
 *       collection pause only for that, searches not at all); otherwise the old snapshot already
 *       describes the state at {@code L}, since no later record touches it.
 *   <li>Off the lane, on the checkpoint thread: the capture is written into a temporary file, then
 *       fsync, rename, fsync of the directory ({@link SnapshotWriter#commit}), then older snapshots
 *       of that collection are deleted.
 *   <li>Snapshot directories of names that are no longer live are emptied (on their lane).
 *   <li>{@code wal.truncatePrefix(min(covered) + 1)}: only after every snapshot it relies on is
 *       durable.
 * </ol>
 *
 * <p>Concurrency: rounds are serialised by {@code roundLock} and run on the caller's thread, which
 * must not be an event loop (it waits on lane futures): the checkpoint scheduler thread, or the
 * node's close thread. {@code covered} and {@code lastApplied} are concurrent maps: the applier's
 * lanes write {@code lastApplied} through {@link #applied}; rounds read it on the lane of the same
 * collection, which orders the two.
 */
final class Checkpointer {
  private static final Logger LOG = Logger.getLogger(Checkpointer.class.getName());
  private static final long LANE_TIMEOUT_MINUTES = 30;

  private final Wal wal;
  private final SnapshotStore store;
  private final Collections collections;
  private final Applier applier;
  private final ReentrantLock roundLock = new ReentrantLock();
  private final java.util.concurrent.atomic.AtomicLong written =
      new java.util.concurrent.atomic.AtomicLong();

  /** The longest capture on a lane since {@link #takeLongestCaptureNanos} last took it. */
  private final java.util.concurrent.atomic.AtomicLong longestCapture =
      new java.util.concurrent.atomic.AtomicLong();

  /** Per collection name: the LSN up to which its state is described by a snapshot on disk. */
  private final Map<String, Long> covered = new ConcurrentHashMap<>();

  /** Per collection name: the LSN of the last operation applied to it. */
  private final Map<String, Long> lastApplied = new ConcurrentHashMap<>();

  Checkpointer(
      Wal wal,
      SnapshotStore store,
      Collections collections,
      Applier applier,
      Map<String, Long> snapshotLsn,
      Map<String, Long> replayed) {
    this.wal = wal;
    this.store = store;
    this.collections = collections;
    this.applier = applier;
    covered.putAll(snapshotLsn);
    lastApplied.putAll(replayed);
  }

  /** Checkpoints written since start (for metrics). */
  long written() {
    return written.get();
  }

  /** Applier listener: called on the lane of {@code collection} after each applied operation. */
  void applied(long seq, String collection) {
    lastApplied.merge(collection, seq, Math::max);
  }

  /** What one round did. */
  record Round(int written, long walFirstLsnToKeep, long millis) {}

  /** Runs one round (see the class comment). Blocks; never call it on an event loop. */
  Round checkpoint() throws Exception {
    roundLock.lock();
    try {
      long start = System.nanoTime();
      long barrier = await(applier.barrier());
      List<String> live = collections.names();
      int written = 0;
      for (String name : live) {
        long t0 = System.nanoTime();
        Pending p = awaitCapture(applier.onLane(name, cut -> capture(name, cut)));
        if (p == null) {
          continue; // deleted meanwhile
        }
        if (p.image != null) {
          long t1 = System.nanoTime();
          try (CollectionImage.Captured image = p.image;
              SnapshotWriter w = store.of(name).create(p.cut, Map.of("collection", name))) {
            image.writeTo(w);
            w.commit();
          }
          LOG.fine(
              "checkpoint of `"
                  + name
                  + "` at LSN "
                  + p.cut
                  + ": captured on its lane in "
                  + p.captureMillis
                  + " ms ("
                  + ((t1 - t0) / 1_000_000 - p.captureMillis)
                  + " ms waiting for its turn), written and committed in "
                  + (System.nanoTime() - t1) / 1_000_000
                  + " ms");
          written++;
          this.written.incrementAndGet();
          store.of(name).deleteOlderThan(p.cut);
        }
        covered.put(name, p.cut);
      }
      for (String name : List.copyOf(covered.keySet())) {
        if (!live.contains(name)) {
          await(applier.onLane(name, cut -> forget(name)));
        }
      }
      long keep = barrier;
      for (String name : collections.names()) {
        Long c = covered.get(name);
        keep = Math.min(keep, c == null ? 0 : c);
      }
      if (keep > 0 && keep + 1 > wal.firstLsn()) {
        wal.truncatePrefix(keep + 1).get();
      }
      long millis = (System.nanoTime() - start) / 1_000_000;
      if (written > 0) {
        LOG.info(
            "checkpoint: "
                + written
                + " collection snapshot(s) written in "
                + millis
                + " ms; WAL kept from LSN "
                + wal.firstLsn());
      }
      return new Round(written, keep + 1, millis);
    } finally {
      roundLock.unlock();
    }
  }

  /** A test hook: a storage fault at a named step of {@link #restore}. */
  interface RestoreFault {
    void at(String step) throws java.io.IOException;
  }

  private volatile RestoreFault restoreFault = step -> {};

  /** Tests only: makes {@link #restore} fail at the steps {@code fault} throws at. */
  void restoreFault(RestoreFault fault) {
    this.restoreFault = fault;
  }

  /**
   * Replaces collection {@code name} with {@code restored} (snapshot recovery). On the lane, at cut
   * {@code L}: installs it and commits a checkpoint of it at {@code L} before any later operation
   * applies, so the restore is durable before this returns (records up to {@code L} are skipped on
   * replay; later ones apply on top of the restored state). Serialised with rounds so that a
   * round's older capture never overwrites it. Blocks; never call it on an event loop.
   */
  long restore(String name, Collection restored) throws Exception {
    roundLock.lock();
    try {
      return await(
          applier.onLane(
              name,
              cut -> {
                // Commit first, then install: if the checkpoint cannot be made durable, the old
                // collection stays live (a restart would load the old one and replay onto it).
                SnapshotDirectory dir = store.of(name);
                restoreFault.at("directory");
                io.vecdb.wal.WalStorage.files().createDirectories(dir.dir());
                try (SnapshotWriter w = dir.create(cut, Map.of("collection", name))) {
                  CollectionImage.write(restored, w);
                  restoreFault.at("commit");
                  w.commit();
                }
                restored.inheritIncarnation(
                    collections.exists(name) ? collections.get(name) : null, cut);
                collections.install(restored);
                lastApplied.put(name, cut);
                covered.put(name, cut);
                dir.deleteOlderThan(cut);
                return cut;
              }));
    } finally {
      roundLock.unlock();
    }
  }

  /**
   * Captures {@code name} at a cut on its lane into {@code target} (an API snapshot); the file is
   * committed off the lane. Returns the cut, or -1 if the collection does not exist.
   */
  long export(String name, Path target) throws Exception {
    Pending p =
        awaitCapture(
            applier.onLane(
                name,
                cut -> {
                  Collection c = collections.get(name);
                  return c == null ? null : captured(c, cut);
                }));
    if (p == null) {
      return -1;
    }
    try (CollectionImage.Captured image = p.image;
        SnapshotWriter w =
            SnapshotWriter.create(
                target,
                Map.of(
                    "collection",
                    name,
                    SnapshotDirectory.LSN_PROPERTY,
                    Long.toString(p.cut),
                    "created",
                    java.time.Instant.now().toString()))) {
      image.writeTo(w);
      w.commit();
    }
    return p.cut;
  }

  /** On the lane of {@code name}: captures it if it changed since it was last covered. */
  private Pending capture(String name, long cut) throws IOException {
    Collection c = collections.get(name);
    if (c == null) {
      return null;
    }
    Long cov = covered.get(name);
    if (cov != null && lastApplied.getOrDefault(name, 0L) <= cov) {
      return new Pending(null, cut, 0); // unchanged: its snapshot also describes the state at cut
    }
    io.vecdb.wal.WalStorage.files().createDirectories(store.of(name).dir());
    return captured(c, cut);
  }

  /** On the lane of {@code c}: its capture at {@code cut}, to be written off the lane. */
  private Pending captured(Collection c, long cut) throws IOException {
    long t0 = System.nanoTime();
    CollectionImage.Captured image = CollectionImage.capture(c);
    long nanos = System.nanoTime() - t0;
    longestCapture.accumulateAndGet(nanos, Math::max);
    return new Pending(image, cut, nanos / 1_000_000);
  }

  /** The longest capture on a lane since the last call, which resets it (benchmarks). */
  long takeLongestCaptureNanos() {
    return longestCapture.getAndSet(0);
  }

  /** On the lane of {@code name}: drops the snapshots of a collection that no longer exists. */
  private Void forget(String name) throws IOException {
    if (collections.get(name) != null) {
      return null; // re-created meanwhile; its old snapshot is still a valid (older) cut
    }
    Path dir = store.of(name).dir();
    if (Files.isDirectory(dir)) {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
      // Durable before the WAL loses the DeleteCollection record, or the old state would return.
      io.vecdb.snapshot.AtomicFileWriter.syncDirectory(store.root());
    }
    covered.remove(name);
    return null;
  }

  /**
   * {@link #await} for a capture: if the wait gives up (a lane stuck for {@link
   * #LANE_TIMEOUT_MINUTES}) and the capture is made later, it is closed then, or its read section
   * would keep freed ordinals from being reused for good.
   */
  private static Pending awaitCapture(io.vertx.core.Future<Pending> f) throws Exception {
    try {
      return await(f);
    } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
      f.onSuccess(
          p -> {
            if (p != null && p.image != null) {
              p.image.close();
            }
          });
      throw e;
    }
  }

  private static <T> T await(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(LANE_TIMEOUT_MINUTES, TimeUnit.MINUTES);
  }

  /** A capture to write (null: unchanged), at {@code cut}, and how long the lane took for it. */
  private record Pending(CollectionImage.Captured image, long cut, long captureMillis) {}

  static void logFailure(Exception e) {
    LOG.log(Level.WARNING, "checkpoint failed; the WAL keeps everything since the last one", e);
  }
}
