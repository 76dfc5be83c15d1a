package io.vecdb.collection;

import io.vecdb.filter.Filter;
import io.vecdb.filter.PayloadKeys;
import io.vecdb.index.SearchParams;
import io.vecdb.model.PointId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Qdrant's grouped searches ({@code POST /points/search/groups}, {@code /points/query/groups}): the
 * best hits bucketed by a payload key's value ({@code group_by}; strings and integers, a point with
 * several values joins each of their groups), at most {@code group_size} hits per group, the {@code
 * limit} groups whose best hit is best, each optionally with the point of another collection whose
 * id is the group's value ({@code with_lookup}).
 *
 * <p>The hits come from an ordinary search (or query) asked for more and more of them, {@code limit
 * * group_size * 2} first and four times as many each round, until the first {@code limit} groups
 * are full or the search has no more hits, within {@link Limits#SEARCH_HITS}: groups are made of at
 * most that many best hits. Stateless; runs on search workers.
 */
public final class GroupRequests {
  private static final Set<String> SEARCH_GROUP_FIELDS =
      Set.of(
          "shard_key",
          "vector",
          "filter",
          "params",
          "with_payload",
          "with_vector",
          "score_threshold",
          "group_by",
          "group_size",
          "limit",
          "with_lookup");

  private static final Set<String> QUERY_GROUP_FIELDS =
      Set.of(
          "shard_key",
          "prefetch",
          "query",
          "using",
          "filter",
          "params",
          "score_threshold",
          "with_vector",
          "with_payload",
          "lookup_from",
          "group_by",
          "group_size",
          "limit",
          "with_lookup");

  private final Collections collections;

  public GroupRequests(Collections collections) {
    this.collections = collections;
  }

  /** {@code POST /points/search/groups}. */
  public JsonObject searchGroups(String name, JsonObject body) {
    Collection c = collections.require(name);
    JsonObject b = SearchRequests.requireBody(body);
    JsonFields.onlyKnown(b, "", SEARCH_GROUP_FIELDS);
    JsonFields.notImplemented(b, "shard_key", "", "custom sharding");
    SearchRequests.DenseQuery q = SearchRequests.searchVector(c, b);
    Shape shape = shape(b, true);
    Filter filter = c.filter(JsonFields.object(b, "filter", "filter"), "filter");
    Float threshold = JsonFields.number(b, "score_threshold", "score_threshold");
    SearchParams params = SearchRequests.params(JsonFields.object(b, "params", "params"), "params");
    return groups(
        c,
        b,
        shape,
        k -> {
          List<UniversalQuery.Hit> hits = new ArrayList<>();
          for (PointView p : c.search(q.using(), q.vector(), k, 0, params, filter, threshold)) {
            hits.add(new UniversalQuery.Hit(p, p.score(), null));
          }
          return hits;
        });
  }

  /** {@code POST /points/query/groups}: a Query API request whose top hits are grouped. */
  public JsonObject queryGroups(String name, JsonObject body) {
    Collection c = collections.require(name);
    JsonObject b = body == null ? new JsonObject() : body;
    JsonFields.onlyKnown(b, "", QUERY_GROUP_FIELDS);
    JsonFields.notImplemented(b, "shard_key", "", "custom sharding");
    JsonFields.notImplemented(
        b, "lookup_from", "", "lookup_from (vectors from another collection)");
    Shape shape = shape(b, false);
    SearchParams params = SearchRequests.params(JsonFields.object(b, "params", "params"), "params");
    UniversalQuery.root(c, b, shape.firstFetch(), params); // checks the whole tree now
    return groups(c, b, shape, k -> UniversalQuery.run(c, UniversalQuery.root(c, b, k, params)));
  }

  /** What is grouped how: the key, hits per group, groups, and the lookup (null: none). */
  private record Shape(
      String groupBy,
      Function<JsonObject, List<Object>> values,
      int groupSize,
      int limit,
      Lookup lookup) {
    int firstFetch() {
      return (int) Math.min(Limits.SEARCH_HITS, Math.max(1L, 2L * groupSize * limit));
    }
  }

  private record Lookup(
      Collection collection, PayloadSelector payload, VectorSelector withVector) {}

  private Shape shape(JsonObject b, boolean required) {
    String groupBy = JsonFields.string(b, "group_by", "group_by");
    if (groupBy == null || groupBy.isEmpty()) {
      throw new IllegalArgumentException("group_by: expected a payload key");
    }
    Function<JsonObject, List<Object>> values = PayloadKeys.groupValues(groupBy, "group_by");
    if (required) {
      for (String f : List.of("group_size", "limit")) {
        if (b.getValue(f) == null) {
          throw new IllegalArgumentException(f + ": required, expected an integer >= 1");
        }
      }
    }
    int groupSize =
        (int) JsonFields.integer(b, "group_size", "group_size", 1, Limits.SEARCH_HITS, 3);
    int limit = (int) JsonFields.integer(b, "limit", "limit", 1, Limits.SEARCH_HITS, 10);
    if ((long) groupSize * limit > Limits.SEARCH_HITS) {
      throw new IllegalArgumentException(
          "group_size: group_size * limit may be at most "
              + Limits.SEARCH_HITS
              + ", got "
              + groupSize
              + " * "
              + limit);
    }
    return new Shape(groupBy, values, groupSize, limit, lookup(b.getValue("with_lookup")));
  }

  private Lookup lookup(Object v) {
    if (v == null) {
      return null;
    }
    String name;
    PayloadSelector payload = PayloadSelector.ALL;
    Object wv = null;
    if (v instanceof String s) {
      name = s;
    } else if (v instanceof JsonObject o) {
      JsonFields.onlyKnown(o, "with_lookup", Set.of("collection", "with_payload", "with_vectors"));
      name = JsonFields.string(o, "collection", "with_lookup.collection");
      if (name == null) {
        throw new IllegalArgumentException("with_lookup.collection: expected a collection name");
      }
      payload =
          PayloadSelector.parse(
              o.getValue("with_payload"), "with_lookup.with_payload", PayloadSelector.ALL);
      wv = o.getValue("with_vectors");
    } else {
      throw JsonFields.bad("with_lookup", "a collection name or {collection, ...}", v);
    }
    Collection c = collections.get(name);
    if (c == null) {
      throw VecdbException.notFound("Collection `" + name + "` doesn't exist! (with_lookup)");
    }
    return new Lookup(c, payload, VectorSelector.parse(wv, "with_lookup.with_vectors", c.config()));
  }

  private JsonObject groups(
      Collection c, JsonObject b, Shape shape, IntFunction<List<UniversalQuery.Hit>> fetch) {
    PayloadSelector payload =
        PayloadSelector.parse(b.getValue("with_payload"), "with_payload", PayloadSelector.NONE);
    VectorSelector withVector = ReadRequests.withVector(b, c.config());
    try (var pinned = c.pinReads()) { // rendered as read (Collection.vectorAsRead)
      return groups(c, shape, fetch, payload, withVector);
    }
  }

  private JsonObject groups(
      Collection c,
      Shape shape,
      IntFunction<List<UniversalQuery.Hit>> fetch,
      PayloadSelector payload,
      VectorSelector withVector) {
    Map<Object, List<UniversalQuery.Hit>> groups;
    int k = shape.firstFetch();
    while (true) {
      List<UniversalQuery.Hit> hits = fetch.apply(k);
      groups = bucket(hits, shape);
      boolean exhausted = hits.size() < k || k >= Limits.SEARCH_HITS;
      if (exhausted || firstFull(groups, shape)) {
        break;
      }
      k = (int) Math.min(Limits.SEARCH_HITS, 4L * k);
    }
    JsonArray out = new JsonArray();
    for (Map.Entry<Object, List<UniversalQuery.Hit>> g : groups.entrySet()) {
      if (out.size() == shape.limit()) {
        break;
      }
      JsonObject group =
          new JsonObject()
              .put("id", g.getKey())
              .put("hits", UniversalQuery.render(c, g.getValue(), payload, withVector));
      JsonObject found = shape.lookup() == null ? null : lookup(shape.lookup(), g.getKey());
      if (found != null) {
        group.put("lookup", found);
      }
      out.add(group);
    }
    return new JsonObject().put("groups", out);
  }

  /** Hits by group, groups in the order of their best hit, each at most group_size. */
  private static Map<Object, List<UniversalQuery.Hit>> bucket(
      List<UniversalQuery.Hit> hits, Shape shape) {
    Map<Object, List<UniversalQuery.Hit>> groups = new LinkedHashMap<>();
    for (UniversalQuery.Hit h : hits) {
      for (Object value : shape.values().apply(h.point().payload().json())) {
        List<UniversalQuery.Hit> g = groups.computeIfAbsent(value, x -> new ArrayList<>());
        if (g.size() < shape.groupSize()) {
          g.add(h);
        }
      }
    }
    return groups;
  }

  private static boolean firstFull(Map<Object, List<UniversalQuery.Hit>> groups, Shape shape) {
    if (groups.size() < shape.limit()) {
      return false;
    }
    int n = 0;
    for (List<UniversalQuery.Hit> g : groups.values()) {
      if (n++ == shape.limit()) {
        break;
      }
      if (g.size() < shape.groupSize()) {
        return false;
      }
    }
    return true;
  }

  /** The lookup collection's point whose id is the group's value, or null. */
  private static JsonObject lookup(Lookup l, Object groupId) {
    PointId id;
    try {
      id = PointId.parse(groupId, "group id");
    } catch (IllegalArgumentException e) {
      return null; // a value that is no point id looks nothing up
    }
    PointView p = l.collection().point(id);
    return p == null ? null : PointJson.record(l.collection(), p, l.payload(), l.withVector());
  }
}
