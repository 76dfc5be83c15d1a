package io.vecdb.collection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class UpsertParserTest {
  private static final CollectionConfig DOT3 =
      CollectionConfig.parse(
          new JsonObject().put("vectors", new JsonObject().put("size", 3).put("distance", "Dot")));

  private static List<PointStruct> parse(String json) {
    return UpsertParser.parse(Buffer.buffer(json), DOT3);
  }

  @Test
  void listAndColumnarFormsAgreeWithRandomPoints() {
    long seed = Long.getLong("tests.seed", System.nanoTime());
    Random random = new Random(seed);
    JsonArray points = new JsonArray();
    JsonArray ids = new JsonArray();
    JsonArray vectors = new JsonArray();
    JsonArray payloads = new JsonArray();
    for (int i = 0; i < 50; i++) {
      Object id =
          random.nextBoolean()
              ? (Object) Math.abs(random.nextLong())
              : UUID.randomUUID().toString();
      JsonArray v =
          new JsonArray()
              .add(random.nextGaussian())
              .add(random.nextInt(5))
              .add((float) random.nextGaussian());
      JsonObject payload =
          new JsonObject()
              .put("n", random.nextInt())
              .put("nested", new JsonObject().put("a", new JsonArray().add(1).add("x")));
      points.add(new JsonObject().put("id", id).put("vector", v).put("payload", payload));
      ids.add(id);
      vectors.add(v);
      payloads.add(payload);
    }
    List<PointStruct> fromList =
        parse(new JsonObject().put("points", points).put("shard_key", (Object) null).encode());
    // A field set that VecDB does not implement is refused, never skipped.
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () -> parse(new JsonObject().put("points", points).put("shard_key", "t").encode()));
    List<PointStruct> fromBatch =
        parse(
            new JsonObject()
                .put(
                    "batch",
                    new JsonObject()
                        .put("ids", ids)
                        .put("vectors", vectors)
                        .put("payloads", payloads))
                .encode());
    assertEquals(fromList, fromBatch, "seed " + seed);
    for (int i = 0; i < 50; i++) {
      PointStruct p = fromList.get(i);
      assertEquals(PointId.parse(ids.getValue(i), "id"), p.id(), "seed " + seed);
      assertEquals(payloads.getJsonObject(i), p.payload().json(), "seed " + seed);
      for (int j = 0; j < 3; j++) {
        assertEquals(
            vectors.getJsonArray(i).getNumber(j).floatValue(), p.vector()[j], "seed " + seed);
      }
    }
  }

  @Test
  void acceptsUnnamedVectorInNamedFormAndNullPayloads() {
    List<PointStruct> ps =
        parse("{\"points\":[{\"id\":1,\"vector\":{\"\":[1,2,3]},\"payload\":null}]}");
    assertArrayEquals(new float[] {1, 2, 3}, ps.getFirst().vector());
    assertEquals(Payload.EMPTY, ps.getFirst().payload());
    List<PointStruct> big =
        parse("{\"points\":[{\"id\":18446744073709551615,\"vector\":[1,2,3]}]}");
    assertEquals("18446744073709551615", big.getFirst().id().toString());
  }

  @Test
  void errorsNameThePath() {
    assertMessage("{\"points\":[{\"id\":1,\"vector\":[1,2,3]}],\"batch\":{}}", "only one of");
    assertMessage("{\"points\":[{\"id\":1,\"vector\":[1,2,3]}]} x", "malformed JSON");
    assertMessage("{\"points\":[{\"id\":1,\"vector\":[1,2,NaN]}]}", "malformed JSON");
    assertMessage(
        "{\"points\":[{\"id\":1,\"vector\":{\"dense\":[1,2,3]}}]}", "points[0].vector.dense: ");
    assertMessage("{\"points\":[{\"vector\":[1,2,3]}]}", "points[0].id");
    assertMessage("{\"points\":[{\"id\":1}]}", "points[0].vector");
    assertMessage("{\"points\":[{\"id\":1,\"vector\":[1,2,3,4]}]}", "got 4");
    assertMessage("{\"points\":[{\"id\":1,\"vector\":[1,true,3]}]}", "points[0].vector[1]");
    assertMessage(
        "{\"points\":[{\"id\":1,\"vector\":[1,2,3e40]}]}",
        "points[0].vector[2]: expected a finite float32");
    assertMessage("{\"points\":[{\"id\":{},\"vector\":[1,2,3]}]}", "points[0].id");
    assertMessage("{\"points\":5}", "points: expected a list");
    assertMessage(
        "{\"batch\":{\"ids\":[1],\"vectors\":[[1,2,3]],\"payloads\":[5]}}", "batch.payloads[0]");
    assertMessage("[]", "body: expected a JSON object");
  }

  private static void assertMessage(String body, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(body));
    assertTrue(
        e.getMessage().contains(expected),
        "'" + e.getMessage() + "' should contain '" + expected + "'");
  }
}
