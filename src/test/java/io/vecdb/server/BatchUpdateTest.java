package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.collection.Operation;
import io.vecdb.collection.PointSelector;
import io.vecdb.collection.PointStruct;
import io.vecdb.config.VecdbOptions;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code POST /collections/{c}/points/batch} (issue 9, item 6): a list of point operations applied
 * in order as one log record, one update result per operation; one invalid operation refuses the
 * request and writes nothing; a restart replays it the same; on a cluster each shard gets its part
 * of every operation, in order.
 */
@ExtendWith(VertxExtension.class)
class BatchUpdateTest {
  private static JsonObject point(long id, double x, String color) {
    return new JsonObject()
        .put("id", id)
        .put("vector", new JsonArray().add(x).add(1.0))
        .put("payload", new JsonObject().put("color", color).put("n", id));
  }

  private static JsonObject ids(long... ids) {
    JsonArray a = new JsonArray();
    for (long id : ids) {
      a.add(id);
    }
    return new JsonObject().put("points", a);
  }

  private static JsonObject payloadOf(TestNode t, long id) throws Exception {
    TestNode.Reply r = t.get("/collections/c/points/" + id);
    return r.status() == 404 ? null : r.resultObject().getJsonObject("payload");
  }

  @Test
  void operationsApplyInOrderAsOneRecordAndABadOneWritesNothing(Vertx vertx) throws Exception {
    VecdbOptions options =
        new VecdbOptions().setDataDir(Files.createTempDirectory("vecdb-batch").toString());
    TestNode t = TestNode.start(vertx, new VecdbOptions(options));
    try {
      t.put(
          "/collections/c",
          new JsonObject().put("vectors", new JsonObject().put("size", 2).put("distance", "Dot")));
      JsonObject red =
          new JsonObject()
              .put(
                  "must",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("key", "color")
                              .put("match", new JsonObject().put("value", "red"))));
      JsonArray operations =
          new JsonArray()
              .add(
                  new JsonObject()
                      .put(
                          "upsert",
                          new JsonObject()
                              .put(
                                  "points",
                                  new JsonArray()
                                      .add(point(1, 1, "red"))
                                      .add(point(2, 2, "blue"))
                                      .add(point(3, 3, "red"))
                                      .add(point(4, 4, "blue")))))
              .add(new JsonObject().put("delete", ids(4)))
              .add(
                  new JsonObject()
                      .put(
                          "set_payload",
                          new JsonObject()
                              .put("payload", new JsonObject().put("hot", true))
                              .put("filter", red)))
              .add(
                  new JsonObject()
                      .put(
                          "overwrite_payload",
                          ids(2).put("payload", new JsonObject().put("only", 1))))
              .add(
                  new JsonObject()
                      .put("delete_payload", ids(3).put("keys", new JsonArray().add("n"))))
              .add(new JsonObject().put("clear_payload", ids(1)))
              // Insert-only after the first upsert: 2 exists (kept), 5 is new.
              .add(
                  new JsonObject()
                      .put(
                          "upsert",
                          new JsonObject()
                              .put("update_mode", "insert_only")
                              .put(
                                  "points",
                                  new JsonArray()
                                      .add(point(2, 9, "green"))
                                      .add(point(5, 5, "green")))));
      TestNode.Reply r =
          t.post(
              "/collections/c/points/batch?wait=true",
              new JsonObject().put("operations", operations));
      assertEquals(200, r.status(), r.text());
      JsonArray results = (JsonArray) r.result();
      assertEquals(operations.size(), results.size());
      long id = results.getJsonObject(0).getLong("operation_id");
      for (int i = 0; i < results.size(); i++) {
        assertEquals(id, results.getJsonObject(i).getLong("operation_id"), "one log record");
        assertEquals("completed", results.getJsonObject(i).getString("status"));
      }
      Map<Long, JsonObject> expected =
          Map.of(
              1L, new JsonObject(),
              2L, new JsonObject().put("only", 1),
              3L, new JsonObject().put("color", "red").put("hot", true),
              5L, new JsonObject().put("color", "green").put("n", 5));
      for (var e : expected.entrySet()) {
        JsonObject got = payloadOf(t, e.getKey());
        assertEquals(e.getValue(), got == null ? null : got, "point " + e.getKey());
      }
      assertNull(payloadOf(t, 4));

      // One bad operation (the third) refuses the request: not even the first is written.
      JsonArray bad =
          new JsonArray()
              .add(
                  new JsonObject()
                      .put(
                          "upsert",
                          new JsonObject().put("points", new JsonArray().add(point(9, 9, "x")))))
              .add(new JsonObject().put("delete", ids(1)))
              .add(
                  new JsonObject()
                      .put(
                          "upsert",
                          new JsonObject()
                              .put(
                                  "points",
                                  new JsonArray()
                                      .add(
                                          new JsonObject()
                                              .put("id", 10)
                                              .put("vector", new JsonArray().add(1))))));
      TestNode.Reply refused =
          t.post("/collections/c/points/batch?wait=true", new JsonObject().put("operations", bad));
      assertEquals(400, refused.status());
      assertTrue(refused.error().startsWith("operations[2].upsert: "), refused.error());
      assertNull(payloadOf(t, 9));
      assertEquals(new JsonObject(), payloadOf(t, 1));
      for (JsonObject wrong :
          List.of(
              new JsonObject().put("operations", new JsonArray()),
              new JsonObject()
                  .put(
                      "operations",
                      new JsonArray()
                          .add(new JsonObject().put("update_vectors", new JsonObject()))),
              new JsonObject()
                  .put(
                      "operations",
                      new JsonArray().add(new JsonObject().put("frobnicate", new JsonObject()))),
              new JsonObject()
                  .put(
                      "operations",
                      new JsonArray()
                          .add(
                              new JsonObject()
                                  .put("delete", ids(1))
                                  .put("clear_payload", ids(1)))))) {
        TestNode.Reply w = t.post("/collections/c/points/batch", wrong);
        assertEquals(400, w.status(), wrong.encode());
        assertTrue(w.error().startsWith("operations"), w.error());
      }
      assertEquals(
          4L,
          t.post("/collections/c/points/count", new JsonObject()).resultObject().getLong("count"));
    } finally {
      t.close();
    }
    TestNode back = TestNode.start(vertx, new VecdbOptions(options));
    try {
      assertEquals(new JsonObject().put("only", 1), payloadOf(back, 2));
      assertEquals(new JsonObject().put("color", "red").put("hot", true), payloadOf(back, 3));
      assertNull(payloadOf(back, 4));
      assertEquals(
          4L,
          back.post("/collections/c/points/count", new JsonObject())
              .resultObject()
              .getLong("count"));
    } finally {
      back.close();
    }
  }

  @Test
  void eachShardGetsItsPartOfEveryOperationInOrder() {
    PointStruct a = new PointStruct(PointId.of(1), new float[] {1, 0}, Payload.EMPTY);
    PointStruct b = new PointStruct(PointId.of(2), new float[] {0, 1}, Payload.EMPTY);
    int sa = io.vecdb.cluster.placement.Hashing.shardOf(a.id(), 2);
    int sb = io.vecdb.cluster.placement.Hashing.shardOf(b.id(), 2);
    Operation.Batch batch =
        new Operation.Batch(
            "c",
            List.of(
                new Operation.UpsertPoints("c", List.of(a, b)),
                new Operation.DeletePoints("c", PointSelector.ids(List.of(a.id()))),
                new Operation.ClearPayload("c", PointSelector.filter(new JsonObject()))));
    Map<Integer, Operation> parts = ClusterRequests.split(batch, 2);
    for (var e : parts.entrySet()) {
      Operation.Batch part = (Operation.Batch) e.getValue();
      List<Operation> ops = part.operations();
      assertTrue(ops.getFirst() instanceof Operation.UpsertPoints, String.valueOf(ops));
      assertTrue(ops.getLast() instanceof Operation.ClearPayload, "a filter goes to every shard");
      for (PointStruct p : ((Operation.UpsertPoints) ops.getFirst()).points()) {
        assertEquals(e.getKey(), io.vecdb.cluster.placement.Hashing.shardOf(p.id(), 2));
      }
    }
    assertEquals(sa == sb ? 1 : 2, parts.size());
    Operation.Batch ofA = (Operation.Batch) parts.get(sa);
    assertTrue(
        ofA.operations().stream().anyMatch(op -> op instanceof Operation.DeletePoints),
        "the delete of point 1 goes to its shard");
  }
}
