package io.vecdb.collection;

import io.vecdb.filter.Filter;
import io.vecdb.index.SearchParams;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;

/**
 * Executes Qdrant's nearest-neighbour requests (search, search/batch, query, query/batch) and
 * renders their result JSON. Stateless and lock-free; runs on search workers.
 */
public final class SearchRequests {
  private static final int MAX_LIMIT = Limits.SEARCH_HITS;

  private final Collections collections;

  public SearchRequests(Collections collections) {
    this.collections = collections;
  }

  private static final Set<String> SEARCH_FIELDS =
      Set.of(
          "shard_key",
          "vector",
          "filter",
          "params",
          "limit",
          "offset",
          "with_payload",
          "with_vector",
          "score_threshold");

  private static final Set<String> QUERY_FIELDS =
      Set.of(
          "shard_key",
          "prefetch",
          "query",
          "using",
          "filter",
          "params",
          "score_threshold",
          "limit",
          "offset",
          "with_vector",
          "with_payload",
          "lookup_from");

  /** {@code POST /points/search}. */
  public JsonArray search(String name, JsonObject body) {
    Collection c = collections.require(name);
    JsonObject b = requireBody(body);
    JsonFields.onlyKnown(b, "", SEARCH_FIELDS);
    JsonFields.notImplemented(b, "shard_key", "", "custom sharding");
    int limit = (int) JsonFields.integer(b, "limit", "limit", 1, MAX_LIMIT, 10);
    if (b.getValue("vector") instanceof JsonObject named
        && named.getValue("name") instanceof String vectorName
        && c.config().sparse(vectorName) != null) {
      // A NamedSparseVector: {"name": <sparse name>, "vector": {indices, values}}.
      JsonFields.onlyKnown(named, "vector", Set.of("name", "vector"));
      io.vecdb.model.SparseVector q =
          io.vecdb.model.SparseVector.parse(named.getValue("vector"), "vector.vector");
      int offset = (int) JsonFields.integer(b, "offset", "offset", 0, MAX_LIMIT, 0);
      Limits.searchHits(limit, offset);
      params(
          JsonFields.object(b, "params", "params"), "params"); // checked; a sparse search is exact
      Filter filter = c.filter(JsonFields.object(b, "filter", "filter"), "filter");
      Float threshold = JsonFields.number(b, "score_threshold", "score_threshold");
      PayloadSelector payload =
          PayloadSelector.parse(b.getValue("with_payload"), "with_payload", PayloadSelector.NONE);
      VectorSelector withVector = ReadRequests.withVector(b, c.config());
      try (var pinned = c.pinReads()) {
        return PointJson.scored(
            c,
            c.searchSparse(vectorName, q, limit, offset, filter, threshold),
            payload,
            withVector);
      }
    }
    DenseQuery q = searchVector(c, b);
    return run(c, b, q, limit);
  }

  /** A dense query vector and the name of the vector it searches. */
  record DenseQuery(String using, float[] vector) {}

  /**
   * A search's {@code vector}: a vector (searching the vector named {@code ""}), or a NamedVector
   * {@code {"name", "vector"}} of one of the collection's dense vectors.
   */
  static DenseQuery searchVector(Collection c, JsonObject b) {
    Object vector = b.getValue("vector");
    String vectorName = "";
    String path = "vector";
    if (vector instanceof JsonObject named && named.containsKey("vector")) {
      JsonFields.onlyKnown(named, "vector", Set.of("name", "vector"));
      String given = JsonFields.string(named, "name", "vector.name");
      vectorName = given == null ? "" : given;
      vector = named.getValue("vector");
      path = "vector.vector";
    }
    CollectionConfig.DenseParams params =
        c.requireDense(vectorName, path.equals("vector") ? "vector" : "vector.name");
    return new DenseQuery(vectorName, JsonFields.vector(vector, path, params.size()));
  }

  /** {@code POST /points/search/batch}: {@code {"searches": [...]}}. */
  public JsonArray searchBatch(String name, JsonObject body) {
    JsonArray searches = batch(body);
    JsonArray out = new JsonArray();
    for (int i = 0; i < searches.size(); i++) {
      try {
        out.add(search(name, (JsonObject) searches.getValue(i)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("searches[" + i + "]." + e.getMessage(), e);
      }
    }
    return out;
  }

  /**
   * {@code POST /points/query}: Qdrant's Query API ({@link UniversalQuery}): {@code query} is a
   * vector, a point id (whose vector is used; that point is left out of the results), {@code
   * nearest} (with {@code mmr}), a fusion, {@code order_by} or {@code sample}, over the whole
   * collection or over what the {@code prefetch}es found; without {@code query} the points come in
   * id order.
   */
  public JsonObject query(String name, JsonObject body) {
    Collection c = collections.require(name);
    JsonObject b = body == null ? new JsonObject() : body;
    JsonFields.onlyKnown(b, "", QUERY_FIELDS);
    JsonFields.notImplemented(b, "shard_key", "", "custom sharding");
    JsonFields.notImplemented(
        b, "lookup_from", "", "lookup_from (vectors from another collection)");
    int limit = (int) JsonFields.integer(b, "limit", "limit", 1, MAX_LIMIT, 10);
    int offset = (int) JsonFields.integer(b, "offset", "offset", 0, MAX_LIMIT, 0);
    Limits.searchHits(limit, offset);
    PayloadSelector payload =
        PayloadSelector.parse(b.getValue("with_payload"), "with_payload", PayloadSelector.NONE);
    VectorSelector withVector = ReadRequests.withVector(b, c.config());
    SearchParams params = params(JsonFields.object(b, "params", "params"), "params");
    UniversalQuery.Stage root = UniversalQuery.root(c, b, limit + offset, params);
    try (var pinned = c.pinReads()) { // rendered as read (Collection.vectorAsRead)
      List<UniversalQuery.Hit> hits = UniversalQuery.run(c, root);
      List<UniversalQuery.Hit> page = hits.subList(Math.min(offset, hits.size()), hits.size());
      return new JsonObject().put("points", UniversalQuery.render(c, page, payload, withVector));
    }
  }

  /** {@code POST /points/query/batch}: {@code {"searches": [...]}}. */
  public JsonArray queryBatch(String name, JsonObject body) {
    JsonArray searches = batch(body);
    JsonArray out = new JsonArray();
    for (int i = 0; i < searches.size(); i++) {
      try {
        out.add(query(name, (JsonObject) searches.getValue(i)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("searches[" + i + "]." + e.getMessage(), e);
      }
    }
    return out;
  }

  private JsonArray run(Collection c, JsonObject b, DenseQuery q, int limit) {
    int offset = (int) JsonFields.integer(b, "offset", "offset", 0, MAX_LIMIT, 0);
    Limits.searchHits(limit, offset);
    Filter filter = c.filter(JsonFields.object(b, "filter", "filter"), "filter");
    Float threshold = JsonFields.number(b, "score_threshold", "score_threshold");
    PayloadSelector payload =
        PayloadSelector.parse(b.getValue("with_payload"), "with_payload", PayloadSelector.NONE);
    SearchParams params = params(JsonFields.object(b, "params", "params"), "params");
    VectorSelector withVector = ReadRequests.withVector(b, c.config());
    try (var pinned = c.pinReads()) { // rendered as read (Collection.vectorAsRead)
      List<PointView> hits =
          c.search(q.using(), q.vector(), limit, offset, params, filter, threshold);
      return PointJson.scored(c, hits, payload, withVector);
    }
  }

  static SearchParams params(JsonObject p, String path) {
    if (p == null) {
      return SearchParams.DEFAULT;
    }
    // indexed_only is a hint that changes nothing here: every point is indexed as it is written.
    JsonFields.onlyKnown(
        p, path, Set.of("hnsw_ef", "exact", "quantization", "indexed_only", "acorn"));
    JsonFields.notImplemented(p, "acorn", path, "ACORN filtered search");
    JsonFields.bool(p, "indexed_only", path + ".indexed_only");
    int ef = (int) JsonFields.integer(p, "hnsw_ef", path + ".hnsw_ef", 0, 100_000, 0);
    Boolean exact = JsonFields.bool(p, "exact", path + ".exact");
    JsonObject q = JsonFields.object(p, "quantization", path + ".quantization");
    if (q == null) {
      return new SearchParams(ef, exact != null && exact);
    }
    String at = path + ".quantization";
    JsonFields.onlyKnown(q, at, Set.of("ignore", "rescore", "oversampling"));
    Boolean ignore = JsonFields.bool(q, "ignore", at + ".ignore");
    Boolean rescore = JsonFields.bool(q, "rescore", at + ".rescore");
    Object o = q.getValue("oversampling");
    double oversampling = 1.0;
    if (o != null) {
      if (!(o instanceof Number n) || !(n.doubleValue() >= 1.0) || n.doubleValue() > 1000) {
        throw JsonFields.bad(at + ".oversampling", "a number in [1, 1000]", o);
      }
      oversampling = n.doubleValue();
    }
    // Rescoring is on unless turned off (Qdrant leaves the default to the server).
    return new SearchParams(
        ef,
        exact != null && exact,
        ignore != null && ignore,
        rescore == null || rescore,
        oversampling);
  }

  private static JsonArray batch(JsonObject body) {
    JsonArray searches = JsonFields.array(requireBody(body), "searches", "searches");
    if (searches == null) {
      throw new IllegalArgumentException("searches: expected a list of requests");
    }
    Limits.count("searches", searches.size(), Limits.BATCH_SEARCHES, "searches");
    long hits = 0;
    for (int i = 0; i < searches.size(); i++) {
      if (!(searches.getValue(i) instanceof JsonObject one)) {
        throw JsonFields.bad("searches[" + i + "]", "an object", searches.getValue(i));
      }
      String path = "searches[" + i + "]";
      hits +=
          JsonFields.integer(one, "limit", path + ".limit", 1, MAX_LIMIT, 10)
              + JsonFields.integer(one, "offset", path + ".offset", 0, MAX_LIMIT, 0);
      if (hits > Limits.BATCH_HITS) {
        throw new IllegalArgumentException(
            "searches: a batch may ask for at most "
                + Limits.BATCH_HITS
                + " hits in all (limit + offset summed over its searches)");
      }
    }
    return searches;
  }

  static JsonObject requireBody(JsonObject body) {
    if (body == null) {
      throw new IllegalArgumentException("body: expected a JSON object");
    }
    return body;
  }
}
