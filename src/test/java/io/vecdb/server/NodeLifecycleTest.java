package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.collection.Applier;
import io.vecdb.collection.CollectionConfig;
import io.vecdb.collection.Operation;
import io.vecdb.collection.OperationLog;
import io.vecdb.collection.PointStruct;
import io.vecdb.config.VecdbOptions;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class NodeLifecycleTest {
  @Test
  void startsOnAFreePortAndClosesPromptly() throws Exception {
    Path dir = Files.createTempDirectory("vecdb-node");
    VecdbOptions options =
        new VecdbOptions()
            .setHttpPort(0)
            .setDataDir(dir.resolve("data").toString())
            .setSearchInstances(2);
    VecdbNode node =
        VecdbNode.start(options)
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    assertTrue(node.httpPort() > 0, "bound port");
    assertTrue(node.isReady());
    assertTrue(Files.isDirectory(dir.resolve("data")), "data dir created");
    long start = System.nanoTime();
    node.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(millis < 5000, "close took " + millis + " ms");
    assertEquals(false, node.isReady());
  }

  /** A stand-in for a durable log: replays two operations at start-up, then numbers after them. */
  private static final class ReplayingLog implements OperationLog {
    private final AtomicLong seq = new AtomicLong();

    @Override
    public Future<Void> recover(Applier applier) {
      CollectionConfig config =
          CollectionConfig.parse(
              new JsonObject()
                  .put("vectors", new JsonObject().put("size", 2).put("distance", "Dot")));
      applier.submit(seq.incrementAndGet(), new Operation.CreateCollection("r", config));
      return applier
          .submit(
              seq.incrementAndGet(),
              new Operation.UpsertPoints(
                  "r", List.of(new PointStruct(PointId.of(9), new float[] {1, 2}, Payload.EMPTY))))
          .mapEmpty();
    }

    @Override
    public Future<Long> append(Operation op) {
      return Future.succeededFuture(seq.incrementAndGet());
    }

    @Override
    public long lastSequence() {
      return seq.get();
    }

    @Override
    public Future<Void> close() {
      return Future.succeededFuture();
    }
  }

  @Test
  void recoversFromTheLogBeforeServing() throws Exception {
    Path dir = Files.createTempDirectory("vecdb-node");
    VecdbNode node =
        TestNode.await(
            VecdbNode.start(
                new VecdbOptions().setHttpPort(0).setDataDir(dir.toString()).setSearchInstances(1),
                o -> new ReplayingLog()));
    try {
      assertTrue(node.isReady());
      assertEquals(1, node.collections().require("r").size(), "replayed before ready");
      var reply =
          TestNode.await(
              node.vertx()
                  .eventBus()
                  .request(
                      Addresses.INGEST,
                      new JsonObject()
                          .put("action", "delete_points")
                          .put("collection", "r")
                          .put("wait", true)
                          .put(
                              "body",
                              new JsonObject()
                                  .put("points", new io.vertx.core.json.JsonArray().add(9)))));
      JsonObject result = ((JsonObject) reply.body()).getJsonObject("result");
      assertEquals(
          3L, result.getLong("operation_id"), "numbering continues after the replayed log");
      assertEquals(0, node.collections().require("r").size());
    } finally {
      TestNode.await(node.close());
    }
  }
}
