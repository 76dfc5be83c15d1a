package io.vecdb.cluster.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.microraft.RaftConfig;
import io.vecdb.collection.Collection;
import io.vecdb.collection.CollectionConfig;
import io.vecdb.collection.Collections;
import io.vecdb.collection.Operation;
import io.vecdb.collection.PointStruct;
import io.vecdb.collection.PointView;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vecdb.wal.WalStorage;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shard snapshots as checkpoint files: MicroRaft keeps and sends a {@link CheckpointRef}, the
 * replica's apply lane writes the file, and a replica that must install a snapshot it does not have
 * fetches the file from the leader over the bus. Three {@link RaftHost}s in one Vert.x, each with
 * its own Raft WAL and checkpoint directory; snapshots every 20, 27 and 34 commits (so that a
 * file's index tells whose it was).
 */
class CheckpointSnapshotTest {
  private static final String GROUP = "c/1/0/c";
  private static final CollectionConfig CONFIG =
      CollectionConfig.parse(
          new JsonObject().put("vectors", new JsonObject().put("size", 2).put("distance", "Dot")));

  @TempDir Path dir;
  private Vertx vertx;
  private ExecutorService reads;
  private final List<NodeEndpoint> members =
      List.of(new NodeEndpoint("n1"), new NodeEndpoint("n2"), new NodeEndpoint("n3"));
  private final Map<String, RaftHost> hosts = new ConcurrentHashMap<>();
  private final Map<String, RaftReplica> replicas = new ConcurrentHashMap<>();

  @AfterEach
  void close() throws Exception {
    for (RaftHost h : hosts.values()) {
      h.close();
    }
    if (reads != null) {
      reads.shutdownNow();
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static int interval(int position) {
    return 20 + 7 * position;
  }

  private void start(String self) throws Exception {
    int position = members.indexOf(new NodeEndpoint(self));
    RaftLogStore log =
        RaftLogStore.open(dir.resolve(self).resolve("raft"), WalStorage.files(), 1 << 20);
    RaftHost host =
        new RaftHost(vertx, self, log, to -> true, to -> false, new SimpleMeterRegistry(), reads);
    ShardStateMachine sm =
        new ShardStateMachine(
            GROUP + "@" + self,
            () -> {
              Collections c = new Collections();
              c.apply(0, new Operation.CreateCollection("c", CONFIG));
              return c;
            },
            (index, command, result) -> {},
            host.applyPool(),
            new ShardCheckpoints(
                dir.resolve(self).resolve("shards"),
                self,
                members.stream().map(NodeEndpoint::nodeId).toList(),
                host.checkpointFetcher(GROUP)));
    RaftConfig config =
        RaftConfig.newBuilder()
            .setLeaderElectionTimeoutMillis(700)
            .setLeaderHeartbeatPeriodSecs(1)
            .setLeaderHeartbeatTimeoutSecs(2)
            .setCommitCountToTakeSnapshot(interval(position))
            .setMaxPendingLogEntryCount(16)
            .setAppendEntriesRequestBatchSize(16)
            .setTransferSnapshotsFromFollowersEnabled(false)
            .build();
    hosts.put(self, host);
    replicas.put(self, host.startGroup(GROUP, members, sm, config));
  }

  @Test
  void aReplicaBehindTheLeadersSnapshotFetchesItsCheckpointAndConverges() throws Exception {
    vertx = Vertx.vertx();
    reads = Executors.newFixedThreadPool(2);
    for (NodeEndpoint m : members) {
      start(m.nodeId());
    }
    write(1, 50);
    String leader = leader(null);
    String behind = members.get(2).nodeId().equals(leader) ? "n2" : "n3";
    awaitTrue(() -> size(behind) == 50, behind + " applies the first 50 writes");
    awaitTrue(
        () -> !replicas.get(behind).stateMachine().checkpoints().list().isEmpty(),
        behind + " wrote a checkpoint of its own");

    // `behind` stops; the others go on far past their snapshots, so the leader's log no longer
    // holds what `behind` misses.
    hosts.remove(behind).close();
    replicas.remove(behind);
    write(51, 150);
    leader = leader(behind);
    int leaderInterval = interval(members.indexOf(new NodeEndpoint(leader)));
    int ownInterval = interval(members.indexOf(new NodeEndpoint(behind)));

    // Back from its own log and checkpoint, it is sent the leader's snapshot and fetches the file.
    start(behind);
    awaitTrue(() -> size(behind) == 150, behind + " converges to 150 points");
    List<Long> fetched = new ArrayList<>();
    for (long index : replicas.get(behind).stateMachine().checkpoints().list().keySet()) {
      if (index > 50 && index % leaderInterval == 0 && index % ownInterval != 0) {
        fetched.add(index);
      }
    }
    assertTrue(!fetched.isEmpty(), behind + " holds a checkpoint of the leader's: " + fetched);
    Collection mine = replicas.get(behind).stateMachine().collections().get("c");
    Collection theirs = replicas.get(leader).stateMachine().collections().get("c");
    for (long id = 1; id <= 150; id++) {
      PointView p = mine.point(PointId.of(id));
      assertNotNull(p, "point " + id + " on " + behind);
      assertArrayEquals(theirs.vector(theirs.point(PointId.of(id))), mine.vector(p));
    }
    assertEquals(theirs.size(), mine.size());
  }

  private int size(String node) {
    RaftReplica r = replicas.get(node);
    return r == null ? -1 : r.stateMachine().collections().get("c").size();
  }

  /** Writes points {@code from..to} one per entry through whoever leads. */
  private void write(long from, long to) throws Exception {
    for (long id = from; id <= to; id++) {
      ShardCommand cmd =
          new ShardCommand(
              "t",
              id,
              new Operation.UpsertPoints(
                  "c",
                  List.of(new PointStruct(PointId.of(id), new float[] {id, 1}, Payload.EMPTY))));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (true) {
        String l = leader(null);
        try {
          replicas.get(l).replicate(cmd).get(10, TimeUnit.SECONDS);
          break;
        } catch (Exception e) {
          if (System.nanoTime() > deadline) {
            throw e;
          }
          Thread.sleep(50); // not the leader any more: ask again
        }
      }
    }
  }

  /** A running member (other than {@code not}) that believes it leads; waits up to 15 s. */
  private String leader(String not) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      for (Map.Entry<String, RaftReplica> e : replicas.entrySet()) {
        if (!e.getKey().equals(not) && e.getValue().isLeader()) {
          return e.getKey();
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no leader among " + replicas.keySet());
  }

  private static void awaitTrue(BooleanSupplier condition, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 30 s: " + what);
      }
      Thread.sleep(50);
    }
  }
}
