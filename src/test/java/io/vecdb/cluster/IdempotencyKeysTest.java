package io.vecdb.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.cluster.raft.Applied;
import io.vecdb.cluster.raft.ShardCommand;
import io.vecdb.cluster.raft.ShardStateMachine;
import io.vecdb.collection.CollectionConfig;
import io.vecdb.collection.Collections;
import io.vecdb.collection.Operation;
import io.vecdb.collection.PointStruct;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Regression: a node forwarding concurrent writes under one session (its id, request numbers 1, 2,
 * ...) had a write refused whenever a later one was applied first ("request 51 ... is older than
 * its last applied request 52", seen in bench-cluster with 8 writers). Each forwarded request is
 * now its own session.
 */
class IdempotencyKeysTest {

  private static ShardStateMachine shard() {
    CollectionConfig config =
        CollectionConfig.parse(
            new JsonObject()
                .put("vectors", new JsonObject().put("size", 2).put("distance", "Dot")));
    return new ShardStateMachine(
        "s",
        () -> {
          Collections c = new Collections();
          c.apply(0, new Operation.CreateCollection("c", config));
          return c;
        },
        (i, cmd, r) -> {});
  }

  /** The state machine's answer: a future of the apply lane (here: applied on the caller). */
  private static Applied applied(Object result) {
    return (Applied) ((java.util.concurrent.CompletableFuture<?>) result).join();
  }

  private static Operation upsert(long id) {
    return new Operation.UpsertPoints(
        "c", List.of(new PointStruct(PointId.of(id), new float[] {1, 2}, Payload.EMPTY)));
  }

  @Test
  void concurrentRequestsOfOneNodeApplyInAnyOrderAndRetriesOnce() {
    IdempotencyKeys keys = new IdempotencyKeys("n1");
    ShardCommand first = keys.command(upsert(1));
    ShardCommand second = keys.command(upsert(2));
    ShardStateMachine sm = shard();
    Applied b = applied(sm.runOperation(1, second));
    Applied a = applied(sm.runOperation(2, first)); // the earlier request, applied later
    assertTrue(b.succeeded(), b.message());
    assertTrue(a.succeeded(), "an earlier request applied after a later one: " + a.message());
    Applied retry = applied(sm.runOperation(3, first));
    assertTrue(retry.duplicate(), "a retry under the same key is not applied again");
    assertEquals(2, retry.index(), "answered with the first application");
    assertEquals(2, sm.collections().get("c").size());
  }
}
