package io.vecdb.server;

import io.vecdb.cluster.ClusterNode;
import io.vecdb.cluster.MetaCommand;
import io.vecdb.cluster.ReadConsistency;
import io.vecdb.cluster.ShardRead;
import io.vecdb.cluster.meta.ShardMap;
import io.vecdb.cluster.placement.Hashing;
import io.vecdb.cluster.raft.GroupClient;
import io.vecdb.cluster.raft.LocalRead;
import io.vecdb.cluster.raft.NodeEndpoint;
import io.vecdb.cluster.raft.ReadOutcome;
import io.vecdb.cluster.raft.WriteOutcome;
import io.vecdb.collection.CollectionConfig;
import io.vecdb.collection.ErrorCode;
import io.vecdb.collection.MutationRequests;
import io.vecdb.collection.Operation;
import io.vecdb.collection.PointSelector;
import io.vecdb.collection.PointStruct;
import io.vecdb.collection.ReadRequests;
import io.vecdb.collection.VecdbException;
import io.vecdb.model.PointId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The API's requests on a clustered node: collection changes go through the metadata group; point
 * writes are split per shard ({@code hash(id) mod shard_number}) and replicated by each shard's
 * Raft group, reached from any node through its {@link GroupClient}; reads go to each shard's
 * replicas at the request's consistency and are merged (search hits by score, then id).
 *
 * <p>Request parameters (query string, or {@code params} on the bus): {@code consistency} (reads:
 * eventual, read_your_writes, monotonic, strong, or Qdrant's values), {@code token} (the token of
 * an earlier reply: read_your_writes and monotonic reads wait for it; writes merge it into theirs),
 * {@code write_consistency} (writes: how many replicas must have applied it, default the
 * collection's {@code write_consistency_factor}) and {@code timeout} (seconds).
 *
 * <p>Every reply carries a token: for each shard of the collection, the Raft index its part of the
 * request reached ({@link Token}).
 *
 * <p>Concurrency: stateless apart from the node; its futures complete on Raft, timer or worker
 * threads, and everything it computes is confined to one request.
 */
final class ClusterRequests {
  static final long DEFAULT_WRITE_TIMEOUT_MS = 30_000;
  static final long DEFAULT_READ_TIMEOUT_MS = 10_000;

  /** A result and the token to return with it (null when the request touched no shard). */
  record Reply(Object result, String token) {}

  private final ClusterNode node;
  private final int virtualNodes;

  ClusterRequests(ClusterNode node, int virtualNodes) {
    this.node = node;
    this.virtualNodes = virtualNodes;
  }

  // ---- writes

  CompletableFuture<Reply> write(ApiRequest r, JsonObject body) {
    Params params = Params.of(r.params(), DEFAULT_WRITE_TIMEOUT_MS);
    String c = r.collection();
    return switch (r.action()) {
      case CREATE_COLLECTION -> createCollection(c, body, params);
      case DELETE_COLLECTION -> deleteCollection(c, params);
      case CHANGE_ALIASES ->
          // Checked against the shard map by the metadata group, which orders aliases with
          // collection deletes (an alias never outlives its collection).
          node.metaWrite(
                  new MetaCommand.ChangeAliases(MutationRequests.parseAliasActions(body)),
                  params.timeoutMs)
              .thenCompose(outcome -> metaApplied(outcome, params))
              .thenApply(v -> new Reply(Boolean.TRUE, null));
      default -> placementOf(c, params).thenCompose(p -> writePoints(p, r, body, params));
    };
  }

  private CompletableFuture<Reply> writePoints(
      ShardMap.Placement p, ApiRequest r, JsonObject body, Params params) {
    String c = p.name(); // the collection's own name, also when the request named an alias
    // Validated against the placement this request is routed by (the reconciler's schema may not
    // have caught up with a collection created a moment ago).
    MutationRequests mutations = new MutationRequests(node.schemaFor(p));
    Operation op =
        switch (r.action()) {
          case UPDATE_COLLECTION -> mutations.updateCollection(c, body);
          case UPSERT_POINTS -> mutations.upsert(c, r.body());
          case DELETE_POINTS -> mutations.deletePoints(c, body);
          case SET_PAYLOAD -> mutations.setPayload(c, body);
          case OVERWRITE_PAYLOAD -> mutations.overwritePayload(c, body);
          case DELETE_PAYLOAD -> mutations.deletePayload(c, body);
          case CLEAR_PAYLOAD -> mutations.clearPayload(c, body);
          case UPDATE_VECTORS -> mutations.updateVectors(c, body);
          case DELETE_VECTORS -> mutations.deleteVectors(c, body);
          case BATCH_UPDATE -> mutations.batch(c, body);
          case CREATE_FIELD_INDEX -> mutations.createFieldIndex(c, body);
          // Whether the index exists is known to the shards, which reject a missing one.
          case DELETE_FIELD_INDEX -> new Operation.DeleteFieldIndex(c, r.arg());
          default ->
              throw new IllegalArgumentException(
                  "action: '" + r.action().wireName() + "' is a read");
        };
    boolean collectionLevel = r.action().answersBoolean();
    // wait=false (and no write_consistency asked for): answered once committed by a majority,
    // before the leader applied it, as Qdrant answers "acknowledged". Collection-level changes
    // (payload indexes, config) always wait.
    boolean commitOnly =
        !r.action().alwaysWaits() && !r.waitApplied() && params.writeConsistency == 0;
    return replicate(p, op, params, commitOnly)
        .thenApply(
            w -> {
              if (collectionLevel) {
                return new Reply(Boolean.TRUE, w.token);
              }
              JsonObject result = new JsonObject().put("operation_id", w.operationId);
              if (commitOnly) {
                result.put("status", "acknowledged");
              } else {
                result.put("status", "completed").put("applied_replicas", w.appliedReplicas);
              }
              if (op instanceof Operation.Batch b) {
                JsonArray each = new JsonArray();
                for (int i = 0; i < b.operations().size(); i++) {
                  each.add(result.copy());
                }
                return new Reply(each, w.token);
              }
              return new Reply(result, w.token);
            });
  }

  /**
   * The placement of {@code c}; if this node does not know it yet (created through another node a
   * moment ago), after catching up with the metadata leader; else 404.
   */
  private CompletableFuture<ShardMap.Placement> placementOf(String c, Params params) {
    ShardMap.Placement p = node.shards().resolve(c);
    if (p != null) {
      return CompletableFuture.completedFuture(p);
    }
    return node.syncMetadata(Math.min(params.timeoutMs, 5_000)).thenApply(v -> placement(c));
  }

  private CompletableFuture<Reply> createCollection(String c, JsonObject body, Params params) {
    Operation.CreateCollection op =
        // Validated only: whether it exists is the metadata group's to say (409), not this node's.
        (Operation.CreateCollection)
            new MutationRequests(new io.vecdb.collection.Collections()).createCollection(c, body);
    CollectionConfig config = op.config();
    return node.metaWrite(
            new MetaCommand.CreateCollection(c, config.toCreateBody(), virtualNodes),
            params.timeoutMs)
        .thenCompose(outcome -> metaApplied(outcome, params))
        .thenApply(v -> new Reply(Boolean.TRUE, null));
  }

  /** {@code true} once deleted; {@code false} (not an error, as in Qdrant) if it did not exist. */
  private CompletableFuture<Reply> deleteCollection(String c, Params params) {
    return node.metaWrite(new MetaCommand.DeleteCollection(c), params.timeoutMs)
        .thenCompose(
            outcome -> {
              if (outcome instanceof WriteOutcome.Committed done
                  && done.applied().error() == ErrorCode.NOT_FOUND) {
                return CompletableFuture.completedFuture(new Reply(Boolean.FALSE, null));
              }
              return metaApplied(outcome, params).thenApply(v -> new Reply(Boolean.TRUE, null));
            });
  }

  /** Waits until this node applied a committed metadata change; fails for other outcomes. */
  private CompletableFuture<Void> metaApplied(WriteOutcome outcome, Params params) {
    return switch (outcome) {
      case WriteOutcome.Committed done -> {
        VecdbException rejected = done.applied().failure();
        if (rejected != null) {
          throw rejected;
        }
        yield node.awaitMetadata(done.index(), params.timeoutMs);
      }
      case WriteOutcome.Failed f ->
          throw new VecdbException(ErrorCode.UNAVAILABLE, "not applied: " + f.reason());
      case WriteOutcome.Unknown u -> throw unknown(u.reason());
    };
  }

  private static VecdbException unknown(String reason) {
    return new VecdbException(
        ErrorCode.OUTCOME_UNKNOWN,
        "outcome unknown: the write may or may not take effect (the leader was lost or did not"
            + " answer in time; "
            + reason
            + "); repeat it to be sure: point writes are idempotent");
  }

  private record Written(long operationId, int appliedReplicas, String token) {}

  /** Replicates {@code op}'s part on each shard it touches, then checks write consistency. */
  private CompletableFuture<Written> replicate(
      ShardMap.Placement p, Operation op, Params params, boolean commitOnly) {
    Map<Integer, Operation> parts = split(op, p.shardCount());
    int required =
        params.writeConsistency > 0 ? params.writeConsistency : p.config().writeConsistencyFactor();
    if (required > p.replicas().get(0).size()) {
      throw VecdbException.badRequest(
          "write_consistency: expected at most replication_factor ("
              + p.replicas().get(0).size()
              + "), got "
              + required);
    }
    Token base = Token.parse(params.token, p);
    long deadline = System.currentTimeMillis() + params.timeoutMs;
    Map<Integer, CompletableFuture<WriteOutcome>> outcomes = new TreeMap<>();
    parts.forEach(
        (shard, part) ->
            outcomes.put(
                shard,
                node.shardClient(p, shard)
                    .write(
                        commitOnly
                            ? new io.vecdb.cluster.raft.CommitOnly(node.command(part))
                            : node.command(part),
                        params.timeoutMs)));
    return CompletableFuture.allOf(outcomes.values().toArray(CompletableFuture[]::new))
        .thenCompose(
            v -> {
              List<Integer> committed = new ArrayList<>();
              List<String> failed = new ArrayList<>();
              List<String> unknown = new ArrayList<>();
              VecdbException rejected = null;
              long[] indexes = base.indexes(p.shardCount());
              long operationId = 0;
              for (Map.Entry<Integer, CompletableFuture<WriteOutcome>> e : outcomes.entrySet()) {
                WriteOutcome o = e.getValue().join();
                int shard = e.getKey();
                switch (o) {
                  case WriteOutcome.Committed done -> {
                    committed.add(shard);
                    indexes[shard] = Math.max(indexes[shard], done.index());
                    operationId = Math.max(operationId, done.index());
                    if (done.applied() != null && !done.applied().succeeded() && rejected == null) {
                      rejected = done.applied().failure();
                    }
                  }
                  case WriteOutcome.Failed f -> failed.add("shard " + shard + ": " + f.reason());
                  case WriteOutcome.Unknown u -> unknown.add("shard " + shard + ": " + u.reason());
                }
              }
              if (rejected != null) {
                throw rejected;
              }
              if (!unknown.isEmpty()) {
                throw unknown(
                    String.join("; ", unknown)
                        + (committed.isEmpty() ? "" : "; committed on shards " + committed));
              }
              if (!failed.isEmpty()) {
                throw new VecdbException(
                    ErrorCode.UNAVAILABLE,
                    (committed.isEmpty()
                            ? "not written: "
                            : "partly written: committed on shards "
                                + committed
                                + ", certainly not written on the others: ")
                        + String.join("; ", failed));
              }
              String token = new Token(p.incarnation(), indexes).toString();
              long id = operationId;
              if (commitOnly) {
                return CompletableFuture.completedFuture(new Written(id, 0, token));
              }
              return appliedReplicas(p, indexes, parts, required, deadline)
                  .thenApply(n -> new Written(id, n, token));
            });
  }

  /**
   * How many replicas of every touched shard have applied the write (the least over shards),
   * waiting until {@code required} have or the deadline passes. The leader has (a committed write
   * is applied on the leader before it is acknowledged).
   */
  private CompletableFuture<Integer> appliedReplicas(
      ShardMap.Placement p,
      long[] indexes,
      Map<Integer, Operation> parts,
      int required,
      long deadline) {
    if (required <= 1) {
      return CompletableFuture.completedFuture(1);
    }
    List<CompletableFuture<Integer>> perShard = new ArrayList<>();
    for (int shard : parts.keySet()) {
      perShard.add(appliedOn(p, shard, indexes[shard], required, deadline));
    }
    return CompletableFuture.allOf(perShard.toArray(CompletableFuture[]::new))
        .thenApply(v -> perShard.stream().mapToInt(CompletableFuture::join).min().orElse(required));
  }

  private CompletableFuture<Integer> appliedOn(
      ShardMap.Placement p, int shard, long index, int required, long deadline) {
    GroupClient client = node.shardClient(p, shard);
    List<NodeEndpoint> replicas = client.members();
    NodeEndpoint leader = client.leaderHint();
    AtomicInteger applied = new AtomicInteger(leader == null ? 0 : 1);
    CompletableFuture<Integer> done = new CompletableFuture<>();
    AtomicInteger pending = new AtomicInteger(replicas.size());
    if (applied.get() >= required) {
      return CompletableFuture.completedFuture(applied.get());
    }
    long wait = Math.max(1, deadline - System.currentTimeMillis());
    LocalRead<Object> sync =
        new LocalRead<>(new ShardRead(ShardRead.Kind.SYNC, p.name(), null, null));
    for (NodeEndpoint replica : replicas) {
      if (replica.equals(leader)) {
        if (pending.decrementAndGet() == 0) {
          done.complete(applied.get());
        }
        continue;
      }
      node.raftHost()
          .channel(p.group(shard))
          .query(replica, sync, io.microraft.QueryPolicy.EVENTUAL_CONSISTENCY, index, wait)
          .whenComplete(
              (o, e) -> {
                int n = e == null && o.getCommitIndex() >= index ? applied.incrementAndGet() : -1;
                if (n >= required) {
                  done.complete(n);
                }
                if (pending.decrementAndGet() == 0) {
                  done.complete(applied.get());
                }
              });
    }
    return done;
  }

  /**
   * The part of {@code op} each shard gets: points and ids go to their shard; a filter, an index or
   * a collection change goes to every shard (each applies it to its own points).
   */
  static Map<Integer, Operation> split(Operation op, int shards) {
    Map<Integer, Operation> out = new TreeMap<>();
    switch (op) {
      case Operation.UpsertPoints u -> {
        Map<Integer, List<PointStruct>> by = new TreeMap<>();
        for (PointStruct point : u.points()) {
          by.computeIfAbsent(Hashing.shardOf(point.id(), shards), k -> new ArrayList<>())
              .add(point);
        }
        by.forEach((s, points) -> out.put(s, u.withPoints(points)));
      }
      case Operation.DeletePoints d ->
          bySelector(
              d.selector(), shards, out, sel -> new Operation.DeletePoints(d.collection(), sel));
      case Operation.UpdateVectors u -> {
        Map<Integer, List<Operation.VectorUpdate>> by = new TreeMap<>();
        for (Operation.VectorUpdate point : u.points()) {
          by.computeIfAbsent(Hashing.shardOf(point.id(), shards), k -> new ArrayList<>())
              .add(point);
        }
        if (by.isEmpty()) {
          out.put(0, u);
        }
        by.forEach(
            (s, points) ->
                out.put(s, new Operation.UpdateVectors(u.collection(), points, u.updateFilter())));
      }
      case Operation.DeleteVectors d ->
          bySelector(
              d.selector(),
              shards,
              out,
              sel -> new Operation.DeleteVectors(d.collection(), sel, d.vectors()));
      case Operation.SetPayload s ->
          bySelector(
              s.selector(),
              shards,
              out,
              sel -> new Operation.SetPayload(s.collection(), sel, s.payload(), s.key()));
      case Operation.OverwritePayload o ->
          bySelector(
              o.selector(),
              shards,
              out,
              sel -> new Operation.OverwritePayload(o.collection(), sel, o.payload()));
      case Operation.DeletePayloadKeys d ->
          bySelector(
              d.selector(),
              shards,
              out,
              sel -> new Operation.DeletePayloadKeys(d.collection(), sel, d.keys()));
      case Operation.ClearPayload cl ->
          bySelector(
              cl.selector(), shards, out, sel -> new Operation.ClearPayload(cl.collection(), sel));
      case Operation.Batch b -> {
        // Each shard gets its part of every operation, in order: atomic per shard.
        Map<Integer, List<Operation>> parts = new TreeMap<>();
        for (Operation sub : b.operations()) {
          split(sub, shards)
              .forEach((s, part) -> parts.computeIfAbsent(s, k -> new ArrayList<>()).add(part));
        }
        parts.forEach((s, ops) -> out.put(s, new Operation.Batch(b.collection(), ops)));
      }
      default -> {
        for (int s = 0; s < shards; s++) {
          out.put(s, op);
        }
      }
    }
    return out;
  }

  private static void bySelector(
      PointSelector selector,
      int shards,
      Map<Integer, Operation> out,
      java.util.function.Function<PointSelector, Operation> make) {
    if (selector.ids() == null) {
      for (int s = 0; s < shards; s++) {
        out.put(s, make.apply(selector));
      }
      return;
    }
    Map<Integer, List<PointId>> by = new TreeMap<>();
    for (PointId id : selector.ids()) {
      by.computeIfAbsent(Hashing.shardOf(id, shards), k -> new ArrayList<>()).add(id);
    }
    if (by.isEmpty()) {
      out.put(0, make.apply(selector)); // an empty list: a no-op, still ordered and answered
    }
    by.forEach((s, ids) -> out.put(s, make.apply(PointSelector.ids(ids))));
  }

  // ---- reads

  CompletableFuture<Reply> read(ApiRequest r, JsonObject body) {
    Params params = Params.of(r.params(), DEFAULT_READ_TIMEOUT_MS);
    String c = r.collection();
    switch (r.action()) {
      case LIST_COLLECTIONS -> {
        // As of the metadata leader's commit index when asked (best effort).
        return node.syncMetadata(Math.min(params.timeoutMs, 5_000))
            .thenApply(
                v -> {
                  JsonArray out = new JsonArray();
                  node.shards()
                      .collections()
                      .keySet()
                      .forEach(n -> out.add(new JsonObject().put("name", n)));
                  return new Reply(new JsonObject().put("collections", out), null);
                });
      }
      case LIST_ALIASES, COLLECTION_ALIASES -> {
        return node.syncMetadata(Math.min(params.timeoutMs, 5_000))
            .thenApply(
                v -> {
                  ShardMap m = node.shards();
                  String only = null;
                  if (r.action() == Action.COLLECTION_ALIASES) {
                    ShardMap.Placement p = m.resolve(c);
                    if (p == null) {
                      throw VecdbException.notFound("Collection `" + c + "` doesn't exist!");
                    }
                    only = p.name();
                  }
                  JsonArray out = new JsonArray();
                  for (var e : m.aliases().entrySet()) {
                    if (only == null || only.equals(e.getValue())) {
                      out.add(
                          new JsonObject()
                              .put("alias_name", e.getKey())
                              .put("collection_name", e.getValue()));
                    }
                  }
                  return new Reply(new JsonObject().put("aliases", out), null);
                });
      }
      case COLLECTION_EXISTS -> {
        return placementOf(c, params)
            .handle((p, e) -> new Reply(new JsonObject().put("exists", e == null), null));
      }
      default -> {}
    }
    return placementOf(c, params).thenCompose(p -> readShards(p, r, body, params));
  }

  private CompletableFuture<Reply> readShards(
      ShardMap.Placement p, ApiRequest r, JsonObject body, Params params) {
    String c = p.name(); // the collection's own name, also when the request named an alias
    JsonObject b = body == null ? new JsonObject() : body;
    int shards = p.shardCount();
    return switch (r.action()) {
      case GET_COLLECTION ->
          fanOut(p, ShardRead.Kind.INFO, null, b, params).thenApply(g -> g.reply(mergeInfo(g)));
      case COUNT ->
          fanOut(p, ShardRead.Kind.COUNT, null, b, params)
              .thenApply(
                  g -> {
                    long count = 0;
                    for (Object part : g.results) {
                      count += ((JsonObject) part).getLong("count", 0L);
                    }
                    return g.reply(new JsonObject().put("count", count));
                  });
      case GET_POINT -> {
        int shard = Hashing.shardOf(ReadRequests.parsePathId(r.arg()), shards);
        yield readShard(p, shard, new ShardRead(ShardRead.Kind.POINT, c, r.arg(), null), params)
            .thenApply(
                o -> {
                  long[] idx = Token.parse(params.token, p).indexes(shards);
                  idx[shard] = Math.max(idx[shard], o.index());
                  return new Reply(
                      ShardRead.unwrap(o.value()), new Token(p.incarnation(), idx).toString());
                });
      }
      case RETRIEVE_POINTS -> retrieve(p, b, params);
      case SCROLL -> {
        if (shards > 1 && b.getValue("order_by") != null) {
          throw new VecdbException(
              ErrorCode.NOT_IMPLEMENTED,
              "order_by: scrolling in payload order across "
                  + shards
                  + " shards is not implemented; use a collection with shard_number 1");
        }
        yield scroll(p, b, params);
      }
      case SEARCH -> search(p, b, params);
      case SEARCH_BATCH -> searchBatch(p, b, params, "searches", ShardRead.Kind.SEARCH_BATCH);
      case QUERY -> query(p, b, params);
      case QUERY_BATCH -> searchBatch(p, b, params, "searches", ShardRead.Kind.QUERY_BATCH);
      case SEARCH_GROUPS, QUERY_GROUPS -> {
        // Groups need every shard's hits of a group together, and with_lookup another
        // collection's points: one shard (replicated) serves them whole.
        if (shards > 1) {
          throw new VecdbException(
              ErrorCode.NOT_IMPLEMENTED,
              "groups across "
                  + shards
                  + " shards are not implemented; use a collection with shard_number 1");
        }
        if (b.getValue("with_lookup") != null) {
          throw new VecdbException(
              ErrorCode.NOT_IMPLEMENTED,
              "with_lookup: not implemented on a cluster (the lookup collection's points live on"
                  + " other shards)");
        }
        ShardRead.Kind kind =
            r.action() == Action.SEARCH_GROUPS
                ? ShardRead.Kind.SEARCH_GROUPS
                : ShardRead.Kind.QUERY_GROUPS;
        yield fanOut(p, kind, null, b, params).thenApply(g -> g.reply(g.results.get(0)));
      }
      case COLLECTION_CLUSTER -> clusterInfo(p);
      default ->
          throw new IllegalArgumentException("action: '" + r.action().wireName() + "' is a write");
    };
  }

  /**
   * {@code GET /collections/{name}/cluster}: Qdrant's shape ({@code shard_count}, {@code
   * local_shards}, {@code remote_shards}) plus each shard's Raft group, replicas and leader (node
   * id, term, commit index), from a summary of every replica (one that does not answer within 2 s
   * is reported {@code Dead}).
   */
  private CompletableFuture<Reply> clusterInfo(ShardMap.Placement p) {
    String self = node.nodeId();
    List<CompletableFuture<JsonObject>> all = new ArrayList<>();
    List<String[]> keys = new ArrayList<>();
    for (int s = 0; s < p.shardCount(); s++) {
      for (String replica : p.replicas().get(s)) {
        keys.add(new String[] {String.valueOf(s), replica});
        all.add(
            node.summary(replica, p.group(s))
                .orTimeout(2, java.util.concurrent.TimeUnit.SECONDS)
                .exceptionally(e -> null));
      }
    }
    Map<String, String> preferred = node.shards().preferredLeaders();
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              JsonArray local = new JsonArray();
              JsonArray remote = new JsonArray();
              JsonArray shards = new JsonArray();
              for (int s = 0; s < p.shardCount(); s++) {
                JsonArray replicas = new JsonArray();
                JsonObject leader = null;
                for (int i = 0; i < keys.size(); i++) {
                  if (Integer.parseInt(keys.get(i)[0]) != s) {
                    continue;
                  }
                  String id = keys.get(i)[1];
                  JsonObject sum = all.get(i).join();
                  String state = sum == null ? "Dead" : "Active";
                  replicas.add(
                      new JsonObject()
                          .put("node_id", id)
                          .put("state", state)
                          .put("role", sum == null ? null : sum.getString("role"))
                          .put("commit", sum == null ? null : sum.getLong("commit"))
                          .put("applied", sum == null ? null : sum.getLong("applied"))
                          .put("points_count", sum == null ? null : sum.getLong("points_count")));
                  if (sum != null
                      && "LEADER".equals(sum.getString("role"))
                      && (leader == null || sum.getLong("term") > leader.getLong("term"))) {
                    leader =
                        new JsonObject()
                            .put("node_id", id)
                            .put("term", sum.getLong("term"))
                            .put("commit", sum.getLong("commit"));
                  }
                  if (id.equals(self)) {
                    local.add(
                        new JsonObject()
                            .put("shard_id", s)
                            .put("points_count", sum == null ? 0 : sum.getLong("points_count", 0L))
                            .put("state", state));
                  } else {
                    remote.add(
                        new JsonObject().put("shard_id", s).put("peer_id", id).put("state", state));
                  }
                }
                shards.add(
                    new JsonObject()
                        .put("shard_id", s)
                        .put("group", p.group(s))
                        .put("replicas", replicas)
                        .put("leader", leader)
                        .put("preferred_leader", preferred.get(p.group(s))));
              }
              return new Reply(
                  new JsonObject()
                      .put("peer_id", self)
                      .put("shard_count", p.shardCount())
                      .put("local_shards", local)
                      .put("remote_shards", remote)
                      .put("shard_transfers", new JsonArray())
                      .put("shards", shards),
                  null);
            });
  }

  private ShardMap.Placement placement(String c) {
    ShardMap.Placement p = node.shards().resolve(c);
    if (p == null) {
      throw VecdbException.notFound("Collection `" + c + "` doesn't exist!");
    }
    return p;
  }

  /** What each shard answered (in shard order), and the token of the whole read. */
  private record Gathered(List<Object> results, String token) {
    Reply reply(Object result) {
      return new Reply(result, token);
    }
  }

  private CompletableFuture<ReadOutcome.Done<Object>> readShard(
      ShardMap.Placement p, int shard, ShardRead unbounded, Params params) {
    // The replica's work is bounded by the request's timeout too (stopped there, answered 408).
    ShardRead read = unbounded.withBudget(params.timeoutMs);
    long min = Token.parse(params.token, p).indexes(p.shardCount())[shard];
    ReadConsistency consistency = params.consistency;
    if (consistency == ReadConsistency.EVENTUAL) {
      min = 0;
    }
    return node.shardClient(p, shard)
        .read(new LocalRead<Object>(read), consistency, min, params.timeoutMs)
        .thenApply(
            o ->
                switch (o) {
                  case ReadOutcome.Done<Object> d -> d;
                  case ReadOutcome.Failed<Object> f ->
                      throw new VecdbException(
                          ErrorCode.UNAVAILABLE,
                          "shard "
                              + shard
                              + " of `"
                              + p.name()
                              + "`: no replica answered at consistency "
                              + consistency.wireName()
                              + ": "
                              + f.reason());
                });
  }

  /** Runs {@code body} per shard ({@code bodies.get(shard)}, or the same body) and gathers. */
  private CompletableFuture<Gathered> fanOut(
      ShardMap.Placement p,
      ShardRead.Kind kind,
      Map<Integer, JsonObject> bodies,
      JsonObject body,
      Params params) {
    int shards = p.shardCount();
    List<Integer> targets = new ArrayList<>();
    for (int s = 0; s < shards; s++) {
      if (bodies == null || bodies.containsKey(s)) {
        targets.add(s);
      }
    }
    List<CompletableFuture<ReadOutcome.Done<Object>>> parts = new ArrayList<>();
    for (int s : targets) {
      JsonObject b = bodies == null ? body : bodies.get(s);
      parts.add(readShard(p, s, new ShardRead(kind, p.name(), null, b), params));
    }
    return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              long[] idx = Token.parse(params.token, p).indexes(shards);
              List<Object> results = new ArrayList<>();
              for (int i = 0; i < targets.size(); i++) {
                ReadOutcome.Done<Object> d = parts.get(i).join();
                int s = targets.get(i);
                idx[s] = Math.max(idx[s], d.index());
                results.add(ShardRead.unwrap(d.value()));
              }
              return new Gathered(results, new Token(p.incarnation(), idx).toString());
            });
  }

  private static JsonObject mergeInfo(Gathered g) {
    JsonObject first = ((JsonObject) g.results.get(0)).copy();
    long points = 0;
    long vectors = 0;
    long indexed = 0;
    String status = "green";
    for (Object part : g.results) {
      JsonObject info = (JsonObject) part;
      points += info.getLong("points_count", 0L);
      vectors += info.getLong("vectors_count", 0L);
      indexed += info.getLong("indexed_vectors_count", 0L);
      String s = info.getString("status", "green");
      if (s.equals("red") || (s.equals("yellow") && !status.equals("red"))) {
        status = s;
        first.put("optimizer_status", info.getValue("optimizer_status"));
      }
    }
    return first
        .put("status", status)
        .put("points_count", points)
        .put("vectors_count", vectors)
        .put("indexed_vectors_count", indexed)
        .put("segments_count", g.results.size());
  }

  private CompletableFuture<Reply> retrieve(ShardMap.Placement p, JsonObject b, Params params) {
    JsonArray ids = b.getValue("ids") instanceof JsonArray a ? a : null;
    if (ids == null) {
      throw new IllegalArgumentException("ids: expected a list of point ids");
    }
    Map<Integer, JsonArray> byShard = new TreeMap<>();
    List<PointId> order = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      PointId id = PointId.parse(ids.getValue(i), "ids[" + i + "]");
      order.add(id);
      byShard
          .computeIfAbsent(Hashing.shardOf(id, p.shardCount()), k -> new JsonArray())
          .add(ids.getValue(i));
    }
    Map<Integer, JsonObject> bodies = new HashMap<>();
    byShard.forEach((s, part) -> bodies.put(s, b.copy().put("ids", part)));
    if (bodies.isEmpty()) {
      return CompletableFuture.completedFuture(new Reply(new JsonArray(), params.token));
    }
    return fanOut(p, ShardRead.Kind.RETRIEVE, bodies, b, params)
        .thenApply(
            g -> {
              Map<PointId, Object> found = new HashMap<>();
              for (Object part : g.results) {
                for (Object record : (JsonArray) part) {
                  found.put(idOf(record), record);
                }
              }
              JsonArray out = new JsonArray();
              for (PointId id : order) {
                Object record = found.remove(id); // a repeated id is returned once, as a shard does
                if (record != null) {
                  out.add(record);
                }
              }
              return g.reply(out);
            });
  }

  private static PointId idOf(Object record) {
    return PointId.parse(((JsonObject) record).getValue("id"), "id");
  }

  private CompletableFuture<Reply> scroll(ShardMap.Placement p, JsonObject b, Params params) {
    int limit = b.getValue("limit") instanceof Number n ? n.intValue() : 10;
    return fanOut(p, ShardRead.Kind.SCROLL, null, b, params)
        .thenApply(
            g -> {
              if (g.results.size() == 1) {
                return g.reply(g.results.get(0));
              }
              List<Object> all = new ArrayList<>();
              PointId next = null;
              for (Object part : g.results) {
                JsonObject page = (JsonObject) part;
                page.getJsonArray("points").forEach(all::add);
                Object n = page.getValue("next_page_offset");
                if (n != null) {
                  PointId id = PointId.parse(n, "next_page_offset");
                  next = next == null || id.compareTo(next) < 0 ? id : next;
                }
              }
              all.sort(Comparator.comparing(ClusterRequests::idOf));
              if (all.size() > limit) {
                next = idOf(all.get(limit));
                all = all.subList(0, limit);
              }
              return g.reply(
                  new JsonObject()
                      .put("points", new JsonArray(new ArrayList<>(all)))
                      .put("next_page_offset", next == null ? null : next.toJson()));
            });
  }

  /** Asks each shard for {@code offset + limit} hits from the top, merges, then slices. */
  private static JsonObject perShard(JsonObject b, int defaultLimit) {
    int limit = b.getValue("limit") instanceof Number n ? n.intValue() : defaultLimit;
    int offset = b.getValue("offset") instanceof Number n ? n.intValue() : 0;
    if (limit < 0 || offset < 0) {
      return b; // the shard names the bad field
    }
    return b.copy().put("limit", limit + offset).put("offset", 0);
  }

  private CompletableFuture<Reply> search(ShardMap.Placement p, JsonObject b, Params params) {
    if (p.shardCount() == 1) {
      return fanOut(p, ShardRead.Kind.SEARCH, null, b, params)
          .thenApply(g -> g.reply(g.results.get(0)));
    }
    boolean higher = higherIsBetter(p, b, false);
    return fanOut(p, ShardRead.Kind.SEARCH, null, perShard(b, 10), params)
        .thenApply(g -> g.reply(mergeHits(g.results, b, 10, higher)));
  }

  private CompletableFuture<Reply> query(ShardMap.Placement p, JsonObject b, Params params) {
    if (p.shardCount() == 1) {
      return fanOut(p, ShardRead.Kind.QUERY, null, b, params)
          .thenApply(g -> g.reply(g.results.get(0)));
    }
    refuseAcrossShards(b, p);
    boolean higher = higherIsBetter(p, b, true);
    return fanOut(p, ShardRead.Kind.QUERY, null, perShard(b, 10), params)
        .thenApply(
            g -> {
              List<Object> parts = new ArrayList<>();
              g.results.forEach(r -> parts.add(((JsonObject) r).getJsonArray("points")));
              return g.reply(new JsonObject().put("points", mergeHits(parts, b, 10, higher)));
            });
  }

  /**
   * Whether a higher score is better for a search ({@code query} false: its {@code vector} may be a
   * NamedVector) or a query (its {@code using}): the named dense vector's distance; sparse scores
   * are dot products. An unknown name is refused by the shards.
   */
  private static boolean higherIsBetter(ShardMap.Placement p, JsonObject b, boolean query) {
    String name = "";
    if (query && b.getValue("using") instanceof String u) {
      name = u;
    } else if (!query
        && b.getValue("vector") instanceof JsonObject nv
        && nv.getValue("name") instanceof String n) {
      name = n;
    }
    if (p.config().sparse(name) != null) {
      return true;
    }
    var dense = p.config().dense(name);
    return (dense == null ? p.config().distance() : dense.distance()).higherIsBetter();
  }

  /** Query API features whose results cannot be merged by score are refused across shards. */
  private static void refuseAcrossShards(JsonObject q, ShardMap.Placement p) {
    for (String field : List.of("prefetch", "fusion")) {
      if (q.getValue(field) != null) {
        throw new VecdbException(
            ErrorCode.NOT_IMPLEMENTED,
            field
                + ": not implemented across "
                + p.shardCount()
                + " shards (results are merged by score); use a collection with shard_number 1");
      }
    }
    if (q.getValue("query") instanceof JsonObject o
        && (o.containsKey("fusion")
            || o.containsKey("rrf")
            || o.containsKey("order_by")
            || o.containsKey("sample")
            || o.getValue("mmr") != null)) {
      throw new VecdbException(
          ErrorCode.NOT_IMPLEMENTED,
          "query: "
              + o.fieldNames()
              + " is not implemented across "
              + p.shardCount()
              + " shards; use a collection with shard_number 1");
    }
  }

  private CompletableFuture<Reply> searchBatch(
      ShardMap.Placement p, JsonObject b, Params params, String field, ShardRead.Kind kind) {
    if (p.shardCount() == 1) {
      return fanOut(p, kind, null, b, params).thenApply(g -> g.reply(g.results.get(0)));
    }
    JsonArray searches = b.getValue(field) instanceof JsonArray a ? a : null;
    if (searches == null) {
      throw new IllegalArgumentException(field + ": expected a list of requests");
    }
    JsonArray rewritten = new JsonArray();
    for (int i = 0; i < searches.size(); i++) {
      if (!(searches.getValue(i) instanceof JsonObject s)) {
        throw new IllegalArgumentException(field + "[" + i + "]: expected an object");
      }
      if (kind == ShardRead.Kind.QUERY_BATCH) {
        refuseAcrossShards(s, p);
      }
      rewritten.add(perShard(s, 10));
    }
    boolean[] higher = new boolean[searches.size()];
    for (int i = 0; i < higher.length; i++) {
      higher[i] = higherIsBetter(p, searches.getJsonObject(i), kind == ShardRead.Kind.QUERY_BATCH);
    }
    return fanOut(p, kind, null, b.copy().put(field, rewritten), params)
        .thenApply(
            g -> {
              JsonArray out = new JsonArray();
              for (int i = 0; i < searches.size(); i++) {
                List<Object> parts = new ArrayList<>();
                for (Object shardResult : g.results) {
                  Object one = ((JsonArray) shardResult).getValue(i);
                  parts.add(
                      kind == ShardRead.Kind.QUERY_BATCH
                          ? ((JsonObject) one).getJsonArray("points")
                          : one);
                }
                JsonArray merged = mergeHits(parts, searches.getJsonObject(i), 10, higher[i]);
                out.add(
                    kind == ShardRead.Kind.QUERY_BATCH
                        ? new JsonObject().put("points", merged)
                        : merged);
              }
              return g.reply(out);
            });
  }

  /**
   * Merges per-shard hit lists (each sorted best first) into the request's page: best score first,
   * ties by point id (so the order does not depend on which shard answered first).
   */
  static JsonArray mergeHits(
      List<Object> parts, JsonObject request, int defaultLimit, boolean higherIsBetter) {
    int limit = request.getValue("limit") instanceof Number n ? n.intValue() : defaultLimit;
    int offset = request.getValue("offset") instanceof Number n ? n.intValue() : 0;
    List<JsonObject> all = new ArrayList<>();
    for (Object part : parts) {
      for (Object hit : (JsonArray) part) {
        all.add((JsonObject) hit);
      }
    }
    Comparator<JsonObject> byScore = Comparator.comparingDouble(h -> h.getDouble("score", 0.0));
    if (higherIsBetter) {
      byScore = byScore.reversed();
    }
    all.sort(byScore.thenComparing(h -> idOf(h)));
    JsonArray out = new JsonArray();
    for (int i = offset; i < Math.min(all.size(), offset + limit); i++) {
      out.add(all.get(i));
    }
    return out;
  }

  // ---- parameters and tokens

  /** A request's cluster parameters, validated. */
  record Params(ReadConsistency consistency, String token, int writeConsistency, long timeoutMs) {
    static Params of(JsonObject params, long defaultTimeoutMs) {
      JsonObject q = params == null ? new JsonObject() : params;
      ReadConsistency consistency = ReadConsistency.EVENTUAL;
      Object c = q.getValue("consistency");
      if (c != null) {
        try {
          consistency = ReadConsistency.parse(String.valueOf(c));
        } catch (IllegalArgumentException e) {
          throw VecdbException.badRequest(e.getMessage());
        }
      }
      int writeConsistency = 0;
      Object w = q.getValue("write_consistency");
      if (w != null) {
        writeConsistency = (int) positive(w, "write_consistency", 64);
      }
      long seconds = RequestTimeout.seconds(q); // one parsing of timeout for every node
      long timeout = seconds == 0 ? defaultTimeoutMs : seconds * 1000;
      Object token = q.getValue("token");
      return new Params(
          consistency, token == null ? null : String.valueOf(token), writeConsistency, timeout);
    }

    private static long positive(Object v, String field, long max) {
      try {
        long n = Long.parseLong(String.valueOf(v));
        if (n >= 1 && n <= max) {
          return n;
        }
      } catch (NumberFormatException e) {
        // below
      }
      throw VecdbException.badRequest(
          field + ": expected an integer in [1, " + max + "], got \"" + v + "\"");
    }
  }

  /**
   * A consistency token: {@code <incarnation>.<index of shard 0>.<index of shard 1>...}. A token of
   * another incarnation of the collection (it was deleted and created again) counts as none.
   */
  record Token(long incarnation, long[] indexes) {
    static final Token NONE = new Token(0, new long[0]);

    static Token parse(String text, ShardMap.Placement p) {
      if (text == null || text.isEmpty()) {
        return NONE;
      }
      String[] parts = text.split("\\.");
      try {
        long incarnation = Long.parseLong(parts[0]);
        if (incarnation != p.incarnation()) {
          return NONE;
        }
        if (parts.length != p.shardCount() + 1) {
          throw new NumberFormatException();
        }
        long[] idx = new long[p.shardCount()];
        for (int i = 0; i < idx.length; i++) {
          idx[i] = Long.parseLong(parts[i + 1]);
        }
        return new Token(incarnation, idx);
      } catch (NumberFormatException e) {
        throw VecdbException.badRequest(
            "token: expected a token returned by VecDB for collection `"
                + p.name()
                + "` (<incarnation>.<index per shard>), got \""
                + text
                + "\"");
      }
    }

    long[] indexes(int shards) {
      long[] out = new long[shards];
      System.arraycopy(indexes, 0, out, 0, Math.min(shards, indexes.length));
      return out;
    }

    @Override
    public String toString() {
      StringBuilder b = new StringBuilder().append(incarnation);
      for (long i : indexes) {
        b.append('.').append(i);
      }
      return b.toString();
    }
  }
}
