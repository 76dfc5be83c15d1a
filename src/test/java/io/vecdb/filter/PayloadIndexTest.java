package io.vecdb.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;

class PayloadIndexTest {
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  /** A collection stand-in: payloads by ordinal and the id map, written by one thread. */
  private static final class Store {
    final AtomicReferenceArray<Payload> payloads;
    final Map<PointId, Integer> ordinals = new ConcurrentHashMap<>();
    final PayloadIndex index;

    Store(int capacity) {
      payloads = new AtomicReferenceArray<>(capacity);
      index =
          new PayloadIndex(
              consumer -> {
                for (int o = 0; o < payloads.length(); o++) {
                  Payload p = payloads.get(o);
                  if (p != null) {
                    consumer.accept(o, p);
                  }
                }
              },
              id -> ordinals.getOrDefault(id, -1));
    }

    void upsert(int o, Payload p) {
      payloads.set(o, p);
      ordinals.put(RandomFilters.idOf(o), o);
      index.onUpsert(o, p);
    }

    void remove(int o) {
      Payload old = payloads.getAndSet(o, null);
      ordinals.remove(RandomFilters.idOf(o));
      index.onRemove(o, old);
    }

    int live() {
      int n = 0;
      for (int o = 0; o < payloads.length(); o++) {
        n += payloads.get(o) == null ? 0 : 1;
      }
      return n;
    }

    void createIndexes() {
      index.createField("k", "keyword");
      index.createField("i", "integer");
      index.createField("f", "float");
      index.createField("b", "bool");
      index.createField("o.x", "keyword");
      index.createField("o[].x", "Keyword");
    }
  }

  private static List<Integer> bruteForce(Store store, Filter f) {
    List<Integer> out = new ArrayList<>();
    for (int o = 0; o < store.payloads.length(); o++) {
      Payload p = store.payloads.get(o);
      if (p != null && f.test(RandomFilters.idOf(o), p)) {
        out.add(o);
      }
    }
    return out;
  }

  @Test
  void candidatesAreASupersetOfMatchesAndEstimatesBoundThem() {
    Random r = new Random(SEED);
    int n = 300 + r.nextInt(500);
    Store store = new Store(n);
    // Index half the points before the fields exist (createField must pick them up), half after.
    for (int o = 0; o < n / 2; o++) {
      store.upsert(o, RandomFilters.payload(r));
    }
    store.createIndexes();
    for (int o = n / 2; o < n; o++) {
      store.upsert(o, RandomFilters.payload(r));
    }
    for (int i = 0; i < n; i++) { // overwrite and delete some
      int o = r.nextInt(n);
      if (r.nextInt(4) == 0) {
        store.remove(o);
      } else {
        store.upsert(o, RandomFilters.payload(r));
      }
    }
    int narrowed = 0;
    int exact = 0;
    int filters = 2000;
    for (int t = 0; t < filters; t++) {
      JsonObject json = RandomFilters.filter(r, 2, n);
      String ctx = "seed " + SEED + " filter " + json.encode();
      Filter f = FilterParser.parse(json, "filter");
      List<Integer> matches = bruteForce(store, f);
      Cardinality c = store.index.estimate(f, store.live());
      assertTrue(c.upperBound() >= matches.size(), ctx + " estimate " + c + " < " + matches.size());
      if (c.exact()) {
        exact++;
        assertEquals(matches.size(), c.upperBound(), ctx + " exact estimate");
      }
      int[] cand = store.index.candidates(f, Integer.MAX_VALUE);
      if (cand != null) {
        narrowed++;
        for (int i = 1; i < cand.length; i++) {
          assertTrue(cand[i - 1] < cand[i], ctx + " ascending");
        }
        for (int o : cand) {
          assertTrue(store.payloads.get(o) != null, ctx + " removed ordinal " + o + " listed");
        }
        for (int m : matches) {
          assertTrue(Arrays.binarySearch(cand, m) >= 0, ctx + " missing match " + m);
        }
        assertTrue(cand.length <= c.upperBound(), ctx + " more candidates than the bound");
        int[] limited = store.index.candidates(f, cand.length - 1);
        if (cand.length > 0 && c.upperBound() > cand.length - 1) {
          assertNull(limited, ctx + " limit not honoured");
        }
      }
    }
    // The indexes must actually narrow a good share of these filters, or this test proves little.
    assertTrue(narrowed > filters / 5, "seed " + SEED + ": only " + narrowed + " narrowed");
    assertTrue(exact > filters / 20, "seed " + SEED + ": only " + exact + " exact estimates");

    // Dropping a field stops its use; re-creating rebuilds it from the source.
    Filter onK =
        FilterParser.parse(
            new JsonObject("{\"must\": {\"key\": \"k\", \"match\": {\"value\": \"a\"}}}"), "f");
    assertTrue(store.index.candidates(onK, Integer.MAX_VALUE) != null, "seed " + SEED);
    assertTrue(store.index.dropField("k"));
    assertFalse(store.index.dropField("k"));
    assertNull(store.index.candidates(onK, Integer.MAX_VALUE), "seed " + SEED);
    store.index.createField("k", "keyword");
    int[] cand = store.index.candidates(onK, Integer.MAX_VALUE);
    assertEquals(
        bruteForce(store, onK), Arrays.stream(cand).boxed().toList(), "seed " + SEED + " rebuilt");
  }

  @Test
  void schemasAndErrors() {
    Store store = new Store(4);
    store.upsert(0, new Payload(new JsonObject().put("k", "a")));
    store.upsert(1, new Payload(new JsonObject().put("k", 1)));
    store.index.createField("k", "keyword");
    store.index.createField("n", "float");
    assertEquals(Map.of("k", "keyword", "n", "float"), store.index.schemas());
    assertEquals(1, store.index.indexedPoints("k"));
    assertEquals(0, store.index.indexedPoints("n"));
    assertEquals(-1, store.index.indexedPoints("nope"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> store.index.createField("t", "fulltext"));
    assertEquals(
        "unsupported payload index schema \"fulltext\": expected one of keyword, integer, float,"
            + " bool, text, uuid, datetime, geo",
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> store.index.createField("a..b", "keyword"));
    assertEquals(Map.of("k", "keyword", "n", "float"), store.index.schemas(), "nothing changed");
    // A filter the indexes cannot narrow: no candidates, inexact full estimate.
    Filter mustNot =
        FilterParser.parse(
            new JsonObject("{\"must_not\": {\"key\": \"k\", \"match\": {\"value\": \"a\"}}}"), "f");
    assertNull(store.index.candidates(mustNot, 100));
    assertEquals(new Cardinality(2, false), store.index.estimate(mustNot, 2));
    assertNull(store.index.candidates((id, p) -> true, 100), "foreign Filter implementations");
  }

  @Test
  void concurrentWritesNeverHideAStablePointFromReaders() throws Exception {
    Random r = new Random(SEED + 1);
    int n = 400;
    Store store = new Store(n);
    store.createIndexes();
    for (int o = 0; o < n; o++) {
      store.upsert(o, RandomFilters.payload(r));
    }
    // mod[o] is odd while the writer changes ordinal o.
    AtomicLongArray mod = new AtomicLongArray(n);
    AtomicBoolean done = new AtomicBoolean();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    AtomicInteger narrowedReads = new AtomicInteger();
    AtomicInteger reads = new AtomicInteger();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Thread writer =
        Thread.ofPlatform()
            .start(
                () -> {
                  Random wr = new Random(SEED + 2);
                  try {
                    for (int i = 0; i < 30_000 && System.nanoTime() < deadline; i++) {
                      int o = wr.nextInt(n);
                      mod.incrementAndGet(o);
                      if (wr.nextInt(5) == 0) {
                        store.remove(o);
                      } else {
                        store.upsert(o, RandomFilters.payload(wr));
                      }
                      mod.incrementAndGet(o);
                    }
                  } catch (Throwable t) {
                    failures.add("writer: " + t);
                  } finally {
                    done.set(true);
                  }
                });
    List<Thread> readers = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      long readerSeed = SEED + 10 + t;
      readers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    Random rr = new Random(readerSeed);
                    long[] before = new long[n];
                    try {
                      while (!done.get() && System.nanoTime() < deadline) {
                        JsonObject json = RandomFilters.filter(rr, 1, n);
                        Filter f = FilterParser.parse(json, "filter");
                        for (int o = 0; o < n; o++) {
                          before[o] = mod.get(o);
                        }
                        int[] cand = store.index.candidates(f, Integer.MAX_VALUE);
                        reads.incrementAndGet();
                        if (cand == null) {
                          continue;
                        }
                        narrowedReads.incrementAndGet();
                        for (int o = 0; o < n; o++) {
                          long m = mod.get(o);
                          if (m != before[o] || (m & 1) != 0) {
                            continue; // changed during the read: either answer is fine
                          }
                          Payload p = store.payloads.get(o);
                          if (mod.get(o) != m) {
                            continue; // a change began after the check above: p may be newer
                          }
                          if (p != null
                              && f.test(RandomFilters.idOf(o), p)
                              && Arrays.binarySearch(cand, o) < 0) {
                            failures.add("missing stable match " + o + " for " + json.encode());
                          }
                        }
                      }
                    } catch (Throwable e) {
                      failures.add("reader: " + e);
                    }
                  }));
    }
    writer.join();
    for (Thread t : readers) {
      t.join();
    }
    assertTrue(failures.isEmpty(), "seed " + SEED + ": " + failures.stream().limit(5).toList());
    assertTrue(reads.get() > 0, "seed " + SEED);
    System.out.printf(
        "PayloadIndexTest concurrent: %d reads, %d narrowed candidate sets (seed %d)%n",
        reads.get(), narrowedReads.get(), SEED);
    // Quiescent: every read validates again.
    Filter f =
        FilterParser.parse(
            new JsonObject("{\"must\": {\"key\": \"b\", \"match\": {\"value\": true}}}"), "f");
    int[] cand = store.index.candidates(f, Integer.MAX_VALUE);
    assertEquals(bruteForce(store, f), Arrays.stream(cand).boxed().toList(), "seed " + SEED);
  }
}
