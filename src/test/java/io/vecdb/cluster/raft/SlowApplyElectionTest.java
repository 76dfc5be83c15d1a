package io.vecdb.cluster.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.microraft.Ordered;
import io.vecdb.collection.CollectionConfig;
import io.vecdb.collection.Collections;
import io.vecdb.collection.Operation;
import io.vecdb.collection.PointStruct;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vecdb.wal.WalStorage;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: a shard replica applied committed entries on its Raft lane, so a replica busy for a
 * long time inserting into its HNSW graph (or rebuilding itself from a snapshot) did not answer
 * votes meanwhile. When the leader then died, the survivors could not elect a leader until the
 * apply finished (suspected cause of a 30 s failover stall in {@code bench-cluster}). Applying now
 * runs on an apply lane of its own.
 *
 * <p>Three {@link RaftHost}s in one Vert.x (their event-bus addresses differ by node id), each with
 * its own Raft WAL. The hook: one follower's apply listener (called inside the apply of a marked
 * write) waits on a latch the test holds closed, standing for an apply that takes minutes. Then the
 * leader is cut off from everyone; the two others must elect a leader and commit a write.
 */
class SlowApplyElectionTest {
  private static final String GROUP = "c/1/0/c";
  private static final long SLOW_ID = 7;

  @TempDir Path dir;
  private Vertx vertx;
  private final List<RaftHost> hosts = new ArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);
  private ExecutorService reads;

  @AfterEach
  void close() throws Exception {
    release.countDown();
    for (RaftHost h : hosts) {
      h.close();
    }
    if (reads != null) {
      reads.shutdownNow();
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private final Set<String> isolated = ConcurrentHashMap.newKeySet();
  private final Set<String> slow = ConcurrentHashMap.newKeySet();
  private final List<NodeEndpoint> members =
      List.of(new NodeEndpoint("n1"), new NodeEndpoint("n2"), new NodeEndpoint("n3"));

  /** Three members of one shard group; a member in {@code slow} blocks in the marked apply. */
  private Map<String, RaftReplica> start() throws Exception {
    vertx = Vertx.vertx();
    reads = Executors.newFixedThreadPool(2);
    Map<String, RaftReplica> replicas = new ConcurrentHashMap<>();
    CollectionConfig config =
        CollectionConfig.parse(
            new JsonObject()
                .put("vectors", new JsonObject().put("size", 2).put("distance", "Dot")));
    for (NodeEndpoint m : members) {
      String self = m.nodeId();
      RaftLogStore log = RaftLogStore.open(dir.resolve(self), WalStorage.files(), 1 << 20);
      RaftHost host =
          new RaftHost(
              vertx,
              self,
              log,
              to -> true,
              to -> isolated.contains(to) || isolated.contains(self),
              new SimpleMeterRegistry(),
              reads);
      hosts.add(host);
      ShardStateMachine sm =
          new ShardStateMachine(
              GROUP + "@" + self,
              () -> {
                Collections c = new Collections();
                c.apply(0, new Operation.CreateCollection("c", config));
                return c;
              },
              (index, command, result) -> {
                if (slow.contains(self)
                    && command.operation() instanceof Operation.UpsertPoints u
                    && u.points().get(0).id().equals(PointId.of(SLOW_ID))) {
                  await(release); // the hook: an apply that takes as long as the test wants
                }
              },
              host.applyPool());
      replicas.put(self, host.startGroup(GROUP, members, sm, RaftHost.DATA_CONFIG));
    }
    return replicas;
  }

  @Test
  void aReplicaStuckInAnApplyStillVotesSoTheSurvivorsElectALeader() throws Exception {
    Map<String, RaftReplica> replicas = start();
    String leader = awaitLeader(replicas, Set.of());
    String stuck =
        members.stream()
            .map(NodeEndpoint::nodeId)
            .filter(n -> !n.equals(leader))
            .findFirst()
            .orElseThrow();
    String other =
        members.stream()
            .map(NodeEndpoint::nodeId)
            .filter(n -> !n.equals(leader) && !n.equals(stuck))
            .findFirst()
            .orElseThrow();
    slow.add(stuck);

    // The marked write commits (leader and the other follower) and leaves `stuck` in its apply.
    replicas.get(leader).replicate(write(SLOW_ID)).get(10, TimeUnit.SECONDS);
    awaitTrue(() -> has(replicas.get(other), SLOW_ID), "the other follower applies the write");

    // The leader is cut off: `stuck` and `other` must elect one of them and commit a write.
    isolated.add(leader);
    String next = awaitLeader(replicas, Set.of(leader));
    replicas.get(next).replicate(write(SLOW_ID + 1)); // `stuck` as leader answers once it applied
    awaitTrue(
        () -> has(replicas.get(other), SLOW_ID + 1),
        "a write is committed and applied on " + other + " after the leader was cut off");
    assertTrue(
        replicas.get(stuck).stateMachine().appliedIndex()
            < replicas.get(other).stateMachine().appliedIndex(),
        "the stuck replica is still in its apply");

    // Released, the stuck replica catches up to the same points.
    release.countDown();
    awaitTrue(() -> has(replicas.get(stuck), SLOW_ID + 1), "the stuck replica catches up");
    assertEquals(
        replicas.get(other).stateMachine().collections().get("c").size(),
        replicas.get(stuck).stateMachine().collections().get("c").size());
  }

  /** wait=false: the leader answers once the write is committed, before its own apply. */
  @Test
  void aCommitOnlyWriteIsAnsweredBeforeTheLeaderApplies() throws Exception {
    Map<String, RaftReplica> replicas = start();
    String leader = awaitLeader(replicas, Set.of());
    slow.add(leader);
    RaftReplica r = replicas.get(leader);
    CompletableFuture<Ordered<Object>> applied = r.replicate(write(SLOW_ID));
    Ordered<Object> committed =
        r.replicate(new CommitOnly(write(SLOW_ID + 1))).get(10, TimeUnit.SECONDS);
    assertEquals(new CommitOnly.Committed(committed.getCommitIndex()), committed.getResult());
    assertFalse(applied.isDone(), "the leader is still applying the first write");
    release.countDown();
    assertInstanceOf(Applied.class, applied.get(10, TimeUnit.SECONDS).getResult());
    awaitTrue(() -> has(r, SLOW_ID + 1), "the leader applies the acknowledged write");
  }

  private static ShardCommand write(long id) {
    return new ShardCommand(
        "",
        0,
        new Operation.UpsertPoints(
            "c", List.of(new PointStruct(PointId.of(id), new float[] {1, 2}, Payload.EMPTY))));
  }

  private static boolean has(RaftReplica r, long id) {
    return r.stateMachine().collections().get("c").point(PointId.of(id)) != null;
  }

  /** A member that all members not in {@code excluded} agree leads, in 15 s. */
  private static String awaitLeader(Map<String, RaftReplica> replicas, Set<String> excluded)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      for (Map.Entry<String, RaftReplica> e : replicas.entrySet()) {
        if (!excluded.contains(e.getKey()) && e.getValue().isLeader()) {
          return e.getKey();
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no leader among " + replicas.keySet() + " but " + excluded);
  }

  private static void awaitTrue(BooleanSupplier condition, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 15 s: " + what);
      }
      Thread.sleep(20);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
