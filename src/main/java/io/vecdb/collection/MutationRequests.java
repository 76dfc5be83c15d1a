package io.vecdb.collection;

import io.vecdb.collection.Operation.ClearPayload;
import io.vecdb.collection.Operation.CreateCollection;
import io.vecdb.collection.Operation.CreateFieldIndex;
import io.vecdb.collection.Operation.DeleteCollection;
import io.vecdb.collection.Operation.DeleteFieldIndex;
import io.vecdb.collection.Operation.DeletePayloadKeys;
import io.vecdb.collection.Operation.DeletePoints;
import io.vecdb.collection.Operation.OverwritePayload;
import io.vecdb.collection.Operation.SetPayload;
import io.vecdb.collection.Operation.UpdateCollection;
import io.vecdb.collection.Operation.UpsertPoints;
import io.vecdb.filter.IndexSpec;
import io.vecdb.filter.PayloadSchema;
import io.vecdb.filter.TextIndex;
import io.vecdb.model.PointId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Turns Qdrant request bodies into {@link Operation}s, validating everything against the current
 * state first, so a bad request is rejected whole before anything is logged. Stateless; any thread.
 */
public final class MutationRequests {

  private final Collections collections;

  public MutationRequests(Collections collections) {
    this.collections = collections;
  }

  public Operation createCollection(String name, JsonObject body) {
    Validation.checkCollectionName(name);
    CollectionConfig.checkCreateRequest(body);
    CollectionConfig config = CollectionConfig.parse(body);
    if (collections.get(name) != null) {
      throw new VecdbException(ErrorCode.CONFLICT, "Collection `" + name + "` already exists!");
    }
    return new CreateCollection(name, config);
  }

  /** Whether collection {@code name} exists now (a delete of a missing one answers false). */
  public boolean exists(String name) {
    return collections.get(name) != null;
  }

  public Operation deleteCollection(String name) {
    collections.require(name);
    return new DeleteCollection(name);
  }

  public Operation updateCollection(String name, JsonObject body) {
    Collection c = collections.require(name);
    JsonObject b = body == null ? new JsonObject() : body;
    JsonFields.onlyKnown(
        b,
        "",
        Set.of(
            "vectors",
            "optimizers_config",
            "params",
            "hnsw_config",
            "quantization_config",
            "sparse_vectors",
            "strict_mode_config",
            "metadata"));
    JsonFields.notImplemented(b, "vectors", "", "changing vector parameters");
    JsonFields.notImplemented(b, "params", "", "changing collection params");
    CollectionConfig.refuseUnimplemented(b);
    JsonObject hnsw = JsonFields.object(b, "hnsw_config", "hnsw_config");
    JsonObject optimizers = JsonFields.object(b, "optimizers_config", "optimizers_config");
    CollectionConfig.checkUpdateRequest(hnsw, optimizers);
    c.config().update(hnsw, optimizers); // validates
    return new UpdateCollection(
        name, hnsw == null ? null : hnsw.copy(), optimizers == null ? null : optimizers.copy());
  }

  /**
   * {@code {"points": [{id, vector, payload}]}} or {@code {"batch": {ids, vectors, payloads}}},
   * streamed from the raw body (see {@link UpsertParser}).
   */
  public Operation upsert(String name, io.vertx.core.buffer.Buffer body) {
    CollectionConfig config = collections.require(name).config();
    UpsertParser.Request r = UpsertParser.parseRequest(body, config);
    return new UpsertPoints(name, r.points(), r.mode(), r.updateFilter());
  }

  public Operation deletePoints(String name, JsonObject body) {
    collections.require(name);
    return new DeletePoints(name, selector(known(body, SELECTOR)));
  }

  public Operation setPayload(String name, JsonObject body) {
    collections.require(name);
    JsonObject b = known(body, SET_PAYLOAD);
    JsonObject payload = payloadField(b);
    String key = JsonFields.string(b, "key", "key");
    return new SetPayload(name, selector(b), payload, key);
  }

  public Operation overwritePayload(String name, JsonObject body) {
    collections.require(name);
    JsonObject b = known(body, SET_PAYLOAD);
    JsonFields.notImplemented(b, "key", "", "overwriting under a nested key");
    return new OverwritePayload(name, selector(b), payloadField(b));
  }

  public Operation deletePayload(String name, JsonObject body) {
    collections.require(name);
    JsonObject b = known(body, DELETE_PAYLOAD);
    JsonArray keys = JsonFields.array(b, "keys", "keys");
    if (keys == null) {
      throw new IllegalArgumentException("keys: expected a list of payload keys");
    }
    List<String> list = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      if (!(keys.getValue(i) instanceof String s)) {
        throw JsonFields.bad("keys[" + i + "]", "a string", keys.getValue(i));
      }
      list.add(s);
    }
    return new DeletePayloadKeys(name, selector(b), list);
  }

  /** Operations in one {@code POST /points/batch}. */
  public static final int MAX_BATCH_OPERATIONS = 1_000;

  /**
   * {@code POST /points/batch}: {@code {"operations": [{"upsert": {...}}, {"delete": {...}},
   * {"set_payload": {...}}, {"overwrite_payload": {...}}, {"delete_payload": {...}},
   * {"clear_payload": {...}}]}}, each validated as its own endpoint validates it; one bad operation
   * refuses the whole request. Vector updates are refused (one vector per point).
   */
  public Operation batch(String name, JsonObject body) {
    collections.require(name);
    JsonObject b = known(body, Set.of("operations"));
    JsonArray list = JsonFields.array(b, "operations", "operations");
    if (list == null || list.isEmpty()) {
      throw new IllegalArgumentException("operations: expected a non-empty list of operations");
    }
    Limits.count("operations", list.size(), MAX_BATCH_OPERATIONS, "operations");
    List<Operation> ops = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      String at = "operations[" + i + "]";
      if (!(list.getValue(i) instanceof JsonObject o) || o.size() != 1) {
        throw JsonFields.bad(
            at,
            "an object with one of upsert, delete, set_payload, overwrite_payload, delete_payload,"
                + " clear_payload",
            list.getValue(i));
      }
      String kind = o.fieldNames().iterator().next();
      if (!(o.getValue(kind) instanceof JsonObject inner)) {
        throw JsonFields.bad(at + "." + kind, "an object", o.getValue(kind));
      }
      try {
        ops.add(
            switch (kind) {
              case "upsert" -> upsert(name, inner.toBuffer());
              case "delete" -> deletePoints(name, inner);
              case "set_payload" -> setPayload(name, inner);
              case "overwrite_payload" -> overwritePayload(name, inner);
              case "delete_payload" -> deletePayload(name, inner);
              case "clear_payload" -> clearPayload(name, inner);
              case "update_vectors", "delete_vectors" ->
                  throw new IllegalArgumentException(
                      "named vector updates are not supported by VecDB (one vector per point)");
              default ->
                  throw new IllegalArgumentException(
                      "unknown operation; expected one of upsert, delete, set_payload,"
                          + " overwrite_payload, delete_payload, clear_payload");
            });
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(at + "." + kind + ": " + e.getMessage(), e);
      }
    }
    return new Operation.Batch(name, ops);
  }

  public Operation clearPayload(String name, JsonObject body) {
    collections.require(name);
    return new ClearPayload(name, selector(known(body, SELECTOR)));
  }

  /** {@code {"field_name": "city", "field_schema": "keyword" | {"type": "keyword", ...}}}. */
  public Operation createFieldIndex(String name, JsonObject body) {
    collections.require(name);
    JsonObject b = known(body, Set.of("field_name", "field_schema"));
    String field = JsonFields.string(b, "field_name", "field_name");
    if (field == null || field.isEmpty()) {
      throw new IllegalArgumentException("field_name: expected a payload key");
    }
    Object schema = b.getValue("field_schema");
    JsonObject params = null;
    if (schema instanceof JsonObject o) {
      JsonFields.onlyKnown(
          o,
          "field_schema",
          Set.of(
              "type",
              "is_tenant",
              "is_principal",
              "on_disk",
              "lookup",
              "range",
              "enable_hnsw",
              "tokenizer",
              "min_token_len",
              "max_token_len",
              "lowercase",
              "ascii_folding",
              "phrase_matching",
              "stopwords",
              "stemmer"));
      for (String flag : List.of("is_tenant", "is_principal", "on_disk")) {
        if (Boolean.TRUE.equals(JsonFields.bool(o, flag, "field_schema." + flag))) {
          throw new IllegalArgumentException(
              "field_schema." + flag + ": not supported by VecDB (payload indexes are in RAM)");
        }
      }
      params = o;
      schema = o.getValue("type");
    }
    if (!(schema instanceof String type)) {
      throw JsonFields.bad(
          "field_schema",
          "a schema name (keyword, integer, float, bool, text, uuid, datetime, geo)",
          b.getValue("field_schema"));
    }
    PayloadSchema parsed;
    try {
      parsed = PayloadSchema.parse(type);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("field_schema: " + e.getMessage());
    }
    if (parsed != PayloadSchema.TEXT && params != null) {
      for (String textOnly :
          List.of(
              "tokenizer",
              "min_token_len",
              "max_token_len",
              "lowercase",
              "ascii_folding",
              "phrase_matching",
              "stopwords",
              "stemmer")) {
        if (params.getValue(textOnly) != null) {
          throw new IllegalArgumentException(
              "field_schema." + textOnly + ": only a text index has it, not " + type);
        }
      }
    }
    // A text index's tokenizer travels in the logged schema string (IndexSpec).
    String spec =
        parsed == PayloadSchema.TEXT
            ? new IndexSpec(parsed, TextIndex.parse(params, "field_schema")).encode()
            : parsed.qdrantName();
    return new CreateFieldIndex(name, field, spec);
  }

  public Operation deleteFieldIndex(String name, String field) {
    Collection c = collections.require(name);
    if (!c.payloadSchema().containsKey(field)) {
      throw VecdbException.notFound("field index `" + field + "` doesn't exist in `" + name + "`");
    }
    return new DeleteFieldIndex(name, field);
  }

  private static JsonObject payloadField(JsonObject b) {
    JsonObject payload = JsonFields.object(b, "payload", "payload");
    if (payload == null) {
      throw new IllegalArgumentException("payload: expected an object");
    }
    return payload.copy();
  }

  /** Qdrant's PointsSelector: {@code points} (ids) or {@code filter}. */
  private static PointSelector selector(JsonObject b) {
    JsonArray ids = JsonFields.array(b, "points", "points");
    JsonObject filter = JsonFields.object(b, "filter", "filter");
    if ((ids == null) == (filter == null)) {
      throw new IllegalArgumentException(
          "body: expected exactly one of \"points\" (ids) or \"filter\"");
    }
    if (filter != null) {
      Validation.filter(filter, "filter");
      return PointSelector.filter(filter.copy());
    }
    Limits.count("points", ids.size(), Limits.POINTS_PER_REQUEST, "point ids");
    List<PointId> list = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      list.add(PointId.parse(ids.getValue(i), "points[" + i + "]"));
    }
    return PointSelector.ids(list);
  }

  private static final Set<String> SELECTOR = Set.of("points", "filter", "shard_key");
  private static final Set<String> SET_PAYLOAD =
      Set.of("payload", "points", "filter", "shard_key", "key");
  private static final Set<String> DELETE_PAYLOAD = Set.of("keys", "points", "filter", "shard_key");

  /** The body, once it is known to hold only {@code fields} and no shard key. */
  private static JsonObject known(JsonObject body, Set<String> fields) {
    JsonObject b = require(body);
    JsonFields.onlyKnown(b, "", fields);
    JsonFields.notImplemented(b, "shard_key", "", "custom sharding");
    return b;
  }

  private static JsonObject require(JsonObject body) {
    if (body == null) {
      throw new IllegalArgumentException("body: expected a JSON object");
    }
    return body;
  }
}
