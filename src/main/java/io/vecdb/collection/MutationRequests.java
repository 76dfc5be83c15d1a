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
    if (collections.exists(name)) {
      throw new VecdbException(ErrorCode.CONFLICT, "Collection `" + name + "` already exists!");
    }
    if (collections.get(name) != null) {
      throw new VecdbException(
          ErrorCode.CONFLICT, "`" + name + "` is an alias; a collection needs a name of its own");
    }
    return new CreateCollection(name, config);
  }

  /**
   * Whether collection {@code name} exists now (a delete of a missing one answers false). An alias
   * is not a collection: deleting by an alias's name deletes nothing.
   */
  public boolean exists(String name) {
    return collections.exists(name);
  }

  public Operation deleteCollection(String name) {
    if (!collections.exists(name)) {
      throw VecdbException.notFound("Collection `" + name + "` doesn't exist!");
    }
    return new DeleteCollection(name);
  }

  public Operation updateCollection(String name, JsonObject body) {
    name = real(name); // an alias names its collection; operations carry the real name
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
    JsonFields.notImplemented(b, "sparse_vectors", "", "changing sparse vector parameters");
    CollectionConfig.refuseUnimplemented(b);
    JsonObject hnsw = JsonFields.object(b, "hnsw_config", "hnsw_config");
    JsonObject optimizers = JsonFields.object(b, "optimizers_config", "optimizers_config");
    QuantizationConfig quantization =
        QuantizationConfig.parseDiff(b.getValue("quantization_config"), "quantization_config");
    CollectionConfig.checkUpdateRequest(hnsw, optimizers);
    c.config().update(hnsw, optimizers, quantization); // validates
    return new UpdateCollection(
        name,
        hnsw == null ? null : hnsw.copy(),
        optimizers == null ? null : optimizers.copy(),
        quantization == null ? null : quantization.toOperation());
  }

  /**
   * {@code {"points": [{id, vector, payload}]}} or {@code {"batch": {ids, vectors, payloads}}},
   * streamed from the raw body (see {@link UpsertParser}).
   */
  public Operation upsert(String name, io.vertx.core.buffer.Buffer body) {
    name = real(name); // an alias names its collection; operations carry the real name
    CollectionConfig config = collections.require(name).config();
    UpsertParser.Request r = UpsertParser.parseRequest(body, config);
    return new UpsertPoints(name, r.points(), r.mode(), r.updateFilter());
  }

  public Operation deletePoints(String name, JsonObject body) {
    name = real(name); // an alias names its collection; operations carry the real name
    collections.require(name);
    return new DeletePoints(name, selector(known(body, SELECTOR)));
  }

  public Operation setPayload(String name, JsonObject body) {
    name = real(name); // an alias names its collection; operations carry the real name
    collections.require(name);
    JsonObject b = known(body, SET_PAYLOAD);
    JsonObject payload = payloadField(b);
    String key = JsonFields.string(b, "key", "key");
    return new SetPayload(name, selector(b), payload, key);
  }

  public Operation overwritePayload(String name, JsonObject body) {
    name = real(name); // an alias names its collection; operations carry the real name
    collections.require(name);
    JsonObject b = known(body, SET_PAYLOAD);
    JsonFields.notImplemented(b, "key", "", "overwriting under a nested key");
    return new OverwritePayload(name, selector(b), payloadField(b));
  }

  public Operation deletePayload(String name, JsonObject body) {
    name = real(name); // an alias names its collection; operations carry the real name
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
   * refuses the whole request; also {@code update_vectors} and {@code delete_vectors}.
   */
  public Operation batch(String name, JsonObject body) {
    name = real(name); // an alias names its collection; operations carry the real name
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
                + " clear_payload, update_vectors, delete_vectors",
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
              case "update_vectors" -> updateVectors(name, inner);
              case "delete_vectors" -> deleteVectors(name, inner);
              default ->
                  throw new IllegalArgumentException(
                      "unknown operation; expected one of upsert, delete, set_payload,"
                          + " overwrite_payload, delete_payload, clear_payload, update_vectors,"
                          + " delete_vectors");
            });
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(at + "." + kind + ": " + e.getMessage(), e);
      }
    }
    return new Operation.Batch(name, ops);
  }

  /**
   * {@code PUT /points/vectors}: {@code {"points": [{"id", "vector": [...] | {name: vector}}],
   * "update_filter"?}}: each point's given vectors (dense or sparse, by name; an array is the
   * vector named {@code ""}) replace its own, the rest kept. Whether each point exists is checked
   * when the operation is applied (a missing one refuses it whole, 404).
   */
  public Operation updateVectors(String name, JsonObject body) {
    name = real(name); // an alias names its collection; operations carry the real name
    Collection c = collections.require(name);
    CollectionConfig config = c.config();
    JsonObject b = known(body, Set.of("points", "shard_key", "update_filter"));
    JsonArray list = JsonFields.array(b, "points", "points");
    if (list == null) {
      throw new IllegalArgumentException("points: expected a list of {id, vector}");
    }
    Limits.count("points", list.size(), Limits.POINTS_PER_REQUEST, "points");
    JsonObject updateFilter = JsonFields.object(b, "update_filter", "update_filter");
    if (updateFilter != null) {
      c.filter(updateFilter, "update_filter");
    }
    List<Operation.VectorUpdate> updates = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      String at = "points[" + i + "]";
      if (!(list.getValue(i) instanceof JsonObject point)) {
        throw JsonFields.bad(at, "an object {id, vector}", list.getValue(i));
      }
      JsonFields.onlyKnown(point, at, Set.of("id", "vector"));
      PointId id = PointId.parse(point.getValue("id"), at + ".id");
      Object v = point.getValue("vector");
      java.util.Map<String, float[]> dense = new java.util.HashMap<>();
      java.util.Map<String, io.vecdb.model.SparseVector> sparse = new java.util.HashMap<>();
      if (v instanceof JsonArray) {
        denseVector(c, "", v, at + ".vector", dense);
      } else if (v instanceof JsonObject named && !named.isEmpty()) {
        for (String n : named.fieldNames()) {
          String vat = at + ".vector." + (n.isEmpty() ? "\"\"" : n);
          if (config.sparse(n) != null) {
            if (!(named.getValue(n) instanceof JsonObject sv)) {
              throw JsonFields.bad(vat, "a sparse vector {indices, values}", named.getValue(n));
            }
            sparse.put(n, io.vecdb.model.SparseVector.parse(sv, vat));
          } else {
            denseVector(c, n, named.getValue(n), vat, dense);
          }
        }
      } else {
        throw JsonFields.bad(
            at + ".vector", "a vector or an object of named vectors (at least one)", v);
      }
      updates.add(new Operation.VectorUpdate(id, dense, sparse));
    }
    return new Operation.UpdateVectors(name, updates, updateFilter);
  }

  private static void denseVector(
      Collection c, String n, Object value, String at, java.util.Map<String, float[]> out) {
    CollectionConfig.DenseParams params = c.config().dense(n);
    if (params == null) {
      throw new IllegalArgumentException(
          at + ": this collection has no vector of that name; its vectors are " + c.vectorNames());
    }
    float[] v = JsonFields.vector(value, at, params.size());
    Validation.checkVector(v, params, at);
    out.put(n, v);
  }

  /**
   * {@code POST /points/vectors/delete}: {@code {"points" | "filter", "vector": [names]}}: the
   * selected points lose their vectors of those names. The collection's first dense vector, which
   * every point has, cannot be deleted (delete the point instead).
   */
  public Operation deleteVectors(String name, JsonObject body) {
    name = real(name); // an alias names its collection; operations carry the real name
    Collection c = collections.require(name);
    CollectionConfig config = c.config();
    JsonObject b = known(body, Set.of("points", "filter", "vector", "shard_key"));
    JsonArray names = JsonFields.array(b, "vector", "vector");
    if (names == null || names.isEmpty()) {
      throw new IllegalArgumentException("vector: expected a non-empty list of vector names");
    }
    List<String> list = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      if (!(names.getValue(i) instanceof String n)) {
        throw JsonFields.bad("vector[" + i + "]", "a vector name", names.getValue(i));
      }
      if (n.equals(config.primaryName())) {
        throw new IllegalArgumentException(
            "vector["
                + i
                + "]: the collection's one unnamed vector, which every point has, cannot be"
                + " deleted alone (delete the points, or use named vectors)");
      }
      if (config.dense(n) == null && config.sparse(n) == null) {
        throw new IllegalArgumentException(
            "vector["
                + i
                + "]: this collection has no vector named \""
                + n
                + "\"; its vectors are "
                + c.vectorNames());
      }
      list.add(n);
    }
    return new Operation.DeleteVectors(name, selector(b), list);
  }

  public Operation clearPayload(String name, JsonObject body) {
    name = real(name); // an alias names its collection; operations carry the real name
    collections.require(name);
    return new ClearPayload(name, selector(known(body, SELECTOR)));
  }

  /** {@code {"field_name": "city", "field_schema": "keyword" | {"type": "keyword", ...}}}. */
  public Operation createFieldIndex(String name, JsonObject body) {
    name = real(name); // an alias names its collection; operations carry the real name
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
    name = real(name); // an alias names its collection; operations carry the real name
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
  /** At most this many actions in one alias change. */
  static final int MAX_ALIAS_ACTIONS = 1_000;

  /**
   * {@code POST /collections/aliases}: {@code {"actions": [{"create_alias": {"collection_name",
   * "alias_name"}}, {"delete_alias": {"alias_name"}}, {"rename_alias": {"old_alias_name",
   * "new_alias_name"}}]}}, checked in order against the aliases as they would be after the actions
   * before (so the whole list is valid or nothing is logged) and applied together. A create of an
   * existing alias moves it to the new collection (the usual switch is delete then create in one
   * request); an alias may not have a collection's name.
   */
  public Operation changeAliases(JsonObject body) {
    List<Operation.AliasAction> parsed = parseAliasActions(body);
    java.util.Map<String, String> live = new java.util.HashMap<>(collections.aliases());
    List<Operation.AliasAction> actions = new ArrayList<>(parsed.size());
    for (int i = 0; i < parsed.size(); i++) {
      Operation.AliasAction x = parsed.get(i);
      String at = "actions[" + i + "]";
      switch (x.kind()) {
        case CREATE -> {
          if (!collections.exists(x.collection())) {
            throw VecdbException.notFound(
                at
                    + ".create_alias.collection_name: Collection `"
                    + x.collection()
                    + "` doesn't exist!");
          }
          notACollection(x.alias(), at + ".create_alias.alias_name");
          live.put(x.alias(), x.collection());
          actions.add(
              Operation.AliasAction.create(
                  x.alias(), x.collection(), collections.get(x.collection()).incarnation()));
        }
        case DELETE -> {
          if (live.remove(x.alias()) == null) {
            throw VecdbException.notFound(
                at + ".delete_alias.alias_name: Alias `" + x.alias() + "` doesn't exist!");
          }
          actions.add(x);
        }
        case RENAME -> {
          String target = live.remove(x.alias());
          if (target == null) {
            throw VecdbException.notFound(
                at + ".rename_alias.old_alias_name: Alias `" + x.alias() + "` doesn't exist!");
          }
          notACollection(x.newAlias(), at + ".rename_alias.new_alias_name");
          live.put(x.newAlias(), target);
          actions.add(x);
        }
      }
    }
    return new Operation.ChangeAliases(actions);
  }

  /**
   * The actions of an alias change as written, with their names checked (syntax only: whether
   * collections and aliases exist is for the state they apply to). Incarnations are 0.
   */
  public static List<Operation.AliasAction> parseAliasActions(JsonObject body) {
    JsonObject b = require(body);
    JsonFields.onlyKnown(b, "", Set.of("actions"));
    JsonArray list = JsonFields.array(b, "actions", "actions");
    if (list == null) {
      throw new IllegalArgumentException("actions: expected a list of alias actions");
    }
    Limits.count("actions", list.size(), MAX_ALIAS_ACTIONS, "actions");
    List<Operation.AliasAction> actions = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      String at = "actions[" + i + "]";
      if (!(list.getValue(i) instanceof JsonObject o) || o.size() != 1) {
        throw JsonFields.bad(
            at, "one of {create_alias}, {delete_alias}, {rename_alias}", list.getValue(i));
      }
      String kind = o.fieldNames().iterator().next();
      String p = at + "." + kind;
      switch (kind) {
        case "create_alias" -> {
          JsonObject a = action(o, kind, p);
          JsonFields.onlyKnown(a, p, Set.of("collection_name", "alias_name"));
          actions.add(
              Operation.AliasAction.create(
                  aliasName(a, "alias_name", p), requiredName(a, "collection_name", p), 0));
        }
        case "delete_alias" -> {
          JsonObject a = action(o, kind, p);
          JsonFields.onlyKnown(a, p, Set.of("alias_name"));
          actions.add(Operation.AliasAction.delete(requiredName(a, "alias_name", p)));
        }
        case "rename_alias" -> {
          JsonObject a = action(o, kind, p);
          JsonFields.onlyKnown(a, p, Set.of("old_alias_name", "new_alias_name"));
          actions.add(
              Operation.AliasAction.rename(
                  requiredName(a, "old_alias_name", p), aliasName(a, "new_alias_name", p)));
        }
        default ->
            throw new IllegalArgumentException(
                at
                    + "."
                    + kind
                    + ": unknown field; expected one of [create_alias, delete_alias, rename_alias]");
      }
    }
    return actions;
  }

  private static JsonObject action(JsonObject o, String kind, String path) {
    JsonObject a = JsonFields.object(o, kind, path);
    if (a == null) {
      throw new IllegalArgumentException(path + ": expected an object");
    }
    return a;
  }

  private void notACollection(String alias, String path) {
    if (collections.exists(alias)) {
      throw new VecdbException(
          ErrorCode.CONFLICT,
          path + ": `" + alias + "` is a collection's name; an alias needs its own");
    }
  }

  private static String requiredName(JsonObject a, String key, String path) {
    String v = JsonFields.string(a, key, path + "." + key);
    if (v == null || v.isEmpty()) {
      throw new IllegalArgumentException(path + "." + key + ": expected a name");
    }
    return v;
  }

  /** A new alias's name: a valid collection name. */
  private static String aliasName(JsonObject a, String key, String path) {
    String v = requiredName(a, key, path);
    try {
      Validation.checkCollectionName(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(path + "." + key + ": " + e.getMessage());
    }
    return v;
  }

  private String real(String name) {
    return collections.require(name).name();
  }

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
