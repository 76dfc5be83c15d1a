package io.vecdb.cluster.raft;

import io.microraft.model.log.LogEntry;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.model.log.SnapshotEntry;
import io.microraft.model.persistence.RaftEndpointPersistentState;
import io.microraft.model.persistence.RaftTermPersistentState;
import io.microraft.persistence.RaftStore;
import io.microraft.persistence.RestoredRaftState;
import io.vecdb.wal.SegmentedWal;
import io.vecdb.wal.SyncPolicy;
import io.vecdb.wal.WalCursor;
import io.vecdb.wal.WalException;
import io.vecdb.wal.WalOptions;
import io.vecdb.wal.WalRecord;
import io.vecdb.wal.WalStats;
import io.vecdb.wal.WalStorage;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.logging.Logger;

/**
 * The Raft logs of every group on a node in one segmented WAL ({@code <data>/raft}), as TiKV's
 * raft-engine keeps them: each record names its group, and one fsync covers whatever every group
 * wrote up to that moment (the WAL's group commit), so fsyncs per second do not grow with the
 * number of shards on a node. The sync policy is always {@code always}.
 *
 * <p>Records: a group's log entries (index and term first, then the operation, {@link RaftCodec}),
 * suffix truncations, term and vote, local endpoint, initial members, snapshot chunks and a
 * snapshot-complete record that also carries the group's endpoint, members and term at that time.
 * Recovery reads the WAL once at start ({@link #open}) and rebuilds each group's {@link
 * RestoredRaftState}: what MicroRaft flushed is there, a torn tail is dropped by the WAL.
 *
 * <p>Prefix truncation: a group needs its records from the first chunk of its latest complete
 * snapshot, and every entry record holding an index after that snapshot (entries may have been
 * written before the snapshot that covers their predecessors). The WAL drops whole segments below
 * the smallest such position over all groups.
 *
 * <p>Fail-stop: the first I/O failure is sticky. Every later call of every group's store throws,
 * and each group's failure callback runs once, so that its Raft node terminates instead of running
 * on without a log (MicroRaft itself only logs what its store throws).
 *
 * <p>Concurrency: {@link #store}, {@link #restored} and {@link #drop} from any thread (the
 * recovered states are a synchronized map); each group's {@link RaftStore} is called by its Raft
 * lane only (MicroRaft's contract), and blocks that lane in {@link RaftStore#flush} until the
 * fsync. Per-group positions are in a concurrent map; the per-group bookkeeping objects are
 * confined to their lane.
 */
public final class RaftLogStore implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RaftLogStore.class.getName());

  static final byte ENTRIES = 16;
  static final byte TRUNCATE = 17;
  static final byte TERM = 18;
  static final byte LOCAL = 19;
  static final byte MEMBERS = 20;
  static final byte SNAPSHOT_CHUNK = 21;
  static final byte SNAPSHOT_DONE = 22;
  static final byte DROPPED = 23;

  private final SegmentedWal wal;
  private final Map<String, Recovered> recovered;
  private final ConcurrentHashMap<String, Long> retainFrom = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, GroupStore> stores = new ConcurrentHashMap<>();
  private volatile IOException failure;

  private RaftLogStore(SegmentedWal wal, Map<String, Recovered> recovered) {
    this.wal = wal;
    // Read by groups' starts, emptied by drops (reconciler and lane threads): synchronized.
    this.recovered = java.util.Collections.synchronizedMap(recovered);
    recovered.forEach(
        (g, r) -> {
          // A group that never persisted its endpoint holds nothing MicroRaft could restore.
          if (r.local != null) {
            retainFrom.put(g, r.retainFrom());
          }
        });
  }

  /**
   * Forgets {@code group} for good (its collection was deleted and its Raft node terminated): a
   * record says so, so recovery skips what it wrote, and its records no longer hold back prefix
   * truncation. Any thread; blocks until the record is durable.
   */
  public void drop(String group) throws IOException {
    IOException f = failure;
    if (f != null) {
      throw f;
    }
    Buffer b = Buffer.buffer(64);
    RaftCodec.str(b, group);
    try {
      wal.append(DROPPED, b.getBytes()).join(); // sync policy always: completes once durable
    } catch (WalException | java.util.concurrent.CompletionException e) {
      throw new IOException("Raft log: dropping " + group + ": " + e.getMessage(), e);
    }
    stores.remove(group);
    recovered.remove(group);
    retainFrom.remove(group);
    truncatePrefix();
  }

  /** Opens (creating) the node's Raft WAL in {@code dir} and reads every group's state back. */
  public static RaftLogStore open(Path dir, WalStorage storage, long segmentBytes)
      throws IOException {
    return open(dir, storage, segmentBytes, null);
  }

  /**
   * As {@link #open(Path, WalStorage, long)}; {@code onFailStop} runs once when the WAL fails (a
   * server process stops there), after every group's failure callback has been armed.
   */
  public static RaftLogStore open(
      Path dir,
      WalStorage storage,
      long segmentBytes,
      java.util.function.Consumer<io.vecdb.wal.WalException> onFailStop)
      throws IOException {
    SegmentedWal wal =
        SegmentedWal.open(
            new WalOptions(dir)
                .syncPolicy(SyncPolicy.ALWAYS)
                .segmentBytes(segmentBytes)
                .storage(storage)
                .onFailStop(onFailStop));
    try {
      return new RaftLogStore(wal, recover(wal));
    } catch (RuntimeException e) {
      wal.close();
      throw e;
    }
  }

  /** Groups found on disk at open, in the order they first appear. */
  public List<String> recoveredGroups() {
    synchronized (recovered) {
      return List.copyOf(recovered.keySet());
    }
  }

  /** What group {@code group} had flushed before the last stop; null if it had nothing. */
  public RestoredRaftState restored(String group) {
    Recovered r = recovered.get(group);
    return r == null ? null : r.toRestored();
  }

  /**
   * The store of {@code group} (one per group for the life of this log).
   *
   * @param onFailure runs once, on the calling lane, when the log fails
   */
  public RaftStore store(String group, Runnable onFailure) {
    return store(group, onFailure, i -> {});
  }

  /**
   * As {@link #store(String, Runnable)}; {@code onSnapshotDurable} is told (on the lane) of each
   * snapshot that became durable, newest index first seen.
   */
  public RaftStore store(
      String group, Runnable onFailure, java.util.function.LongConsumer onSnapshotDurable) {
    GroupStore s = new GroupStore(group, onFailure, onSnapshotDurable, recovered.get(group));
    if (stores.putIfAbsent(group, s) != null) {
      throw new IllegalStateException("group " + group + " already has a store");
    }
    return s;
  }

  /**
   * The checkpoint file of snapshot {@code index} of {@code group} is durable: the snapshot is
   * written to the WAL now (it was held back, see {@link CheckpointRef}). Must run on the group's
   * Raft lane.
   */
  public void commitCheckpoint(String group, long index) throws IOException {
    GroupStore s = stores.get(group);
    if (s != null) {
      s.commitCheckpoint(index);
    }
  }

  public WalStats stats() {
    return wal.stats();
  }

  /** The first LSN the WAL still holds (prefix truncation moves it). */
  public long firstLsn() {
    return wal.firstLsn();
  }

  /** The first I/O failure, or null. */
  public IOException failure() {
    return failure;
  }

  /** Writes and fsyncs what was accepted, then releases the files; idempotent. */
  @Override
  public void close() {
    try {
      wal.close();
    } catch (WalException e) {
      // A failed log reports its failure again on close; what was flushed is on disk.
      LOG.warning("Raft log closed after an earlier failure: " + e.getMessage());
    }
  }

  // ---- writing ----

  private final class GroupStore implements RaftStore {
    private final String group;
    private final Runnable onFailure;
    private boolean failed;
    private CompletableFuture<Long> last = CompletableFuture.completedFuture(0L);
    // Work to do once the records written so far are durable (their LSNs known): lane only.
    private final List<Runnable> afterFlush = new ArrayList<>();
    // Lane-confined bookkeeping for prefix truncation.
    private final TreeMap<Long, long[]> entryRecords =
        new TreeMap<>(); // first index -> {lsn, last}
    private long snapshotIndex;
    private long snapshotFirstLsn = -1;
    private long firstLsn = -1;
    private final TreeMap<Integer, SnapshotChunk> chunks = new TreeMap<>();
    // Checkpoint snapshots taken or installed whose files are not known durable yet, by index.
    private final TreeMap<Long, SnapshotChunk> pendingCheckpoints = new TreeMap<>();
    private final java.util.function.LongConsumer onSnapshotDurable;
    private long chunksIndex = -1;
    private CompletableFuture<Long> chunksFirst;
    private RaftEndpointPersistentState local;
    private RaftGroupMembersView members;
    private RaftTermPersistentState term;

    GroupStore(
        String group,
        Runnable onFailure,
        java.util.function.LongConsumer onSnapshotDurable,
        Recovered r) {
      this.group = group;
      this.onFailure = onFailure;
      this.onSnapshotDurable = onSnapshotDurable;
      if (r != null) {
        local = r.local;
        members = r.members;
        term = r.term;
        snapshotIndex = r.snapshot == null ? 0 : r.snapshot.getIndex();
        snapshotFirstLsn = r.snapshotFirstLsn;
        firstLsn = r.firstLsn;
        entryRecords.putAll(r.entryRecords);
      }
    }

    private Buffer head() {
      Buffer b = Buffer.buffer(64);
      RaftCodec.str(b, group);
      return b;
    }

    private CompletableFuture<Long> append(byte type, Buffer body) throws IOException {
      check();
      CompletableFuture<Long> f;
      try {
        f = wal.append(type, body.getBytes());
      } catch (WalException e) {
        throw fail(new IOException("Raft log of " + group + ": " + e.getMessage(), e));
      }
      last = f;
      if (firstLsn < 0) {
        firstLsn = Long.MAX_VALUE; // fixed at the next flush, once the LSN is known
        afterFlush.add(() -> firstLsn = f.join());
      }
      return f;
    }

    private void appendAndFlush(byte type, Buffer body) throws IOException {
      append(type, body);
      flush();
    }

    @Override
    public void persistAndFlushLocalEndpoint(RaftEndpointPersistentState state) throws IOException {
      local = state;
      Buffer b = head();
      RaftCodec.writeLocal(b, state);
      appendAndFlush(LOCAL, b);
    }

    @Override
    public void persistAndFlushInitialGroupMembers(RaftGroupMembersView view) throws IOException {
      members = view;
      Buffer b = head();
      RaftCodec.writeMembers(b, view);
      appendAndFlush(MEMBERS, b);
    }

    @Override
    public void persistAndFlushTerm(RaftTermPersistentState state) throws IOException {
      term = state;
      Buffer b = head();
      RaftCodec.writeTerm(b, state);
      appendAndFlush(TERM, b);
    }

    @Override
    public void persistLogEntries(List<LogEntry> entries) throws IOException {
      if (entries.isEmpty()) {
        return;
      }
      Buffer b = head();
      b.appendIntLE(entries.size());
      for (LogEntry e : entries) {
        RaftCodec.writeEntry(b, e);
      }
      CompletableFuture<Long> f = append(ENTRIES, b);
      long first = entries.get(0).getIndex();
      long lastIndex = entries.get(entries.size() - 1).getIndex();
      long[] slot = {Long.MAX_VALUE, lastIndex};
      entryRecords.put(first, slot);
      afterFlush.add(() -> slot[0] = f.join());
    }

    @Override
    public void persistSnapshotChunk(SnapshotChunk chunk) throws IOException {
      if (chunk.getOperation() instanceof CheckpointRef) {
        // Written once the checkpoint file is durable (commitCheckpoint): until then a restart
        // restores the previous snapshot and the entries after it, which the WAL still holds.
        pendingCheckpoints.put(chunk.getIndex(), chunk);
        return;
      }
      if (chunksIndex != chunk.getIndex()) {
        chunks.clear();
        chunksIndex = chunk.getIndex();
        chunksFirst = null;
      }
      chunks.put(chunk.getSnapshotChunkIndex(), chunk);
      Buffer b = head();
      RaftCodec.writeChunk(b, chunk);
      CompletableFuture<Long> f = append(SNAPSHOT_CHUNK, b);
      if (chunksFirst == null) {
        chunksFirst = f;
      }
      if (chunks.size() == chunk.getSnapshotChunkCount()) {
        snapshotDone(chunk, chunksFirst);
        chunks.clear();
        chunksIndex = -1;
        chunksFirst = null;
      }
    }

    /** The snapshot-complete record of the snapshot whose last chunk is {@code chunk}. */
    private void snapshotDone(SnapshotChunk chunk, CompletableFuture<Long> first)
        throws IOException {
      Buffer done = head();
      done.appendLongLE(chunk.getIndex()).appendIntLE(chunk.getTerm());
      done.appendIntLE(chunk.getSnapshotChunkCount());
      RaftCodec.writeLocal(done, local);
      RaftCodec.writeMembers(done, members);
      RaftCodec.writeTerm(done, term);
      append(SNAPSHOT_DONE, done);
      long index = chunk.getIndex();
      afterFlush.add(
          () -> {
            if (index > snapshotIndex) {
              snapshotIndex = index;
              snapshotFirstLsn = first.join();
              onSnapshotDurable.accept(index);
            }
          });
    }

    /** The checkpoint file of snapshot {@code index} is durable: the snapshot can be. Lane. */
    void commitCheckpoint(long index) throws IOException {
      SnapshotChunk chunk = pendingCheckpoints.get(index);
      if (chunk == null) {
        return; // restored at start (durable already), or superseded
      }
      pendingCheckpoints.headMap(index, true).clear();
      Buffer b = head();
      RaftCodec.writeChunk(b, chunk);
      snapshotDone(chunk, append(SNAPSHOT_CHUNK, b));
      flush();
    }

    @Override
    public void truncateLogEntriesFrom(long indexInclusive) throws IOException {
      Buffer b = head();
      b.appendLongLE(indexInclusive);
      append(TRUNCATE, b);
      entryRecords.tailMap(indexInclusive, true).clear();
    }

    @Override
    public void truncateLogEntriesUntil(long indexInclusive) {
      // The snapshot-complete record says it; positions move in updateRetention().
    }

    @Override
    public void deleteSnapshotChunks(long logIndex, int chunkCount) {
      pendingCheckpoints.remove(logIndex);
      if (chunksIndex == logIndex) {
        chunks.clear();
        chunksIndex = -1;
        chunksFirst = null;
      }
    }

    @Override
    public void flush() throws IOException {
      check();
      try {
        last.get();
      } catch (ExecutionException e) {
        throw fail(new IOException("Raft log of " + group + ": " + e.getCause(), e.getCause()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw fail(new IOException("Raft log of " + group + ": interrupted in flush", e));
      }
      // The WAL completes futures in LSN order: every record written so far is durable now.
      for (Runnable r : afterFlush) {
        r.run();
      }
      afterFlush.clear();
      updateRetention();
    }

    private void updateRetention() {
      long snap = snapshotIndex;
      long snapLsn = snapshotFirstLsn;
      entryRecords.headMap(snap + 1, false).entrySet().removeIf(e -> e.getValue()[1] <= snap);
      long keep = snapLsn >= 0 ? snapLsn : firstLsn;
      for (long[] slot : entryRecords.values()) {
        keep = Math.min(keep, slot[0]);
      }
      if (keep >= 0 && keep != Long.MAX_VALUE) {
        Long before = retainFrom.put(group, keep);
        if (before == null || keep > before) {
          truncatePrefix();
        }
      }
    }

    private void check() throws IOException {
      IOException f = failure;
      if (f != null) {
        throw fail(f);
      }
    }

    private IOException fail(IOException e) {
      if (failure == null) {
        failure = e;
        LOG.severe("Raft log failed, every group on this node stops: " + e.getMessage());
      }
      if (!failed) {
        failed = true;
        onFailure.run();
      }
      return e;
    }
  }

  private void truncatePrefix() {
    long min = Long.MAX_VALUE;
    for (long v : retainFrom.values()) {
      min = Math.min(min, v);
    }
    if (min != Long.MAX_VALUE && min > wal.firstLsn()) {
      wal.truncatePrefix(min);
    }
  }

  // ---- recovery ----

  /** One group's state as read back, with the positions prefix truncation needs. */
  private static final class Recovered {
    RaftEndpointPersistentState local;
    RaftGroupMembersView members;
    RaftTermPersistentState term;
    SnapshotEntry snapshot;
    final TreeMap<Long, LogEntry> entries = new TreeMap<>();
    final TreeMap<Long, long[]> entryRecords = new TreeMap<>();
    final TreeMap<Integer, SnapshotChunk> chunks = new TreeMap<>();
    long chunksIndex = -1;
    long chunksFirstLsn = -1;
    long snapshotFirstLsn = -1;
    long firstLsn = -1;

    long retainFrom() {
      long keep = snapshotFirstLsn >= 0 ? snapshotFirstLsn : firstLsn;
      for (long[] slot : entryRecords.values()) {
        keep = Math.min(keep, slot[0]);
      }
      return keep;
    }

    RestoredRaftState toRestored() {
      if (local == null || members == null || term == null) {
        return null;
      }
      return new RestoredRaftState(
          local, members, term, snapshot, new ArrayList<>(entries.values()));
    }
  }

  private static Map<String, Recovered> recover(SegmentedWal wal) {
    Map<String, Recovered> groups = new LinkedHashMap<>();
    try (WalCursor cursor = wal.read(wal.firstLsn())) {
      for (WalRecord rec = cursor.next(); rec != null; rec = cursor.next()) {
        RaftCodec.Reader r = new RaftCodec.Reader(Buffer.buffer(rec.payload()));
        String group = r.str();
        Recovered g = groups.computeIfAbsent(group, k -> new Recovered());
        if (g.firstLsn < 0) {
          g.firstLsn = rec.lsn();
        }
        switch (rec.type()) {
          case DROPPED -> groups.remove(group);
          case LOCAL -> g.local = RaftCodec.readLocal(r);
          case MEMBERS -> g.members = RaftCodec.readMembers(r);
          case TERM -> g.term = RaftCodec.readTerm(r);
          case ENTRIES -> {
            int n = r.i();
            long first = -1;
            long lastIndex = -1;
            for (int i = 0; i < n; i++) {
              LogEntry e = RaftCodec.readEntry(r);
              if (i == 0) {
                first = e.getIndex();
                g.entries.tailMap(first, true).clear(); // appended at an index: replaces the rest
                g.entryRecords.tailMap(first, true).clear();
              }
              lastIndex = e.getIndex();
              g.entries.put(e.getIndex(), e);
            }
            if (n > 0) {
              g.entryRecords.put(first, new long[] {rec.lsn(), lastIndex});
            }
          }
          case TRUNCATE -> {
            long from = r.l();
            g.entries.tailMap(from, true).clear();
            g.entryRecords.tailMap(from, true).clear();
          }
          case SNAPSHOT_CHUNK -> {
            SnapshotChunk c = RaftCodec.readChunk(r);
            if (c.getIndex() != g.chunksIndex) {
              g.chunks.clear();
              g.chunksIndex = c.getIndex();
              g.chunksFirstLsn = rec.lsn();
            }
            g.chunks.put(c.getSnapshotChunkIndex(), c);
          }
          case SNAPSHOT_DONE -> {
            long index = r.l();
            int term = r.i();
            int count = r.i();
            g.local = RaftCodec.readLocal(r);
            g.members = RaftCodec.readMembers(r);
            g.term = RaftCodec.readTerm(r);
            if (g.chunksIndex == index && g.chunks.size() == count) {
              SnapshotChunk any = g.chunks.firstEntry().getValue();
              g.snapshot =
                  RaftCodec.model()
                      .createSnapshotEntryBuilder()
                      .setIndex(index)
                      .setTerm(term)
                      .setGroupMembersView(any.getGroupMembersView())
                      .setSnapshotChunks(new ArrayList<>(g.chunks.values()))
                      .build();
              g.snapshotFirstLsn = g.chunksFirstLsn;
              g.entries.headMap(index, true).clear();
              g.entryRecords.entrySet().removeIf(e -> e.getValue()[1] <= index);
            }
            g.chunks.clear();
            g.chunksIndex = -1;
          }
          default ->
              throw new IllegalStateException(
                  "Raft log: unknown record type " + rec.type() + " at LSN " + rec.lsn());
        }
      }
    }
    return groups;
  }
}
