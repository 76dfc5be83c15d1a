package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.cluster.meta.ShardMap;
import io.vecdb.cluster.placement.Hashing;
import io.vecdb.collection.Operation;
import io.vecdb.collection.PointSelector;
import io.vecdb.collection.PointStruct;
import io.vecdb.collection.VecdbException;
import io.vecdb.model.PointId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pure parts of a clustered node's request handling: splitting, merging, tokens. */
class ClusterRequestsTest {

  @Test
  void upsertsAndIdSelectorsGoToTheShardOfEachIdAndFiltersToEveryShard() {
    long seed = Long.getLong("tests.seed", System.nanoTime());
    Random random = new Random(seed);
    int shards = 1 + random.nextInt(6);
    List<PointStruct> points = new ArrayList<>();
    List<PointId> ids = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      PointId id = PointId.of(random.nextLong() >>> 1);
      ids.add(id);
      points.add(new PointStruct(id, new float[] {i}, io.vecdb.model.Payload.EMPTY));
    }
    Map<Integer, Operation> up =
        ClusterRequests.split(new Operation.UpsertPoints("c", points), shards);
    Set<PointId> seen = new HashSet<>();
    up.forEach(
        (shard, op) -> {
          for (PointStruct p : ((Operation.UpsertPoints) op).points()) {
            assertEquals(shard, Hashing.shardOf(p.id(), shards), "seed " + seed);
            assertTrue(seen.add(p.id()));
          }
        });
    assertEquals(200, seen.size(), "every point in exactly one part; seed " + seed);

    Map<Integer, Operation> del =
        ClusterRequests.split(new Operation.DeletePoints("c", PointSelector.ids(ids)), shards);
    int n = 0;
    for (Map.Entry<Integer, Operation> e : del.entrySet()) {
      for (PointId id : ((Operation.DeletePoints) e.getValue()).selector().ids()) {
        assertEquals(e.getKey(), Hashing.shardOf(id, shards));
        n++;
      }
    }
    assertEquals(200, n);

    PointSelector filter = PointSelector.filter(new JsonObject().put("must", new JsonArray()));
    Map<Integer, Operation> byFilter =
        ClusterRequests.split(new Operation.ClearPayload("c", filter), shards);
    assertEquals(shards, byFilter.size(), "a filter goes to every shard");
    Map<Integer, Operation> index =
        ClusterRequests.split(new Operation.CreateFieldIndex("c", "f", "keyword"), shards);
    assertEquals(shards, index.size(), "an index change goes to every shard");
  }

  @Test
  void hitsMergeByScoreThenIdWithOffsetAndLimit() {
    JsonArray a = new JsonArray().add(hit(1, 0.9)).add(hit(4, 0.5)).add(hit(6, 0.1));
    JsonArray b = new JsonArray().add(hit(3, 0.9)).add(hit(2, 0.7));
    JsonObject req = new JsonObject().put("limit", 3).put("offset", 1);
    JsonArray merged = ClusterRequests.mergeHits(List.of(a, b), req, 10, true);
    assertEquals(List.of(3L, 2L, 4L), ids(merged), "1 and 3 tie at 0.9: 1 first, skipped");
    // Distances: lower is better.
    JsonArray d = ClusterRequests.mergeHits(List.of(a, b), new JsonObject(), 10, false);
    assertEquals(List.of(6L, 4L, 2L, 1L, 3L), ids(d));
  }

  private static JsonObject hit(long id, double score) {
    return new JsonObject().put("id", id).put("score", score);
  }

  private static List<Long> ids(JsonArray hits) {
    List<Long> out = new ArrayList<>();
    hits.forEach(h -> out.add(((JsonObject) h).getLong("id")));
    return out;
  }

  @Test
  void tokensRoundTripAndAnotherIncarnationCountsAsNone() {
    ShardMap.Placement p =
        new ShardMap.Placement(
            "c", new JsonObject(), 7, List.of(List.of("n1"), List.of("n2"), List.of("n3")));
    ClusterRequests.Token t = new ClusterRequests.Token(7, new long[] {4, 0, 9});
    assertEquals("7.4.0.9", t.toString());
    assertArrayEquals(new long[] {4, 0, 9}, ClusterRequests.Token.parse("7.4.0.9", p).indexes(3));
    assertArrayEquals(new long[3], ClusterRequests.Token.parse("6.4.0.9", p).indexes(3));
    assertArrayEquals(new long[3], ClusterRequests.Token.parse(null, p).indexes(3));
    VecdbException bad =
        assertThrows(VecdbException.class, () -> ClusterRequests.Token.parse("7.1", p));
    assertTrue(bad.getMessage().startsWith("token:"), bad.getMessage());
    assertThrows(VecdbException.class, () -> ClusterRequests.Token.parse("x", p));
  }

  @Test
  void parametersAreValidatedByName() {
    VecdbException e =
        assertThrows(
            VecdbException.class,
            () -> ClusterRequests.Params.of(new JsonObject().put("consistency", "bogus"), 1_000));
    assertTrue(e.getMessage().startsWith("consistency:"), e.getMessage());
    e =
        assertThrows(
            VecdbException.class,
            () -> ClusterRequests.Params.of(new JsonObject().put("timeout", "0"), 1_000));
    assertTrue(e.getMessage().startsWith("timeout:"), e.getMessage());
    e =
        assertThrows(
            VecdbException.class,
            () -> ClusterRequests.Params.of(new JsonObject().put("write_consistency", "x"), 1_000));
    assertTrue(e.getMessage().startsWith("write_consistency:"), e.getMessage());
    ClusterRequests.Params ok =
        ClusterRequests.Params.of(
            new JsonObject().put("consistency", "majority").put("timeout", "3"), 1_000);
    assertEquals(io.vecdb.cluster.ReadConsistency.STRONG, ok.consistency());
    assertEquals(3_000, ok.timeoutMs());
  }
}
