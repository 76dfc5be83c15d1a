package io.vecdb.durable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.config.VecdbOptions;
import io.vecdb.wal.WalStorage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The write backlog bound: with the collection's apply lane held (the seam: a task on {@link
 * io.vecdb.collection.Applier#onLane} that waits for a latch, i.e. an applier that is arbitrarily
 * slow), writes past the limit wait unlogged, are admitted in arrival order as the lane drains, or
 * get 503 after the timeout with nothing logged; nothing acknowledged is lost across a restart.
 */
class WriteBacklogTest {
  static final long SEED = Long.getLong("tests.seed", System.nanoTime());
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(); // no h2c upgrade

  @Test
  void fullBacklogDelaysWritesAndAdmitsThemInOrder() throws Exception {
    Random rnd = new Random(SEED);
    Path dir = DurableTestNode.tempDir("vecdb-backlog");
    VecdbOptions options = DurableTestNode.options(dir);
    options.getWriteBacklog().setMaxOperations(2).setTimeoutMs(60_000);
    List<Long> ids = new ArrayList<>();
    try (DurableTestNode n = DurableTestNode.start(options, WalStorage.files())) {
      Scenario.create(n, "c", 4, "Euclid");
      CountDownLatch gate = hold(n, "c");
      // Two writes fill the backlog (acknowledged once logged: wait=false).
      for (int i = 0; i < 2; i++) {
        ids.add(operationId(n.ok("PUT", "/collections/c/points?wait=false", write(rnd, i))));
      }
      assertEquals(2.0, metric(n, "vecdb_write_backlog_operations"), "seed " + SEED);
      // The next three wait, unlogged; sent one at a time so their arrival order is known.
      List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
      for (int i = 2; i < 5; i++) {
        held.add(send(n, "PUT", "/collections/c/points?wait=false", write(rnd, i)));
        int waiting = held.size();
        poll(() -> metric(n, "vecdb_write_backlog_waiting") == waiting, "held " + waiting);
      }
      for (CompletableFuture<HttpResponse<String>> f : held) {
        assertFalse(f.isDone(), "a write past the limit was answered early, seed " + SEED);
      }
      gate.countDown();
      for (CompletableFuture<HttpResponse<String>> f : held) {
        HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body() + ", seed " + SEED);
        ids.add(operationId(new JsonObject(r.body()).getValue("result")));
      }
      for (int i = 1; i < ids.size(); i++) {
        assertEquals(ids.get(i - 1) + 1, ids.get(i), "logged in arrival order " + ids + " " + SEED);
      }
      // Every write applied, in order: point 0 was rewritten by each, the last one wins.
      n.ok("PUT", "/collections/c/points?wait=true", write(rnd, 5));
      assertEquals(5, payloadN(n, 0), "seed " + SEED);
      for (int i = 0; i <= 5; i++) {
        assertNotNull(point(n, 100 + i), "point " + (100 + i) + ", seed " + SEED);
      }
      poll(() -> metric(n, "vecdb_write_backlog_operations") == 0, "backlog drained");
    }
    try (DurableTestNode n = DurableTestNode.start(dir)) {
      assertEquals(5, payloadN(n, 0), "after restart, seed " + SEED);
      assertEquals(7L, ((Number) count(n)).longValue(), "after restart, seed " + SEED);
    }
  }

  @Test
  void timeoutAnswers503AndLogsNothing() throws Exception {
    Random rnd = new Random(SEED);
    Path dir = DurableTestNode.tempDir("vecdb-backlog");
    VecdbOptions options = DurableTestNode.options(dir);
    // One operation at a time and a byte limit below one batch: a batch over the limit still gets
    // in alone when the backlog is empty.
    options.getWriteBacklog().setMaxOperations(1).setMaxBytes(1000).setTimeoutMs(200);
    long first;
    try (DurableTestNode n = DurableTestNode.start(options, WalStorage.files())) {
      Scenario.create(n, "c", 4, "Euclid");
      CountDownLatch gate = hold(n, "c");
      first =
          operationId(
              n.ok("PUT", "/collections/c/points?wait=false", Scenario.batch(rnd, 1000, 200, 4)));
      DurableTestNode.Reply refused =
          n.call("PUT", "/collections/c/points?wait=false", write(rnd, 1));
      assertEquals(503, refused.status(), refused.json() + ", seed " + SEED);
      assertTrue(
          refused.error().startsWith("write backlog full: 1 operations waiting to be applied"),
          refused.error() + ", seed " + SEED);
      assertEquals(1.0, metric(n, "vecdb_write_backlog_rejected_total"), "seed " + SEED);
      gate.countDown();
      long next = operationId(n.ok("PUT", "/collections/c/points?wait=true", write(rnd, 2)));
      assertEquals(first + 1, next, "the refused write used no log sequence number, seed " + SEED);
      assertNull(point(n, 101), "the refused write changed nothing, seed " + SEED);
      assertEquals(2, payloadN(n, 0), "seed " + SEED);
      assertEquals(202L, ((Number) count(n)).longValue(), "seed " + SEED);
    }
    try (DurableTestNode n = DurableTestNode.start(dir)) {
      assertNull(point(n, 101), "after restart, seed " + SEED);
      assertNotNull(point(n, 1199), "the large batch survives, seed " + SEED);
      assertEquals(202L, ((Number) count(n)).longValue(), "after restart, seed " + SEED);
    }
  }

  @Test
  void anOldUnappliedWriteHoldsNewWritesUntilItIsApplied() throws Exception {
    for (long lagMs : new long[] {300, 0}) {
      Random rnd = new Random(SEED);
      Path dir = DurableTestNode.tempDir("vecdb-backlog-lag");
      VecdbOptions options = DurableTestNode.options(dir);
      options.getWriteBacklog().setBurstMs(lagMs).setTimeoutMs(60_000);
      try (DurableTestNode n = DurableTestNode.start(options, WalStorage.files())) {
        Scenario.create(n, "c", 4, "Euclid");
        CountDownLatch gate = hold(n, "c");
        long first = operationId(n.ok("PUT", "/collections/c/points?wait=false", write(rnd, 0)));
        // Far under every other limit, but older than burst_ms once this holds.
        poll(
            () -> metric(n, "vecdb_write_backlog_lag_seconds") >= 0.35,
            "the unapplied write is 350 ms old");
        CompletableFuture<HttpResponse<String>> next =
            send(n, "PUT", "/collections/c/points?wait=false", write(rnd, 1));
        if (lagMs > 0) {
          poll(() -> metric(n, "vecdb_write_backlog_waiting") == 1, "the new write is held");
          Thread.sleep(100); // still held a while later
          assertFalse(next.isDone(), "admitted behind a write older than the bound, seed " + SEED);
          gate.countDown();
        }
        HttpResponse<String> r = next.get(60, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body() + ", seed " + SEED);
        assertEquals(
            first + 1,
            operationId(new JsonObject(r.body()).getValue("result")),
            "burst_ms " + lagMs + ", seed " + SEED);
        gate.countDown();
        poll(() -> metric(n, "vecdb_write_backlog_operations") == 0, "backlog drained");
        assertEquals(0.0, metric(n, "vecdb_write_backlog_lag_seconds"), "seed " + SEED);
      }
    }
  }

  /** Holds the apply lane of {@code collection} until the returned latch opens (max 60 s). */
  private static CountDownLatch hold(DurableTestNode n, String collection) throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(1);
    n.node
        .applier()
        .onLane(
            collection,
            cut -> {
              entered.countDown();
              return gate.await(60, TimeUnit.SECONDS);
            });
    assertTrue(entered.await(30, TimeUnit.SECONDS), "lane held, seed " + SEED);
    return gate;
  }

  /** Point 0 with payload {"n": i}, and point 100 + i. */
  private static JsonObject write(Random rnd, int i) {
    JsonArray points = new JsonArray();
    for (int id : new int[] {0, 100 + i}) {
      points.add(
          new JsonObject()
              .put("id", id)
              .put("vector", Scenario.vector(rnd, 4))
              .put("payload", new JsonObject().put("n", i)));
    }
    return new JsonObject().put("points", points);
  }

  private static long operationId(Object result) {
    return ((JsonObject) result).getLong("operation_id");
  }

  private static JsonObject point(DurableTestNode n, int id) throws Exception {
    DurableTestNode.Reply r = n.call("GET", "/collections/c/points/" + id, null);
    return r.status() == 404 ? null : (JsonObject) r.result();
  }

  private static int payloadN(DurableTestNode n, int id) throws Exception {
    return point(n, id).getJsonObject("payload").getInteger("n");
  }

  private static Object count(DurableTestNode n) throws Exception {
    return ((JsonObject) n.ok("POST", "/collections/c/points/count", new JsonObject()))
        .getValue("count");
  }

  private static CompletableFuture<HttpResponse<String>> send(
      DurableTestNode n, String method, String path, JsonObject body) {
    return HTTP.sendAsync(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.node.httpPort() + path))
            .method(method, HttpRequest.BodyPublishers.ofString(body.encode()))
            .header("content-type", "application/json")
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static double metric(DurableTestNode n, String name) {
    try {
      Matcher m =
          Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$")
              .matcher(n.text("/metrics"));
      return m.find() ? Double.parseDouble(m.group(2)) : Double.NaN;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static void poll(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting for: " + what + ", seed " + SEED);
      Thread.sleep(10);
    }
  }
}
