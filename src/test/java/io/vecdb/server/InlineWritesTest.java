package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A single node's small HTTP writes are validated on the event loop and sent straight to the log,
 * without the hop through {@link IngestVerticle}; large bodies still take it. Both answer alike,
 * refusals included.
 */
class InlineWritesTest {
  static final long SEED = Long.getLong("tests.seed", System.nanoTime());
  private Vertx client;
  private TestNode n;
  private final AtomicInteger ingestMessages = new AtomicInteger();

  @BeforeEach
  void start() throws Exception {
    client = Vertx.vertx();
    n = TestNode.start(client);
    n.node
        .vertx()
        .eventBus()
        .addOutboundInterceptor(
            ctx -> {
              if (Addresses.INGEST.equals(ctx.message().address())) {
                ingestMessages.incrementAndGet();
              }
              ctx.next();
            });
    assertEquals(
        200,
        n.put(
                "/collections/c",
                new JsonObject()
                    .put("vectors", new JsonObject().put("size", 64).put("distance", "Dot")))
            .status());
    ingestMessages.set(0);
  }

  @AfterEach
  void stop() throws Exception {
    n.close();
    client.close().await();
  }

  @Test
  void smallWritesSkipTheIngestWorkerAndLargeOnesDoNot() throws Exception {
    Random rnd = new Random(SEED);
    JsonObject small = points(rnd, 0, 1);
    assertTrue(small.toBuffer().length() <= LocalWrites.INLINE_MAX_BYTES);
    TestNode.Reply r = n.put("/collections/c/points?wait=true", small);
    assertEquals(200, r.status(), r.text());
    assertEquals("completed", r.resultObject().getString("status"));
    assertEquals(0, ingestMessages.get(), "a one-point upsert went through INGEST");

    JsonObject large = points(rnd, 100, 300);
    assertTrue(large.toBuffer().length() > LocalWrites.INLINE_MAX_BYTES);
    r = n.put("/collections/c/points?wait=true", large);
    assertEquals(200, r.status(), r.text());
    assertEquals("completed", r.resultObject().getString("status"));
    assertEquals(1, ingestMessages.get(), "a large upsert is parsed by the ingest workers");

    TestNode.Reply count =
        n.post("/collections/c/points/count", new JsonObject().put("exact", true));
    assertEquals(301L, count.resultObject().getLong("count"));
  }

  @Test
  void aRefusedSmallWriteAnswersAsTheIngestVerticleDoesAndChangesNothing() throws Exception {
    Buffer bad =
        new JsonObject()
            .put(
                "points",
                new JsonArray()
                    .add(new JsonObject().put("id", 1).put("vector", new JsonArray().add(1.0))))
            .toBuffer();
    TestNode.Reply inline = n.put("/collections/c/points", bad);
    assertEquals(400, inline.status(), inline.text());
    assertEquals(0, ingestMessages.get());
    ReplyException viaBus =
        (ReplyException)
            org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class,
                    () ->
                        TestNode.await(
                            n.node
                                .vertx()
                                .eventBus()
                                .request(
                                    Addresses.INGEST,
                                    new ApiRequest(
                                        Action.UPSERT_POINTS, "c", null, bad, false, null))))
                .getCause();
    assertEquals(400, viaBus.failureCode());
    assertEquals(viaBus.getMessage(), inline.error());
    TestNode.Reply count =
        n.post("/collections/c/points/count", new JsonObject().put("exact", true));
    assertEquals(0L, count.resultObject().getLong("count"));
  }

  private static JsonObject points(Random rnd, int first, int count) {
    JsonArray points = new JsonArray();
    for (int i = 0; i < count; i++) {
      JsonArray v = new JsonArray();
      for (int j = 0; j < 64; j++) {
        v.add(rnd.nextFloat());
      }
      points.add(new JsonObject().put("id", first + i).put("vector", v));
    }
    return new JsonObject().put("points", points);
  }
}
