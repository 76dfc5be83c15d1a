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
  private static Operation.UpsertPoints upsert(long id, float x, int tag) {
    return new Operation.UpsertPoints(
        "c",
        List.of(
            new PointStruct(
                PointId.of(id), new float[] {x, 1}, new Payload(new JsonObject().put("t", tag)))));
  }

  private static String state(io.vecdb.collection.Collections cs) {
    StringBuilder sb = new StringBuilder();
    Collection c = cs.get("c");
    for (PointView p : c.all(null)) {
      sb.append(p.id())
          .append('=')
          .append(java.util.Arrays.toString(c.vector(p)))
          .append(p.payload().json().encode())
          .append('@')
          .append(p.version())
          .append(' ');
    }
    return sb.toString();
  }

  /**
   * Upserts queued behind each other are applied as one insertion (issue 12, item 13), and the
   * state, each operation's change set, the listeners' calls and a rejected operation's failure are
   * what applying them one at a time gives. The pool is run by hand, so every operation is queued
   * before the first step runs: the batches are deterministic.
   */
  @Test
  void queuedUpsertsAreCoalescedWithTheStateOfOneByOne() throws Exception {
    java.util.ArrayDeque<Runnable> tasks = new java.util.ArrayDeque<>();
    io.vecdb.collection.Collections cs = new io.vecdb.collection.Collections();
    Applier applier = new Applier(cs, tasks::add, SynchronizationMetrics.NOOP);
    List<Long> heard = new CopyOnWriteArrayList<>();
    applier.addListener((seq, op, changes) -> heard.add(seq));
    CollectionConfig config =
        CollectionConfig.parse(
            new JsonObject()
                .put("vectors", new JsonObject().put("size", 2).put("distance", "Dot")));
    List<Operation> ops = new ArrayList<>();
    ops.add(new Operation.CreateCollection("c", config));
    ops.add(upsert(1, 1, 2)); // seq 2
    ops.add(upsert(7, 2, 3)); // seq 3
    ops.add(upsert(7, 3, 4)); // seq 4: id 7 again, later wins
    ops.add(
        new Operation.UpsertPoints( // seq 5: wrong dimension, rejected alone
            "c", List.of(new PointStruct(PointId.of(9), new float[] {1, 2, 3}, Payload.EMPTY))));
    ops.add(upsert(2, 4, 6)); // seq 6
    ops.add(new Operation.DeletePoints("c", PointSelector.ids(List.of(PointId.of(1))))); // seq 7
    ops.add(upsert(3, 5, 8)); // seq 8
    ops.add(upsert(1, 6, 9)); // seq 9: id 1 back
    List<Future<ChangeSet>> futures = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      futures.add(applier.submit(i + 1, ops.get(i)));
    }
    while (!tasks.isEmpty()) {
      tasks.poll().run();
    }
    // One by one, for reference.
    io.vecdb.collection.Collections ref = new io.vecdb.collection.Collections();
    for (int i = 0; i < ops.size(); i++) {
      Future<ChangeSet> f = futures.get(i);
      assertTrue(f.isComplete(), "operation " + (i + 1));
      try {
        ChangeSet expected = ref.apply(i + 1, ops.get(i));
        assertTrue(f.succeeded(), "operation " + (i + 1) + ": " + f.cause());
        assertEquals(expected.upserted(), f.result().upserted(), "operation " + (i + 1));
        assertEquals(expected.deleted(), f.result().deleted(), "operation " + (i + 1));
      } catch (RuntimeException rejected) {
        assertTrue(f.failed(), "operation " + (i + 1) + " is rejected as alone");
        assertEquals(VecdbException.of(rejected).code(), ((VecdbException) f.cause()).code());
        assertEquals(rejected.getMessage(), f.cause().getMessage());
      }
    }
    assertEquals(state(ref), state(cs));
    assertEquals(List.of(1L, 2L, 3L, 4L, 6L, 7L, 8L, 9L), heard, "listeners, in log order");
    // Seqs 2-6 went in as one batch (rejected: each alone), 8-9 as another.
    assertEquals(1, applier.coalescedBatches(), "the batch with the rejected op ran one by one");
    assertEquals(2, applier.coalescedOperations());
  }

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
