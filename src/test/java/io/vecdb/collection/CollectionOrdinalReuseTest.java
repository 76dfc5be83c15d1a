package io.vecdb.collection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.index.ParallelInserter;
import io.vecdb.index.SearchParams;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A collection over an index that reuses freed ordinals (issue 12, item 4): a point view held
 * across its point's deletion, compaction and the reuse of its ordinal by another point never
 * yields that other point's vector; under concurrent overwrites, compactions and reads, every
 * search hit and every vector read belongs to the point it is returned for. Seeded: {@code
 * -Dtests.seed=N}.
 */
class CollectionOrdinalReuseTest {
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());
  private static final int DIM = 8;

  private static Collection collection() {
    return new Collection(
        "c",
        CollectionConfig.parse(
            new JsonObject()
                .put("vectors", new JsonObject().put("size", DIM).put("distance", "Euclid"))
                .put("hnsw_config", new JsonObject().put("full_scan_threshold", 10))));
  }

  /** A vector that names its point: component 0 is the id, the rest random. */
  private static float[] vectorOf(long id, Random r) {
    float[] v = new float[DIM];
    v[0] = id;
    for (int i = 1; i < DIM; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  private static PointStruct point(long id, Random r) {
    return new PointStruct(PointId.of(id), vectorOf(id, r), Payload.EMPTY);
  }

  @Test
  void aViewHeldAcrossItsOrdinalsReuseGetsNoOtherPointsVector() {
    Random r = new Random(SEED);
    Collection c = collection();
    long seq = 1;
    for (long id = 1; id <= 50; id++) {
      c.applyUpsert(seq++, List.of(point(id, r)), ParallelInserter.SERIAL);
    }
    PointView a = c.point(PointId.of(7));
    float[] before = c.vector(a);
    assertEquals(7f, before[0]);
    c.applyDelete(PointSelector.ids(List.of(PointId.of(7))));
    assertEquals(1, c.compact());
    PointStruct b = point(1000, r);
    c.applyUpsert(seq++, List.of(b), ParallelInserter.SERIAL);
    PointView bv = c.point(PointId.of(1000));
    assertEquals(a.ordinal(), bv.ordinal(), "the freed ordinal went to the new point");
    assertNull(c.vector(a), "the deleted point's view reads no vector, not the new point's");
    assertArrayEquals(b.vector(), c.vector(bv));
    assertNull(c.point(PointId.of(7)));
  }

  @Test
  void concurrentOverwritesCompactionsAndReadsNeverMixPoints() throws Exception {
    Random setup = new Random(SEED);
    Collection c = collection();
    int ids = 400;
    AtomicLong seq = new AtomicLong();
    for (long id = 0; id < ids; id++) {
      c.applyUpsert(seq.incrementAndGet(), List.of(point(id, setup)), ParallelInserter.SERIAL);
    }
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long deadline = System.nanoTime() + 3_000_000_000L;
    List<Thread> threads = new ArrayList<>();
    long writerSeed = setup.nextLong();
    AtomicLong compactions = new AtomicLong();
    AtomicLong reads = new AtomicLong();
    // The apply lane: overwrites and deletes (then re-adds) random points.
    threads.add(
        Thread.ofPlatform()
            .start(
                guard(
                    failure,
                    () -> {
                      Random r = new Random(writerSeed);
                      for (int op = 0; op < 200_000 && System.nanoTime() < deadline; op++) {
                        long id = r.nextInt(ids);
                        if (r.nextInt(5) == 0) {
                          c.applyDelete(PointSelector.ids(List.of(PointId.of(id))));
                        }
                        c.applyUpsert(
                            seq.incrementAndGet(), List.of(point(id, r)), ParallelInserter.SERIAL);
                      }
                    })));
    // The optimizer: compacts whenever there are tombstones.
    threads.add(
        Thread.ofPlatform()
            .start(
                guard(
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
                  guard(
                      failure,
                      () -> {
                        Random r = new Random(readerSeed);
                        while (!stop.get() && System.nanoTime() < deadline) {
                          float[] q = vectorOf(r.nextInt(ids), r);
                          List<PointView> hits =
                              c.search(q, 5, 0, new SearchParams(32, r.nextBoolean()), null, null);
                          for (PointView h : hits) {
                            long id = ((PointId.Num) h.id()).value();
                            float[] v = c.vector(h);
                            if (v != null) {
                              assertEquals(id, (long) v[0], "vector of point " + id);
                            }
                            // The hit's score is a distance to a vector of this point: its first
                            // component is the id, so the score is at least the id's offset.
                            double offset = q[0] - id;
                            assertTrue(
                                h.score() + 1e-3 >= Math.abs(offset),
                                "score " + h.score() + " of point " + id + " for query " + q[0]);
                          }
                          PointView p = c.point(PointId.of(r.nextInt(ids)));
                          if (p != null) {
                            float[] v = c.vector(p);
                            if (v != null) {
                              assertEquals(((PointId.Num) p.id()).value(), (long) v[0]);
                            }
                          }
                          reads.incrementAndGet();
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
    assertTrue(compactions.get() > 3 && reads.get() > 100, compactions + " " + reads);
    // Reused: far fewer ordinals than writes.
    int ordinals = ((io.vecdb.index.HnswIndex) c.index).ordinalCount();
    assertTrue(ordinals < seq.get() / 2, ordinals + " ordinals after " + seq.get() + " writes");
  }

  /** {@code body}, recording its first failure in {@code failure} (for threads of a test). */
  static Runnable guard(AtomicReference<Throwable> failure, Runnable body) {
    return () -> {
      try {
        body.run();
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
      }
    };
  }
}
