package io.vecdb.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.index.Distance;
import io.vecdb.index.ExactIndex;
import io.vecdb.index.Hits;
import io.vecdb.index.SearchParams;
import io.vecdb.index.VectorIndex;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * A filtered-search scenario that any {@link VectorIndex} can be run through: seeded random vectors
 * and payloads, payload indexes, 5% of points deleted, then filters matching about 1%, 10% and 50%
 * of points (indexed and unindexed, and one matching fewer than k). For every query it checks that
 * each hit is live and matches the filter, that hits are distinct and sorted best first, that
 * exactly min(k, matching points) come back, and it measures recall@k against an {@link ExactIndex}
 * with the same data (tie-tolerant: a hit counts if it scores at least as well as the k-th true
 * hit). Usage from another package's test:
 *
 * <pre>{@code
 * Map<String, Double> recall = FilteredSearchScenario.run(
 *     (dim, distance) -> new HnswIndex(dim, distance, ...), Distance.COSINE, 5_000, 32, 30, 10,
 *     SearchParams.DEFAULT, 0.95, seed);
 * }</pre>
 */
public final class FilteredSearchScenario {
  private FilteredSearchScenario() {}

  /**
   * Runs the scenario; fails (JUnit assertion, message with the seed) on any violation or if a
   * filter's mean recall is below {@code minRecall}. Returns mean recall by filter name.
   */
  public static Map<String, Double> run(
      BiFunction<Integer, Distance, VectorIndex> factory,
      Distance distance,
      int n,
      int dim,
      int queriesPerFilter,
      int k,
      SearchParams params,
      double minRecall,
      long seed) {
    Random r = new Random(seed);
    VectorIndex index = factory.apply(dim, distance);
    ExactIndex truth = new ExactIndex(dim, distance);
    PointId[] ids = new PointId[n];
    Payload[] payloads = new Payload[n];
    int[] truthOrdinal = new int[n];
    Map<Integer, Integer> pointOfOrdinal = new java.util.HashMap<>();
    for (int i = 0; i < n; i++) {
      float[] v = gaussian(r, dim);
      int ord = index.add(v);
      truthOrdinal[i] = truth.add(v);
      pointOfOrdinal.put(ord, i);
      ids[i] = PointId.of(i + 1L);
      int bucket = r.nextInt(10);
      String group = "g" + r.nextInt(100);
      payloads[i] =
          new Payload(
              new JsonObject()
                  .put("group", group)
                  .put("group_copy", group)
                  .put("bucket", bucket)
                  .put("bucket_text", "b" + bucket)
                  .put("half", r.nextBoolean())
                  .put("price", r.nextDouble() * 100));
    }
    Map<Integer, Integer> pointOf = Map.copyOf(pointOfOrdinal);
    boolean[] deleted = new boolean[n];
    FilteredSearch.PointAccessor accessor =
        ord -> {
          Integer i = pointOf.get(ord);
          return i == null || deleted[i]
              ? null
              : new FilteredSearch.StoredPoint(ids[i], payloads[i]);
        };
    PayloadIndex payloadIndex =
        new PayloadIndex(
            consumer -> {
              for (Map.Entry<Integer, Integer> e : pointOf.entrySet()) {
                if (!deleted[e.getValue()]) {
                  consumer.accept(e.getKey(), payloads[e.getValue()]);
                }
              }
            });
    payloadIndex.createField("group", "keyword");
    payloadIndex.createField("bucket", "integer");
    payloadIndex.createField("half", "bool");
    payloadIndex.createField("price", "float");
    List<Integer> ordinals = new ArrayList<>(pointOf.keySet());
    for (int d = 0; d < n / 20; d++) {
      int ord = ordinals.get(r.nextInt(ordinals.size()));
      int i = pointOf.get(ord);
      if (!deleted[i]) {
        deleted[i] = true;
        index.remove(ord);
        truth.remove(truthOrdinal[i]);
        payloadIndex.onRemove(ord, payloads[i]);
      }
    }
    Map<Integer, Integer> pointOfTruth = new java.util.HashMap<>();
    for (int i = 0; i < n; i++) {
      pointOfTruth.put(truthOrdinal[i], i);
    }

    Map<String, String> filters = new LinkedHashMap<>();
    filters.put(
        "1% keyword (indexed)", "{\"must\": {\"key\": \"group\", \"match\": {\"value\": \"g7\"}}}");
    filters.put(
        "1% group of two (indexed)",
        "{\"must\": [{\"key\": \"group\", \"match\": {\"any\": [\"g1\", \"g2\"]}},"
            + " {\"key\": \"half\", \"match\": {\"value\": true}}]}");
    filters.put(
        "1% indexed narrowed further by unindexed must_not",
        "{\"must\": {\"key\": \"group\", \"match\": {\"any\": [\"g7\", \"g8\"]}},"
            + " \"must_not\": {\"key\": \"bucket_text\", \"match\": {\"any\": [\"b1\", \"b2\", \"b3\"]}}}");
    filters.put(
        "10% integer (indexed)", "{\"must\": {\"key\": \"bucket\", \"match\": {\"value\": 3}}}");
    filters.put(
        "10% range (indexed)",
        "{\"must\": {\"key\": \"price\", \"range\": {\"gte\": 20, \"lt\": 30}}}");
    filters.put(
        "10% keyword (unindexed)",
        "{\"should\": [{\"key\": \"bucket_text\", \"match\": {\"value\": \"b4\"}}]}");
    filters.put(
        "50% bool (indexed)", "{\"must\": {\"key\": \"half\", \"match\": {\"value\": false}}}");
    filters.put(
        "50% must_not (unindexed)",
        "{\"must_not\": {\"key\": \"bucket_text\", \"match\": {\"any\": [\"b0\", \"b2\", \"b4\", \"b6\", \"b8\"]}}}");
    filters.put(
        "under k (indexed)",
        "{\"must\": [{\"key\": \"group\", \"match\": {\"value\": \"g5\"}},"
            + " {\"key\": \"bucket\", \"match\": {\"value\": 2}}]}");

    FilteredSearch search = new FilteredSearch();
    Map<String, Double> recalls = new LinkedHashMap<>();
    for (Map.Entry<String, String> entry : filters.entrySet()) {
      Filter filter = FilterParser.parse(new JsonObject(entry.getValue()), "filter");
      int matching = 0;
      for (int i = 0; i < n; i++) {
        if (!deleted[i] && filter.test(ids[i], payloads[i])) {
          matching++;
        }
      }
      String ctx = "seed " + seed + ", " + distance + ", filter '" + entry.getKey() + "'";
      double recallSum = 0;
      for (int q = 0; q < queriesPerFilter; q++) {
        float[] query = gaussian(r, dim);
        Hits hits = search.search(index, payloadIndex, filter, accessor, query, k, params);
        assertEquals(
            Math.min(k, matching), hits.size(), ctx + ": hit count (" + matching + " match)");
        Set<Integer> seen = new HashSet<>();
        for (int h = 0; h < hits.size(); h++) {
          int ord = hits.ordinal(h);
          assertTrue(seen.add(ord), ctx + ": duplicate hit " + ord);
          FilteredSearch.StoredPoint p = accessor.get(ord);
          assertTrue(p != null && index.isLive(ord), ctx + ": deleted point " + ord + " returned");
          assertTrue(filter.test(p.id(), p.payload()), ctx + ": hit " + p.id() + " does not match");
          assertEquals(index.score(query, ord), hits.score(h), 1e-4f, ctx + ": score of " + ord);
          if (h > 0) {
            assertFalse(
                distance.better(hits.score(h), hits.score(h - 1)), ctx + ": not best first");
          }
        }
        Hits expected =
            truth.search(
                query,
                k,
                SearchParams.DEFAULT,
                tord -> {
                  int i = pointOfTruth.get(tord);
                  return !deleted[i] && filter.test(ids[i], payloads[i]);
                });
        if (expected.size() == 0) {
          recallSum += 1;
          continue;
        }
        float kth = expected.score(expected.size() - 1);
        int good = 0;
        for (int h = 0; h < hits.size(); h++) {
          float s = hits.score(h);
          if (!distance.better(kth, s) || Math.abs(kth - s) <= 1e-5f) {
            good++;
          }
        }
        recallSum += (double) Math.min(good, expected.size()) / expected.size();
      }
      double recall = recallSum / queriesPerFilter;
      recalls.put(entry.getKey(), recall);
      assertTrue(recall >= minRecall, ctx + ": recall " + recall + " < " + minRecall);
    }
    return recalls;
  }

  private static float[] gaussian(Random r, int dim) {
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }
}
