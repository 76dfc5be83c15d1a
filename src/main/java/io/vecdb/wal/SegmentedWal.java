package io.vecdb.wal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * File-based {@link Wal}: segment files {@code wal-<first LSN>.log} in one directory, rolled at
 * {@link WalOptions#segmentBytes()}; record format in {@link SegmentFormat}.
 *
 * <p>Threading. Any thread may call the public methods. {@link #append}, {@link #appendBatch},
 * {@link #sync} and the truncations only enqueue an operation and return a future. One dedicated
 * platform thread, the writer, owns every field marked "writer" below and all file handles used for
 * writing: it drains the queue, assigns LSNs, encodes records, writes them, calls fsync (once per
 * group under {@link SyncPolicy#ALWAYS}), publishes the new {@link #tail} and then completes the
 * futures in LSN order. Nobody ever interrupts the writer, so no FileChannel of the writer is
 * closed by an interrupt. Readers ({@link #read}, {@link #firstLsn}, {@link #lastLsn}) never lock:
 * they read {@link #segments} (a concurrent map the writer updates) and the volatile {@link #tail};
 * each cursor reads through its own file handle, never past the published tail.
 */
public final class SegmentedWal implements Wal {
  private static final System.Logger LOG = System.getLogger(SegmentedWal.class.getName());
  private static final int WRITE_BUFFER_BYTES = 8 << 20;

  /** The last acknowledged record and where the active segment's published bytes end. */
  record Tail(long lastLsn, Segment segment, long endOffset) {}

  private sealed interface Op permits Append, Sync, TruncateSuffix, TruncatePrefix, Close {}

  private record Append(List<WalEntry> entries, int bytes, CompletableFuture<Long> future)
      implements Op {}

  private record Sync(CompletableFuture<Long> future) implements Op {}

  private record TruncateSuffix(long fromLsn, CompletableFuture<Void> future) implements Op {}

  private record TruncatePrefix(long firstLsnToKeep, CompletableFuture<Void> future)
      implements Op {}

  private record Close(CompletableFuture<Void> future) implements Op {}

  private final Path dir;
  private final WalStorage storage;
  private final SyncPolicy policy;
  private final long segmentBytes;
  private final int maxRecordBytes;
  private final int maxGroupBytes;
  private final long syncIntervalNanos;
  private final Executor completionExecutor;
  private final RecoveryStats recoveryStats;
  private final DirLock lock;
  private final java.util.function.Consumer<WalException> onFailStop;

  final ConcurrentSkipListMap<Long, Segment> segments = new ConcurrentSkipListMap<>();
  private final LinkedBlockingQueue<Op> queue = new LinkedBlockingQueue<>();
  private final Thread writer;

  /** Published by the writer after each group; read by everyone. */
  private volatile Tail tail;

  /** First I/O failure; sticky. Set by the writer, read by appenders (fail fast). */
  private volatile WalException failure;

  private volatile boolean closed;
  private volatile boolean running = true;

  // Counters: written by the writer only, volatile so stats() can read them.
  private volatile long statRecords;
  private volatile long statGroups;
  private volatile long statFsyncs;
  private volatile long statBytes;

  // writer
  private Segment active;
  private StorageFile activeFile;
  private long activeSize;
  private long nextLsn;
  private ByteBuffer buf = ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES);
  private final CRC32C crc = new CRC32C();
  private boolean dirty;
  private long lastSyncNanos = System.nanoTime();

  /** Everything written so far is fsynced: the next record gets RECORD_PRIOR_SYNCED. */
  private boolean priorSynced = true;

  /** The last LSN an fsync has covered: what a fail-stop marker names. */
  private long syncedLsn;

  /** The LSN the {@link SyncMarker} on disk names, and when it was written. */
  private long markedLsn;

  private long markedNanos;
  private final long markIntervalNanos;

  private SegmentedWal(WalOptions o, WalRecovery.Result r, DirLock lock) throws IOException {
    this.lock = lock;
    this.dir = o.dir();
    this.storage = o.storage();
    this.policy = o.syncPolicy();
    this.segmentBytes = o.segmentBytes();
    this.maxRecordBytes = o.maxRecordBytes();
    this.maxGroupBytes = o.maxGroupBytes();
    this.syncIntervalNanos = TimeUnit.MILLISECONDS.toNanos(o.syncIntervalMillis());
    this.completionExecutor = o.completionExecutor();
    this.recoveryStats = r.stats();
    this.onFailStop = o.onFailStop();
    this.markIntervalNanos = TimeUnit.MILLISECONDS.toNanos(o.syncMarkIntervalMillis());
    this.nextLsn = r.nextLsn();
    for (Segment s : r.segments()) {
      segments.put(s.firstLsn, s);
    }
    if (segments.isEmpty()) {
      createSegment(nextLsn, SegmentFormat.SEGMENT_BASE);
    } else {
      active = segments.lastEntry().getValue();
      activeFile = storage.openWrite(active.path);
      activeSize = r.lastSegmentEnd();
      // The previous process may have run without fsync (policy never/interval); make the
      // recovered records durable so the first new record may carry RECORD_PRIOR_SYNCED.
      activeFile.force(false);
    }
    syncedLsn = nextLsn - 1;
    // After any repair above is durable: from now on the log must reach syncedLsn.
    SyncMarker.synced(storage, dir, syncedLsn);
    markedLsn = syncedLsn;
    markedNanos = System.nanoTime();
    publishTail();
    writer = new Thread(this::writerLoop, "vecdb-wal-writer-" + dir.getFileName());
    writer.setDaemon(true);
    writer.start();
  }

  /**
   * Opens (creating if needed) the WAL in {@code options.dir()}, recovering on the calling thread:
   * every record is checked, a torn tail is truncated with a warning, and damage before the tail
   * throws {@link WalCorruptionException} (unless {@link WalOptions#truncateCorruptTail}).
   *
   * <p>The {@link SyncMarker} decides what damage means: at or before the LSN it says was fsynced,
   * the open refuses (acknowledged records are damaged or gone); after a fail-stop, recovery keeps
   * no record after the last LSN an fsync confirmed before the failure. The marker is rewritten
   * once the repaired log is durable.
   */
  public static SegmentedWal open(WalOptions options) throws IOException {
    options.storage().createDirectories(options.dir());
    DirLock lock = DirLock.acquire(options.dir());
    try {
      SyncMarker.State marker = SyncMarker.read(options.dir(), options.truncateCorruptTail());
      if (marker != null && marker.failed()) {
        LOG.log(
            Level.WARNING,
            "WAL {0}: the previous process stopped after a WAL I/O failure; keeping records up to"
                + " LSN {1} (the last fsync that succeeded) and dropping any after it",
            options.dir(),
            marker.lsn());
      }
      return new SegmentedWal(options, WalRecovery.recover(options, marker), lock);
    } catch (IOException | RuntimeException e) {
      lock.release();
      throw e;
    }
  }

  /** What recovery found on open. */
  public RecoveryStats recoveryStats() {
    return recoveryStats;
  }

  public WalStats stats() {
    return new WalStats(statRecords, statGroups, statFsyncs, statBytes);
  }

  public Path dir() {
    return dir;
  }

  // ---- public API (any thread) ----

  @Override
  public CompletableFuture<Long> append(byte type, byte[] payload) {
    return appendBatch(List.of(new WalEntry(type, payload)));
  }

  @Override
  public CompletableFuture<Long> appendBatch(List<WalEntry> entries) {
    if (entries == null || entries.isEmpty()) {
      return CompletableFuture.failedFuture(
          new WalException(
              WalException.Code.INVALID_ARGUMENT, "entries: expected at least one WAL entry"));
    }
    long bytes = 0;
    for (WalEntry e : entries) {
      if (e.payload().length > maxRecordBytes) {
        return CompletableFuture.failedFuture(
            new WalException(
                WalException.Code.INVALID_ARGUMENT,
                "payload: expected at most "
                    + maxRecordBytes
                    + " bytes per WAL record, got "
                    + e.payload().length));
      }
      bytes += SegmentFormat.RECORD_OVERHEAD + e.payload().length;
    }
    if (bytes > Integer.MAX_VALUE - 64) {
      return CompletableFuture.failedFuture(
          new WalException(
              WalException.Code.INVALID_ARGUMENT,
              "entries: batch of " + bytes + " bytes too large"));
    }
    CompletableFuture<Long> f = new CompletableFuture<>();
    return enqueue(new Append(List.copyOf(entries), (int) bytes, f), f);
  }

  @Override
  public CompletableFuture<Long> sync() {
    CompletableFuture<Long> f = new CompletableFuture<>();
    return enqueue(new Sync(f), f);
  }

  @Override
  public CompletableFuture<Void> truncateSuffix(long fromLsn) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    return enqueue(new TruncateSuffix(fromLsn, f), f);
  }

  @Override
  public CompletableFuture<Void> truncatePrefix(long firstLsnToKeep) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    return enqueue(new TruncatePrefix(firstLsnToKeep, f), f);
  }

  private <T> CompletableFuture<T> enqueue(Op op, CompletableFuture<T> f) {
    WalException failed = failure;
    if (failed != null) {
      return CompletableFuture.failedFuture(failed);
    }
    if (closed) {
      return CompletableFuture.failedFuture(closedException());
    }
    queue.add(op);
    // If the writer exited after our check, make sure no operation is left waiting forever.
    if (!running) {
      drainAndFail();
    }
    return f;
  }

  @Override
  public WalCursor read(long fromLsn) {
    Tail t = tail;
    long first = firstLsn();
    if (fromLsn < first || fromLsn > t.lastLsn() + 1) {
      throw new WalException(
          WalException.Code.TRUNCATED,
          "fromLsn: expected an LSN in " + first + ".." + (t.lastLsn() + 1) + ", got " + fromLsn);
    }
    return new SegmentCursor(this, fromLsn);
  }

  @Override
  public long firstLsn() {
    Map.Entry<Long, Segment> e = segments.firstEntry();
    return e == null ? tail.lastLsn() + 1 : e.getKey();
  }

  @Override
  public long lastLsn() {
    return tail.lastLsn();
  }

  Tail tail() {
    return tail;
  }

  WalStorage storage() {
    return storage;
  }

  int maxRecordBytes() {
    return maxRecordBytes;
  }

  /**
   * Blocks until every operation accepted before it is written and fsynced and the writer has
   * stopped. Do not call on an event loop.
   *
   * @throws WalException {@code IO_FAILED} if the final flush failed or the WAL had failed before
   */
  @Override
  public void close() {
    if (Thread.currentThread() == writer) {
      throw new IllegalStateException(
          "WAL close() called from a completion callback on the WAL writer thread; it would wait"
              + " for itself. Close from another thread.");
    }
    CompletableFuture<Void> f = new CompletableFuture<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      queue.add(new Close(f));
    }
    if (!running) {
      drainAndFail();
    }
    boolean interrupted = false;
    while (true) {
      try {
        writer.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    lock.release();
    WalException failed = failure;
    if (failed != null) {
      throw failed;
    }
  }

  // ---- writer thread ----

  private void writerLoop() {
    List<Op> group = new ArrayList<>();
    try {
      boolean stop = false;
      while (!stop) {
        if (policy == SyncPolicy.INTERVAL
            && dirty
            && System.nanoTime() - lastSyncNanos >= syncIntervalNanos) {
          // Under sustained load the queue is never empty, so the poll below never times out.
          intervalSync();
        }
        Op first;
        try {
          if (policy == SyncPolicy.INTERVAL && dirty) {
            long wait = lastSyncNanos + syncIntervalNanos - System.nanoTime();
            first = wait <= 0 ? queue.poll() : queue.poll(wait, TimeUnit.NANOSECONDS);
            if (first == null) {
              intervalSync();
              continue;
            }
          } else {
            first = queue.take();
          }
        } catch (InterruptedException e) {
          // Nobody should interrupt the writer; ignore it rather than lose the WAL.
          LOG.log(Level.WARNING, "WAL writer interrupted; ignoring");
          continue;
        }
        group.add(first);
        long groupBytes = opBytes(first);
        Op next;
        while (groupBytes < maxGroupBytes && (next = queue.poll()) != null) {
          group.add(next);
          groupBytes += opBytes(next);
        }
        stop = processGroup(group);
        group.clear();
      }
    } catch (Throwable t) {
      failStop("WAL writer thread died", t);
      for (Op op : group) {
        failOp(op, failure);
      }
    } finally {
      running = false;
      closeQuietly(activeFile);
      drainAndFail();
    }
  }

  private static long opBytes(Op op) {
    return op instanceof Append a ? a.bytes() : 0;
  }

  /** Processes one drained group; returns true when a Close was processed. */
  private boolean processGroup(List<Op> group) {
    List<Op> acks = new ArrayList<>();
    boolean forceNeeded = policy == SyncPolicy.ALWAYS;
    for (Op op : group) {
      if (failure != null) {
        failOp(op, failure);
        if (op instanceof Close) {
          return true;
        }
        continue;
      }
      try {
        switch (op) {
          case Append a -> {
            acks.add(a);
            encode(a);
          }
          case Sync s -> {
            acks.add(s);
            forceNeeded = true;
          }
          case TruncateSuffix t -> {
            commit(acks, forceNeeded);
            acks.clear();
            forceNeeded = policy == SyncPolicy.ALWAYS;
            doTruncateSuffix(t);
          }
          case TruncatePrefix t -> {
            commit(acks, forceNeeded);
            acks.clear();
            forceNeeded = policy == SyncPolicy.ALWAYS;
            doTruncatePrefix(t);
          }
          case Close c -> {
            commit(acks, forceNeeded);
            acks.clear();
            activeFile.force(false);
            statFsyncs++;
            syncedLsn = nextLsn - 1;
            mark(syncedLsn);
            activeFile.close();
            c.future().complete(null);
            return true;
          }
        }
      } catch (IOException | RuntimeException e) {
        failStop("WAL write failed in " + (active == null ? dir : active.path), e);
        for (Op pending : acks) {
          failOp(pending, failure);
        }
        acks.clear();
        if (!(op instanceof Append) && !(op instanceof Sync)) {
          failOp(op, failure);
        }
        if (op instanceof Close) {
          return true;
        }
      }
    }
    if (failure == null) {
      try {
        commit(acks, forceNeeded);
      } catch (IOException | RuntimeException e) {
        failStop("WAL fsync/write failed in " + active.path, e);
        for (Op pending : acks) {
          failOp(pending, failure);
        }
      }
    }
    return false;
  }

  private static WalException ioFailure(String what, Throwable cause) {
    return new WalException(
        WalException.Code.IO_FAILED,
        what
            + ": "
            + cause
            + ". The WAL now refuses all writes (fail-stop); records acknowledged before this"
            + " are durable; reopen the WAL to continue",
        cause);
  }

  /** Encodes an append into the write buffer, rolling the segment first if it would overflow. */
  private void encode(Append a) throws IOException {
    long end = activeSize + buf.position();
    if (end > SegmentFormat.SEGMENT_HEADER_BYTES && end + a.bytes() > segmentBytes) {
      roll();
    }
    List<WalEntry> entries = a.entries();
    for (int i = 0; i < entries.size(); i++) {
      WalEntry e = entries.get(i);
      int len = e.payload().length;
      int recBytes = SegmentFormat.RECORD_OVERHEAD + len;
      if (buf.remaining() < recBytes) {
        flushBuffer();
        if (buf.capacity() < recBytes) {
          buf = ByteBuffer.allocateDirect(recBytes);
        }
      }
      long lsn = nextLsn++;
      active.noteRecord(lsn, activeSize + buf.position());
      int start = buf.position();
      buf.putInt(len)
          .putLong(lsn)
          .put(e.type())
          .put(
              (byte)
                  ((i < entries.size() - 1 ? SegmentFormat.RECORD_BATCH_CONTINUES : 0)
                      | (priorSynced ? SegmentFormat.RECORD_PRIOR_SYNCED : 0)))
          .put(e.payload());
      crc.reset();
      crc.update(buf.slice(start, SegmentFormat.RECORD_HEADER_BYTES + len));
      buf.putInt((int) crc.getValue());
      priorSynced = false;
      statRecords++;
    }
  }

  private void flushBuffer() throws IOException {
    buf.flip();
    if (buf.hasRemaining()) {
      int n = buf.remaining();
      while (buf.hasRemaining()) {
        activeSize += activeFile.write(buf, activeSize);
      }
      statBytes += n;
      statGroups++;
    }
    buf.clear();
  }

  /**
   * Writes the buffer, fsyncs if required, publishes the tail and completes the acknowledged
   * operations in LSN order.
   */
  private void commit(List<Op> acks, boolean force) throws IOException {
    if (acks.isEmpty() && buf.position() == 0) {
      return;
    }
    flushBuffer();
    if (force) {
      activeFile.force(false);
      statFsyncs++;
      priorSynced = true;
      dirty = false;
      lastSyncNanos = System.nanoTime();
      syncedLsn = nextLsn - 1;
    } else {
      dirty = true;
    }
    publishTail();
    if (acks.isEmpty()) {
      return;
    }
    List<Op> done = List.copyOf(acks);
    long last = nextLsn - 1;
    Runnable complete =
        () -> {
          long lsn = 0;
          for (Op op : done) {
            if (op instanceof Append a) {
              lsn += a.entries().size();
            }
          }
          // Each append's last LSN: walk back from the group's last LSN.
          long cursor = last - lsn;
          for (Op op : done) {
            switch (op) {
              case Append a -> {
                cursor += a.entries().size();
                a.future().complete(cursor);
              }
              case Sync s -> s.future().complete(cursor);
              default -> throw new IllegalStateException("not an ack: " + op);
            }
          }
        };
    if (completionExecutor == null) {
      complete.run();
    } else {
      try {
        completionExecutor.execute(complete);
      } catch (RuntimeException rejected) {
        complete.run(); // a shut-down executor must not leave acknowledged writes hanging
      }
    }
    maybeMark();
  }

  /**
   * Moves the {@link SyncMarker} up to {@link #syncedLsn}, at most once per interval: after the
   * acknowledgements, so that its fsync delays only the next group. Writer thread.
   */
  private void maybeMark() throws IOException {
    if (syncedLsn > markedLsn && System.nanoTime() - markedNanos >= markIntervalNanos) {
      mark(syncedLsn);
    }
  }

  private void mark(long lsn) throws IOException {
    SyncMarker.synced(storage, dir, lsn);
    statFsyncs++;
    markedLsn = lsn;
    markedNanos = System.nanoTime();
  }

  private void intervalSync() {
    if (failure != null || !dirty) {
      return;
    }
    try {
      activeFile.force(false);
      statFsyncs++;
      priorSynced = true;
      dirty = false;
      lastSyncNanos = System.nanoTime();
      syncedLsn = nextLsn - 1;
      maybeMark();
    } catch (IOException | RuntimeException e) {
      failStop("WAL interval fsync failed in " + active.path, e);
    }
  }

  /**
   * The first I/O failure: from now on every write is refused (those in flight fail). Writes the
   * fail-stop marker naming {@link #syncedLsn} (best effort: the device may be failing), then calls
   * the {@link WalOptions#onFailStop} handler. Writer thread.
   */
  private void failStop(String what, Throwable cause) {
    failure = ioFailure(what, cause);
    LOG.log(Level.ERROR, failure.getMessage(), cause);
    try {
      SyncMarker.failed(storage, dir, syncedLsn);
    } catch (IOException | RuntimeException e) {
      LOG.log(
          Level.ERROR,
          "WAL "
              + dir
              + ": could not write the fail-stop marker either ("
              + e
              + "). Records after LSN "
              + syncedLsn
              + " were never confirmed durable; a restart cannot tell them from good ones",
          e);
    }
    if (onFailStop != null) {
      try {
        onFailStop.accept(failure);
      } catch (Throwable t) {
        LOG.log(Level.ERROR, "WAL fail-stop handler failed", t);
      }
    }
  }

  private void publishTail() {
    tail = new Tail(nextLsn - 1, active, activeSize);
  }

  /** Seals the active segment (write, fsync, close) and starts a new one at {@link #nextLsn}. */
  private void roll() throws IOException {
    flushBuffer();
    activeFile.force(false);
    statFsyncs++;
    syncedLsn = nextLsn - 1;
    activeFile.close();
    createSegment(nextLsn, (short) 0);
  }

  private void createSegment(long firstLsn, short flags) throws IOException {
    Path path = dir.resolve(SegmentFormat.fileName(firstLsn));
    StorageFile f = storage.openWrite(path);
    try {
      SegmentFormat.writeHeader(f, firstLsn, flags);
      storage.syncDirectory(dir);
      statFsyncs += 2;
    } catch (IOException | RuntimeException e) {
      closeQuietly(f);
      throw e;
    }
    Segment seg = new Segment(path, firstLsn);
    segments.put(firstLsn, seg);
    active = seg;
    activeFile = f;
    activeSize = SegmentFormat.SEGMENT_HEADER_BYTES;
    priorSynced = true;
  }

  private void doTruncateSuffix(TruncateSuffix t) throws IOException {
    long from = t.fromLsn();
    long first = segments.firstKey();
    if (from < first || from > nextLsn) {
      t.future()
          .completeExceptionally(
              new WalException(
                  WalException.Code.INVALID_ARGUMENT,
                  "fromLsn: expected an LSN in " + first + ".." + nextLsn + ", got " + from));
      return;
    }
    if (from == nextLsn) {
      t.future().complete(null);
      return;
    }
    Segment target = segments.floorEntry(from).getValue();
    long offset = findOffset(target, from);
    // Lower the published tail before removing anything, so new cursors stay in range.
    if (markedLsn > from - 1) {
      // The marker must not vouch for records about to be cut: lower it first (durably).
      mark(from - 1);
    }
    nextLsn = from;
    syncedLsn = Math.min(syncedLsn, from - 1); // a failure below must not vouch for cut records
    tail = new Tail(from - 1, target, offset);
    // Newest first: a crash in between leaves a contiguous log.
    boolean deleted = false;
    for (Segment s :
        new ArrayList<>(segments.tailMap(target.firstLsn, false).descendingMap().values())) {
      if (s == active) {
        activeFile.close();
      }
      segments.remove(s.firstLsn);
      storage.delete(s.path);
      deleted = true;
    }
    if (deleted) {
      storage.syncDirectory(dir);
      statFsyncs++;
    }
    if (target != active) {
      // The old active segment was later than target, so it was deleted (and closed) above.
      activeFile = storage.openWrite(target.path);
      active = target;
    }
    activeFile.truncate(offset);
    activeFile.force(true);
    statFsyncs++;
    priorSynced = true;
    syncedLsn = from - 1;
    target.cutIndex(from);
    activeSize = offset;
    publishTail();
    t.future().complete(null);
  }

  /** Byte offset where record {@code lsn} starts in {@code seg} (writer thread, buffer flushed). */
  private long findOffset(Segment seg, long lsn) throws IOException {
    StorageFile f = seg == active ? activeFile : storage.openRead(seg.path);
    try {
      long size = seg == active ? activeSize : f.size();
      long[] start = seg.floorOffset(lsn);
      long cur = start[0];
      long pos = start[1];
      RecordReader r = new RecordReader(f, maxRecordBytes);
      while (cur < lsn) {
        if (r.decode(pos, size, cur) != RecordReader.Status.OK) {
          throw new IOException(
              "cannot find LSN " + lsn + " in " + seg.path + ": " + r.status + " at " + pos);
        }
        pos += r.recordBytes();
        cur++;
      }
      return pos;
    } finally {
      if (seg != active) {
        f.close();
      }
    }
  }

  private void doTruncatePrefix(TruncatePrefix t) throws IOException {
    long keep = t.firstLsnToKeep();
    if (keep <= segments.firstKey()) {
      t.future().complete(null);
      return;
    }
    List<Segment> all = new ArrayList<>(segments.values());
    List<Segment> drop = new ArrayList<>();
    boolean activeEmpty = activeSize == SegmentFormat.SEGMENT_HEADER_BYTES;
    if (keep >= nextLsn && !(activeEmpty && keep == nextLsn)) {
      // Everything goes: start a new segment first (BASE if LSNs jump), then delete the old ones.
      long newFirst = Math.max(nextLsn, keep);
      activeFile.force(false);
      activeFile.close();
      createSegment(newFirst, newFirst > nextLsn ? SegmentFormat.SEGMENT_BASE : 0);
      nextLsn = newFirst;
      syncedLsn = nextLsn - 1;
      publishTail();
      drop.addAll(all);
    } else {
      for (int i = 0; i + 1 < all.size() && all.get(i + 1).firstLsn <= keep; i++) {
        drop.add(all.get(i));
      }
    }
    // Oldest first: a crash in between leaves a contiguous suffix.
    for (Segment s : drop) {
      segments.remove(s.firstLsn);
      storage.delete(s.path);
    }
    if (!drop.isEmpty()) {
      storage.syncDirectory(dir);
      statFsyncs++;
    }
    t.future().complete(null);
  }

  private void failOp(Op op, WalException e) {
    switch (op) {
      case Append a -> a.future().completeExceptionally(e);
      case Sync s -> s.future().completeExceptionally(e);
      case TruncateSuffix t -> t.future().completeExceptionally(e);
      case TruncatePrefix t -> t.future().completeExceptionally(e);
      case Close c -> c.future().complete(null);
    }
  }

  /** Fails every queued operation; called once the writer has stopped. */
  private void drainAndFail() {
    Op op;
    while ((op = queue.poll()) != null) {
      WalException failed = failure;
      failOp(op, failed != null ? failed : closedException());
    }
  }

  private WalException closedException() {
    return new WalException(WalException.Code.CLOSED, "WAL " + dir + " is closed");
  }

  private static void closeQuietly(StorageFile f) {
    if (f != null) {
      try {
        f.close();
      } catch (IOException e) {
        LOG.log(Level.DEBUG, "closing WAL file", e);
      }
    }
  }
}
