package io.vecdb.collection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.index.ParallelInserter;
import io.vecdb.index.SearchParams;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vecdb.snapshot.SnapshotReader;
import io.vecdb.snapshot.SnapshotWriter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Several dense vectors per point (issue 9, item 2), at the collection: each name has its own
 * graph, size and distance; a point may lack every vector but the first; searches by each name,
 * {@code has_vector}, vector updates and deletes are checked against brute force over what was
 * written, also after the operations went through the codec (a replay) and the collection through
 * its image (a checkpoint). Under concurrent overwrites that add and drop a point's second vector,
 * compactions of both graphs and reads, every hit and vector read belongs to its point. Seeded:
 * {@code -Dtests.seed=N}.
 */
class NamedVectorsCollectionTest {
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());
  private static final int IMAGE_DIM = 6;
  private static final int TEXT_DIM = 4;

  private static CollectionConfig config() {
    return CollectionConfig.parse(
        new JsonObject()
            .put(
                "vectors",
                new JsonObject()
                    .put(
                        "image",
                        new JsonObject()
                            .put("size", IMAGE_DIM)
                            .put("distance", "Euclid")
                            .put("hnsw_config", new JsonObject().put("m", 8)))
                    .put("text", new JsonObject().put("size", TEXT_DIM).put("distance", "Dot")))
            .put("hnsw_config", new JsonObject().put("full_scan_threshold", 10)));
  }

  /** What the test wrote: per id, its image and text vectors (null: none) and payload. */
  private record Written(float[] image, float[] text, int group) {}

  private static float[] random(Random r, int dim, float first) {
    float[] v = new float[dim];
    v[0] = first;
    for (int i = 1; i < dim; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  private static PointStruct struct(long id, Written w) {
    Map<String, float[]> named = new HashMap<>();
    if (w.image() != null) {
      named.put("image", w.image());
    }
    if (w.text() != null) {
      named.put("text", w.text());
    }
    return new PointStruct(
        PointId.of(id),
        new float[0], // named vectors only: no unnamed one
        new Payload(new JsonObject().put("g", w.group())),
        Map.of(),
        named);
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }

  private static double l2(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      double d = a[i] - b[i];
      s += d * d;
    }
    return Math.sqrt(s);
  }

  /** The ids of the k best points by brute force: by text (dot) or by image (Euclid). */
  private static List<Long> bruteForce(
      Map<Long, Written> model, float[] q, boolean text, int k, Integer group) {
    List<Map.Entry<Long, Written>> candidates = new ArrayList<>();
    for (var e : model.entrySet()) {
      if ((text ? e.getValue().text() != null : e.getValue().image() != null)
          && (group == null || e.getValue().group() == group)) {
        candidates.add(e);
      }
    }
    Comparator<Map.Entry<Long, Written>> order =
        text
            ? Comparator.comparingDouble(
                (Map.Entry<Long, Written> e) -> -dot(q, e.getValue().text()))
            : Comparator.comparingDouble(
                (Map.Entry<Long, Written> e) -> l2(q, e.getValue().image()));
    candidates.sort(order.thenComparing(Map.Entry::getKey));
    return candidates.stream().limit(k).map(Map.Entry::getKey).toList();
  }

  private static List<Long> ids(List<PointView> hits) {
    return hits.stream().map(h -> ((PointId.Num) h.id()).value()).toList();
  }

  /**
   * The hits are the brute-force answer: the same scores rank by rank, each hit's score its own (so
   * float rounding may only swap near-ties).
   */
  private static void assertExact(
      Map<Long, Written> model, float[] q, boolean text, List<Long> want, List<PointView> got) {
    assertEquals(want.size(), got.size(), "hits");
    for (int i = 0; i < want.size(); i++) {
      Written expected = model.get(want.get(i));
      double wantScore = text ? dot(q, expected.text()) : l2(q, expected.image());
      PointView h = got.get(i);
      Written own = model.get(((PointId.Num) h.id()).value());
      double ownScore = text ? dot(q, own.text()) : l2(q, own.image());
      double tol = 1e-4 * (1 + Math.abs(wantScore));
      assertEquals(wantScore, h.score(), tol, "rank " + i + " of " + want + " vs " + ids(got));
      assertEquals(ownScore, h.score(), tol, "score of hit " + h.id());
    }
  }

  private static void check(Collection c, Map<Long, Written> model, Random r) {
    assertEquals(model.size(), c.size());
    long withText = model.values().stream().filter(w -> w.text() != null).count();
    assertEquals(
        withText,
        c.count(
            c.filter(
                new JsonObject().put("must", new JsonObject().put("has_vector", "text")), "f")));
    assertEquals(
        model.size() - withText,
        c.count(
            c.filter(
                new JsonObject().put("must_not", new JsonObject().put("has_vector", "text")),
                "f")));
    assertEquals(
        model.values().stream().filter(w -> w.image() != null).count(),
        c.count(
            c.filter(
                new JsonObject().put("must", new JsonObject().put("has_vector", "image")), "f")));
    for (int round = 0; round < 20; round++) {
      float[] qt = random(r, TEXT_DIM, (float) r.nextGaussian());
      float[] qi = random(r, IMAGE_DIM, (float) r.nextGaussian());
      SearchParams exact = new SearchParams(0, true);
      assertExact(
          model,
          qt,
          true,
          bruteForce(model, qt, true, 10, null),
          c.search("text", qt, 10, 0, exact, null, null));
      assertExact(
          model,
          qi,
          false,
          bruteForce(model, qi, false, 10, null),
          c.search("image", qi, 10, 0, exact, null, null));
      // Through the graphs: recall against brute force.
      List<Long> want = bruteForce(model, qt, true, 10, null);
      List<Long> got = ids(c.search("text", qt, 10, 0, new SearchParams(64, false), null, null));
      long found = got.stream().filter(want::contains).count();
      assertTrue(found >= Math.min(want.size(), 8), "text recall " + found + " of " + want);
      // Filtered: a payload filter applies to the named graph's points.
      int g = r.nextInt(3);
      io.vecdb.filter.Filter f =
          c.filter(
              new JsonObject()
                  .put(
                      "must",
                      new JsonObject()
                          .put("key", "g")
                          .put("match", new JsonObject().put("value", g))),
              "filter");
      assertExact(
          model,
          qt,
          true,
          bruteForce(model, qt, true, 5, g),
          c.search("text", qt, 5, 0, exact, f, null));
      List<Long> wantG = bruteForce(model, qt, true, 5, g);
      List<PointView> gotG = c.search("text", qt, 5, 0, new SearchParams(64, false), f, null);
      for (PointView h : gotG) {
        assertEquals(g, h.payload().json().getInteger("g"), "the filter holds");
      }
      long foundG = ids(gotG).stream().filter(wantG::contains).count();
      assertTrue(foundG >= Math.min(wantG.size(), 4), "filtered recall " + foundG + " of " + wantG);
    }
    for (var e : model.entrySet()) {
      PointView p = c.point(PointId.of(e.getKey()));
      if (e.getValue().image() == null) {
        assertNull(c.vector("image", p), "point " + e.getKey() + " has no image vector");
      } else {
        assertArrayEquals(e.getValue().image(), c.vector("image", p));
      }
      float[] t = c.vector("text", p);
      if (e.getValue().text() == null) {
        assertNull(t, "point " + e.getKey() + " has no text vector");
      } else {
        assertArrayEquals(e.getValue().text(), t);
        assertEquals(
            (float) dot(e.getValue().text(), e.getValue().text()),
            c.score("text", e.getValue().text(), p),
            1e-4);
      }
    }
  }

  @Test
  void eachNameSearchesItsOwnVectorsThroughUpdatesReplayAndImage() throws Exception {
    Random r = new Random(SEED);
    CollectionConfig config = config();
    assertNull(config.primaryName(), "named vectors only: every one has a graph of its own");
    assertEquals(List.of("image", "text"), config.namedGraphNames());
    assertEquals(8, config.dense("image").hnsw().m());
    assertEquals(16, config.dense("text").hnsw().m());
    assertEquals(config, CollectionConfig.parse(config.toCreateBody()));

    Collection c = new Collection("c", config);
    Collection replica = new Collection("c", config); // applies the decoded operations
    Map<Long, Written> model = new HashMap<>();
    long[] seq = {0};
    java.util.function.Consumer<Operation> apply =
        op -> {
          long s = ++seq[0];
          Operation decoded = OperationCodec.decode(OperationCodec.encode(op));
          applyTo(c, s, op);
          applyTo(replica, s, decoded);
        };
    List<PointStruct> first = new ArrayList<>();
    for (long id = 0; id < 300; id++) {
      Written w =
          new Written(
              r.nextInt(8) == 0 ? null : random(r, IMAGE_DIM, id),
              r.nextInt(3) == 0 ? null : random(r, TEXT_DIM, (float) r.nextGaussian()),
              r.nextInt(3));
      model.put(id, w);
      first.add(struct(id, w));
    }
    apply.accept(new Operation.UpsertPoints("c", first));
    check(c, model, r);

    boolean[] groupDropped = {false};
    for (int round = 0; round < 200; round++) {
      long id = r.nextInt(330);
      switch (r.nextInt(5)) {
        case 0 -> { // overwrite or insert, with or without each vector
          Written w =
              new Written(
                  r.nextInt(8) == 0 ? null : random(r, IMAGE_DIM, id),
                  r.nextBoolean() ? null : random(r, TEXT_DIM, (float) r.nextGaussian()),
                  r.nextInt(3));
          model.put(id, w);
          apply.accept(new Operation.UpsertPoints("c", List.of(struct(id, w))));
        }
        case 1 -> {
          model.remove(id);
          apply.accept(new Operation.DeletePoints("c", PointSelector.ids(List.of(PointId.of(id)))));
        }
        case 2 -> { // a new text vector (or image) for a stored point
          Written w = model.get(id);
          if (w == null) {
            continue;
          }
          boolean image = r.nextInt(4) == 0;
          float[] v =
              image ? random(r, IMAGE_DIM, id) : random(r, TEXT_DIM, (float) r.nextGaussian());
          model.put(
              id,
              image ? new Written(v, w.text(), w.group()) : new Written(w.image(), v, w.group()));
          apply.accept(
              new Operation.UpdateVectors(
                  "c",
                  List.of(
                      new Operation.VectorUpdate(
                          PointId.of(id), Map.of(image ? "image" : "text", v), Map.of())),
                  null));
        }
        case 3 -> { // drop one point's text vector, or (rarely) every one of a group's
          if (groupDropped[0] || r.nextInt(10) != 0) {
            boolean image = r.nextInt(4) == 0;
            Written w = model.get(id);
            if (w != null) {
              model.put(
                  id,
                  image
                      ? new Written(null, w.text(), w.group())
                      : new Written(w.image(), null, w.group()));
            }
            apply.accept(
                new Operation.DeleteVectors(
                    "c",
                    PointSelector.ids(List.of(PointId.of(id))),
                    List.of(image ? "image" : "text")));
            continue;
          }
          groupDropped[0] = true; // once: else few points keep a text vector
          int g = r.nextInt(3);
          model.replaceAll((k, w) -> w.group() == g ? new Written(w.image(), null, w.group()) : w);
          apply.accept(
              new Operation.DeleteVectors(
                  "c",
                  PointSelector.filter(
                      new JsonObject()
                          .put(
                              "must",
                              new JsonObject()
                                  .put("key", "g")
                                  .put("match", new JsonObject().put("value", g)))),
                  List.of("text")));
        }
        default -> {
          if (r.nextInt(10) == 0) {
            c.compact();
            replica.compact();
          }
        }
      }
    }
    check(c, model, r);
    check(replica, model, r);
    long withText = model.values().stream().filter(w -> w.text() != null).count();
    assertTrue(
        withText > 40 && withText < model.size() - 40,
        withText + " of " + model.size() + " points with text: both kinds are tested");

    // An update of a missing point refuses the whole operation and changes nothing.
    long present = model.keySet().iterator().next();
    Operation.UpdateVectors bad =
        new Operation.UpdateVectors(
            "c",
            List.of(
                new Operation.VectorUpdate(
                    PointId.of(present), Map.of("text", new float[TEXT_DIM]), Map.of()),
                new Operation.VectorUpdate(
                    PointId.of(999_999), Map.of("text", new float[TEXT_DIM]), Map.of())),
            null);
    assertThrows(VecdbException.class, () -> applyTo(c, ++seq[0], bad));
    check(c, model, r);

    // The image (a checkpoint) holds both graphs and which point has which vector.
    c.compact();
    Path dir = Files.createTempDirectory("vecdb-named");
    Path file = dir.resolve("c.snapshot");
    try (SnapshotWriter w = SnapshotWriter.create(file, Map.of())) {
      CollectionImage.write(c, w);
      w.commit();
    }
    Collection loaded;
    try (SnapshotReader in = SnapshotReader.open(file)) {
      loaded = CollectionImage.read(in);
    }
    check(loaded, model, r);
    // And it goes on taking writes of both vectors.
    Written w = new Written(random(r, IMAGE_DIM, 5000), random(r, TEXT_DIM, 3f), 1);
    model.put(5000L, w);
    loaded.applyUpsert(++seq[0], List.of(struct(5000, w)), ParallelInserter.SERIAL);
    check(loaded, model, r);
  }

  private static void applyTo(Collection c, long seq, Operation op) {
    switch (op) {
      case Operation.UpsertPoints u -> c.applyUpsert(seq, u.points(), ParallelInserter.SERIAL);
      case Operation.DeletePoints d -> c.applyDelete(d.selector());
      case Operation.UpdateVectors u ->
          c.applyUpdateVectors(seq, u.points(), u.updateFilter(), ParallelInserter.SERIAL);
      case Operation.DeleteVectors d -> c.applyDeleteVectors(seq, d.selector(), d.vectors());
      default -> throw new AssertionError(op);
    }
  }

  @Test
  void vectorsAreCheckedByNameAndAPointMayHaveNone() {
    Collection c = new Collection("c", config());
    String onlyText =
        new JsonObject()
            .put(
                "points",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("id", 1)
                            .put(
                                "vector",
                                new JsonObject()
                                    .put("text", new JsonArray().add(1).add(2).add(3).add(4))))
                    .add(new JsonObject().put("id", 2).put("vector", new JsonObject())))
            .encode();
    List<PointStruct> parsed = UpsertParser.parse(Buffer.buffer(onlyText), c.config());
    c.applyUpsert(1, parsed, ParallelInserter.SERIAL);
    assertEquals(2, c.size());
    assertNull(c.vector("image", c.point(PointId.of(1))));
    assertNull(c.vector("text", c.point(PointId.of(2))));
    assertEquals(
        List.of(1L),
        ids(c.search("text", new float[] {1, 0, 0, 0}, 5, 0, SearchParams.DEFAULT, null, null)));
    assertEquals(
        List.of(), c.search("image", new float[IMAGE_DIM], 5, 0, SearchParams.DEFAULT, null, null));
    String wrongSize = onlyText.replace("[1,2,3,4]", "[1,2]");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> UpsertParser.parse(Buffer.buffer(wrongSize), c.config()));
    assertTrue(
        e.getMessage().startsWith("points[0].vector.text: expected a vector of 4"), e.getMessage());
    String plain =
        new JsonObject()
            .put(
                "points",
                new JsonArray()
                    .add(new JsonObject().put("id", 1).put("vector", new JsonArray().add(1))))
            .encode();
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> UpsertParser.parse(Buffer.buffer(plain), c.config()));
    assertTrue(e.getMessage().contains("[image, text]"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> c.search("nothing", new float[TEXT_DIM], 1, 0, SearchParams.DEFAULT, null, null));
    assertThrows(
        IllegalArgumentException.class,
        () -> c.filter(new JsonObject().put("must", new JsonObject().put("has_vector", "x")), "f"));
  }

  @Test
  void concurrentOverwritesCompactionsAndReadsNeverMixPoints() throws Exception {
    Random setup = new Random(SEED);
    Collection c = new Collection("c", config());
    int ids = 300;
    AtomicLong seq = new AtomicLong();
    for (long id = 0; id < ids; id++) {
      Written w = new Written(random(setup, IMAGE_DIM, id), random(setup, TEXT_DIM, id), 0);
      c.applyUpsert(seq.incrementAndGet(), List.of(struct(id, w)), ParallelInserter.SERIAL);
    }
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long deadline = System.nanoTime() + 3_000_000_000L;
    List<Thread> threads = new ArrayList<>();
    long writerSeed = setup.nextLong();
    AtomicLong compactions = new AtomicLong();
    AtomicLong hits = new AtomicLong();
    // The apply lane: overwrites (with or without text), text updates and drops, deletes.
    threads.add(
        Thread.ofPlatform()
            .start(
                CollectionOrdinalReuseTest.guard(
                    failure,
                    () -> {
                      Random r = new Random(writerSeed);
                      for (int op = 0; op < 100_000 && System.nanoTime() < deadline; op++) {
                        long id = r.nextInt(ids);
                        PointId pid = PointId.of(id);
                        switch (r.nextInt(4)) {
                          case 0 ->
                              c.applyDeleteVectors(
                                  seq.incrementAndGet(),
                                  PointSelector.ids(List.of(pid)),
                                  List.of("text"));
                          case 1 -> {
                            if (c.point(pid) != null) {
                              c.applyUpdateVectors(
                                  seq.incrementAndGet(),
                                  List.of(
                                      new Operation.VectorUpdate(
                                          pid, Map.of("text", random(r, TEXT_DIM, id)), Map.of())),
                                  null,
                                  ParallelInserter.SERIAL);
                            }
                          }
                          default -> {
                            if (r.nextInt(5) == 0) {
                              c.applyDelete(PointSelector.ids(List.of(pid)));
                            }
                            Written w =
                                new Written(
                                    random(r, IMAGE_DIM, id),
                                    r.nextBoolean() ? random(r, TEXT_DIM, id) : null,
                                    0);
                            c.applyUpsert(
                                seq.incrementAndGet(),
                                List.of(struct(id, w)),
                                ParallelInserter.SERIAL);
                          }
                        }
                      }
                    })));
    // The optimizer: compacts both graphs whenever there are tombstones.
    threads.add(
        Thread.ofPlatform()
            .start(
                CollectionOrdinalReuseTest.guard(
                    failure,
                    () -> {
                      while (!stop.get() && System.nanoTime() < deadline) {
                        if (c.tombstones() > 20) {
                          c.compact();
                          compactions.incrementAndGet();
                        }
                        Thread.onSpinWait();
                      }
                    })));
    for (int t = 0; t < 3; t++) {
      long readerSeed = setup.nextLong();
      threads.add(
          Thread.ofPlatform()
              .start(
                  CollectionOrdinalReuseTest.guard(
                      failure,
                      () -> {
                        Random r = new Random(readerSeed);
                        while (!stop.get() && System.nanoTime() < deadline) {
                          // Text vectors carry their point's id in component 0 as image ones do.
                          float[] q = random(r, TEXT_DIM, r.nextInt(ids));
                          try (var pinned = c.pinReads()) {
                            for (PointView h :
                                c.search(
                                    "text",
                                    q,
                                    5,
                                    0,
                                    new SearchParams(32, r.nextBoolean()),
                                    null,
                                    null)) {
                              long id = ((PointId.Num) h.id()).value();
                              float[] v = c.vectorAsRead("text", h);
                              assertTrue(
                                  v != null, "a text hit of point " + id + " has its vector");
                              assertEquals(id, (long) v[0], "text vector of point " + id);
                              assertEquals(
                                  (float) dot(q, v), h.score(), 1e-3 * (1 + Math.abs(h.score())));
                              float[] image = c.vectorAsRead("image", h);
                              assertEquals(id, (long) image[0], "image vector of point " + id);
                              hits.incrementAndGet();
                            }
                          }
                        }
                      })));
    }
    threads.getFirst().join();
    stop.set(true);
    for (Thread t : threads) {
      t.join(30_000);
    }
    if (failure.get() != null) {
      throw new AssertionError("seed " + SEED, failure.get());
    }
    assertTrue(compactions.get() > 3 && hits.get() > 100, compactions + " " + hits);
  }
}
