package io.vecdb.collection;

import io.vecdb.model.SparseVector;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The inverted index of one sparse vector name: dimension to the ordinals of the points with a
 * value there. The values themselves stay with the points ({@link StoredPoint#sparse}), so a search
 * scores each candidate from the one point record it reads: a point rewritten meanwhile is scored
 * whole, old or new, never mixed. Searches are exact (every candidate sharing a dimension with the
 * query is scored).
 *
 * <p>Concurrency: {@link #add} and {@link #remove} run on the collection's apply lane only; readers
 * ({@link #candidates}, {@link #documentFrequency}, {@link #vectors}) run on any thread without
 * locks: the map and its sets are concurrent, and a reader may see a write half done (it then finds
 * a superset or a subset of one point's dimensions, and rescores from the point record).
 */
final class SparseIndex {
  private final ConcurrentHashMap<Integer, Set<Integer>> postings = new ConcurrentHashMap<>();
  private volatile int vectors;

  /** Lane only: ordinal {@code ord} now holds {@code v}. */
  void add(int ord, SparseVector v) {
    for (int i = 0; i < v.size(); i++) {
      postings.computeIfAbsent(v.index(i), d -> ConcurrentHashMap.newKeySet()).add(ord);
    }
    vectors = vectors + 1;
  }

  /** Lane only: ordinal {@code ord} no longer holds {@code v}. */
  void remove(int ord, SparseVector v) {
    for (int i = 0; i < v.size(); i++) {
      Set<Integer> p = postings.get(v.index(i));
      if (p != null) {
        p.remove(ord);
        if (p.isEmpty()) {
          postings.remove(v.index(i), p);
        }
      }
    }
    vectors = vectors - 1;
  }

  /** Points holding a vector of this name. */
  int vectors() {
    return vectors;
  }

  /** Points with a value at {@code dim}. */
  int documentFrequency(int dim) {
    Set<Integer> p = postings.get(dim);
    return p == null ? 0 : p.size();
  }

  /** The ordinals of points sharing a dimension with {@code query} (each at most once). */
  java.util.Collection<Integer> candidates(SparseVector query) {
    if (query.size() == 1) {
      Set<Integer> p = postings.get(query.index(0));
      return p == null ? Set.of() : p;
    }
    Set<Integer> out = new java.util.HashSet<>();
    for (int i = 0; i < query.size(); i++) {
      Set<Integer> p = postings.get(query.index(i));
      if (p != null) {
        out.addAll(p);
      }
    }
    return out;
  }

  /**
   * Qdrant's IDF weight of a dimension: {@code ln((N - n + 0.5) / (n + 0.5) + 1)}, {@code N} the
   * points with a vector of this name, {@code n} those with a value at the dimension.
   */
  double idf(int dim) {
    double n = documentFrequency(dim);
    double total = Math.max(vectors, n);
    return Math.log((total - n + 0.5) / (n + 0.5) + 1);
  }

  /** Applies {@code change} (name to vector) to the indexes in {@code all}; lane only. */
  static void onUpsert(Map<String, SparseIndex> all, int ord, Map<String, SparseVector> change) {
    change.forEach((name, v) -> all.computeIfAbsent(name, n -> new SparseIndex()).add(ord, v));
  }

  static void onRemove(Map<String, SparseIndex> all, int ord, Map<String, SparseVector> gone) {
    gone.forEach(
        (name, v) -> {
          SparseIndex idx = all.get(name);
          if (idx != null) {
            idx.remove(ord, v);
          }
        });
  }
}
