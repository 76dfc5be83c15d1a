package io.vecdb.collection;

import io.vecdb.filter.Filter;
import io.vecdb.model.PointId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Executes Qdrant read requests (collection info, retrieve, scroll, count) against {@link
 * Collections} and renders Qdrant's result JSON. Stateless and lock-free; runs on search workers.
 */
public final class ReadRequests {

  private final Collections collections;

  public ReadRequests(Collections collections) {
    this.collections = collections;
  }

  public JsonObject list() {
    JsonArray out = new JsonArray();
    for (String name : collections.names()) {
      out.add(new JsonObject().put("name", name));
    }
    return new JsonObject().put("collections", out);
  }

  /** {@code GET /aliases}: every live alias. */
  public JsonObject aliases() {
    return aliasList(null);
  }

  /** {@code GET /collections/{name}/aliases}: the live aliases of one collection. */
  public JsonObject aliases(String name) {
    return aliasList(collections.require(name).name());
  }

  private JsonObject aliasList(String only) {
    JsonArray out = new JsonArray();
    for (Map.Entry<String, String> e : collections.aliases().entrySet()) {
      if (only == null || only.equals(e.getValue())) {
        out.add(
            new JsonObject().put("alias_name", e.getKey()).put("collection_name", e.getValue()));
      }
    }
    return new JsonObject().put("aliases", out);
  }

  public JsonObject exists(String name) {
    return new JsonObject().put("exists", collections.get(name) != null);
  }

  public JsonObject info(String name) {
    Collection c = collections.require(name);
    JsonObject schema = new JsonObject();
    for (Map.Entry<String, String> e : c.payloadSchema().entrySet()) {
      io.vecdb.filter.IndexSpec spec = io.vecdb.filter.IndexSpec.parse(e.getValue());
      schema.put(
          e.getKey(),
          new JsonObject()
              .put("data_type", spec.schema().qdrantName())
              .put("params", spec.params()) // Qdrant: typed params
              .put("points", Math.max(0, c.indexedPoints(e.getKey()))));
    }
    int size = c.size();
    String error = c.optimizerError();
    // Qdrant's convention: yellow while optimizing; optimizer_status "ok" or {"error": ...}.
    return new JsonObject()
        .put("status", error != null ? "red" : c.optimizing() ? "yellow" : "green")
        .put("optimizer_status", error == null ? "ok" : new JsonObject().put("error", error))
        .put("vectors_count", size)
        .put("indexed_vectors_count", size)
        .put("points_count", size)
        .put("segments_count", 1)
        .put("config", c.config().toJson())
        .put("payload_schema", schema);
  }

  /**
   * {@code GET /collections/{name}/cluster} on a single node, in Qdrant's shape: one local shard
   * holding every point.
   */
  public JsonObject clusterInfo(String name) {
    Collection c = collections.require(name);
    return new JsonObject()
        .put("peer_id", 0)
        .put("shard_count", 1)
        .put(
            "local_shards",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("shard_id", 0)
                        .put("points_count", c.size())
                        .put("state", "Active")))
        .put("remote_shards", new JsonArray())
        .put("shard_transfers", new JsonArray());
  }

  /** {@code POST /points}: {@code {"ids": [...], "with_payload", "with_vector"}}. */
  public JsonArray retrieve(String name, JsonObject body) {
    Collection c = collections.require(name);
    JsonObject b = body == null ? new JsonObject() : body;
    JsonFields.onlyKnown(b, "", Set.of("shard_key", "ids", "with_payload", "with_vector"));
    JsonFields.notImplemented(b, "shard_key", "", "custom sharding");
    JsonArray ids = JsonFields.array(b, "ids", "ids");
    if (ids == null) {
      throw new IllegalArgumentException("ids: expected a list of point ids");
    }
    Limits.count("ids", ids.size(), Limits.POINTS_PER_REQUEST, "ids");
    PayloadSelector payload =
        PayloadSelector.parse(b.getValue("with_payload"), "with_payload", PayloadSelector.ALL);
    VectorSelector withVector = withVector(b, c.config());
    JsonArray out = new JsonArray();
    // Every read renders inside the read section it ran in: a point overwritten meanwhile is
    // shown whole as it was read (Collection.vectorAsRead).
    try (var pinned = c.pinReads()) {
      for (int i = 0; i < ids.size(); i++) {
        PointView p = c.point(PointId.parse(ids.getValue(i), "ids[" + i + "]"));
        if (p != null) {
          out.add(PointJson.record(c, p, payload, withVector));
        }
      }
    }
    return out;
  }

  /** {@code GET /points/{id}}: the id as it appears in the path (digits or a UUID). */
  public JsonObject point(String name, String idText) {
    Collection c = collections.require(name);
    PointId id = parsePathId(idText);
    try (var pinned = c.pinReads()) {
      PointView p = c.point(id);
      if (p == null) {
        throw VecdbException.notFound("No point with id " + id + " found");
      }
      return PointJson.record(c, p, PayloadSelector.ALL, VectorSelector.ALL);
    }
  }

  public static PointId parsePathId(String text) {
    if (!text.isEmpty() && text.chars().allMatch(Character::isDigit)) {
      try {
        return PointId.parse(new java.math.BigInteger(text), "id");
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "id: invalid point id \"" + text + "\", expected an unsigned 64-bit integer or a UUID");
      }
    }
    return PointId.parse(text, "id");
  }

  /** {@code POST /points/scroll}. */
  public JsonObject scroll(String name, JsonObject body) {
    Collection c = collections.require(name);
    JsonObject b = body == null ? new JsonObject() : body;
    JsonFields.onlyKnown(
        b,
        "",
        Set.of(
            "shard_key", "offset", "limit", "filter", "with_payload", "with_vector", "order_by"));
    JsonFields.notImplemented(b, "shard_key", "", "custom sharding");
    int limit = (int) JsonFields.integer(b, "limit", "limit", 1, Limits.SCROLL_PAGE, 10);
    Filter filter = c.filter(JsonFields.object(b, "filter", "filter"), "filter");
    PayloadSelector payload =
        PayloadSelector.parse(b.getValue("with_payload"), "with_payload", PayloadSelector.ALL);
    VectorSelector withVector = withVector(b, c.config());
    try (var pinned = c.pinReads()) {
      Object orderBy = b.getValue("order_by");
      JsonArray out = new JsonArray();
      if (orderBy != null) {
        if (b.getValue("offset") != null) {
          throw new IllegalArgumentException("offset: cannot be used together with order_by");
        }
        // A nested key resolves as in filters (meta.rank, items[].price); no payload index needed.
        UniversalQuery.OrderBy order = UniversalQuery.orderBy(orderBy, "order_by");
        List<UniversalQuery.Hit> all = new ArrayList<>();
        for (PointView p : c.all(filter)) {
          all.add(new UniversalQuery.Hit(p, 0f, null));
        }
        for (UniversalQuery.Hit h : UniversalQuery.ordered(all, order, limit)) {
          out.add(
              PointJson.record(c, h.point(), payload, withVector)
                  .put("order_value", UniversalQuery.orderValue(h.orderValue())));
        }
        return new JsonObject().put("points", out).putNull("next_page_offset");
      }
      Object offset = b.getValue("offset");
      PointId from = offset == null ? null : PointId.parse(offset, "offset");
      Collection.Page page = c.scroll(from, limit, filter);
      Runnable hook = afterScrollRead;
      if (hook != null) {
        hook.run();
      }
      for (PointView p : page.points()) {
        out.add(PointJson.record(c, p, payload, withVector));
      }
      return new JsonObject()
          .put("points", out)
          .put("next_page_offset", page.next() == null ? null : page.next().toJson());
    }
  }

  /** Tests only: runs in a scroll between the read of its points and their rendering. */
  static volatile Runnable afterScrollRead;

  /** {@code POST /points/count}. Always exact. */
  public JsonObject count(String name, JsonObject body) {
    Collection c = collections.require(name);
    JsonObject b = body == null ? new JsonObject() : body;
    JsonFields.onlyKnown(b, "", Set.of("shard_key", "filter", "exact"));
    JsonFields.notImplemented(b, "shard_key", "", "custom sharding");
    JsonFields.bool(b, "exact", "exact");
    Filter filter = c.filter(JsonFields.object(b, "filter", "filter"), "filter");
    return new JsonObject().put("count", c.count(filter));
  }

  static VectorSelector withVector(JsonObject b, CollectionConfig config) {
    return VectorSelector.parse(b.getValue("with_vector"), "with_vector", config);
  }
}
