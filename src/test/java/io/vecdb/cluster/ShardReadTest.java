package io.vecdb.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vecdb.collection.CollectionConfig;
import io.vecdb.collection.Collections;
import io.vecdb.collection.Operation;
import io.vecdb.collection.PointStruct;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A shard read carries its time budget between nodes, and a replica stops a read past it and
 * answers 408 (the request's {@code timeout} on a clustered node), rather than running it to the
 * end; without a budget the same read completes.
 */
class ShardReadTest {
  @Test
  void theBudgetTravelsAndStopsAReadPastIt() {
    Random r = new Random(7);
    Collections cs = new Collections();
    cs.apply(
        1,
        new Operation.CreateCollection(
            "c",
            CollectionConfig.parse(
                new JsonObject()
                    .put("vectors", new JsonObject().put("size", 32).put("distance", "Euclid")))));
    List<PointStruct> points = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      float[] v = new float[32];
      for (int d = 0; d < 32; d++) {
        v[d] = r.nextFloat();
      }
      points.add(new PointStruct(PointId.of(i), v, Payload.EMPTY));
    }
    cs.apply(2, new Operation.UpsertPoints("c", points));
    JsonArray searches = new JsonArray();
    for (int i = 0; i < 2_000; i++) {
      JsonArray q = new JsonArray();
      for (int d = 0; d < 32; d++) {
        q.add(r.nextFloat());
      }
      searches.add(
          new JsonObject()
              .put("vector", q)
              .put("limit", 1)
              .put("params", new JsonObject().put("exact", true)));
    }
    ShardRead read =
        new ShardRead(
            ShardRead.Kind.SEARCH_BATCH, "c", null, new JsonObject().put("searches", searches));
    ShardRead bounded = ShardRead.decode(read.withBudget(1).encode());
    assertEquals(1, bounded.budgetMillis());
    assertEquals(2_000, bounded.body().getJsonArray("searches").size());
    assertEquals(ShardRead.Kind.SEARCH_BATCH, bounded.kind());
    JsonObject stopped = (JsonObject) bounded.apply(cs);
    assertEquals(408, stopped.getJsonObject("error").getInteger("status"), stopped.encode());
    JsonObject done = (JsonObject) ShardRead.decode(read.encode()).apply(cs);
    assertEquals(2_000, done.getJsonArray("ok").size());
  }
}
