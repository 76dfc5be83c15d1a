package io.vecdb.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vecdb.index.Distance;
import io.vecdb.index.ExactIndex;
import io.vecdb.index.Hits;
import io.vecdb.index.SearchParams;
import io.vecdb.index.VectorIndex;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FilteredSearchTest {
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  @Test
  void exactIndexGivesExactFilteredResultsAtEverySelectivity() {
    for (Distance distance : Distance.values()) {
      Map<String, Double> recall =
          FilteredSearchScenario.run(
              ExactIndex::new, distance, 2_000, 12, 10, 10, SearchParams.DEFAULT, 1.0, SEED);
      System.out.println("FilteredSearch ExactIndex " + distance + " recall: " + recall);
    }
  }

  /** An ExactIndex that counts graph searches, to see which strategy ran. */
  private static final class CountingIndex implements VectorIndex {
    final ExactIndex delegate;
    final AtomicInteger searches = new AtomicInteger();

    CountingIndex(int dim, Distance distance) {
      delegate = new ExactIndex(dim, distance);
    }

    @Override
    public int dimension() {
      return delegate.dimension();
    }

    @Override
    public Distance distance() {
      return delegate.distance();
    }

    @Override
    public float[] vectorInSection(int ordinal) {
      return delegate.vectorInSection(ordinal);
    }

    @Override
    public int add(float[] vector) {
      return delegate.add(vector);
    }

    @Override
    public void remove(int ordinal) {
      delegate.remove(ordinal);
    }

    @Override
    public boolean isLive(int ordinal) {
      return delegate.isLive(ordinal);
    }

    @Override
    public int size() {
      return delegate.size();
    }

    @Override
    public float[] vector(int ordinal) {
      return delegate.vector(ordinal);
    }

    @Override
    public float score(float[] query, int ordinal) {
      return delegate.score(query, ordinal);
    }

    @Override
    public Hits search(float[] query, int k, SearchParams params, OrdinalFilter filter) {
      searches.incrementAndGet();
      return delegate.search(query, k, params, filter);
    }

    @Override
    public long ramBytesUsed() {
      return delegate.ramBytesUsed();
    }
  }

  @Test
  void selectiveIndexedFiltersScanCandidatesOthersSearchTheIndex() {
    Random r = new Random(SEED);
    int n = 3_000;
    CountingIndex index = new CountingIndex(8, Distance.EUCLID);
    Payload[] payloads = new Payload[n];
    for (int i = 0; i < n; i++) {
      float[] v = new float[8];
      for (int d = 0; d < 8; d++) {
        v[d] = r.nextFloat();
      }
      assertEquals(i, index.add(v));
      payloads[i] = new Payload(new JsonObject().put("c", "c" + (i % 100)).put("h", i % 2 == 0));
    }
    PayloadIndex payloadIndex =
        new PayloadIndex(
            c -> {
              for (int i = 0; i < n; i++) {
                c.accept(i, payloads[i]);
              }
            });
    payloadIndex.createField("c", "keyword");
    payloadIndex.createField("h", "bool");
    FilteredSearch.PointAccessor points =
        ord -> new FilteredSearch.StoredPoint(PointId.of(ord), payloads[ord]);
    FilteredSearch search = new FilteredSearch(100, 0.0);
    float[] q = new float[8];

    Filter onePercent =
        FilterParser.parse(
            new JsonObject("{\"must\": {\"key\": \"c\", \"match\": {\"value\": \"c3\"}}}"), "f");
    Hits hits = search.search(index, payloadIndex, onePercent, points, q, 5, SearchParams.DEFAULT);
    assertEquals(5, hits.size(), "seed " + SEED);
    assertEquals(0, index.searches.get(), "1% (30 points) is scanned exactly, seed " + SEED);
    Hits viaIndex =
        index.delegate.search(
            q, 5, SearchParams.DEFAULT, ord -> payloads[ord].json().getString("c").equals("c3"));
    assertEquals(viaIndex.toString(), hits.toString(), "seed " + SEED);

    Filter half =
        FilterParser.parse(
            new JsonObject("{\"must\": {\"key\": \"h\", \"match\": {\"value\": true}}}"), "f");
    hits = search.search(index, payloadIndex, half, points, q, 5, SearchParams.DEFAULT);
    assertEquals(5, hits.size());
    assertEquals(1, index.searches.get(), "50% goes through the index, seed " + SEED);

    assertSame(
        Hits.EMPTY, search.search(index, payloadIndex, half, points, q, 0, SearchParams.DEFAULT));
    assertEquals(7, search.search(index, null, null, points, q, 7, SearchParams.DEFAULT).size());
    assertEquals(
        7, search.search(index, null, onePercent, points, q, 7, SearchParams.DEFAULT).size());
    assertEquals(2, index.searches.get() - 1, "no payload index: the index filters");
  }

  @Test
  void thresholds() {
    assertEquals(1_000, new FilteredSearch().scanThreshold(100));
    assertEquals(5_000, new FilteredSearch().scanThreshold(100_000));
    assertThrows(IllegalArgumentException.class, () -> new FilteredSearch(-1, 0.1));
    assertThrows(IllegalArgumentException.class, () -> new FilteredSearch(10, 1.5));
  }
}
