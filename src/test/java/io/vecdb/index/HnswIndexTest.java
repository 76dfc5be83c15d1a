package io.vecdb.index;

import static io.vecdb.index.HnswTestData.clustered;
import static io.vecdb.index.HnswTestData.recall;
import static io.vecdb.index.HnswTestData.testConfig;
import static io.vecdb.index.HnswTestData.unreachableLive;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HnswIndexTest {
  private static final long SEED = HnswTestData.seed();

  /**
   * A newcomer chooses at most m neighbours on every layer, layer 0 included (hnswlib's
   * mutuallyConnectNewElement); only back-links from later inserts fill a layer-0 list up to 2m.
   * Choosing 2m at once, as this index did, took 1.3x hnswlib's distances per insert on a 384-d
   * text set: every extra own link is walked again by later searches and prunes.
   */
  @Test
  void newcomersChooseAtMostMNeighboursOnLayerZero() {
    Random random = new Random(SEED);
    int dim = 48; // random vectors in 48 dimensions: the heuristic keeps many, so m binds
    int m = 8 + random.nextInt(9);
    HnswIndex hnsw =
        new HnswIndex(
            dim, Distance.EUCLID, HnswConfig.DEFAULT.withM(m).withSeed(random.nextLong()));
    int longest = 0;
    long longer = 0;
    for (int i = 0; i < 2000; i++) {
      float[] v = new float[dim];
      for (int j = 0; j < dim; j++) {
        v[j] = (float) random.nextGaussian();
      }
      int ord = hnsw.add(v);
      int own = hnsw.neighbours(ord, 0).length; // one thread: no later insert has linked to it
      longest = Math.max(longest, own);
      longer += own > m ? 1 : 0;
    }
    String where = "seed " + SEED + ", m " + m;
    assertEquals(
        0, longer, "newcomers with more than m own links (longest " + longest + "), " + where);
    assertEquals(m, longest, where);
    assertEquals(0, unreachableLive(hnsw), where);
  }

  @Test
  void recallAgainstExactForEveryDistance() {
    Random random = new Random(SEED);
    for (Distance distance : Distance.values()) {
      int dim = 8 + random.nextInt(40);
      HnswIndex hnsw = new HnswIndex(dim, distance, testConfig(random));
      ExactIndex exact = new ExactIndex(dim, distance);
      float[][] data = clustered(random, 3000, dim, 20);
      if (distance == Distance.DOT) {
        // Inner product is not a metric: HNSW is built for (near-)normalised data there, as
        // embeddings are; raw clustered data would test the dataset, not the index.
        for (int i = 0; i < data.length; i++) {
          data[i] = VectorMath.normalized(data[i]);
        }
      }
      for (float[] v : data) {
        assertEquals(exact.add(v), hnsw.add(v));
      }
      float[][] queries = clustered(random, 100, dim, 20);
      String where = "seed " + SEED + " " + distance + " " + hnsw.config();
      // ef 200: up to 47 dimensions of Gaussian noise within each cluster is hard data (like
      // random vectors), where ef 100 gives recall 0.93-0.94 for some seeds and ef 400 0.999.
      double r = recall(hnsw, exact, queries, 10, 200, null);
      assertTrue(r >= 0.95, "recall " + r + ", " + where);
      for (float[] q : queries) {
        Hits hits = hnsw.search(q, 10, new SearchParams(50, false), null);
        assertEquals(10, hits.size(), where);
        for (int i = 0; i < hits.size(); i++) {
          assertEquals(exact.score(q, hits.ordinal(i)), hits.score(i), 1e-3f, where);
          if (i > 0) {
            assertFalse(distance.better(hits.score(i), hits.score(i - 1)), "sorted, " + where);
          }
        }
      }
      assertEquals(0, unreachableLive(hnsw), where);
    }
  }

  @Test
  void parallelBuildFromSeveralThreads() throws Exception {
    Random random = new Random(SEED);
    int dim = 16 + random.nextInt(16);
    HnswIndex hnsw = new HnswIndex(dim, Distance.EUCLID, testConfig(random));
    float[][] data = clustered(random, 4000, dim, 30);
    float[][] byOrdinal = new float[data.length][];
    java.util.concurrent.atomic.AtomicInteger next =
        new java.util.concurrent.atomic.AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      threads.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      for (int i; (i = next.getAndIncrement()) < data.length; ) {
                        byOrdinal[hnsw.add(data[i])] = data[i];
                      }
                    } catch (Throwable e) {
                      failure.set(e);
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    String where = "seed " + SEED + " " + hnsw.config();
    assertNull(failure.get(), where);
    assertEquals(data.length, hnsw.size(), where);
    ExactIndex exact = new ExactIndex(dim, Distance.EUCLID);
    for (float[] v : byOrdinal) {
      exact.add(v);
    }
    // Concurrent inserts can leave small groups linked only among themselves (inserted at the
    // same moment, they miss each other's links): measured 0 to 0.7% of 4,000 points with 4
    // threads on 2 busy cores (up to 6.8% before the overwrite fixes). compact() ends with a
    // connectivity pass, and the server's optimizer runs one after many inserts (the server
    // inserts batches from several threads too; on Fashion-MNIST 60k a 2-thread build leaves 2-5
    // unreachable, as many as a serial build). Known limitation, not hidden: bounded at 2% here.
    int unreachableAfterBuild = unreachableLive(hnsw);
    assertTrue(unreachableAfterBuild <= data.length / 50, unreachableAfterBuild + ", " + where);
    assertEquals("", HnswTestData.inDegreeMismatches(hnsw), "in-degrees after the build, " + where);
    hnsw.compact();
    assertEquals(0, unreachableLive(hnsw), where);
    assertEquals("", HnswTestData.inDegreeMismatches(hnsw), "in-degrees, " + where);
    // Every point is reachable (above); nearly all are also found by a search for their own
    // vector. HNSW does not promise the last few: a node whose nearby nodes all pruned their link
    // to it is reachable only through a longer path the greedy walk need not take.
    int notFound = 0;
    for (int ord = 0; ord < data.length; ord++) {
      Hits self = hnsw.search(byOrdinal[ord], 1, new SearchParams(200, false), null);
      if (self.score(0) > 1e-4f) {
        notFound++;
      }
    }
    // Measured after a 4-thread build and compact(): 0 to 31 of 4,000 (a serial build: 0).
    assertTrue(notFound <= data.length / 100, notFound + " points not found, " + where);
    double r = recall(hnsw, exact, clustered(random, 100, dim, 30), 10, 100, null);
    assertTrue(r >= 0.95, "recall " + r + ", " + where);
  }

  @Test
  void deletingTenPercentKeepsRecallBeforeAndAfterCompaction() {
    Random random = new Random(SEED);
    int dim = 16 + random.nextInt(16);
    HnswIndex hnsw = new HnswIndex(dim, Distance.EUCLID, testConfig(random));
    ExactIndex exact = new ExactIndex(dim, Distance.EUCLID);
    int n = 5000;
    for (float[] v : clustered(random, n, dim, 25)) {
      exact.add(v);
      hnsw.add(v);
    }
    float[][] queries = clustered(random, 200, dim, 25);
    String where = "seed " + SEED + " " + hnsw.config();
    double before = recall(hnsw, exact, queries, 10, 64, null);
    boolean[] removed = new boolean[n];
    for (int i = 0; i < n / 10; ) {
      int ord = random.nextInt(n);
      if (!removed[ord]) {
        removed[ord] = true;
        hnsw.remove(ord);
        exact.remove(ord);
        i++;
      }
    }
    assertEquals(n - n / 10, hnsw.size(), where);
    double tombstoned = recall(hnsw, exact, queries, 10, 64, null);
    assertTrue(tombstoned >= before - 0.01, before + " -> " + tombstoned + ", " + where);
    assertEquals(n / 10, hnsw.compact(), where);
    assertEquals(0, hnsw.compact(), "second compaction has nothing to do, " + where);
    double compacted = recall(hnsw, exact, queries, 10, 64, null);
    assertTrue(compacted >= before - 0.01, before + " -> " + compacted + ", " + where);
    assertEquals(0, unreachableLive(hnsw), where);
    assertEquals("", HnswTestData.inDegreeMismatches(hnsw), "in-degrees, " + where);
    for (float[] q : queries) {
      for (int ord : hnsw.search(q, 20, SearchParams.DEFAULT, null).ordinals()) {
        assertFalse(removed[ord], "removed " + ord + " returned, " + where);
      }
    }
    for (int ord = 0; ord < n; ord++) {
      assertEquals(!removed[ord], hnsw.isLive(ord), where);
      if (removed[ord]) {
        assertEquals(0, hnsw.neighbours(ord, 0).length, "freed node keeps links, " + where);
      }
    }
    // New points after compaction link into the repaired graph, in the freed ordinals first
    // (lowest first; no reader is pinned here, so their grace period is over).
    int freedBelowN = 0;
    for (int ord = 0; ord < n; ord++) {
      freedBelowN += removed[ord] ? 1 : 0;
    }
    int taken = 0;
    for (float[] v : clustered(random, 500, dim, 25)) {
      int ord = hnsw.add(v);
      assertTrue(
          taken < freedBelowN ? ord < n && removed[ord] : ord >= n,
          "add " + taken + " took ordinal " + ord + ", " + where);
      taken++;
    }
    // The exact twin, rebuilt over the same ordinals.
    exact = new ExactIndex(dim, Distance.EUCLID);
    for (int ord = 0; ord < hnsw.ordinalCount(); ord++) {
      float[] v = hnsw.vector(ord);
      int e = exact.add(v != null ? v : clustered(random, 1, dim, 1)[0]);
      assertEquals(ord, e);
      if (v == null) {
        exact.remove(e);
      }
    }
    assertEquals(0, unreachableLive(hnsw), where);
    // A bigger collection is not comparable to "before" at the same ef; this is a sanity bound.
    double grown = recall(hnsw, exact, queries, 10, 100, null);
    assertTrue(grown >= 0.9, "after growth " + grown + ", " + where);
  }

  @Test
  void compactionRunsWhileSearchesGoOn() throws Exception {
    Random random = new Random(SEED);
    int dim = 12;
    HnswIndex hnsw = new HnswIndex(dim, Distance.COSINE, testConfig(random));
    float[][] data = clustered(random, 3000, dim, 10);
    for (float[] v : data) {
      hnsw.add(v);
    }
    boolean[] removed = new boolean[data.length];
    for (int ord = 0; ord < data.length; ord += 3) {
      hnsw.remove(ord);
      removed[ord] = true;
    }
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long searchSeed = random.nextLong();
    Thread reader =
        Thread.ofPlatform()
            .start(
                () -> {
                  Random r = new Random(searchSeed);
                  try {
                    while (!stop.get()) {
                      Hits h =
                          hnsw.search(data[r.nextInt(data.length)], 10, SearchParams.DEFAULT, null);
                      assertEquals(10, h.size());
                      for (int ord : h.ordinals()) {
                        assertFalse(removed[ord], "removed " + ord + " returned");
                      }
                    }
                  } catch (Throwable e) {
                    failure.set(e);
                  }
                });
    int freed = hnsw.compact();
    stop.set(true);
    reader.join();
    assertNull(failure.get(), "seed " + SEED);
    assertEquals(1000, freed, "seed " + SEED);
    assertEquals(0, unreachableLive(hnsw), "seed " + SEED);
  }

  @Test
  void filteredSearchAtOneTenAndFiftyPercent() {
    Random random = new Random(SEED);
    int dim = 16 + random.nextInt(16);
    HnswIndex hnsw = new HnswIndex(dim, Distance.EUCLID, testConfig(random));
    ExactIndex exact = new ExactIndex(dim, Distance.EUCLID);
    int n = 6000;
    for (float[] v : clustered(random, n, dim, 25)) {
      exact.add(v);
      hnsw.add(v);
    }
    float[][] queries = clustered(random, 100, dim, 25);
    long salt = random.nextLong();
    for (int percent : new int[] {1, 10, 50}) {
      VectorIndex.OrdinalFilter filter =
          ord -> Math.floorMod(Long.hashCode((ord + salt) * 0x9E3779B97F4A7C15L), 100) < percent;
      int passing = 0;
      for (int ord = 0; ord < n; ord++) {
        passing += filter.accept(ord) ? 1 : 0;
      }
      String where = "seed " + SEED + " " + percent + "% (" + passing + " pass) " + hnsw.config();
      double r = recall(hnsw, exact, queries, 10, 100, filter);
      assertTrue(r >= 0.95, "recall " + r + ", " + where);
      for (float[] q : queries) {
        Hits h = hnsw.search(q, 10, new SearchParams(16, false), filter);
        assertEquals(Math.min(10, passing), h.size(), where);
        for (int ord : h.ordinals()) {
          assertTrue(filter.accept(ord), "hit " + ord + " fails the filter, " + where);
        }
      }
    }
    // A filter matching fewer than k points returns all of them.
    VectorIndex.OrdinalFilter three = ord -> ord == 5 || ord == 77 || ord == 4000;
    Hits h = hnsw.search(queries[0], 10, SearchParams.DEFAULT, three);
    assertEquals(3, h.size(), "seed " + SEED);
  }

  @Test
  void edgeCases() {
    Random random = new Random(SEED);
    HnswConfig config = testConfig(random);
    HnswIndex empty = new HnswIndex(3, Distance.EUCLID, config);
    assertEquals(0, empty.search(new float[3], 5, SearchParams.DEFAULT, null).size());
    assertEquals(0, empty.compact());
    assertThrows(
        IllegalArgumentException.class,
        () -> empty.search(new float[4], 5, SearchParams.DEFAULT, null));

    HnswIndex one = new HnswIndex(3, Distance.DOT, config);
    int a = one.add(new float[] {1, 0, 0});
    Hits h = one.search(new float[] {2, 0, 0}, 10, SearchParams.DEFAULT, null);
    assertArrayEquals(new int[] {a}, h.ordinals());
    assertEquals(2f, h.score(0), 1e-6f);

    HnswIndex two = new HnswIndex(2, Distance.MANHATTAN, config);
    two.add(new float[] {0, 0});
    int far = two.add(new float[] {5, 5});
    h = two.search(new float[] {4, 4}, 10, SearchParams.DEFAULT, null);
    assertArrayEquals(new int[] {far, 0}, h.ordinals());
    assertArrayEquals(new float[] {2, 8}, h.scores(), 1e-6f);
    two.remove(far);
    assertArrayEquals(
        new int[] {0}, two.search(new float[] {4, 4}, 10, SearchParams.DEFAULT, null).ordinals());
    two.remove(0);
    assertEquals(0, two.search(new float[] {4, 4}, 10, SearchParams.DEFAULT, null).size());
    assertEquals(2, two.compact());
    int again = two.add(new float[] {1, 1});
    assertArrayEquals(
        new int[] {again},
        two.search(new float[] {4, 4}, 3, SearchParams.DEFAULT, null).ordinals());

    // k larger than the collection, and duplicates.
    int dim = 8;
    HnswIndex dups = new HnswIndex(dim, Distance.EUCLID, config);
    float[] same = new float[dim];
    java.util.Arrays.fill(same, 1f);
    for (int i = 0; i < 200; i++) {
      dups.add(i % 4 == 0 ? same : clustered(random, 1, dim, 1)[0]);
    }
    h = dups.search(same, 40, SearchParams.DEFAULT, null);
    assertEquals(40, h.size(), "seed " + SEED);
    for (int i = 0; i < 40; i++) {
      assertEquals(0f, h.score(i), 1e-6f, "duplicate expected at " + i + ", seed " + SEED);
    }
    assertEquals(200, dups.search(same, 1000, SearchParams.DEFAULT, null).size());
    // Exact duplicates can form groups with no link from outside; compaction reconnects them.
    dups.compact();
    assertEquals(0, unreachableLive(dups), "seed " + SEED);

    // exact: true and the full-scan threshold agree with the exact index.
    HnswIndex small = new HnswIndex(dim, Distance.EUCLID, config.withFullScanThreshold(100));
    ExactIndex exact = new ExactIndex(dim, Distance.EUCLID);
    for (float[] v : clustered(random, 50, dim, 3)) {
      small.add(v);
      exact.add(v);
    }
    float[] q = clustered(random, 1, dim, 1)[0];
    assertArrayEquals(
        exact.search(q, 7, SearchParams.DEFAULT, null).ordinals(),
        small.search(q, 7, SearchParams.DEFAULT, null).ordinals());
    HnswIndex graph = new HnswIndex(dim, Distance.EUCLID, config);
    for (int ord = 0; ord < 50; ord++) {
      graph.add(exact.vector(ord));
    }
    assertArrayEquals(
        exact.search(q, 7, SearchParams.DEFAULT, null).ordinals(),
        graph.search(q, 7, new SearchParams(0, true), null).ordinals());
    assertNull(small.vector(12345));
    assertThrows(IllegalArgumentException.class, () -> small.score(q, 12345));
  }

  @Test
  void cosineStoresNormalisedVectorsAndScoresAsSimilarity() {
    HnswIndex index =
        new HnswIndex(2, Distance.COSINE, HnswConfig.DEFAULT.withFullScanThreshold(0));
    int ord = index.add(new float[] {3, 4});
    index.add(new float[] {-1, 0});
    assertArrayEquals(new float[] {0.6f, 0.8f}, index.vector(ord), 1e-6f);
    Hits h = index.search(new float[] {6, 8}, 1, SearchParams.DEFAULT, null);
    assertEquals(ord, h.ordinal(0));
    assertEquals(1f, h.score(0), 1e-6f);
  }

  @Test
  void snapshotRoundTripKeepsTheGraph() throws IOException {
    Random random = new Random(SEED);
    int dim = 5 + random.nextInt(30);
    Distance distance = Distance.values()[random.nextInt(Distance.values().length)];
    HnswIndex hnsw = new HnswIndex(dim, distance, testConfig(random));
    for (float[] v : clustered(random, 2500, dim, 10)) {
      hnsw.add(v);
    }
    for (int i = 0; i < 100; i++) {
      hnsw.remove(random.nextInt(2500));
    }
    if (random.nextBoolean()) {
      hnsw.compact();
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    hnsw.writeTo(Channels.newChannel(bytes));
    byte[] image = bytes.toByteArray();
    HnswIndex copy = HnswIndex.readFrom(Channels.newChannel(new ByteArrayInputStream(image)));
    String where = "seed " + SEED + " " + distance + " " + hnsw.config();
    assertEquals(hnsw.config(), copy.config(), where);
    assertEquals(hnsw.size(), copy.size(), where);
    assertEquals(hnsw.entryPoint(), copy.entryPoint(), where);
    for (int ord = 0; ord < 2500; ord++) {
      assertEquals(hnsw.isLive(ord), copy.isLive(ord), where);
      assertArrayEquals(hnsw.neighbours(ord, 0), copy.neighbours(ord, 0), where);
    }
    for (float[] q : clustered(random, 50, dim, 10)) {
      Hits a = hnsw.search(q, 10, SearchParams.DEFAULT, null);
      Hits b = copy.search(q, 10, SearchParams.DEFAULT, null);
      assertArrayEquals(a.ordinals(), b.ordinals(), where);
      assertArrayEquals(a.scores(), b.scores(), where);
    }
    // A loaded index reuses its freed ordinals at once, the lowest first.
    int firstFreed = 2500;
    for (int ord = 0; ord < 2500; ord++) {
      if (!hnsw.isLive(ord) && hnsw.neighbours(ord, 0).length == 0 && hnsw.tombstones() == 0) {
        firstFreed = ord;
        break;
      }
    }
    assertEquals(firstFreed, copy.add(clustered(random, 1, dim, 1)[0]), where);

    byte[] badMagic = image.clone();
    badMagic[0] ^= 1;
    IOException e =
        assertThrows(
            IOException.class,
            () -> HnswIndex.readFrom(Channels.newChannel(new ByteArrayInputStream(badMagic))));
    assertTrue(e.getMessage().contains("magic"), e.getMessage());
    byte[] truncated = java.util.Arrays.copyOf(image, image.length / 2);
    assertThrows(
        IOException.class,
        () -> HnswIndex.readFrom(Channels.newChannel(new ByteArrayInputStream(truncated))));
  }

  @Test
  void virtualThreadSearchesMatchPlatformThreadSearches() throws Exception {
    Random random = new Random(SEED);
    int dim = 10;
    HnswIndex hnsw = new HnswIndex(dim, Distance.EUCLID, testConfig(random));
    for (float[] v : clustered(random, 2000, dim, 10)) {
      hnsw.add(v);
    }
    float[][] queries = clustered(random, 200, dim, 10);
    Hits[] expected = new Hits[queries.length];
    for (int i = 0; i < queries.length; i++) {
      expected[i] = hnsw.search(queries[i], 10, SearchParams.DEFAULT, null);
    }
    Hits[] got = new Hits[queries.length];
    try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < queries.length; i++) {
        int q = i;
        executor.submit(() -> got[q] = hnsw.search(queries[q], 10, SearchParams.DEFAULT, null));
      }
    }
    for (int i = 0; i < queries.length; i++) {
      assertArrayEquals(expected[i].ordinals(), got[i].ordinals(), "seed " + SEED);
    }
  }
}
