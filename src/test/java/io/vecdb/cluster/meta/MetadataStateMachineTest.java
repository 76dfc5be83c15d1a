package io.vecdb.cluster.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.cluster.MetaCommand;
import io.vecdb.cluster.placement.HashRing;
import io.vecdb.cluster.raft.Applied;
import io.vecdb.collection.ErrorCode;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Collections and placement in the metadata state machine, applied as a Raft log would. */
class MetadataStateMachineTest {
  private long request;

  private Applied apply(MetadataStateMachine sm, long index, MetaCommand.MetaOp op) {
    return (Applied) sm.runOperation(index, new MetaCommand("t", ++request, op));
  }

  private static JsonObject body(int shards, int rf) {
    return new JsonObject()
        .put("vectors", new JsonObject().put("size", 4).put("distance", "Dot"))
        .put("shard_number", shards)
        .put("replication_factor", rf);
  }

  @Test
  void createPlacesShardsOnTheRingOfRegisteredNodesAndDeleteRemovesThem() {
    List<ShardMap> seen = new ArrayList<>();
    MetadataStateMachine sm = new MetadataStateMachine(seen::add);
    for (int i = 1; i <= 5; i++) {
      apply(sm, i, new MetaCommand.RegisterNode("n" + i, "http://127.0.0.1:" + (6330 + i)));
    }
    Applied created = apply(sm, 6, new MetaCommand.CreateCollection("c", body(4, 3), 64));
    assertTrue(created.succeeded(), String.valueOf(created.message()));
    ShardMap.Placement p = sm.shards().get("c");
    assertNotNull(p);
    assertEquals(6, p.incarnation(), "the create's index");
    assertEquals(6, sm.shards().epoch());
    HashRing ring = HashRing.of(List.of("n1", "n2", "n3", "n4", "n5"), 64);
    for (int s = 0; s < 4; s++) {
      List<String> replicas = p.replicas().get(s);
      assertEquals(ring.shardReplicas("c", s, 3), replicas, "the ring's clockwise replicas");
      assertEquals(3, new HashSet<>(replicas).size(), "distinct nodes");
    }
    assertEquals("c/6/2/c", p.group(2));
    assertEquals(1, seen.size(), "told once");

    Applied again = apply(sm, 7, new MetaCommand.CreateCollection("c", body(1, 1), 64));
    assertEquals(ErrorCode.CONFLICT, again.error());
    Applied tooMany = apply(sm, 8, new MetaCommand.CreateCollection("d", body(1, 6), 64));
    assertEquals(ErrorCode.BAD_REQUEST, tooMany.error());
    assertTrue(tooMany.message().startsWith("replication_factor:"), tooMany.message());
    assertNull(sm.shards().get("d"), "a rejected create changes nothing");
    assertEquals(1, seen.size());

    assertTrue(apply(sm, 9, new MetaCommand.DeleteCollection("c")).succeeded());
    assertNull(sm.shards().get("c"));
    assertEquals(ErrorCode.NOT_FOUND, apply(sm, 10, new MetaCommand.DeleteCollection("c")).error());
    // Created again: a new incarnation, so new Raft groups.
    assertTrue(apply(sm, 11, new MetaCommand.CreateCollection("c", body(4, 3), 64)).succeeded());
    assertEquals("c/11/0/c", sm.shards().get("c").group(0));
  }

  private static io.vecdb.collection.Operation.AliasAction create(String alias, String c) {
    return io.vecdb.collection.Operation.AliasAction.create(alias, c, 0);
  }

  @Test
  void aliasesChangeTogetherOrNotAtAllAndEndWithTheirCollection() {
    MetadataStateMachine sm = new MetadataStateMachine();
    apply(sm, 1, new MetaCommand.RegisterNode("n1", "http://h1"));
    apply(sm, 2, new MetaCommand.CreateCollection("a", body(1, 1), 64));
    apply(sm, 3, new MetaCommand.CreateCollection("b", body(1, 1), 64));
    assertTrue(
        apply(sm, 4, new MetaCommand.ChangeAliases(List.of(create("p", "a"), create("q", "b"))))
            .succeeded());
    assertEquals(java.util.Map.of("p", "a", "q", "b"), sm.shards().aliases());
    assertEquals("a", sm.shards().resolve("p").name());
    // A valid action followed by an invalid one: nothing changes, on every member alike.
    Applied bad =
        apply(
            sm,
            5,
            new MetaCommand.ChangeAliases(
                List.of(
                    io.vecdb.collection.Operation.AliasAction.delete("p"),
                    create("r", "missing"))));
    assertEquals(ErrorCode.NOT_FOUND, bad.error());
    assertTrue(bad.message().startsWith("actions[1].create_alias.collection_name"), bad.message());
    assertEquals(java.util.Map.of("p", "a", "q", "b"), sm.shards().aliases());
    assertEquals(
        ErrorCode.CONFLICT,
        apply(sm, 6, new MetaCommand.ChangeAliases(List.of(create("b", "a")))).error());
    assertEquals(
        ErrorCode.CONFLICT,
        apply(sm, 7, new MetaCommand.CreateCollection("p", body(1, 1), 64)).error());
    assertTrue(
        apply(
                sm,
                8,
                new MetaCommand.ChangeAliases(
                    List.of(io.vecdb.collection.Operation.AliasAction.rename("q", "q2"))))
            .succeeded());
    // Deleting a collection ends its aliases in the same step.
    assertTrue(apply(sm, 9, new MetaCommand.DeleteCollection("b")).succeeded());
    assertEquals(java.util.Map.of("p", "a"), sm.shards().aliases());
    assertNull(sm.shards().resolve("q2"));
    List<Object> chunks = new ArrayList<>();
    sm.takeSnapshot(9, chunks::add);
    MetadataStateMachine other = new MetadataStateMachine();
    other.installSnapshot(9, chunks);
    assertEquals(sm.shards(), other.shards());
  }

  @Test
  void aSnapshotCarriesTheShardMapAndReplacesState() {
    MetadataStateMachine a = new MetadataStateMachine();
    for (int i = 1; i <= 3; i++) {
      apply(a, i, new MetaCommand.RegisterNode("n" + i, "http://h" + i));
    }
    apply(a, 4, new MetaCommand.CreateCollection("c", body(2, 3), 128));
    List<Object> chunks = new ArrayList<>();
    a.takeSnapshot(4, chunks::add);
    List<ShardMap> seen = new ArrayList<>();
    MetadataStateMachine b = new MetadataStateMachine(seen::add);
    apply(b, 1, new MetaCommand.RegisterNode("x", "http://x"));
    apply(b, 2, new MetaCommand.CreateCollection("stale", body(1, 1), 128));
    b.installSnapshot(4, chunks);
    assertEquals(a.shards(), b.shards());
    assertEquals(a.registry(), b.registry());
    assertFalse(b.shards().collections().containsKey("stale"), "replaced, not merged");
    assertEquals(b.shards(), seen.get(seen.size() - 1), "the listener sees the installed map");
  }
}
