package io.vecdb.collection;

import io.vecdb.filter.Filter;
import io.vecdb.filter.PayloadKeys;
import io.vecdb.index.Distance;
import io.vecdb.index.SearchParams;
import io.vecdb.index.VectorMath;
import io.vecdb.model.PointId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Qdrant's Query API ({@code POST /points/query}) over a collection's vector: a tree of stages,
 * each a {@code query} over the points its {@code prefetch}es found (or, at a leaf, over the whole
 * collection).
 *
 * <p>A stage's {@code query} is {@code nearest} (a vector or a point id; optionally re-ranked by
 * {@code mmr}), a {@code fusion} ({@code rrf}, {@code dbsf}) or {@code rrf} with its {@code k} and
 * {@code weights}, {@code order_by} a payload key, or {@code sample: random}. With prefetches, a
 * nearest query re-scores their points by the stage's vector, order_by sorts them, sample shuffles
 * them and fusion combines their ranked lists. As in Qdrant ({@code planned_query.rs}), a stage's
 * {@code filter} is applied to the leaves below it (merged with theirs), {@code offset} applies to
 * the top stage only, and a prefetch's {@code limit} defaults to 10.
 *
 * <p>The whole request is parsed and checked before any of it runs, so a bad stage anywhere fails
 * the request with nothing searched. Stateless; runs on search workers, with the lock-free reads of
 * {@link Collection}.
 */
final class UniversalQuery {
  /** Qdrant's bound on nested prefetches. */
  static final int MAX_DEPTH = 64;

  /** Qdrant's default RRF constant: score = sum over lists of 1 / (k + rank), rank from 0. */
  static final int DEFAULT_RRF_K = 2;

  private static final Set<String> PREFETCH_FIELDS =
      Set.of(
          "prefetch",
          "query",
          "using",
          "filter",
          "params",
          "score_threshold",
          "limit",
          "lookup_from");

  private UniversalQuery() {}

  /** How a stage scores or orders its points. */
  sealed interface Scoring {}

  /**
   * Nearest to a dense {@code vector} of the dense vector {@code using}, or by the sparse vector
   * {@code using} to {@code sparse} (dot product; {@code vector} null then); {@code exclude}: the
   * point a by-id query took it from.
   */
  record Nearest(
      float[] vector, PointId exclude, Mmr mmr, String using, io.vecdb.model.SparseVector sparse)
      implements Scoring {

    /** Whether a higher score is better (sparse scores are dot products). */
    boolean higherIsBetter(CollectionConfig config) {
      return sparse != null || config.dense(using).distance().higherIsBetter();
    }
  }

  /** Maximal marginal relevance: {@code lambda} = 1 - diversity, over this many candidates. */
  record Mmr(float lambda, int candidates) {}

  /** Reciprocal rank fusion (weights null: all 1), or distribution-based score fusion. */
  record Fusion(boolean rrf, int k, float[] weights) implements Scoring {}

  /** {@code order_by}: a payload key, its direction and optional start. */
  record OrderBy(String key, boolean descending, Double startFrom) implements Scoring {}

  /** {@code sample: random}. */
  record Sample() implements Scoring {}

  /** One stage: its prefetches, scoring, own filter, search params, threshold and limit. */
  record Stage(
      List<Stage> prefetch,
      Scoring query,
      Filter filter,
      SearchParams params,
      Float threshold,
      int limit) {}

  /** A point a stage kept: as read, with its score at this stage and, for order_by, its value. */
  record Hit(PointView point, float score, Double orderValue) {
    Hit rescored(float newScore) {
      return new Hit(point, newScore, orderValue);
    }
  }

  // ---------------------------------------------------------------- parsing

  /**
   * Parses the top stage of a query request (its {@code limit} is already read and includes the
   * offset, which the caller skips).
   */
  static Stage root(Collection c, JsonObject b, int limitWithOffset, SearchParams params) {
    int[] budget = {Limits.BATCH_HITS - limitWithOffset};
    Filter filter = c.filter(JsonFields.object(b, "filter", "filter"), "filter");
    Float threshold = JsonFields.number(b, "score_threshold", "score_threshold");
    List<Stage> prefetch = prefetches(c, b.getValue("prefetch"), "prefetch", 1, budget);
    String using = using(c, b, "");
    Scoring query = scoring(c, b.getValue("query"), "query", limitWithOffset, using);
    return check(new Stage(prefetch, query, filter, params, threshold, limitWithOffset), "");
  }

  private static List<Stage> prefetches(
      Collection c, Object value, String path, int depth, int[] budget) {
    if (value == null) {
      return List.of();
    }
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException(
          path + ": prefetches may nest at most " + MAX_DEPTH + " levels");
    }
    List<Stage> out = new ArrayList<>();
    if (value instanceof JsonObject one) {
      out.add(prefetch(c, one, path, depth, budget));
    } else if (value instanceof JsonArray list) {
      for (int i = 0; i < list.size(); i++) {
        if (!(list.getValue(i) instanceof JsonObject one)) {
          throw JsonFields.bad(path + "[" + i + "]", "a prefetch object", list.getValue(i));
        }
        out.add(prefetch(c, one, path + "[" + i + "]", depth, budget));
      }
    } else {
      throw JsonFields.bad(path, "a prefetch object or a list of them", value);
    }
    return out;
  }

  private static Stage prefetch(Collection c, JsonObject p, String path, int depth, int[] budget) {
    JsonFields.onlyKnown(p, path, PREFETCH_FIELDS);
    JsonFields.notImplemented(
        p, "lookup_from", path, "lookup_from (vectors from another collection)");
    String using = using(c, p, path);
    int limit = (int) JsonFields.integer(p, "limit", path + ".limit", 1, Limits.SEARCH_HITS, 10);
    budget[0] -= limit;
    if (budget[0] < 0) {
      throw new IllegalArgumentException(
          path
              + ".limit: a query may ask for at most "
              + Limits.BATCH_HITS
              + " points in all (limit + offset and every prefetch's limit summed)");
    }
    Filter filter = c.filter(JsonFields.object(p, "filter", path + ".filter"), path + ".filter");
    Float threshold = JsonFields.number(p, "score_threshold", path + ".score_threshold");
    SearchParams params =
        SearchRequests.params(JsonFields.object(p, "params", path + ".params"), path + ".params");
    List<Stage> inner =
        prefetches(c, p.getValue("prefetch"), path + ".prefetch", depth + 1, budget);
    Scoring query = scoring(c, p.getValue("query"), path + ".query", limit, using);
    if (query == null && !inner.isEmpty()) {
      throw new IllegalArgumentException(path + ".query: a prefetch with prefetches needs a query");
    }
    return check(new Stage(inner, query, filter, params, threshold, limit), path);
  }

  /**
   * The vector a stage queries ({@code using}): one of the collection's dense or sparse vectors,
   * {@code ""} when absent (as in Qdrant; a dense query then needs a vector of that name); other
   * names are refused.
   */
  static String using(Collection c, JsonObject b, String path) {
    String at = path.isEmpty() ? "using" : path + ".using";
    String using = JsonFields.string(b, "using", at);
    if (using == null) {
      return "";
    }
    if (c.config().sparse(using) == null && c.config().dense(using) == null) {
      throw new IllegalArgumentException(
          at
              + ": collection `"
              + c.name()
              + "` has no vector named \""
              + using
              + "\"; its vectors are "
              + c.vectorNames());
    }
    return using;
  }

  /** Checks what a stage's parts allow together. */
  private static Stage check(Stage s, String path) {
    String at = path.isEmpty() ? "" : path + ".";
    if (s.prefetch().isEmpty() && s.query() instanceof Fusion) {
      throw new IllegalArgumentException(at + "query: fusion needs prefetches to fuse");
    }
    if (!s.prefetch().isEmpty() && s.query() == null) {
      throw new IllegalArgumentException(at + "query: a query with prefetches needs a query");
    }
    if (s.threshold() != null && (s.query() instanceof OrderBy || s.query() instanceof Sample)) {
      throw new IllegalArgumentException(
          at + "score_threshold: not applicable to an order_by or sample query (no scores)");
    }
    if (s.threshold() != null && s.query() == null) {
      throw new IllegalArgumentException(
          at + "score_threshold: not applicable without a query (no scores)");
    }
    if (s.query() instanceof Fusion f
        && f.weights() != null
        && f.weights().length != s.prefetch().size()) {
      throw new IllegalArgumentException(
          at
              + "query.rrf.weights: expected one weight per prefetch ("
              + s.prefetch().size()
              + "), got "
              + f.weights().length);
    }
    return s;
  }

  private static Scoring scoring(Collection c, Object q, String path, int limit, String using) {
    if (q == null) {
      return null;
    }
    if (q instanceof JsonArray || q instanceof Number || q instanceof String) {
      return nearest(c, q, path, null, using);
    }
    if (q instanceof JsonObject sv && sv.containsKey("indices")) {
      return nearest(c, q, path, null, using); // a sparse vector
    }
    if (!(q instanceof JsonObject o)) {
      throw JsonFields.bad(path, "a vector, a point id or a query object", q);
    }
    for (String unsupported :
        List.of("recommend", "discover", "context", "formula", "relevance_feedback")) {
      if (o.containsKey(unsupported)) {
        throw new IllegalArgumentException(
            path + "." + unsupported + ": this query is not supported by VecDB");
      }
    }
    if (o.containsKey("nearest")) {
      JsonFields.onlyKnown(o, path, Set.of("nearest", "mmr"));
      Mmr mmr = mmr(JsonFields.object(o, "mmr", path + ".mmr"), path + ".mmr", limit);
      if (mmr != null && c.config().sparse(using) != null) {
        throw new IllegalArgumentException(
            path + ".mmr: MMR over a sparse vector is not supported by VecDB");
      }
      return nearest(c, o.getValue("nearest"), path + ".nearest", mmr, using);
    }
    if (o.containsKey("fusion")) {
      JsonFields.onlyKnown(o, path, Set.of("fusion"));
      String f = JsonFields.string(o, "fusion", path + ".fusion");
      if ("rrf".equals(f)) {
        return new Fusion(true, DEFAULT_RRF_K, null);
      }
      if ("dbsf".equals(f)) {
        return new Fusion(false, 0, null);
      }
      throw JsonFields.bad(path + ".fusion", "\"rrf\" or \"dbsf\"", f);
    }
    if (o.containsKey("rrf")) {
      JsonFields.onlyKnown(o, path, Set.of("rrf"));
      JsonObject r = JsonFields.object(o, "rrf", path + ".rrf");
      if (r == null) {
        throw JsonFields.bad(path + ".rrf", "an object", null);
      }
      JsonFields.onlyKnown(r, path + ".rrf", Set.of("k", "weights"));
      int k = (int) JsonFields.integer(r, "k", path + ".rrf.k", 1, 1_000_000, DEFAULT_RRF_K);
      JsonArray w = JsonFields.array(r, "weights", path + ".rrf.weights");
      float[] weights = null;
      if (w != null) {
        weights = new float[w.size()];
        for (int i = 0; i < w.size(); i++) {
          Object x = w.getValue(i);
          if (!(x instanceof Number n)
              || !Double.isFinite(n.doubleValue())
              || n.doubleValue() < 0) {
            throw JsonFields.bad(path + ".rrf.weights[" + i + "]", "a number >= 0", x);
          }
          weights[i] = n.floatValue();
        }
      }
      return new Fusion(true, k, weights);
    }
    if (o.containsKey("order_by")) {
      JsonFields.onlyKnown(o, path, Set.of("order_by"));
      return orderBy(o.getValue("order_by"), path + ".order_by");
    }
    if (o.containsKey("sample")) {
      JsonFields.onlyKnown(o, path, Set.of("sample"));
      String s = JsonFields.string(o, "sample", path + ".sample");
      if (!"random".equals(s)) {
        throw JsonFields.bad(path + ".sample", "\"random\"", s);
      }
      return new Sample();
    }
    throw JsonFields.bad(
        path, "a vector, a point id, or {nearest}, {fusion}, {rrf}, {order_by} or {sample}", q);
  }

  private static Mmr mmr(JsonObject m, String path, int limit) {
    if (m == null) {
      return null;
    }
    JsonFields.onlyKnown(m, path, Set.of("diversity", "candidates_limit"));
    Float diversity = JsonFields.number(m, "diversity", path + ".diversity");
    if (diversity != null && (diversity < 0 || diversity > 1)) {
      throw JsonFields.bad(path + ".diversity", "a number in [0, 1]", diversity);
    }
    int candidates =
        (int)
            JsonFields.integer(m, "candidates_limit", path + ".candidates_limit", 0, 16_384, limit);
    return new Mmr(1f - (diversity == null ? 0.5f : diversity), candidates);
  }

  private static Nearest nearest(Collection c, Object q, String path, Mmr mmr, String using) {
    if (c.config().sparse(using) != null) {
      if (q instanceof JsonObject) {
        return new Nearest(null, null, null, using, io.vecdb.model.SparseVector.parse(q, path));
      }
      if (q instanceof Number || q instanceof String) {
        PointId id = PointId.parse(q, path);
        PointView p = c.point(id);
        io.vecdb.model.SparseVector v = p == null ? null : p.sparse().get(using);
        if (v == null) {
          throw VecdbException.notFound(
              "No point with id " + id + " and a sparse vector \"" + using + "\" found");
        }
        return new Nearest(null, id, null, using, v);
      }
      throw JsonFields.bad(
          path, "a sparse vector {indices, values} (using \"" + using + "\") or a point id", q);
    }
    if (q instanceof JsonObject) {
      throw new IllegalArgumentException(
          path + ": a sparse vector needs \"using\" naming one of the collection's sparse vectors");
    }
    CollectionConfig.DenseParams dense = c.requireDense(using, path + " (using \"" + using + "\")");
    if (q instanceof JsonArray) {
      return new Nearest(JsonFields.vector(q, path, dense.size()), null, mmr, using, null);
    }
    if (q instanceof Number || q instanceof String) {
      PointId id = PointId.parse(q, path);
      PointView p = c.point(id);
      float[] v = p == null ? null : c.vector(using, p);
      if (v == null) {
        throw VecdbException.notFound(
            p == null
                ? "No point with id " + id + " found"
                : "Point " + id + " has no vector \"" + using + "\"");
      }
      return new Nearest(v, id, mmr, using, null);
    }
    throw JsonFields.bad(path, "a vector or a point id", q);
  }

  /** Qdrant's order_by: a key, or {@code {"key", "direction": "asc"|"desc", "start_from"}}. */
  static OrderBy orderBy(Object orderBy, String path) {
    String key;
    boolean desc = false;
    Double startFrom = null;
    if (orderBy instanceof String s) {
      key = s;
    } else if (orderBy instanceof JsonObject o) {
      JsonFields.onlyKnown(o, path, Set.of("key", "direction", "start_from"));
      key = JsonFields.string(o, "key", path + ".key");
      String dir = JsonFields.string(o, "direction", path + ".direction");
      if (dir != null && !dir.equals("asc") && !dir.equals("desc")) {
        throw JsonFields.bad(path + ".direction", "\"asc\" or \"desc\"", dir);
      }
      desc = "desc".equals(dir);
      Float f = JsonFields.number(o, "start_from", path + ".start_from");
      startFrom = f == null ? null : f.doubleValue();
    } else {
      throw JsonFields.bad(path, "a payload key or {\"key\", \"direction\"}", orderBy);
    }
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException(path + ".key: expected a payload key");
    }
    PayloadKeys.numbers(key, path + ".key"); // checks the key's syntax now
    return new OrderBy(key, desc, startFrom);
  }

  // ---------------------------------------------------------------- running

  /** Runs {@code root} on {@code c}: the top stage's hits, best first (offset not yet skipped). */
  static List<Hit> run(Collection c, Stage root) {
    try (var pinned = c.pinReads()) {
      return stage(c, root, null);
    }
  }

  private static List<Hit> stage(Collection c, Stage s, Filter inherited) {
    Filter filter = Filter.and(inherited, s.filter());
    if (s.prefetch().isEmpty()) {
      return leaf(c, s, filter);
    }
    List<List<Hit>> sources = new ArrayList<>(s.prefetch().size());
    for (Stage p : s.prefetch()) {
      sources.add(stage(c, p, filter));
    }
    CollectionConfig config = c.config();
    return switch (s.query()) {
      case Fusion f -> {
        boolean[] higher = new boolean[sources.size()];
        for (int i = 0; i < higher.length; i++) {
          higher[i] =
              !(s.prefetch().get(i).query() instanceof Nearest pn) || pn.higherIsBetter(config);
        }
        yield threshold(f.rrf() ? rrf(sources, f) : dbsf(sources, higher), s, true, s.limit());
      }
      case Nearest n -> {
        List<Hit> rescored = new ArrayList<>();
        for (Hit h : union(sources)) {
          if (n.exclude() != null && h.point().id().equals(n.exclude())) {
            continue;
          }
          float score =
              n.sparse() != null
                  ? c.scoreSparse(n.using(), n.sparse(), h.point())
                  : c.score(n.using(), n.vector(), h.point());
          if (!Float.isNaN(score)) { // NaN: the point changed since the prefetch read it
            rescored.add(new Hit(h.point(), score, null));
          }
        }
        rescored.sort(byScore(n.higherIsBetter(config)));
        List<Hit> kept = threshold(rescored, s, n.higherIsBetter(config), Integer.MAX_VALUE);
        yield n.mmr() == null
            ? first(kept, s.limit())
            : mmr(c, n.using(), first(kept, n.mmr().candidates()), n.mmr(), s.limit());
      }
      case OrderBy o -> ordered(union(sources), o, s.limit());
      case Sample x -> sample(union(sources), s.limit());
    };
  }

  private static List<Hit> leaf(Collection c, Stage s, Filter filter) {
    return switch (s.query()) {
      case null -> {
        List<Hit> out = new ArrayList<>();
        for (PointView p : c.scroll(null, s.limit(), filter).points()) {
          out.add(new Hit(p, 0f, null));
        }
        yield out;
      }
      case Nearest n -> {
        Filter f = n.exclude() == null ? filter : Filter.and(filter, Filter.excluding(n.exclude()));
        int limit = n.mmr() == null ? s.limit() : n.mmr().candidates();
        List<Hit> out = new ArrayList<>();
        if (limit > 0 && n.sparse() != null) {
          for (PointView p : c.searchSparse(n.using(), n.sparse(), limit, 0, f, s.threshold())) {
            out.add(new Hit(p, p.score(), null));
          }
        } else if (limit > 0) {
          for (PointView p :
              c.search(n.using(), n.vector(), limit, 0, s.params(), f, s.threshold())) {
            out.add(new Hit(p, p.score(), null));
          }
        }
        yield n.mmr() == null ? out : mmr(c, n.using(), out, n.mmr(), s.limit());
      }
      case OrderBy o -> {
        List<Hit> all = new ArrayList<>();
        for (PointView p : c.all(filter)) {
          all.add(new Hit(p, 0f, null));
        }
        yield ordered(all, o, s.limit());
      }
      case Sample x -> {
        List<Hit> all = new ArrayList<>();
        for (PointView p : c.all(filter)) {
          all.add(new Hit(p, 0f, null));
        }
        yield sample(all, s.limit());
      }
      case Fusion f ->
          throw new IllegalStateException("fusion without prefetches"); // parse-checked
    };
  }

  /** The sources' points, each once (its first appearance), in source order. */
  private static List<Hit> union(List<List<Hit>> sources) {
    Map<PointId, Hit> seen = new LinkedHashMap<>();
    for (List<Hit> source : sources) {
      for (Hit h : source) {
        seen.putIfAbsent(h.point().id(), h);
      }
    }
    return new ArrayList<>(seen.values());
  }

  private static List<Hit> first(List<Hit> hits, int n) {
    return hits.size() <= n ? hits : new ArrayList<>(hits.subList(0, n));
  }

  /** Best first; ties by id, so an order never depends on which source came first. */
  private static Comparator<Hit> byScore(boolean higherIsBetter) {
    Comparator<Hit> score = Comparator.comparingDouble(Hit::score);
    return (higherIsBetter ? score.reversed() : score)
        .thenComparing(h -> h.point().id(), PointId::compareTo);
  }

  /** The sorted {@code hits} that pass the stage's threshold, at most {@code limit}. */
  private static List<Hit> threshold(List<Hit> hits, Stage s, boolean higherIsBetter, int limit) {
    List<Hit> out = new ArrayList<>(Math.min(hits.size(), limit));
    for (Hit h : hits) {
      if (out.size() == limit) {
        break;
      }
      if (s.threshold() != null
          && (higherIsBetter ? h.score() < s.threshold() : h.score() > s.threshold())) {
        break; // sorted: the rest are worse
      }
      out.add(h);
    }
    return out;
  }

  /**
   * Reciprocal rank fusion (Qdrant's {@code reciprocal_rank_fusion.rs}): a point's score is the sum
   * over the lists it is in of {@code 1 / ((rank + 1) / weight + k - 1)}, rank from 0; with weight
   * 1 that is {@code 1 / (rank + k)}. Only the order of each list counts, not its scores.
   */
  static List<Hit> rrf(List<List<Hit>> sources, Fusion f) {
    Map<PointId, float[]> scores = new HashMap<>();
    Map<PointId, Hit> first = new LinkedHashMap<>();
    for (int s = 0; s < sources.size(); s++) {
      float weight = f.weights() == null ? 1f : f.weights()[s];
      List<Hit> list = sources.get(s);
      for (int rank = 0; rank < list.size(); rank++) {
        Hit h = list.get(rank);
        first.putIfAbsent(h.point().id(), h);
        // A weight of 0 contributes nothing.
        float add = weight <= 0 ? 0f : 1f / ((rank + 1) / weight + f.k() - 1);
        scores.computeIfAbsent(h.point().id(), id -> new float[1])[0] += add;
      }
    }
    List<Hit> out = new ArrayList<>(first.size());
    for (Hit h : first.values()) {
      out.add(new Hit(h.point(), scores.get(h.point().id())[0], null));
    }
    out.sort(byScore(true));
    return out;
  }

  /**
   * Distribution-based score fusion (Qdrant's dbsf): each list's scores are mapped to [0, 1] with
   * its mean +/- 3 sample standard deviations as the ends (a single score becomes 0.5, equal ones
   * 0.5), then summed per point. A list of distances (a nearest stage under Euclid or Manhattan:
   * lower is better) is negated first, so a nearer point always scores higher.
   */
  static List<Hit> dbsf(List<List<Hit>> sources, boolean[] higherIsBetter) {
    Map<PointId, float[]> scores = new HashMap<>();
    Map<PointId, Hit> first = new LinkedHashMap<>();
    for (int s = 0; s < sources.size(); s++) {
      List<Hit> list = sources.get(s);
      int n = list.size();
      double[] x = new double[n];
      for (int i = 0; i < n; i++) {
        x[i] = higherIsBetter[s] ? list.get(i).score() : -list.get(i).score();
      }
      double mean = 0;
      for (double v : x) {
        mean += v;
      }
      mean = n == 0 ? 0 : mean / n;
      double var = 0;
      for (double v : x) {
        var += (v - mean) * (v - mean);
      }
      double sd = n < 2 ? 0 : Math.sqrt(var / (n - 1));
      double lo = mean - 3 * sd;
      double hi = mean + 3 * sd;
      for (int i = 0; i < n; i++) {
        Hit h = list.get(i);
        first.putIfAbsent(h.point().id(), h);
        float norm = hi == lo ? 0.5f : (float) ((x[i] - lo) / (hi - lo));
        scores.computeIfAbsent(h.point().id(), id -> new float[1])[0] += norm;
      }
    }
    List<Hit> out = new ArrayList<>(first.size());
    for (Hit h : first.values()) {
      out.add(new Hit(h.point(), scores.get(h.point().id())[0], null));
    }
    out.sort(byScore(true));
    return out;
  }

  /**
   * Maximal marginal relevance (Carbonell and Goldstein; Qdrant's {@code mmr.rs}): the most
   * relevant candidate first, then each time the one maximising {@code lambda * relevance - (1 -
   * lambda) * max similarity to those already picked}. Relevance and similarity are the
   * collection's distance as a similarity (cosine, dot; negated Euclidean or L1 distance), on the
   * stored vectors. Results keep their query score, as Qdrant's do. Candidates whose point was
   * deleted since they were read are dropped.
   */
  static List<Hit> mmr(Collection c, String using, List<Hit> candidates, Mmr mmr, int limit) {
    Distance distance = c.config().dense(using).distance();
    List<Hit> kept = new ArrayList<>(candidates.size());
    List<float[]> vectors = new ArrayList<>(candidates.size());
    for (Hit h : candidates) {
      float[] v = c.vector(using, h.point());
      if (v != null) {
        kept.add(h);
        vectors.add(v);
      }
    }
    int n = kept.size();
    if (n < 2 || limit == 0) {
      return first(kept, limit);
    }
    float[] relevance = new float[n];
    for (int i = 0; i < n; i++) {
      relevance[i] = distance.higherIsBetter() ? kept.get(i).score() : -kept.get(i).score();
    }
    // maxSim[i]: the highest similarity of candidate i to any picked one, updated per pick (so
    // each pair is compared once: O(limit * n) similarities).
    float[] maxSim = new float[n];
    java.util.Arrays.fill(maxSim, Float.NEGATIVE_INFINITY);
    boolean[] picked = new boolean[n];
    List<Hit> out = new ArrayList<>(Math.min(limit, n));
    int next = 0;
    for (int i = 1; i < n; i++) {
      if (relevance[i] > relevance[next]) {
        next = i;
      }
    }
    while (true) {
      picked[next] = true;
      out.add(kept.get(next));
      if (out.size() == limit || out.size() == n) {
        return out;
      }
      int best = -1;
      float bestScore = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        if (picked[i]) {
          continue;
        }
        maxSim[i] = Math.max(maxSim[i], similarity(distance, vectors.get(i), vectors.get(next)));
        float score = mmr.lambda() * relevance[i] - (1 - mmr.lambda()) * maxSim[i];
        if (best < 0 || score > bestScore) {
          best = i;
          bestScore = score;
        }
      }
      next = best;
    }
  }

  /** Similarity of two stored vectors: higher is more alike. */
  static float similarity(Distance d, float[] a, float[] b) {
    return switch (d) {
      case COSINE, DOT -> VectorMath.dot(a, b);
      case EUCLID -> {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
          double x = a[i] - b[i];
          s += x * x;
        }
        yield (float) -Math.sqrt(s);
      }
      case MANHATTAN -> {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
          s += Math.abs(a[i] - b[i]);
        }
        yield (float) -s;
      }
    };
  }

  /**
   * The hits with a number under the key, by it (a point with several values by its lowest
   * ascending, its highest descending; one without a number is left out), ties by id, from {@code
   * start_from}, at most {@code limit}. Score 0, as in Qdrant; the value is the hit's order value.
   */
  static List<Hit> ordered(List<Hit> hits, OrderBy o, int limit) {
    Function<JsonObject, List<Double>> numbers = PayloadKeys.numbers(o.key(), "order_by.key");
    List<Hit> keyed = new ArrayList<>();
    for (Hit h : hits) {
      List<Double> values = numbers.apply(h.point().payload().json());
      if (values.isEmpty()) {
        continue;
      }
      double v =
          o.descending() ? java.util.Collections.max(values) : java.util.Collections.min(values);
      if (o.startFrom() == null || (o.descending() ? v <= o.startFrom() : v >= o.startFrom())) {
        keyed.add(new Hit(h.point(), 0f, v));
      }
    }
    Comparator<Hit> byValue = Comparator.comparingDouble(Hit::orderValue);
    keyed.sort(
        (o.descending() ? byValue.reversed() : byValue)
            .thenComparing(h -> h.point().id(), PointId::compareTo));
    return first(keyed, limit);
  }

  /** {@code limit} of the hits in random order (a partial Fisher-Yates shuffle), score 0. */
  static List<Hit> sample(List<Hit> hits, int limit) {
    SplittableRandom random = new SplittableRandom();
    int n = Math.min(limit, hits.size());
    List<Hit> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int j = i + random.nextInt(hits.size() - i);
      Hit h = hits.get(j);
      hits.set(j, hits.get(i));
      hits.set(i, h);
      out.add(new Hit(h.point(), 0f, null));
    }
    return out;
  }

  /** Renders hits as Qdrant's ScoredPoint JSON, with {@code order_value} for order_by hits. */
  static JsonArray render(
      Collection c, List<Hit> hits, PayloadSelector payload, VectorSelector withVector) {
    JsonArray out = new JsonArray();
    for (Hit h : hits) {
      PointView p = h.point();
      JsonObject one = PointJson.scored(c, p.withScore(h.score()), payload, withVector);
      if (h.orderValue() != null) {
        one.put("order_value", orderValue(h.orderValue()));
      }
      out.add(one);
    }
    return out;
  }

  /** An order value as Qdrant shows it: an integer when it is one, else a number. */
  static Object orderValue(double v) {
    return v == Math.rint(v) && Math.abs(v) < 0x1p53 ? (Object) (long) v : (Object) v;
  }
}
