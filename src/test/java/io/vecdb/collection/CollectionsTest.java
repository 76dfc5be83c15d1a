package io.vecdb.collection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.filter.FilterParser;
import io.vecdb.index.SearchParams;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class CollectionsTest {
  private final long seed = Long.getLong("tests.seed", System.nanoTime());

  /** Everything observable about the state, for equality checks. */
  static JsonObject dump(Collections collections) {
    JsonObject out = new JsonObject();
    for (String name : collections.names()) {
      Collection c = collections.get(name);
      JsonArray points = new JsonArray();
      for (PointView p : c.all(null)) {
        points.add(
            new JsonObject()
                .put("id", p.id().toString())
                .put("payload", p.payload().json())
                .put("version", p.version())
                .put("vector", Arrays.toString(c.vector(p))));
      }
      out.put(
          name,
          new JsonObject()
              .put("config", c.config().toJson())
              .put(
                  "schema",
                  new JsonObject(new java.util.TreeMap<String, Object>(c.payloadSchema())))
              .put("points", points));
    }
    return out;
  }

  private static void applyAll(Collections target, List<Operation> ops) {
    long seq = 0;
    for (Operation op : ops) {
      try {
        target.apply(++seq, op);
      } catch (VecdbException e) {
        // rejected identically on replay
      }
    }
  }

  /**
   * Requests are checked field by field; configs read back from logs and snapshots are not, so a
   * data directory written before a field was refused still loads.
   */
  @Test
  void storedConfigsParseWhateverARequestCheckWouldNowRefuse() {
    io.vertx.core.json.JsonObject body =
        new io.vertx.core.json.JsonObject()
            .put(
                "vectors",
                new io.vertx.core.json.JsonObject().put("size", 4).put("distance", "Dot"))
            .put("optimizers_config", new io.vertx.core.json.JsonObject().put("legacy_knob", 1));
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> CollectionConfig.checkCreateRequest(body));
    CollectionConfig stored = CollectionConfig.parse(body);
    org.junit.jupiter.api.Assertions.assertEquals(4, stored.size());
    org.junit.jupiter.api.Assertions.assertEquals(
        stored, CollectionConfig.parse(stored.toCreateBody()));
  }

  @Test
  void replayingTheLogRebuildsIdenticalState() {
    RandomOperations random = new RandomOperations(new Random(seed));
    List<Operation> ops = new ArrayList<>();
    for (String c : List.of("a", "b")) {
      ops.add(
          new Operation.CreateCollection(
              c,
              CollectionConfig.parse(
                  new JsonObject()
                      .put("vectors", new JsonObject().put("size", 4).put("distance", "Cosine")))));
    }
    for (int i = 0; i < 400; i++) {
      ops.add(random.any(i % 2 == 0 ? "a" : "b", 4));
    }
    Collections live = new Collections();
    applyAll(live, ops);
    List<Operation> replayed =
        ops.stream().map(op -> OperationCodec.decode(OperationCodec.encode(op))).toList();
    Collections rebuilt = new Collections();
    applyAll(rebuilt, replayed);
    assertEquals(dump(live), dump(rebuilt), "seed " + seed);
  }

  @Test
  void rejectedOperationsChangeNothing() {
    Collections cs = new Collections();
    CollectionConfig config =
        CollectionConfig.parse(
            new JsonObject()
                .put("vectors", new JsonObject().put("size", 2).put("distance", "Cosine")));
    cs.apply(1, new Operation.CreateCollection("c", config));
    cs.apply(
        2,
        new Operation.UpsertPoints(
            "c", List.of(new PointStruct(PointId.of(1), new float[] {1, 0}, Payload.EMPTY))));
    JsonObject before = dump(cs);
    List<PointStruct> bad =
        List.of(
            new PointStruct(PointId.of(2), new float[] {1, 1}, Payload.EMPTY),
            new PointStruct(PointId.of(3), new float[] {0, 0}, Payload.EMPTY));
    VecdbException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            VecdbException.class,
            () -> wrap(() -> cs.apply(3, new Operation.UpsertPoints("c", bad))));
    assertTrue(e.getMessage().contains("point 3"), e.getMessage());
    assertEquals(before, dump(cs));
    assertEquals(
        ErrorCode.CONFLICT,
        org.junit.jupiter.api.Assertions.assertThrows(
                VecdbException.class,
                () -> cs.apply(4, new Operation.CreateCollection("c", config)))
            .code());
    assertEquals(
        ErrorCode.NOT_FOUND,
        org.junit.jupiter.api.Assertions.assertThrows(
                VecdbException.class, () -> cs.apply(5, new Operation.UpsertPoints("x", bad)))
            .code());
    assertEquals(before, dump(cs));
  }

  private static void wrap(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      throw VecdbException.of(e);
    }
  }

  /**
   * A writer applies upserts, payload changes and deletes while readers search, scroll and count.
   * Readers must never see a torn point (payload names its own id), a duplicate, or wrong order.
   */
  @Test
  void readersNeverSeeTornOrDuplicatePointsWhileWriting() throws Exception {
    Random random = new Random(seed);
    Collections cs = new Collections();
    cs.apply(
        1,
        new Operation.CreateCollection(
            "c",
            CollectionConfig.parse(
                new JsonObject()
                    .put("vectors", new JsonObject().put("size", 8).put("distance", "Euclid")))));
    if (random.nextBoolean()) {
      cs.apply(2, new Operation.CreateFieldIndex("c", "even", "bool"));
    }
    Collection c = cs.get("c");
    AtomicBoolean done = new AtomicBoolean();
    ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    List<Thread> readers = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      long readerSeed = random.nextLong();
      readers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    Random rr = new Random(readerSeed);
                    var filter =
                        FilterParser.parse(
                            new JsonObject()
                                .put(
                                    "must",
                                    new JsonArray()
                                        .add(
                                            new JsonObject()
                                                .put("key", "even")
                                                .put(
                                                    "match", new JsonObject().put("value", true)))),
                            "filter");
                    while (!done.get()) {
                      float[] q = new float[8];
                      for (int i = 0; i < 8; i++) {
                        q[i] = (float) rr.nextGaussian();
                      }
                      List<PointView> hits =
                          c.search(
                              q,
                              10,
                              0,
                              SearchParams.DEFAULT,
                              rr.nextBoolean() ? filter : null,
                              null);
                      Set<PointId> ids = new HashSet<>();
                      for (int i = 0; i < hits.size(); i++) {
                        PointView p = hits.get(i);
                        if (!ids.add(p.id())) {
                          problems.add("duplicate " + p.id());
                        }
                        if (!p.id().toString().equals(p.payload().json().getString("id"))) {
                          problems.add("torn point " + p.id() + " " + p.payload().json());
                        }
                        if (i > 0 && p.score() < hits.get(i - 1).score()) {
                          problems.add("out of order");
                        }
                      }
                      List<PointView> all = c.all(null);
                      for (int i = 1; i < all.size(); i++) {
                        if (all.get(i - 1).id().compareTo(all.get(i).id()) >= 0) {
                          problems.add("scroll out of order");
                        }
                      }
                    }
                  }));
    }
    long seq = 2;
    long deadline = System.nanoTime() + 3_000_000_000L;
    for (int round = 0; round < 3000 && System.nanoTime() < deadline; round++) {
      List<PointStruct> batch = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        int id = random.nextInt(300);
        float[] v = new float[8];
        for (int j = 0; j < 8; j++) {
          v[j] = (float) random.nextGaussian();
        }
        batch.add(
            new PointStruct(
                PointId.of(id),
                v,
                new Payload(
                    new JsonObject().put("id", Integer.toString(id)).put("even", id % 2 == 0))));
      }
      cs.apply(++seq, new Operation.UpsertPoints("c", batch));
      if (round % 3 == 0) {
        cs.apply(
            ++seq,
            new Operation.DeletePoints(
                "c", PointSelector.ids(List.of(PointId.of(random.nextInt(300))))));
      }
      if (round % 5 == 0) {
        cs.apply(
            ++seq,
            new Operation.SetPayload(
                "c",
                PointSelector.ids(List.of(PointId.of(random.nextInt(300)))),
                new JsonObject().put("touched", round),
                null));
      }
    }
    done.set(true);
    for (Thread t : readers) {
      t.join(10_000);
      assertFalse(t.isAlive());
    }
    assertNull(problems.peek(), "seed " + seed + ": " + problems.stream().limit(5).toList());
    assertEquals(c.all(null).size(), c.count(null), "seed " + seed);
  }

  /**
   * A large batch with repeated ids, inserted into the graph from several threads: the last write
   * of each id wins, and no node of the batch is left live without a stored point.
   */
  @Test
  void largeBatchWithRepeatedIdsKeepsTheLastWriteOfEachId() {
    Random random = new Random(seed);
    Collections cs = new Collections(new io.vecdb.index.ParallelInserter(2 + random.nextInt(3)));
    int dim = 3 + random.nextInt(20);
    cs.apply(
        1,
        new Operation.CreateCollection(
            "c",
            CollectionConfig.parse(
                new JsonObject()
                    .put("vectors", new JsonObject().put("size", dim).put("distance", "Euclid")))));
    for (int round = 0; round < 3; round++) {
      int n = 64 * (1 + random.nextInt(8));
      List<PointStruct> batch = new ArrayList<>();
      java.util.Map<PointId, float[]> last = new java.util.HashMap<>();
      for (int i = 0; i < n; i++) {
        PointId id = PointId.of(random.nextInt(n / 2));
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
          v[d] = (float) random.nextGaussian();
        }
        batch.add(new PointStruct(id, v, new Payload(new JsonObject().put("i", i))));
        last.put(id, v);
      }
      cs.apply(2 + round, new Operation.UpsertPoints("c", batch));
      Collection c = cs.require("c");
      String where = "seed " + seed + " round " + round;
      for (var e : last.entrySet()) {
        PointView view = c.point(e.getKey());
        assertTrue(view != null, "missing " + e.getKey() + ", " + where);
        org.junit.jupiter.api.Assertions.assertArrayEquals(e.getValue(), c.vector(view), where);
      }
      assertEquals(c.size(), c.liveVectors(), where);
    }
  }
}
