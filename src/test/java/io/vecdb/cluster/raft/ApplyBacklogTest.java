package io.vecdb.cluster.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.collection.CollectionConfig;
import io.vecdb.collection.Collections;
import io.vecdb.collection.Operation;
import io.vecdb.collection.PointStruct;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A replica's apply backlog is bounded: with an apply pool that never runs its drains (a replica
 * whose apply threads are all busy elsewhere), the Raft lane applies the queue itself once more
 * than {@link ShardStateMachine#MAX_BACKLOG} entries wait, in index order.
 */
class ApplyBacklogTest {
  @Test
  void aReplicaThatCannotApplyHoldsABoundedBacklog() {
    CollectionConfig config =
        CollectionConfig.parse(
            new JsonObject()
                .put("vectors", new JsonObject().put("size", 2).put("distance", "Dot")));
    List<Runnable> neverRun = new ArrayList<>();
    ShardStateMachine sm =
        new ShardStateMachine(
            "s",
            () -> {
              Collections c = new Collections();
              c.apply(0, new Operation.CreateCollection("c", config));
              return c;
            },
            (i, cmd, r) -> {},
            neverRun::add);
    int max = 0;
    for (long i = 1; i <= 4 * ShardStateMachine.MAX_BACKLOG; i++) {
      sm.runOperation(
          i,
          new ShardCommand(
              "",
              0,
              new Operation.UpsertPoints(
                  "c",
                  List.of(new PointStruct(PointId.of(i), new float[] {1, 2}, Payload.EMPTY)))));
      max = Math.max(max, sm.backlog());
    }
    assertTrue(max <= ShardStateMachine.MAX_BACKLOG + 1, "backlog reached " + max);
    assertTrue(sm.appliedIndex() >= 3L * ShardStateMachine.MAX_BACKLOG, "applied in order");
    assertEquals(sm.appliedIndex(), sm.collections().get("c").size());
  }
}
