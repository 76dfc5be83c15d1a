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

@org.junit.jupiter.api.extension.ExtendWith(io.vertx.junit5.VertxExtension.class)
class NodeLifecycleTest {
  @Test
  void startsOnAFreePortAndClosesPromptly() throws Exception {
    Path dir = Files.createTempDirectory("vecdb-node");
    VecdbOptions options =
        new VecdbOptions()
            .setHttpPort(0)
            .setGrpcPort(0)
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
  private static class ReplayingLog implements OperationLog {
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
                new VecdbOptions()
                    .setHttpPort(0)
                    .setGrpcPort(0)
                    .setDataDir(dir.toString())
                    .setSearchInstances(1),
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

  @Test
  void notReadyAndNoDataUntilRecovered(io.vertx.core.Vertx clientVertx) throws Exception {
    int port;
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    io.vertx.core.Promise<Void> recovered = io.vertx.core.Promise.promise();
    OperationLog slow =
        new ReplayingLog() {
          @Override
          public Future<Void> recover(Applier applier) {
            return recovered.future();
          }
        };
    Path dir = Files.createTempDirectory("vecdb-node");
    Future<VecdbNode> starting =
        VecdbNode.start(
            new VecdbOptions()
                .setHttpPort(port)
                .setGrpcPort(0)
                .setDataDir(dir.toString())
                .setSearchInstances(1),
            o -> slow);
    var client =
        io.vertx.ext.web.client.WebClient.create(
            clientVertx,
            new io.vertx.ext.web.client.WebClientOptions()
                .setDefaultHost("127.0.0.1")
                .setDefaultPort(port));
    try {
      int status = -1;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (System.nanoTime() < deadline) {
        try {
          status = TestNode.await(client.get("/readyz").send()).statusCode();
          break;
        } catch (Exception e) {
          Thread.onSpinWait(); // HTTP not bound yet
        }
      }
      assertEquals(503, status, "/readyz while recovering");
      assertEquals(503, TestNode.await(client.get("/collections").send()).statusCode());
      recovered.complete();
      VecdbNode node = TestNode.await(starting);
      assertEquals(200, TestNode.await(client.get("/readyz").send()).statusCode());
      assertEquals(200, TestNode.await(client.get("/collections").send()).statusCode());
      TestNode.await(node.close());
    } finally {
      client.close();
      recovered.tryComplete();
    }
  }
}
