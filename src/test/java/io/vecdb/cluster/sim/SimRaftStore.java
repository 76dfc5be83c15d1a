package io.vecdb.cluster.sim;

import io.microraft.model.impl.log.DefaultSnapshotEntryOrBuilder;
import io.microraft.model.log.LogEntry;
import io.microraft.model.log.RaftGroupMembersView;
import io.microraft.model.log.SnapshotChunk;
import io.microraft.model.log.SnapshotEntry;
import io.microraft.model.persistence.RaftEndpointPersistentState;
import io.microraft.model.persistence.RaftTermPersistentState;
import io.microraft.persistence.RaftStore;
import io.microraft.persistence.RestoredRaftState;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A simulated disk for one Raft node: what was flushed survives a crash, what was only written is
 * lost ({@link #crash}). Log writes, truncations and snapshot chunks are queued in order and
 * applied to the durable image by {@link #flush}, as an fsync would make them durable; term, vote,
 * endpoint and initial members are written and flushed at once, as the interface demands.
 * Single-threaded (the simulation's thread).
 */
final class SimRaftStore implements RaftStore {
  private RaftEndpointPersistentState endpoint;
  private RaftGroupMembersView initialMembers;
  private RaftTermPersistentState term;
  private List<LogEntry> entries = new ArrayList<>(); // durable
  private SnapshotEntry snapshot; // durable
  private final List<Runnable> unflushed = new ArrayList<>();
  private final TreeMap<Integer, SnapshotChunk> chunks = new TreeMap<>(); // being written
  private long chunksIndex = -1;

  @Override
  public void persistAndFlushLocalEndpoint(RaftEndpointPersistentState state) {
    endpoint = state;
  }

  @Override
  public void persistAndFlushInitialGroupMembers(RaftGroupMembersView members) {
    initialMembers = members;
  }

  @Override
  public void persistAndFlushTerm(RaftTermPersistentState state) {
    term = state;
  }

  @Override
  public void persistLogEntries(List<LogEntry> logEntries) {
    List<LogEntry> copy = List.copyOf(logEntries);
    unflushed.add(() -> entries.addAll(copy));
  }

  @Override
  public void persistSnapshotChunk(SnapshotChunk chunk) {
    unflushed.add(
        () -> {
          if (chunksIndex != chunk.getIndex()) {
            chunks.clear();
            chunksIndex = chunk.getIndex();
          }
          chunks.put(chunk.getSnapshotChunkIndex(), chunk);
          if (chunks.size() == chunk.getSnapshotChunkCount()) {
            snapshot =
                new DefaultSnapshotEntryOrBuilder()
                    .setTerm(chunk.getTerm())
                    .setIndex(chunk.getIndex())
                    .setSnapshotChunks(new ArrayList<>(chunks.values()))
                    .setGroupMembersView(chunk.getGroupMembersView())
                    .build();
            chunks.clear();
            chunksIndex = -1;
          }
        });
  }

  @Override
  public void truncateLogEntriesFrom(long indexInclusive) {
    unflushed.add(() -> entries.removeIf(e -> e.getIndex() >= indexInclusive));
  }

  @Override
  public void truncateLogEntriesUntil(long indexInclusive) {
    unflushed.add(() -> entries.removeIf(e -> e.getIndex() <= indexInclusive));
  }

  @Override
  public void deleteSnapshotChunks(long logIndex, int chunkCount) {
    unflushed.add(
        () -> {
          if (chunksIndex == logIndex) {
            chunks.clear();
            chunksIndex = -1;
          }
        });
  }

  @Override
  public void flush() {
    for (Runnable r : unflushed) {
      r.run();
    }
    unflushed.clear();
  }

  /** Loses everything written since the last flush. */
  void crash() {
    unflushed.clear();
  }

  /** What a restart finds on disk; null if the node never started. */
  RestoredRaftState restored() {
    if (endpoint == null || initialMembers == null || term == null) {
      return null;
    }
    List<LogEntry> kept = new ArrayList<>();
    for (LogEntry e : entries) {
      if (snapshot == null || e.getIndex() > snapshot.getIndex()) {
        kept.add(e);
      }
    }
    return new RestoredRaftState(endpoint, initialMembers, term, snapshot, kept);
  }
}
