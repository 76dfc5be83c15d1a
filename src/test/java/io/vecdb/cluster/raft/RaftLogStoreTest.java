package io.vecdb.cluster.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.microraft.RaftEndpoint;
import io.microraft.model.RaftModelFactory;
import io.microraft.model.log.LogEntry;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.persistence.RaftStore;
import io.microraft.persistence.RestoredRaftState;
import io.vecdb.collection.Operation;
import io.vecdb.collection.PointSelector;
import io.vecdb.model.PointId;
import io.vecdb.wal.FaultyStorage;
import io.vecdb.wal.WalStorage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node-wide Raft WAL: recovery per group, prefix truncation, shared fsyncs, fail-stop. */
class RaftLogStoreTest {
  private static final RaftModelFactory M = RaftCodec.model();
  private static final List<RaftEndpoint> MEMBERS =
      List.of(new NodeEndpoint("a"), new NodeEndpoint("b"), new NodeEndpoint("c"));

  @TempDir Path dir;

  private static RaftGroupMembersView view() {
    return M.createRaftGroupMembersViewBuilder()
        .setLogIndex(0)
        .setMembers(MEMBERS)
        .setVotingMembers(MEMBERS)
        .build();
  }

  private static void start(RaftStore s, int term) throws IOException {
    s.persistAndFlushLocalEndpoint(
        M.createRaftEndpointPersistentStateBuilder()
            .setLocalEndpoint(MEMBERS.get(0))
            .setVoting(true)
            .build());
    s.persistAndFlushInitialGroupMembers(view());
    s.persistAndFlushTerm(
        M.createRaftTermPersistentStateBuilder().setTerm(term).setVotedFor(MEMBERS.get(1)).build());
  }

  private static LogEntry entry(long index, int term, String group) {
    Operation op = new Operation.DeletePoints(group, PointSelector.ids(List.of(PointId.of(index))));
    return M.createLogEntryBuilder()
        .setIndex(index)
        .setTerm(term)
        .setOperation(new ShardCommand("c", index, op))
        .build();
  }

  private static List<LogEntry> entries(long from, long to, int term, String group) {
    List<LogEntry> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      out.add(entry(i, term, group));
    }
    return out;
  }

  private static void snapshot(RaftStore s, long index, int term, int chunks) throws IOException {
    for (int c = 0; c < chunks; c++) {
      SnapshotChunk chunk =
          M.createSnapshotChunkBuilder()
              .setIndex(index)
              .setTerm(term)
              .setSnapshotChunkIndex(c)
              .setSnapshotChunkCount(chunks)
              .setGroupMembersView(view())
              .setOperation(new Operation.DeleteCollection("chunk-" + c))
              .build();
      s.persistSnapshotChunk(chunk);
    }
    s.truncateLogEntriesUntil(index);
  }

  private static SnapshotChunk checkpointChunk(long index, int term) {
    return M.createSnapshotChunkBuilder()
        .setIndex(index)
        .setTerm(term)
        .setSnapshotChunkIndex(0)
        .setSnapshotChunkCount(1)
        .setGroupMembersView(view())
        .setOperation(new CheckpointRef("a", index))
        .build();
  }

  /**
   * A checkpoint snapshot becomes durable in the WAL only once its file is (commitCheckpoint): a
   * stop before that restores the previous snapshot and every entry after it, because the file a
   * restart would load may not exist.
   */
  @Test
  void aCheckpointSnapshotIsRestoredOnlyOnceItsFileWasDeclaredDurable() throws IOException {
    try (RaftLogStore log = RaftLogStore.open(dir, WalStorage.files(), 1 << 20)) {
      RaftStore a = log.store("a", () -> {});
      start(a, 1);
      a.persistLogEntries(entries(1, 30, 1, "a"));
      a.persistSnapshotChunk(checkpointChunk(10, 1));
      a.flush();
      log.commitCheckpoint("a", 10); // its file is durable
      a.persistSnapshotChunk(checkpointChunk(20, 1));
      a.truncateLogEntriesUntil(20);
      a.flush(); // the file of 20 is still being written when the node stops
    }
    try (RaftLogStore log = RaftLogStore.open(dir, WalStorage.files(), 1 << 20)) {
      RestoredRaftState a = log.restored("a");
      assertEquals(10, a.getSnapshotEntry().getIndex());
      assertEquals(
          new CheckpointRef("a", 10),
          ((SnapshotChunk) ((List<?>) a.getSnapshotEntry().getOperation()).get(0)).getOperation());
      assertEquals(11, indexes(a).get(0));
      assertEquals(30, indexes(a).get(indexes(a).size() - 1));
      RaftStore again = log.store("a", () -> {});
      again.persistSnapshotChunk(checkpointChunk(20, 1));
      again.flush();
      log.commitCheckpoint("a", 20);
    }
    try (RaftLogStore log = RaftLogStore.open(dir, WalStorage.files(), 1 << 20)) {
      RestoredRaftState a = log.restored("a");
      assertEquals(20, a.getSnapshotEntry().getIndex());
      assertEquals(21, indexes(a).get(0));
    }
  }

  private static List<Long> indexes(RestoredRaftState r) {
    return r.getLogEntries().stream().map(LogEntry::getIndex).toList();
  }

  @Test
  void eachGroupGetsBackWhatItFlushed() throws IOException {
    try (RaftLogStore log = RaftLogStore.open(dir, WalStorage.files(), 1 << 20)) {
      RaftStore a = log.store("a", () -> {});
      RaftStore b = log.store("b", () -> {});
      start(a, 1);
      start(b, 4);
      a.persistLogEntries(entries(1, 10, 1, "a"));
      b.persistLogEntries(entries(1, 3, 4, "b"));
      a.truncateLogEntriesFrom(8); // a new leader's entries replace 8..10
      a.persistLogEntries(entries(8, 12, 2, "a"));
      snapshot(a, 5, 1, 2);
      a.persistAndFlushTerm(
          M.createRaftTermPersistentStateBuilder().setTerm(2).setVotedFor(MEMBERS.get(2)).build());
      a.flush();
      b.flush();
      assertThrows(IllegalStateException.class, () -> log.store("a", () -> {}));
    }
    try (RaftLogStore log = RaftLogStore.open(dir, WalStorage.files(), 1 << 20)) {
      assertEquals(List.of("a", "b"), log.recoveredGroups());
      RestoredRaftState a = log.restored("a");
      assertEquals(List.of(6L, 7L, 8L, 9L, 10L, 11L, 12L), indexes(a));
      assertEquals(1, a.getLogEntries().get(1).getTerm()); // 7, from term 1
      assertEquals(2, a.getLogEntries().get(2).getTerm()); // 8, replaced in term 2
      assertEquals(5, a.getSnapshotEntry().getIndex());
      assertEquals(2, a.getSnapshotEntry().getSnapshotChunkCount());
      assertEquals(2, a.getTermPersistentState().getTerm());
      assertEquals(MEMBERS.get(2), a.getTermPersistentState().getVotedFor());
      assertEquals(MEMBERS.get(0), a.getLocalEndpointPersistentState().getLocalEndpoint());
      ShardCommand c = (ShardCommand) a.getLogEntries().get(0).getOperation();
      assertEquals(6, c.request());
      RestoredRaftState b = log.restored("b");
      assertEquals(List.of(1L, 2L, 3L), indexes(b));
      assertNull(b.getSnapshotEntry());
      assertEquals(4, b.getTermPersistentState().getTerm());
      assertNull(log.restored("nobody"));
    }
  }

  /**
   * Snapshots let the WAL drop whole segments, but never what a group still needs: entries after
   * its snapshot (even written long before it), and the snapshot itself.
   */
  @Test
  void snapshotsTruncateThePrefixButKeepWhatGroupsNeed() throws IOException {
    try (RaftLogStore log = RaftLogStore.open(dir, WalStorage.files(), 4 << 10)) {
      RaftStore a = log.store("a", () -> {});
      RaftStore b = log.store("b", () -> {});
      start(a, 1);
      start(b, 1);
      for (long i = 1; i <= 400; i += 10) {
        a.persistLogEntries(entries(i, i + 9, 1, "a"));
        b.persistLogEntries(entries(i, i + 9, 1, "b"));
      }
      a.flush();
      b.flush();
      long before = log.firstLsn();
      snapshot(a, 300, 1, 3);
      a.flush();
      assertEquals(before, log.firstLsn(), "b has no snapshot: nothing may go");
      snapshot(b, 350, 1, 1);
      b.flush();
      a.flush();
      // The WAL drops segments on its writer thread: wait for it, within a deadline.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (log.firstLsn() == before && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertTrue(log.firstLsn() > before, "no segment dropped: first LSN " + log.firstLsn());
    }
    try (RaftLogStore log = RaftLogStore.open(dir, WalStorage.files(), 4 << 10)) {
      RestoredRaftState a = log.restored("a");
      RestoredRaftState b = log.restored("b");
      assertEquals(300, a.getSnapshotEntry().getIndex());
      assertEquals(3, a.getSnapshotEntry().getSnapshotChunkCount());
      assertEquals(350, b.getSnapshotEntry().getIndex());
      assertEquals(100, a.getLogEntries().size());
      assertEquals(301, a.getLogEntries().get(0).getIndex());
      assertEquals(50, b.getLogEntries().size());
      assertNotNull(a.getTermPersistentState());
      assertNotNull(b.getLocalEndpointPersistentState());
    }
  }

  /**
   * A dropped group (its collection deleted) is gone after a restart, and no longer holds back
   * prefix truncation, which it would forever: it will never snapshot again.
   */
  @Test
  void aDroppedGroupIsForgottenAndReleasesThePrefix() throws IOException {
    try (RaftLogStore log = RaftLogStore.open(dir, WalStorage.files(), 4 << 10)) {
      RaftStore a = log.store("a", () -> {});
      RaftStore b = log.store("b", () -> {});
      start(a, 1);
      start(b, 1);
      for (long i = 1; i <= 400; i += 10) {
        a.persistLogEntries(entries(i, i + 9, 1, "a"));
        b.persistLogEntries(entries(i, i + 9, 1, "b"));
      }
      a.flush();
      b.flush();
      long before = log.firstLsn();
      snapshot(a, 400, 1, 1);
      a.flush();
      assertEquals(before, log.firstLsn(), "b still needs its entries");
      log.drop("b");
      a.flush();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (log.firstLsn() == before && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertTrue(log.firstLsn() > before, "b's records still hold the prefix");
    }
    try (RaftLogStore log = RaftLogStore.open(dir, WalStorage.files(), 4 << 10)) {
      assertNull(log.restored("b"), "a dropped group does not come back");
      assertEquals(400, log.restored("a").getSnapshotEntry().getIndex());
    }
  }

  /**
   * While one fsync is held, every other group's flush queues behind it; releasing it, one more
   * fsync covers all of them (not one each).
   */
  @Test
  void oneFsyncCoversEveryWaitingGroup() throws Exception {
    FaultyStorage storage = new FaultyStorage();
    int groups = 8;
    try (RaftLogStore log = RaftLogStore.open(dir, storage, 1 << 20)) {
      List<RaftStore> stores = new ArrayList<>();
      for (int g = 0; g < groups; g++) {
        RaftStore s = log.store("g" + g, () -> {});
        start(s, 1);
        stores.add(s);
      }
      CountDownLatch hold = new CountDownLatch(1);
      storage.holdForce = hold;
      ExecutorService pool = Executors.newFixedThreadPool(groups);
      try {
        Future<?> first = pool.submit(() -> persistAndFlush(stores.get(0), "g0"));
        assertTrue(storage.forceEntered.await(10, TimeUnit.SECONDS));
        int forcesWhileHeld = storage.forces.get();
        List<Future<?>> rest = new ArrayList<>();
        for (int g = 1; g < groups; g++) {
          RaftStore s = stores.get(g);
          String name = "g" + g;
          rest.add(pool.submit(() -> persistAndFlush(s, name)));
        }
        // Let the seven appends reach the writer's queue (bounded wait, then release anyway).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < deadline && log.stats().records() < 3L * groups + groups) {
          Thread.onSpinWait();
        }
        storage.holdForce = null;
        hold.countDown();
        first.get(10, TimeUnit.SECONDS);
        for (Future<?> f : rest) {
          f.get(10, TimeUnit.SECONDS);
        }
        int forces = storage.forces.get() - forcesWhileHeld;
        assertTrue(forces <= 2, groups + " groups' flushes took " + forces + " more fsyncs");
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private static Void persistAndFlush(RaftStore s, String group) throws IOException {
    s.persistLogEntries(entries(1, 5, 1, group));
    s.flush();
    return null;
  }

  @Test
  void anIoFailureStopsEveryGroupOnce() throws IOException {
    FaultyStorage storage = new FaultyStorage();
    AtomicInteger stoppedA = new AtomicInteger();
    AtomicInteger stoppedB = new AtomicInteger();
    try (RaftLogStore log = RaftLogStore.open(dir, storage, 1 << 20)) {
      RaftStore a = log.store("a", stoppedA::incrementAndGet);
      RaftStore b = log.store("b", stoppedB::incrementAndGet);
      start(a, 1);
      start(b, 1);
      storage.forceBudget.set(0);
      a.persistLogEntries(entries(1, 3, 1, "a"));
      assertThrows(IOException.class, a::flush);
      assertThrows(IOException.class, a::flush);
      assertEquals(1, stoppedA.get());
      assertThrows(IOException.class, () -> b.persistLogEntries(entries(1, 1, 1, "b")));
      assertEquals(1, stoppedB.get());
      assertNotNull(log.failure());
    }
  }
}
