package io.vecdb.optimizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vecdb.collection.Collection;
import io.vecdb.collection.CollectionConfig;
import io.vecdb.collection.Collections;
import io.vecdb.collection.Operation;
import io.vecdb.collection.PointSelector;
import io.vecdb.collection.PointStruct;
import io.vecdb.config.OptimizerOptions;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The optimizer looks after whatever collections it is given, each under its own name: a clustered
 * node's shard replicas (two replicas of one collection here, as two groups on one node would be),
 * including the instance a snapshot install puts in a replica's place. Regression: a clustered node
 * compacted nothing, so its replicas' tombstones piled up for good.
 */
class OptimizerTargetsTest {
  private static Collections replica(Random r, int points, int deleted) {
    Collections cs = new Collections();
    cs.apply(
        1,
        new Operation.CreateCollection(
            "c",
            CollectionConfig.parse(
                new JsonObject()
                    .put("vectors", new JsonObject().put("size", 4).put("distance", "Euclid")))));
    List<PointStruct> batch = new ArrayList<>();
    for (int i = 0; i < points; i++) {
      batch.add(
          new PointStruct(
              PointId.of(i),
              new float[] {r.nextFloat(), r.nextFloat(), r.nextFloat(), r.nextFloat()},
              Payload.EMPTY));
    }
    cs.apply(2, new Operation.UpsertPoints("c", batch));
    List<PointId> gone = new ArrayList<>();
    for (int i = 0; i < deleted; i++) {
      gone.add(PointId.of(i));
    }
    cs.apply(3, new Operation.DeletePoints("c", PointSelector.ids(gone)));
    return cs;
  }

  @Test
  void shardReplicasAreCompactedIncludingAReplacedInstance() throws Exception {
    Random r = new Random(11);
    Collections g1 = replica(r, 2_000, 600);
    AtomicReference<Collections> g2 = new AtomicReference<>(replica(r, 2_000, 700));
    OptimizerOptions options =
        new OptimizerOptions().setMinDeleted(100).setCheckIntervalMs(50).setDeletedThreshold(0.2);
    Optimizer o =
        new Optimizer(
            () -> {
              Map<String, Collection> m = new LinkedHashMap<>();
              m.put("c@g1", g1.get("c"));
              m.put("c@g2", g2.get().get("c"));
              return m;
            },
            options,
            new SimpleMeterRegistry());
    o.start();
    try {
      waitFor(() -> g1.get("c").tombstones() == 0 && g2.get().get("c").tombstones() == 0);
      assertEquals(1_400, g1.get("c").size());
      // A snapshot install replaces a replica's state: the new instance is looked after too.
      Collections installed = replica(r, 2_000, 900);
      assertTrue(installed.get("c").tombstones() > 0);
      g2.set(installed);
      waitFor(() -> installed.get("c").tombstones() == 0);
      assertEquals(1_100, installed.get("c").size());
    } finally {
      o.close();
    }
  }

  private static void waitFor(java.util.function.BooleanSupplier ok) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!ok.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "not compacted within 30 s");
      Thread.sleep(20);
    }
  }
}
