package io.vecdb.cluster.sim;

import io.vecdb.cluster.ReadConsistency;
import io.vecdb.cluster.placement.Hashing;
import io.vecdb.cluster.raft.GroupClient;
import io.vecdb.cluster.raft.LocalRead;
import io.vecdb.cluster.raft.NodeEndpoint;
import io.vecdb.cluster.raft.ReadOutcome;
import io.vecdb.cluster.raft.ShardCommand;
import io.vecdb.cluster.raft.WriteOutcome;
import io.vecdb.cluster.sim.Linearizability.Kind;
import io.vecdb.cluster.sim.Linearizability.Op;
import io.vecdb.cluster.sim.SimCluster.SimNode;
import io.vecdb.collection.Collection;
import io.vecdb.collection.CollectionConfig;
import io.vecdb.collection.Operation;
import io.vecdb.collection.PointSelector;
import io.vecdb.collection.PointStruct;
import io.vecdb.collection.PointView;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * One seeded run: a collection of 1 to 3 shards, each a Raft group of 3 or 5 replicas placed on 3
 * or 5 nodes by the hash ring ({@link SimCluster}); clients write, delete and read a few keys, each
 * routed to its shard ({@code hash(id) mod shard_number}, {@link Hashing#shardOf}) and sent through
 * that shard's {@link GroupClient} at every consistency level, with per-shard tokens, while a
 * nemesis crashes and restarts nodes (every replica on them), cuts and heals links and makes the
 * network lossy; then everything heals and the run checks that
 *
 * <ul>
 *   <li>the strong reads, writes and deletes form a linearizable history (per key);
 *   <li>in each group, every replica applied the same command at each index;
 *   <li>every eventual, read-your-writes and monotonic read returned the value the key had at the
 *       index of its shard it reports, read-your-writes reads were at or after the client's last
 *       write to that shard, and monotonic reads never went back;
 *   <li>once healed, every replica of a shard holds identical content (ids, vectors, payloads),
 *       equal to its log's, and holds only keys of that shard.
 * </ul>
 *
 * {@code brokenStrongReads} makes "strong" reads go to any replica without a ReadIndex round: the
 * checker must catch it.
 */
final class ClusterSimulation {
  static final String COLLECTION = "sim";
  private static final long UNKNOWN = Long.MAX_VALUE;

  record Result(
      String failure,
      int shards,
      int committed,
      int unknown,
      int failed,
      int strongReads,
      int otherReads,
      long events,
      long fingerprint) {}

  private final boolean brokenStrongReads;
  private final SimCluster cluster;
  private final Random random;
  private final List<Op> history = new ArrayList<>();
  private final List<String> problems = new ArrayList<>();
  // key, value, index, level, token, shard
  private final List<Object[]> indexedReads = new ArrayList<>();
  private final int keys;
  private final int shards;
  private final long runMillis;
  private long runEnd;
  private int committed;
  private int unknown;
  private int failed;
  private int strongReads;
  private int otherReads;
  private int nextValue = 1;

  ClusterSimulation(long seed, boolean brokenStrongReads) {
    this(seed, brokenStrongReads, true);
  }

  ClusterSimulation(long seed, boolean brokenStrongReads, boolean snapshotPrevLogFix) {
    this(seed, brokenStrongReads, snapshotPrevLogFix, null);
  }

  /** {@code durableRoot}: nodes keep real Raft WALs under it (null: simulated disks). */
  ClusterSimulation(
      long seed,
      boolean brokenStrongReads,
      boolean snapshotPrevLogFix,
      java.nio.file.Path durableRoot) {
    this.brokenStrongReads = brokenStrongReads;
    this.random = new Random(seed * 31 + 7);
    int size = random.nextBoolean() ? 3 : 5;
    this.shards = 1 + random.nextInt(3);
    int replicationFactor = size == 3 || random.nextBoolean() ? 3 : 5;
    this.cluster = new SimCluster(seed, size, COLLECTION, shards, replicationFactor);
    cluster.snapshotPrevLogFix = snapshotPrevLogFix;
    cluster.durableRoot = durableRoot;
    this.keys = 1 + shards + random.nextInt(3);
    this.runMillis = 15_000 + random.nextInt(10_000);
  }

  Result run() {
    cluster.startAll();
    GroupClient[] admin = client(99);
    createCollection(admin);
    int clients = 3 + random.nextInt(3);
    for (int c = 0; c < clients; c++) {
      new Client(c, client(c)).next();
    }
    nemesis();
    cluster.scheduler.runUntil(runEnd);
    healEverything();
    cluster.scheduler.runUntil(runEnd + 10_000); // clients finish their last operations
    converge(admin);
    String failure = verdict();
    if (Boolean.getBoolean("sim.trace")) {
      for (SimNode x : cluster.nodes.values()) {
        for (var replica : x.replicas()) {
          replica.raftNode().getReport().thenAccept(rep -> System.out.println(rep.getResult()));
        }
      }
      cluster.scheduler.runUntil(cluster.scheduler.nowMillis() + 10);
    }
    for (SimNode node : cluster.nodes.values()) {
      if (node.log != null) {
        node.log.close();
      }
    }
    long fingerprint = cluster.scheduler.executed() * 1_000_003L + history.size() * 31L + committed;
    return new Result(
        failure,
        shards,
        committed,
        unknown,
        failed,
        strongReads,
        otherReads,
        cluster.scheduler.executed(),
        fingerprint);
  }

  /** A client's way to each shard: a {@link GroupClient} of that shard's group. */
  private GroupClient[] client(int id) {
    GroupClient[] out = new GroupClient[shards];
    for (int s = 0; s < shards; s++) {
      String group = cluster.shardGroups.get(s);
      out[s] =
          new GroupClient(
              cluster.groups.get(group),
              cluster.channel(group),
              cluster.scheduler,
              new Random(random.nextLong()),
              new GroupClient.Timing(500, 20, 300));
    }
    return out;
  }

  private int shardOf(String key) {
    return Hashing.shardOf(id(key), shards);
  }

  private void createCollection(GroupClient[] admin) {
    CollectionConfig config =
        CollectionConfig.parse(
            new JsonObject()
                .put("vectors", new JsonObject().put("size", 2).put("distance", "Euclid")));
    int[] done = {0};
    for (GroupClient shard : admin) {
      shard
          .write(
              new ShardCommand("admin", 1, new Operation.CreateCollection(COLLECTION, config)),
              30_000)
          .thenAccept(
              o -> {
                if (o instanceof WriteOutcome.Committed c && c.applied().succeeded()) {
                  done[0]++;
                }
              });
    }
    long deadline = cluster.scheduler.nowMillis() + 30_000;
    while (done[0] < shards && cluster.scheduler.nowMillis() < deadline) {
      cluster.scheduler.runUntil(cluster.scheduler.nowMillis() + 50);
    }
    if (done[0] < shards) {
      problems.add("the collection was not created within 30 s of a fault-free start");
    }
    runEnd = cluster.scheduler.nowMillis() + runMillis;
  }

  private final class Client {
    final int id;
    final GroupClient[] shardClients;
    long request;
    // By shard: the index of this client's last write and last read there (tokens are per shard).
    final long[] writeToken;
    final long[] readToken;

    Client(int id, GroupClient[] shardClients) {
      this.id = id;
      this.shardClients = shardClients;
      this.writeToken = new long[shardClients.length];
      this.readToken = new long[shardClients.length];
    }

    void next() {
      long now = cluster.scheduler.nowMillis();
      if (now >= runEnd) {
        return;
      }
      String key = Integer.toString(random.nextInt(keys));
      double r = random.nextDouble();
      if (r < 0.35) {
        int value = nextValue++;
        write(key, Kind.PUT, value, upsert(key, value));
      } else if (r < 0.5) {
        write(
            key,
            Kind.DELETE,
            null,
            new Operation.DeletePoints(COLLECTION, PointSelector.ids(List.of(id(key)))));
      } else {
        ReadConsistency level = ReadConsistency.values()[random.nextInt(4)];
        read(key, level);
      }
    }

    private void later() {
      cluster.scheduler.schedule(this::next, random.nextInt(30));
    }

    private void write(String key, Kind kind, Integer value, Operation op) {
      long call = cluster.scheduler.nowMillis();
      ShardCommand command = new ShardCommand("c" + id, ++request, op);
      // Every third write is acknowledged on commit (wait=false), before the leader applies it:
      // strong reads after its answer must still see it.
      boolean commitOnly = request % 3 == 0;
      int shard = shardOf(key);
      shardClients[shard]
          .write(commitOnly ? new io.vecdb.cluster.raft.CommitOnly(command) : command, 3_000)
          .thenAccept(
              outcome -> {
                long ret = cluster.scheduler.nowMillis();
                switch (outcome) {
                  case WriteOutcome.Committed c -> {
                    if (c.applied() == null && !commitOnly) {
                      problems.add("a write waiting for its apply was answered on commit");
                    } else if (c.applied() != null && !c.applied().succeeded()) {
                      problems.add("write rejected by the state machine: " + c.applied().message());
                    }
                    committed++;
                    writeToken[shard] = Math.max(writeToken[shard], c.index());
                    history.add(new Op(id, key, kind, value, call, ret));
                  }
                  case WriteOutcome.Unknown u -> {
                    unknown++;
                    history.add(new Op(id, key, kind, value, call, UNKNOWN));
                  }
                  case WriteOutcome.Failed f -> failed++; // must never take effect: left out
                }
                later();
              });
    }

    private void read(String key, ReadConsistency level) {
      long call = cluster.scheduler.nowMillis();
      int shard = shardOf(key);
      long token =
          switch (level) {
            case READ_YOUR_WRITES -> writeToken[shard];
            case MONOTONIC -> readToken[shard];
            default -> 0;
          };
      ReadConsistency asked =
          level == ReadConsistency.STRONG && brokenStrongReads ? ReadConsistency.EVENTUAL : level;
      shardClients[shard]
          .read(valueOf(key), asked, token, 3_000)
          .thenAccept(
              outcome -> {
                long ret = cluster.scheduler.nowMillis();
                if (outcome instanceof ReadOutcome.Done<Integer> d) {
                  if (level == ReadConsistency.STRONG) {
                    strongReads++;
                    history.add(new Op(id, key, Kind.READ, d.value(), call, ret));
                  } else {
                    otherReads++;
                    indexedReads.add(new Object[] {key, d.value(), d.index(), level, token, shard});
                  }
                  if (level == ReadConsistency.READ_YOUR_WRITES && d.index() < token) {
                    problems.add(
                        "c" + id + " read_your_writes at " + d.index() + " < write token " + token);
                  }
                  if (level == ReadConsistency.MONOTONIC && d.index() < token) {
                    problems.add(
                        "c" + id + " monotonic read at " + d.index() + " < last read " + token);
                  }
                  readToken[shard] = Math.max(readToken[shard], d.index());
                }
                later();
              });
    }
  }

  private static PointId id(String key) {
    return PointId.of(Long.parseLong(key));
  }

  private static Operation upsert(String key, int value) {
    return new Operation.UpsertPoints(
        COLLECTION,
        List.of(
            new PointStruct(
                id(key),
                new float[] {value, -value},
                new Payload(new JsonObject().put("v", value)))));
  }

  private static LocalRead<Integer> valueOf(String key) {
    PointId id = id(key);
    return new LocalRead<>(
        collections -> {
          Collection c = collections.get(COLLECTION);
          PointView p = c == null ? null : c.point(id);
          return p == null ? null : p.payload().json().getInteger("v");
        });
  }

  /** Faults, one every 0.3 to 2.5 s, until the run ends. */
  private void nemesis() {
    long now = cluster.scheduler.nowMillis();
    if (now >= runEnd) {
      return;
    }
    List<SimNode> nodes = new ArrayList<>(cluster.nodes.values());
    int n = nodes.size();
    long down = nodes.stream().filter(x -> !x.up).count();
    int action = random.nextInt(6);
    if (Boolean.getBoolean("sim.trace")) {
      StringBuilder sb = new StringBuilder("t=" + now + " action " + action + " nodes:");
      for (SimNode x : nodes) {
        sb.append(' ').append(x.endpoint).append(x.up ? "" : "(down)");
        for (String g : x.hosted) {
          var r = x.replica(g);
          if (r != null) {
            sb.append(" s")
                .append(cluster.shardGroups.indexOf(g))
                .append(r.isLeader() ? "*" : "")
                .append(r.raftNode().getTerm().getTerm());
          }
        }
      }
      System.out.println(sb + " drop " + cluster.dropRate + " delay " + cluster.maxDelayMillis);
    }
    switch (action) {
      case 0 -> {
        SimNode victim = nodes.get(random.nextInt(n));
        if (victim.up && down < (n - 1) / 2 + (random.nextInt(4) == 0 ? 1 : 0)) {
          victim.crash();
          cluster.scheduler.schedule(() -> restart(victim), 300 + random.nextInt(3_000));
        }
      }
      case 1 -> {
        Set<NodeEndpoint> minority = new HashSet<>();
        int size = 1 + random.nextInt((n - 1) / 2);
        while (minority.size() < size) {
          minority.add(cluster.members.get(random.nextInt(n)));
        }
        cluster.isolate(minority);
        cluster.scheduler.schedule(cluster::healAll, 500 + random.nextInt(4_000));
      }
      case 2 -> {
        NodeEndpoint a = cluster.members.get(random.nextInt(n));
        NodeEndpoint b = cluster.members.get(random.nextInt(n));
        if (!a.equals(b)) {
          cluster.cutOneWay(a, b);
          cluster.scheduler.schedule(cluster::healAll, 500 + random.nextInt(3_000));
        }
      }
      case 3 -> {
        cluster.dropRate = random.nextInt(3) == 0 ? 0 : random.nextDouble() * 0.2;
        cluster.duplicateRate = random.nextDouble() * 0.1;
        cluster.maxDelayMillis = 1 + random.nextInt(random.nextBoolean() ? 10 : 60);
      }
      default -> {}
    }
    cluster.scheduler.schedule(this::nemesis, 300 + random.nextInt(2_200));
  }

  private void restart(SimNode node) {
    if (!node.up) {
      node.start();
    }
  }

  private void healEverything() {
    cluster.healAll();
    cluster.dropRate = 0;
    cluster.duplicateRate = 0;
    cluster.maxDelayMillis = 5;
    for (SimNode node : cluster.nodes.values()) {
      restart(node);
    }
  }

  /** A last write to each shard through the healed cluster, then every replica must catch up. */
  private void converge(GroupClient[] admin) {
    long[] barrier = new long[shards];
    java.util.Arrays.fill(barrier, -1);
    for (int s = 0; s < shards; s++) {
      int shard = s;
      admin[s]
          .write(new ShardCommand("admin", 2, upsert(barrierKey(s), 0)), 30_000)
          .thenAccept(o -> barrier[shard] = o instanceof WriteOutcome.Committed c ? c.index() : -2);
    }
    long deadline = cluster.scheduler.nowMillis() + 60_000;
    while (cluster.scheduler.nowMillis() < deadline) {
      cluster.scheduler.runUntil(cluster.scheduler.nowMillis() + 100);
      if (caughtUp(barrier)) {
        return;
      }
    }
    List<String> reports = new ArrayList<>();
    List<String> applied = new ArrayList<>();
    for (SimNode x : cluster.nodes.values()) {
      for (String g : x.hosted) {
        var r = x.replica(g);
        applied.add(
            g + "@" + x.endpoint + "=" + (r == null ? "down" : r.stateMachine().lastApplied()));
        if (r != null) {
          r.raftNode().getReport().thenAccept(rep -> reports.add(rep.getResult().toString()));
        }
      }
    }
    cluster.scheduler.runUntil(cluster.scheduler.nowMillis() + 10);
    problems.add(
        "reports: "
            + reports
            + "\nno convergence within 60 s of healing: barrier writes "
            + java.util.Arrays.toString(barrier)
            + ", applied "
            + applied);
  }

  private boolean caughtUp(long[] barrier) {
    for (int s = 0; s < shards; s++) {
      if (barrier[s] <= 0) {
        return false;
      }
      String g = cluster.shardGroups.get(s);
      for (NodeEndpoint e : cluster.groups.get(g)) {
        SimNode x = cluster.nodes.get(e);
        if (!x.up || x.replica(g).stateMachine().appliedIndex() < barrier[s]) {
          return false;
        }
      }
    }
    return true;
  }

  /** The first key from 100 up that lives in shard {@code shard}. */
  private String barrierKey(int shard) {
    int k = 100;
    while (shardOf(Integer.toString(k)) != shard) {
      k++;
    }
    return Integer.toString(k);
  }

  private String verdict() {
    for (var e : cluster.references.entrySet()) {
      if (e.getValue().violation != null) {
        return e.getKey() + ": " + e.getValue().violation;
      }
    }
    if (!problems.isEmpty()) {
      return String.join("\n", problems);
    }
    String lin = Linearizability.check(history);
    if (lin != null) {
      return lin;
    }
    for (Object[] r : indexedReads) {
      int shard = (Integer) r[5];
      Integer expected = reference(shard).valueAt((String) r[0], (Long) r[2]);
      if (!java.util.Objects.equals(expected, r[1])) {
        return r[3]
            + " read of key "
            + r[0]
            + " at index "
            + r[2]
            + " of shard "
            + shard
            + " returned "
            + r[1]
            + ", but the log has "
            + expected
            + " there";
      }
    }
    List<Map<PointId, String>> byShard = new ArrayList<>();
    for (int s = 0; s < shards; s++) {
      String g = cluster.shardGroups.get(s);
      Map<PointId, String> first = null;
      NodeEndpoint firstNode = null;
      for (NodeEndpoint e : cluster.groups.get(g)) {
        Map<PointId, String> content = cluster.content(cluster.nodes.get(e), g, COLLECTION);
        if (first == null) {
          first = content;
          firstNode = e;
        } else if (!first.equals(content)) {
          return "replicas of shard "
              + s
              + " differ after healing: "
              + firstNode
              + " "
              + first
              + " vs "
              + e
              + " "
              + content;
        }
      }
      for (PointId id : first.keySet()) {
        if (Hashing.shardOf(id, shards) != s) {
          return "shard " + s + " holds point " + id + " of shard " + Hashing.shardOf(id, shards);
        }
      }
      byShard.add(first);
    }
    for (int k = 0; k < keys; k++) {
      String key = Integer.toString(k);
      int s = shardOf(key);
      Integer logValue = reference(s).valueAt(key, reference(s).lastIndex());
      String held = byShard.get(s).get(id(key));
      boolean present = held != null;
      if (present != (logValue != null)
          || (present && !held.endsWith("{\"v\":" + logValue + "}"))) {
        return "key "
            + key
            + " is "
            + held
            + " on every replica of shard "
            + s
            + ", but the log says "
            + logValue;
      }
    }
    return null;
  }

  private SimCluster.Reference reference(int shard) {
    return cluster.references.get(cluster.shardGroups.get(shard));
  }
}
