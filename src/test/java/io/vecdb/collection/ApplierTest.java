package io.vecdb.collection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.metrics.SynchronizationMetrics;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ApplierTest {
  @Test
  void appliesEachCollectionInSequenceOrderWhateverTheSubmitOrder() throws Exception {
    long seed = Long.getLong("tests.seed", System.nanoTime());
    Random random = new Random(seed);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      io.vecdb.collection.Collections cs = new io.vecdb.collection.Collections();
      Applier applier = new Applier(cs, pool, SynchronizationMetrics.NOOP);
      Map<String, List<Long>> order = new ConcurrentHashMap<>();
      applier.addListener(
          (seq, op, changes) ->
              order.computeIfAbsent(op.collection(), k -> new CopyOnWriteArrayList<>()).add(seq));
      List<Operation> ops = new ArrayList<>();
      for (String c : List.of("a", "b", "c")) {
        ops.add(
            new Operation.CreateCollection(
                c,
                CollectionConfig.parse(
                    new JsonObject()
                        .put("vectors", new JsonObject().put("size", 2).put("distance", "Dot")))));
      }
      for (int i = 0; i < 300; i++) {
        ops.add(
            new Operation.UpsertPoints(
                List.of("a", "b", "c").get(i % 3),
                List.of(new PointStruct(PointId.of(i), new float[] {1, i}, Payload.EMPTY))));
      }
      List<Integer> submitOrder = new ArrayList<>();
      for (int i = 0; i < ops.size(); i++) {
        submitOrder.add(i);
      }
      // Shuffle within windows: the log may complete appends out of order, but not arbitrarily far.
      for (int w = 0; w < submitOrder.size(); w += 10) {
        Collections.shuffle(submitOrder.subList(w, Math.min(w + 10, submitOrder.size())), random);
      }
      List<Future<ChangeSet>> futures = new ArrayList<>();
      for (int i : submitOrder) {
        futures.add(applier.submit(i + 1, ops.get(i)));
      }
      for (Future<ChangeSet> f : futures) {
        f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      for (String c : List.of("a", "b", "c")) {
        List<Long> seqs = order.get(c);
        assertEquals(101, seqs.size(), "seed " + seed);
        for (int i = 1; i < seqs.size(); i++) {
          assertTrue(
              seqs.get(i - 1) < seqs.get(i),
              "out of order for " + c + ": " + seqs + " seed " + seed);
        }
        assertEquals(100, cs.get(c).size());
      }
      var stale = applier.submit(5, ops.get(0));
      assertTrue(stale.failed(), "a sequence number already applied is refused");
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void rejectedOperationFailsItsFutureAndLaterOnesStillApply() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      io.vecdb.collection.Collections cs = new io.vecdb.collection.Collections();
      Applier applier = new Applier(cs, pool, SynchronizationMetrics.NOOP);
      CollectionConfig config =
          CollectionConfig.parse(
              new JsonObject()
                  .put("vectors", new JsonObject().put("size", 2).put("distance", "Dot")));
      applier
          .submit(1, new Operation.CreateCollection("a", config))
          .toCompletionStage()
          .toCompletableFuture()
          .get(5, TimeUnit.SECONDS);
      var dup = applier.submit(2, new Operation.CreateCollection("a", config));
      var up =
          applier.submit(
              3,
              new Operation.UpsertPoints(
                  "a", List.of(new PointStruct(PointId.of(1), new float[] {1, 2}, Payload.EMPTY))));
      up.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      assertTrue(dup.failed());
      assertEquals(ErrorCode.CONFLICT, ((VecdbException) dup.cause()).code());
      assertEquals(1, cs.get("a").size());
    } finally {
      pool.shutdown();
    }
  }
}
