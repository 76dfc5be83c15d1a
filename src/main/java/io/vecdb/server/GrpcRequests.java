package io.vecdb.server;

import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import io.qdrant.client.grpc.Common;
import io.qdrant.client.grpc.JsonWithInt;
import io.qdrant.client.grpc.Points;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Qdrant's gRPC request messages as the JSON bodies of its REST API, so that gRPC requests take the
 * REST request path (the same parsers, validation and errors; see {@link GrpcApiVerticle}).
 *
 * <p>The walk is generic over the message descriptors: a set field becomes the JSON field of the
 * same name (proto and REST share Qdrant's snake_case names), a oneof its member, an enum its REST
 * spelling, a map an object. The messages whose REST form differs are converted by hand: point ids,
 * payload values, vectors, selectors, filter conditions and matches, queries, timestamps. Fields
 * that only gRPC has (the collection name, {@code wait}, {@code timeout}, {@code read_consistency},
 * {@code ordering}) are taken out by the caller before the walk. Any other field passes through
 * under its own name, so that the REST parser refuses what VecDB does not implement with the same
 * message as over HTTP: a field is never silently dropped here.
 *
 * <p>Stateless; any thread.
 */
final class GrpcRequests {
  private GrpcRequests() {}

  /** Fields the caller reads itself; the walk leaves them out. */
  static final Set<String> ENVELOPE =
      Set.of("collection_name", "wait", "timeout", "read_consistency", "ordering");

  /** REST names of the fields whose gRPC name differs. */
  private static final Map<String, String> RENAMED =
      Map.of(
          "with_vectors", "with_vector",
          "vectors_config", "vectors",
          "sparse_vectors_config", "sparse_vectors",
          "shard_key_selector", "shard_key");

  /** The JSON body of a request message, without the envelope fields. */
  static JsonObject body(Message m) {
    return object(m, "", ENVELOPE);
  }

  /** A message as a JSON object of its set fields, leaving out {@code skip}. */
  static JsonObject object(Message m, String path, Set<String> skip) {
    JsonObject out = new JsonObject();
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      String name = f.getName();
      if (skip.contains(name)) {
        continue;
      }
      String rest = RENAMED.getOrDefault(name, name);
      String at = path.isEmpty() ? rest : path + "." + rest;
      out.put(rest, field(f, e.getValue(), at));
    }
    return out;
  }

  private static Object field(FieldDescriptor f, Object value, String path) {
    if (f.isMapField()) {
      JsonObject map = new JsonObject();
      for (Object entry : (List<?>) value) {
        Message kv = (Message) entry;
        FieldDescriptor k = kv.getDescriptorForType().findFieldByName("key");
        FieldDescriptor v = kv.getDescriptorForType().findFieldByName("value");
        String key = String.valueOf(kv.getField(k));
        map.put(key, single(v, kv.getField(v), path + "." + key));
      }
      return map;
    }
    if (f.isRepeated()) {
      JsonArray list = new JsonArray();
      List<?> items = (List<?>) value;
      for (int i = 0; i < items.size(); i++) {
        list.add(single(f, items.get(i), path + "[" + i + "]"));
      }
      return list;
    }
    return single(f, value, path);
  }

  private static Object single(FieldDescriptor f, Object value, String path) {
    return switch (f.getJavaType()) {
      case MESSAGE -> message((Message) value, path);
      case ENUM -> enumName((EnumValueDescriptor) value);
      case FLOAT -> (double) (Float) value; // as JSON writes it: 0.1f stays 0.1, not 0.100000001
      case BYTE_STRING -> throw new IllegalArgumentException(path + ": bytes are not supported");
      default -> value;
    };
  }

  /** A message in its REST form: hand-converted where the shapes differ, else the generic walk. */
  static Object message(Message m, String path) {
    return switch (m) {
      case Common.PointId id -> pointId(id, path);
      case JsonWithInt.Value v -> value(v, path);
      case JsonWithInt.Struct s -> orEmpty(object(s, path, Set.of()).getValue("fields"));
      case JsonWithInt.ListValue l ->
          field(l.getDescriptorForType().findFieldByName("values"), l.getValuesList(), path);
      case Points.Vectors v -> vectors(v, path);
      case Points.Vector v -> vector(v, path);
      case Points.DenseVector d -> floats(d.getDataList());
      case Points.VectorInput v -> vectorInput(v, path);
      case Points.WithPayloadSelector s -> withPayload(s, path);
      case Points.WithVectorsSelector s -> withVectors(s);
      case Points.PointsSelector s -> selector(s, path);
      case Common.Condition c -> condition(c, path);
      case Common.Match match -> match(match, path);
      case Common.FieldCondition fc -> fieldCondition(fc, path);
      case Common.GeoPoint g -> new JsonObject().put("lon", g.getLon()).put("lat", g.getLat());
      case Common.GeoRadius g ->
          new JsonObject()
              .put("center", message(g.getCenter(), path + ".center"))
              .put("radius", (double) g.getRadius());
      case Common.MinShould ms -> {
        JsonObject o = object(ms, path, Set.of("min_count"));
        yield o.put("min_count", ms.getMinCount());
      }
      case Points.Query q -> query(q, path);
      case Points.StartFrom s -> startFrom(s, path);
      case Timestamp t -> Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).toString();
      case io.qdrant.client.grpc.Collections.MaxOptimizationThreads t ->
          t.hasValue() ? (Object) t.getValue() : "auto";
      case io.qdrant.client.grpc.Collections.VectorsConfig c ->
          c.hasParams()
              ? object(c.getParams(), path, Set.of())
              : orEmpty(object(c.getParamsMap(), path, Set.of()).getValue("map"));
      case io.qdrant.client.grpc.Collections.SparseVectorConfig c ->
          orEmpty(object(c, path, Set.of()).getValue("map"));
      case io.qdrant.client.grpc.Collections.ShardKey k ->
          k.hasKeyword() ? (Object) k.getKeyword() : k.getNumber();
      case Points.ShardKeySelector s ->
          field(s.getDescriptorForType().findFieldByName("shard_keys"), s.getShardKeysList(), path);
      default -> object(m, path, Set.of());
    };
  }

  private static Object orEmpty(Object map) {
    return map == null ? new JsonObject() : map;
  }

  static Object pointId(Common.PointId id, String path) {
    return switch (id.getPointIdOptionsCase()) {
      case NUM -> id.getNum();
      case UUID -> id.getUuid();
      default -> throw new IllegalArgumentException(path + ": expected a PointId with num or uuid");
    };
  }

  static Object value(JsonWithInt.Value v, String path) {
    return switch (v.getKindCase()) {
      case NULL_VALUE, KIND_NOT_SET -> null;
      case DOUBLE_VALUE -> v.getDoubleValue();
      case INTEGER_VALUE -> v.getIntegerValue();
      case STRING_VALUE -> v.getStringValue();
      case BOOL_VALUE -> v.getBoolValue();
      case STRUCT_VALUE -> message(v.getStructValue(), path);
      case LIST_VALUE -> message(v.getListValue(), path);
    };
  }

  private static JsonArray floats(List<Float> data) {
    JsonArray a = new JsonArray(new java.util.ArrayList<>(data.size()));
    for (Float x : data) {
      a.add((double) x);
    }
    return a;
  }

  private static Object vectors(Points.Vectors v, String path) {
    return switch (v.getVectorsOptionsCase()) {
      case VECTOR -> vector(v.getVector(), path);
      case VECTORS -> {
        JsonObject named = new JsonObject();
        for (Map.Entry<String, Points.Vector> e : v.getVectors().getVectorsMap().entrySet()) {
          named.put(e.getKey(), vector(e.getValue(), path + "." + e.getKey()));
        }
        yield named;
      }
      default -> throw new IllegalArgumentException(path + ": expected a vector");
    };
  }

  @SuppressWarnings("deprecation") // the deprecated flat form is what older clients send
  private static Object vector(Points.Vector v, String path) {
    return switch (v.getVectorCase()) {
      case DENSE -> floats(v.getDense().getDataList());
      case VECTOR_NOT_SET -> {
        if (v.hasIndices() || v.hasVectorsCount()) {
          throw new IllegalArgumentException(
              path + ": sparse and multi-vectors are not supported by VecDB");
        }
        yield floats(v.getDataList());
      }
      case SPARSE ->
          throw new IllegalArgumentException(path + ": sparse vectors are not supported by VecDB");
      case MULTI_DENSE ->
          throw new IllegalArgumentException(path + ": multi-vectors are not supported by VecDB");
      default ->
          throw new IllegalArgumentException(
              path + ": inference (documents, images, objects) is not supported by VecDB");
    };
  }

  private static Object vectorInput(Points.VectorInput v, String path) {
    return switch (v.getVariantCase()) {
      case ID -> pointId(v.getId(), path);
      case DENSE -> floats(v.getDense().getDataList());
      case SPARSE ->
          throw new IllegalArgumentException(path + ": sparse vectors are not supported by VecDB");
      case MULTI_DENSE ->
          throw new IllegalArgumentException(path + ": multi-vectors are not supported by VecDB");
      case VARIANT_NOT_SET ->
          throw new IllegalArgumentException(path + ": expected a vector or a point id");
      default ->
          throw new IllegalArgumentException(
              path + ": inference (documents, images, objects) is not supported by VecDB");
    };
  }

  private static Object withPayload(Points.WithPayloadSelector s, String path) {
    return switch (s.getSelectorOptionsCase()) {
      case ENABLE -> s.getEnable();
      case INCLUDE -> new JsonArray(List.copyOf(s.getInclude().getFieldsList()));
      case EXCLUDE ->
          new JsonObject()
              .put("exclude", new JsonArray(List.copyOf(s.getExclude().getFieldsList())));
      case SELECTOROPTIONS_NOT_SET -> false; // Qdrant's gRPC default: no payload
    };
  }

  private static Object withVectors(Points.WithVectorsSelector s) {
    return switch (s.getSelectorOptionsCase()) {
      case INCLUDE -> new JsonArray(List.copyOf(s.getInclude().getNamesList()));
      case ENABLE -> s.getEnable();
      case SELECTOROPTIONS_NOT_SET -> false;
    };
  }

  /** A points selector as the REST fields it stands for: {@code points} or {@code filter}. */
  static JsonObject selector(Points.PointsSelector s, String path) {
    return switch (s.getPointsSelectorOneOfCase()) {
      case POINTS -> {
        JsonArray ids = new JsonArray();
        List<Common.PointId> list = s.getPoints().getIdsList();
        for (int i = 0; i < list.size(); i++) {
          ids.add(pointId(list.get(i), path + ".points[" + i + "]"));
        }
        yield new JsonObject().put("points", ids);
      }
      case FILTER -> new JsonObject().put("filter", message(s.getFilter(), path + ".filter"));
      case POINTSSELECTORONEOF_NOT_SET ->
          throw new IllegalArgumentException(path + ": expected point ids or a filter");
    };
  }

  private static Object condition(Common.Condition c, String path) {
    return switch (c.getConditionOneOfCase()) {
      case FIELD -> message(c.getField(), path);
      case IS_EMPTY ->
          new JsonObject().put("is_empty", new JsonObject().put("key", c.getIsEmpty().getKey()));
      case IS_NULL ->
          new JsonObject().put("is_null", new JsonObject().put("key", c.getIsNull().getKey()));
      case HAS_ID -> {
        JsonArray ids = new JsonArray();
        List<Common.PointId> list = c.getHasId().getHasIdList();
        for (int i = 0; i < list.size(); i++) {
          ids.add(pointId(list.get(i), path + ".has_id[" + i + "]"));
        }
        yield new JsonObject().put("has_id", ids);
      }
      case FILTER -> message(c.getFilter(), path);
      case NESTED ->
          new JsonObject()
              .put(
                  "nested",
                  new JsonObject()
                      .put("key", c.getNested().getKey())
                      .put("filter", message(c.getNested().getFilter(), path + ".nested.filter")));
      case HAS_VECTOR -> new JsonObject().put("has_vector", c.getHasVector().getHasVector());
      case CONDITIONONEOF_NOT_SET ->
          throw new IllegalArgumentException(
              path + ": expected a condition (field, is_empty, has_id, filter, is_null, nested)");
    };
  }

  private static Object fieldCondition(Common.FieldCondition fc, String path) {
    JsonObject o = object(fc, path, Set.of("datetime_range"));
    o.put("key", fc.getKey()); // the empty key too, which the parser then names
    if (fc.hasDatetimeRange()) {
      if (o.containsKey("range")) {
        throw new IllegalArgumentException(path + ": expected range or datetime_range, not both");
      }
      o.put("range", object(fc.getDatetimeRange(), path + ".range", Set.of()));
    }
    return o;
  }

  private static Object match(Common.Match m, String path) {
    return switch (m.getMatchValueCase()) {
      case KEYWORD -> new JsonObject().put("value", m.getKeyword());
      case INTEGER -> new JsonObject().put("value", m.getInteger());
      case BOOLEAN -> new JsonObject().put("value", m.getBoolean());
      case TEXT -> new JsonObject().put("text", m.getText());
      case PHRASE -> new JsonObject().put("phrase", m.getPhrase());
      case TEXT_ANY -> new JsonObject().put("text_any", m.getTextAny());
      case KEYWORDS ->
          new JsonObject().put("any", new JsonArray(List.copyOf(m.getKeywords().getStringsList())));
      case INTEGERS ->
          new JsonObject()
              .put("any", new JsonArray(List.copyOf(m.getIntegers().getIntegersList())));
      case EXCEPT_KEYWORDS ->
          new JsonObject()
              .put("except", new JsonArray(List.copyOf(m.getExceptKeywords().getStringsList())));
      case EXCEPT_INTEGERS ->
          new JsonObject()
              .put("except", new JsonArray(List.copyOf(m.getExceptIntegers().getIntegersList())));
      case MATCHVALUE_NOT_SET ->
          throw new IllegalArgumentException(path + ": expected a match value");
    };
  }

  private static Object query(Points.Query q, String path) {
    return switch (q.getVariantCase()) {
      case NEAREST ->
          new JsonObject().put("nearest", vectorInput(q.getNearest(), path + ".nearest"));
      case NEAREST_WITH_MMR ->
          new JsonObject()
              .put("nearest", vectorInput(q.getNearestWithMmr().getNearest(), path + ".nearest"))
              .put("mmr", object(q.getNearestWithMmr().getMmr(), path + ".mmr", Set.of()));
      case VARIANT_NOT_SET -> throw new IllegalArgumentException(path + ": expected a query");
      // order_by, fusion, sample, recommend, ...: as REST spells them, for its parser to judge.
      default -> object(q, path, Set.of());
    };
  }

  private static Object startFrom(Points.StartFrom s, String path) {
    return switch (s.getValueCase()) {
      case FLOAT -> s.getFloat();
      case INTEGER -> s.getInteger();
      case DATETIME -> s.getDatetime();
      case TIMESTAMP -> message(s.getTimestamp(), path);
      case VALUE_NOT_SET -> throw new IllegalArgumentException(path + ": expected a value");
    };
  }

  /**
   * An enum value in its REST spelling: distances keep Qdrant's capitalised names ({@code Cosine});
   * field types lose their prefix ({@code FieldTypeKeyword} is {@code keyword}); the rest are lower
   * case ({@code Asc} is {@code asc}, {@code RRF} is {@code rrf}).
   */
  static String enumName(EnumValueDescriptor v) {
    String type = v.getType().getName();
    String name = v.getName();
    if (type.equals("Distance")) {
      return name;
    }
    if (type.equals("FieldType") && name.startsWith("FieldType")) {
      name = name.substring("FieldType".length());
    }
    return name.toLowerCase(java.util.Locale.ROOT);
  }
}
