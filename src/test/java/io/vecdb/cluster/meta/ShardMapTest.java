package io.vecdb.cluster.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.cluster.placement.HashRing;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ShardMapTest {
  private static final JsonObject BODY =
      new JsonObject().put("vectors", new JsonObject().put("size", 2).put("distance", "Dot"));

  private static ShardMap.Placement placement(String name, long inc, List<List<String>> replicas) {
    return new ShardMap.Placement(name, BODY, inc, replicas);
  }

  @Test
  void threeShardsOfThreeReplicasOnThreeNodesGetThreeDifferentLeaders() {
    List<String> all = List.of("n1", "n2", "n3");
    ShardMap map =
        new ShardMap(5, new TreeMap<>(Map.of("c", placement("c", 5, List.of(all, all, all)))));
    Map<String, String> leaders = map.preferredLeaders();
    assertEquals(List.of("n1", "n2", "n3"), new ArrayList<>(leaders.values()));
    assertEquals("n1", leaders.get("c/5/0/c"));
  }

  /**
   * On a 10-node ring with many collections, each node is preferred for its share of the shards
   * (within one), every preferred leader is one of its shard's replicas, and the answer does not
   * depend on who computes it (a copy of the map gives the same).
   */
  @Test
  void leadersSpreadEvenlyOverARingAndEveryOneIsAReplica() {
    List<String> nodes = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      nodes.add("n" + i);
    }
    HashRing ring = HashRing.of(nodes, 128);
    Random random = new Random(42);
    TreeMap<String, ShardMap.Placement> collections = new TreeMap<>();
    int shards = 0;
    for (int c = 0; c < 20; c++) {
      int n = 1 + random.nextInt(8);
      List<List<String>> replicas = new ArrayList<>();
      for (int s = 0; s < n; s++) {
        replicas.add(ring.replicas("col" + c + "/" + s, 3));
      }
      shards += n;
      collections.put("col" + c, placement("col" + c, 10 + c, replicas));
    }
    ShardMap map = new ShardMap(99, collections);
    Map<String, String> leaders = map.preferredLeaders();
    assertEquals(shards, leaders.size());
    Map<String, Integer> perNode = new HashMap<>();
    for (ShardMap.Placement p : collections.values()) {
      for (int s = 0; s < p.shardCount(); s++) {
        String leader = leaders.get(p.group(s));
        assertTrue(p.replicas().get(s).contains(leader), p.group(s) + " led by a non-replica");
        perNode.merge(leader, 1, Integer::sum);
      }
    }
    assertEquals(nodes.size(), perNode.size(), "every node leads some shard: " + perNode);
    int max = perNode.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
    int least = perNode.values().stream().mapToInt(Integer::intValue).min().orElseThrow();
    assertTrue(max - least <= 1, "uneven: " + perNode);
    assertEquals(leaders, new ShardMap(99, new TreeMap<>(collections)).preferredLeaders());
  }
}
