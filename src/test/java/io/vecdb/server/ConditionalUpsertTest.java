package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.collection.Operation;
import io.vecdb.collection.OperationCodec;
import io.vecdb.config.VecdbOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Qdrant's {@code update_mode} ({@code upsert}, {@code insert_only}, {@code update_only}) and
 * {@code update_filter} on upserts (issue 9, item 6): each point is written only as they allow,
 * decided when the operation is applied, so a restart that replays the log decides the same; bad
 * values are refused naming the field and change nothing. (They were refused as unsupported.)
 */
@ExtendWith(VertxExtension.class)
class ConditionalUpsertTest {
  private static JsonObject point(long id, double x, int v) {
    return new JsonObject()
        .put("id", id)
        .put("vector", new JsonArray().add(x).add(1.0))
        .put("payload", new JsonObject().put("v", v));
  }

  private static JsonObject upsert(JsonObject... points) {
    JsonArray a = new JsonArray();
    for (JsonObject p : points) {
      a.add(p);
    }
    return new JsonObject().put("points", a);
  }

  private static Integer v(TestNode t, long id) throws Exception {
    TestNode.Reply r = t.get("/collections/c/points/" + id);
    return r.status() == 404 ? null : r.resultObject().getJsonObject("payload").getInteger("v");
  }

  @Test
  void updateModeAndFilterWriteOnlyWhatTheyAllowAndSurviveARestart(Vertx vertx) throws Exception {
    Path dir = Files.createTempDirectory("vecdb-conditional");
    VecdbOptions options = new VecdbOptions().setDataDir(dir.toString());
    TestNode t = TestNode.start(vertx, new VecdbOptions(options));
    try {
      assertEquals(
          200,
          t.put(
                  "/collections/c",
                  new JsonObject()
                      .put("vectors", new JsonObject().put("size", 2).put("distance", "Dot")))
              .status());
      t.put("/collections/c/points?wait=true", upsert(point(1, 1, 10), point(2, 2, 20)));

      // insert_only: 1 exists (kept), 3 is new (written).
      TestNode.Reply r =
          t.put(
              "/collections/c/points?wait=true",
              upsert(point(1, 5, 11), point(3, 3, 30)).put("update_mode", "insert_only"));
      assertEquals(200, r.status(), r.text());
      assertEquals(10, v(t, 1));
      assertEquals(30, v(t, 3));
      // update_only: 2 exists (written), 4 is new (not written).
      t.put(
          "/collections/c/points?wait=true",
          upsert(point(2, 2, 21), point(4, 4, 40)).put("update_mode", "update_only"));
      assertEquals(21, v(t, 2));
      assertNull(v(t, 4));
      // update_filter: stored points are replaced only if they match; new ones always go in.
      JsonObject onlyV10 =
          new JsonObject()
              .put(
                  "must",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("key", "v")
                              .put("match", new JsonObject().put("value", 10))));
      t.put(
          "/collections/c/points?wait=true",
          upsert(point(1, 1, 12), point(2, 2, 22), point(5, 5, 50)).put("update_filter", onlyV10));
      assertEquals(12, v(t, 1));
      assertEquals(21, v(t, 2));
      assertEquals(50, v(t, 5));
      // In one request the points are decided in order: the second 6 sees the first.
      t.put(
          "/collections/c/points?wait=true",
          upsert(point(6, 6, 60), point(6, 6, 61)).put("update_mode", "insert_only"));
      assertEquals(60, v(t, 6));
      // Several waiting upserts applied together (the applier coalesces them) decide in log order.
      var first =
          t.node
              .vertx()
              .eventBus()
              .request(
                  Addresses.INGEST,
                  new ApiRequest(
                      Action.UPSERT_POINTS, "c", null, upsert(point(7, 7, 70)).toBuffer(), false));
      var second =
          t.node
              .vertx()
              .eventBus()
              .request(
                  Addresses.INGEST,
                  new ApiRequest(
                      Action.UPSERT_POINTS,
                      "c",
                      null,
                      upsert(point(7, 7, 71)).put("update_mode", "insert_only").toBuffer(),
                      true));
      TestNode.await(first);
      TestNode.await(second);
      assertEquals(70, v(t, 7));

      // Refused, naming the field; nothing changes.
      TestNode.Reply badMode =
          t.put(
              "/collections/c/points?wait=true",
              upsert(point(8, 8, 80)).put("update_mode", "sometimes"));
      assertEquals(400, badMode.status());
      assertTrue(badMode.error().contains("update_mode"), badMode.error());
      TestNode.Reply badFilter =
          t.put(
              "/collections/c/points?wait=true",
              upsert(point(8, 8, 80)).put("update_filter", new JsonObject().put("must", 3)));
      assertEquals(400, badFilter.status());
      assertTrue(badFilter.error().contains("update_filter"), badFilter.error());
      assertNull(v(t, 8));
      assertEquals(
          6L,
          t.post("/collections/c/points/count", new JsonObject()).resultObject().getLong("count"));
    } finally {
      t.close();
    }
    // The log holds the conditions; replayed in order, they decide the same.
    TestNode back = TestNode.start(vertx, new VecdbOptions(options));
    try {
      assertEquals(12, v(back, 1));
      assertEquals(21, v(back, 2));
      assertEquals(30, v(back, 3));
      assertNull(v(back, 4));
      assertEquals(50, v(back, 5));
      assertEquals(60, v(back, 6));
      assertEquals(70, v(back, 7));
    } finally {
      back.close();
    }
  }

  @Test
  void aPlainUpsertKeepsItsFormatOneEncoding() {
    Operation.UpsertPoints plain =
        new Operation.UpsertPoints(
            "c",
            java.util.List.of(
                new io.vecdb.collection.PointStruct(
                    io.vecdb.model.PointId.of(1),
                    new float[] {1, 2},
                    io.vecdb.model.Payload.EMPTY)));
    // Readers of format 1 read it: its type byte is format 1's upsert.
    assertEquals(4, OperationCodec.encode(plain).getByte(0));
    Operation.UpsertPoints conditional =
        new Operation.UpsertPoints("c", plain.points(), Operation.UpdateMode.INSERT_ONLY, null);
    assertEquals(12, OperationCodec.encode(conditional).getByte(0));
    assertEquals(conditional, OperationCodec.decode(2, OperationCodec.encode(conditional)));
    assertEquals(plain, OperationCodec.decode(1, OperationCodec.encode(plain)));
  }
}
