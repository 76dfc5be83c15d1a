package io.vecdb.cluster.meta;

import io.vecdb.collection.CollectionConfig;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The cluster's collections, where their shards live and their aliases (alias to collection name),
 * as the metadata group has applied them: an immutable value (a new one per change), so readers on
 * any thread see a whole map. {@code epoch}: the Raft index of the last change (0 for none). The
 * metadata group applies alias changes and collection deletes in one log, so an alias always names
 * a collection that exists.
 */
public record ShardMap(
    long epoch, SortedMap<String, Placement> collections, SortedMap<String, String> aliases) {
  public static final ShardMap EMPTY = new ShardMap(0, new TreeMap<>(), new TreeMap<>());

  public ShardMap {
    collections = Collections.unmodifiableSortedMap(new TreeMap<>(collections));
    aliases = Collections.unmodifiableSortedMap(new TreeMap<>(aliases));
  }

  public ShardMap(long epoch, SortedMap<String, Placement> collections) {
    this(epoch, collections, new TreeMap<>());
  }

  /**
   * One collection: its config (the create body, so that every node parses the same config), its
   * incarnation (the Raft index of its creation: a collection deleted and created again under the
   * same name gets new Raft groups) and each shard's replicas by node id, in ring order.
   */
  public record Placement(
      String name, JsonObject createBody, long incarnation, List<List<String>> replicas) {
    public Placement {
      createBody = createBody.copy();
      replicas = replicas.stream().map(List::copyOf).toList();
    }

    public CollectionConfig config() {
      return CollectionConfig.parse(createBody);
    }

    public int shardCount() {
      return replicas.size();
    }

    /** The Raft group id of shard {@code shard} of this incarnation. */
    public String group(int shard) {
      return groupId(name, incarnation, shard);
    }

    @Override
    public JsonObject createBody() {
      return createBody.copy();
    }
  }

  /**
   * The node that should lead each shard group (group id to node id), spread evenly: shards are
   * taken in map order (collections by name, then shard number) and each goes to the replica that
   * was given the fewest so far, ties to the earliest in ring order. Every node computes the same
   * answer from the same map. A preference, not a decision: Raft elects whoever it elects, and
   * leaders hand over to the preferred replica when it is up (see {@code ClusterNode}).
   */
  public java.util.Map<String, String> preferredLeaders() {
    java.util.Map<String, Integer> led = new java.util.HashMap<>();
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    for (Placement p : collections.values()) {
      for (int shard = 0; shard < p.shardCount(); shard++) {
        String best = null;
        for (String node : p.replicas().get(shard)) {
          if (best == null || led.getOrDefault(node, 0) < led.getOrDefault(best, 0)) {
            best = node;
          }
        }
        led.merge(best, 1, Integer::sum);
        out.put(p.group(shard), best);
      }
    }
    return java.util.Collections.unmodifiableMap(out);
  }

  /** {@code c/<incarnation>/<shard>/<name>}: unique per incarnation, readable in metrics. */
  public static String groupId(String collection, long incarnation, int shard) {
    return "c/" + incarnation + "/" + shard + "/" + collection;
  }

  public Placement get(String name) {
    return collections.get(name);
  }

  /** The collection of that name, or the one an alias of that name names; or null. */
  public Placement resolve(String name) {
    Placement p = collections.get(name);
    if (p != null) {
      return p;
    }
    String target = aliases.get(name);
    return target == null ? null : collections.get(target);
  }

  public ShardMap with(long index, Placement p) {
    TreeMap<String, Placement> copy = new TreeMap<>(collections);
    copy.put(p.name(), p);
    return new ShardMap(index, copy, aliases);
  }

  /** Without the collection, and without its aliases (as in Qdrant). */
  public ShardMap without(long index, String name) {
    TreeMap<String, Placement> copy = new TreeMap<>(collections);
    copy.remove(name);
    TreeMap<String, String> kept = new TreeMap<>(aliases);
    kept.values().removeIf(name::equals);
    return new ShardMap(index, copy, kept);
  }

  public ShardMap withAliases(long index, SortedMap<String, String> newAliases) {
    return new ShardMap(index, collections, newAliases);
  }
}
