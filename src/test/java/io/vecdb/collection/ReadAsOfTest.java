package io.vecdb.collection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.vecdb.index.ParallelInserter;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A read shows each point whole as it read it, even when the point is overwritten between the read
 * and the rendering of its answer. The defect: a scroll (or search) with {@code with_vector}
 * rendered the vector after its read section had closed, so a point overwritten meanwhile came back
 * with its old payload and {@code "vector": null} (CrashRecoveryTest's live check saw it on a busy
 * server). The interleaving is forced by a hook between the scroll's read and its rendering, which
 * overwrites the point, compacts (freeing its old ordinal) and writes a new point that could take
 * that ordinal.
 */
class ReadAsOfTest {
  @AfterEach
  void clearHook() {
    ReadRequests.afterScrollRead = null;
  }

  private static PointStruct point(long id, float x, int v) {
    return new PointStruct(
        PointId.of(id), new float[] {x, 1, 2, 3}, new Payload(new JsonObject().put("v", v)));
  }

  @Test
  void aPointOverwrittenBetweenReadAndRenderIsShownAsRead() {
    Collections collections = new Collections();
    Collection c =
        new Collection(
            "c",
            CollectionConfig.parse(
                new JsonObject()
                    .put("vectors", new JsonObject().put("size", 4).put("distance", "Euclid"))));
    collections.install(c);
    for (long id = 1; id <= 20; id++) {
      c.applyUpsert(id, List.of(point(id, id, 1)), ParallelInserter.SERIAL);
    }
    long[] seq = {100};
    ReadRequests.afterScrollRead =
        () -> {
          c.applyUpsert(seq[0]++, List.of(point(1, 500, 2)), ParallelInserter.SERIAL);
          c.compact(); // frees point 1's old ordinal...
          c.applyUpsert(seq[0]++, List.of(point(99, 900, 3)), ParallelInserter.SERIAL);
          // ...which the open read section keeps from point 99.
        };
    ReadRequests reads = new ReadRequests(collections);
    JsonObject page = reads.scroll("c", new JsonObject().put("limit", 5).put("with_vector", true));
    JsonObject first = page.getJsonArray("points").getJsonObject(0);
    assertEquals(1, first.getInteger("id"));
    assertEquals(1, first.getJsonObject("payload").getInteger("v"));
    assertEquals(
        new JsonArray().add(1.0).add(1.0).add(2.0).add(3.0),
        first.getJsonArray("vector"),
        "the vector that went with the payload read: " + first.encode());

    ReadRequests.afterScrollRead = null;
    JsonObject now = reads.scroll("c", new JsonObject().put("limit", 1).put("with_vector", true));
    JsonObject again = now.getJsonArray("points").getJsonObject(0);
    assertEquals(2, again.getJsonObject("payload").getInteger("v"));
    assertEquals(500.0, again.getJsonArray("vector").getDouble(0));
    PointView p99 = c.point(PointId.of(99));
    assertEquals(900f, c.vector(p99)[0]);
    assertNotEquals(null, c.vector(c.point(PointId.of(1))));
  }
}
