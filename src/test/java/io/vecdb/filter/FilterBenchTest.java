package io.vecdb.filter;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.index.Distance;
import io.vecdb.index.ExactIndex;
import io.vecdb.index.Hits;
import io.vecdb.index.SearchParams;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.json.JsonObject;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Figures for payload indexes and filtered search (run with -Pslow); prints, checks sanity. */
@Tag("slow")
class FilterBenchTest {
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  @Test
  void measure() {
    int n = Integer.getInteger("bench.n", 200_000);
    int dim = 64;
    Random r = new Random(SEED);
    ExactIndex index = new ExactIndex(dim, Distance.COSINE);
    Payload[] payloads = new Payload[n];
    for (int i = 0; i < n; i++) {
      float[] v = new float[dim];
      for (int d = 0; d < dim; d++) {
        v[d] = (float) r.nextGaussian();
      }
      index.add(v);
      payloads[i] =
          new Payload(
              new JsonObject()
                  .put("group", "g" + r.nextInt(100))
                  .put("bucket", r.nextInt(10))
                  .put("price", r.nextDouble() * 1000)
                  .put("half", r.nextBoolean()));
    }
    PayloadIndex pi =
        new PayloadIndex(
            c -> {
              for (int i = 0; i < n; i++) {
                c.accept(i, payloads[i]);
              }
            });
    for (String[] f :
        new String[][] {
          {"group", "keyword"}, {"bucket", "integer"}, {"price", "float"}, {"half", "bool"}
        }) {
      long t0 = System.nanoTime();
      long before = pi.ramBytesUsed();
      pi.createField(f[0], f[1]);
      System.out.printf(
          "bench n=%d createField %s (%s): %.0f ms, %.1f bytes/point%n",
          n, f[0], f[1], (System.nanoTime() - t0) / 1e6, (pi.ramBytesUsed() - before) / (double) n);
    }
    FilteredSearch.PointAccessor points =
        ord -> new FilteredSearch.StoredPoint(PointId.of(ord), payloads[ord]);
    FilteredSearch search = new FilteredSearch();
    String[][] filters = {
      {"1% keyword", "{\"must\": {\"key\": \"group\", \"match\": {\"value\": \"g7\"}}}"},
      {
        "1% float range", "{\"must\": {\"key\": \"price\", \"range\": {\"gte\": 100, \"lt\": 110}}}"
      },
      {
        "0.5% keyword+bool",
        "{\"must\": [{\"key\": \"group\", \"match\": {\"value\": \"g7\"}}, {\"key\": \"half\", \"match\": {\"value\": true}}]}"
      },
      {"10% integer", "{\"must\": {\"key\": \"bucket\", \"match\": {\"value\": 3}}}"},
      {"50% bool", "{\"must\": {\"key\": \"half\", \"match\": {\"value\": true}}}"},
    };
    for (String[] f : filters) {
      Filter filter = FilterParser.parse(new JsonObject(f[1]), "filter");
      int queries = 30;
      long planNs = 0;
      long searchNs = 0;
      for (int q = 0; q < queries; q++) {
        float[] query = new float[dim];
        for (int d = 0; d < dim; d++) {
          query[d] = (float) r.nextGaussian();
        }
        long t0 = System.nanoTime();
        pi.candidates(filter, search.scanThreshold(index.size()));
        long t1 = System.nanoTime();
        Hits hits = search.search(index, pi, filter, points, query, 10, SearchParams.DEFAULT);
        long t2 = System.nanoTime();
        if (q > 4) { // first five are warm-up
          planNs += t1 - t0;
          searchNs += t2 - t1;
        }
        assertTrue(hits.size() == 10, "seed " + SEED);
      }
      System.out.printf(
          "bench n=%d %-18s estimate %s, candidates %.3f ms, filtered search k=10 %.2f ms%n",
          n,
          f[0],
          pi.estimate(filter, n),
          planNs / 1e6 / (queries - 5),
          searchNs / 1e6 / (queries - 5));
    }
    Filter complex =
        FilterParser.parse(
            new JsonObject(
                "{\"must\": [{\"key\": \"group\", \"match\": {\"any\": [\"g1\", \"g2\", \"g3\"]}}],"
                    + " \"should\": [{\"key\": \"price\", \"range\": {\"gt\": 500}}, {\"key\": \"half\", \"match\": {\"value\": true}}],"
                    + " \"must_not\": {\"key\": \"bucket\", \"match\": {\"value\": 4}}}"),
            "filter");
    int matched = 0;
    long t0 = System.nanoTime();
    for (int rep = 0; rep < 3; rep++) {
      for (int i = 0; i < n; i++) {
        matched += complex.test(PointId.of(i), payloads[i]) ? 1 : 0;
      }
    }
    double ns = (System.nanoTime() - t0) / (3.0 * n);
    System.out.printf(
        "bench Filter.test (3 clauses, 5 conditions): %.0f ns per point (%d matched)%n",
        ns, matched / 3);
  }
}
