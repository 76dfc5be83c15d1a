package io.vecdb.server;

import io.qdrant.client.grpc.Collections.CollectionConfig;
import io.qdrant.client.grpc.Collections.CollectionInfo;
import io.qdrant.client.grpc.Collections.CollectionParams;
import io.qdrant.client.grpc.Collections.CollectionStatus;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.HnswConfigDiff;
import io.qdrant.client.grpc.Collections.OptimizerStatus;
import io.qdrant.client.grpc.Collections.OptimizersConfigDiff;
import io.qdrant.client.grpc.Collections.PayloadSchemaInfo;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Collections.VectorsConfig;
import io.qdrant.client.grpc.Collections.WalConfigDiff;
import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.JsonWithInt.ListValue;
import io.qdrant.client.grpc.JsonWithInt.NullValue;
import io.qdrant.client.grpc.JsonWithInt.Struct;
import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points.DenseVector;
import io.qdrant.client.grpc.Points.NamedVectorsOutput;
import io.qdrant.client.grpc.Points.OrderValue;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import io.qdrant.client.grpc.Points.ScoredPoint;
import io.qdrant.client.grpc.Points.UpdateResult;
import io.qdrant.client.grpc.Points.UpdateStatus;
import io.qdrant.client.grpc.Points.VectorOutput;
import io.qdrant.client.grpc.Points.VectorsOutput;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The REST results of {@link ApiReply} as Qdrant's gRPC response messages. The inverse of {@link
 * GrpcRequests} for what the API answers: point ids, payload values, vectors, scored and retrieved
 * points, update results and collection info. Stateless; any thread.
 */
final class GrpcReplies {
  private GrpcReplies() {}

  static PointId pointId(Object id) {
    return switch (id) {
      case Number n -> PointId.newBuilder().setNum(n.longValue()).build();
      case String s -> PointId.newBuilder().setUuid(s).build();
      default -> throw new IllegalStateException("point id: unexpected " + id);
    };
  }

  static Value value(Object v) {
    Value.Builder b = Value.newBuilder();
    switch (v) {
      case null -> b.setNullValue(NullValue.NULL_VALUE);
      case Boolean x -> b.setBoolValue(x);
      case Integer x -> b.setIntegerValue(x);
      case Long x -> b.setIntegerValue(x);
      case Short x -> b.setIntegerValue(x);
      case java.math.BigInteger x -> {
        if (x.bitLength() < 64) {
          b.setIntegerValue(x.longValue());
        } else {
          b.setDoubleValue(x.doubleValue());
        }
      }
      case Number x -> b.setDoubleValue(x.doubleValue());
      case CharSequence x -> b.setStringValue(x.toString());
      case JsonObject o -> b.setStructValue(struct(o.getMap()));
      case Map<?, ?> m -> b.setStructValue(struct(m));
      case JsonArray a -> b.setListValue(list(a.getList()));
      case List<?> l -> b.setListValue(list(l));
      default -> b.setStringValue(String.valueOf(v));
    }
    return b.build();
  }

  private static Struct struct(Map<?, ?> m) {
    Struct.Builder s = Struct.newBuilder();
    m.forEach((k, v) -> s.putFields(String.valueOf(k), value(v)));
    return s.build();
  }

  private static ListValue list(List<?> l) {
    ListValue.Builder b = ListValue.newBuilder();
    for (Object o : l) {
      b.addValues(value(o));
    }
    return b.build();
  }

  /** A payload object (or null: none) as the payload map. */
  static Map<String, Value> payload(Object payload) {
    if (!(payload instanceof JsonObject o)) {
      return Map.of();
    }
    Map<String, Value> out = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, Object> e : o) {
      out.put(e.getKey(), value(e.getValue()));
    }
    return out;
  }

  /** A vector (an array, or an object of named arrays; null: none) as VectorsOutput, or null. */
  @SuppressWarnings("deprecation") // the flat data field too, which older clients read
  static VectorsOutput vectors(Object vector) {
    if (vector instanceof JsonArray a) {
      return VectorsOutput.newBuilder().setVector(vectorOutput(a)).build();
    }
    if (vector instanceof JsonObject named) {
      NamedVectorsOutput.Builder b = NamedVectorsOutput.newBuilder();
      for (Map.Entry<String, Object> e : named) {
        if (e.getValue() instanceof JsonArray a) {
          b.putVectors(e.getKey(), vectorOutput(a));
        }
      }
      return VectorsOutput.newBuilder().setVectors(b).build();
    }
    return null;
  }

  @SuppressWarnings("deprecation")
  private static VectorOutput vectorOutput(JsonArray a) {
    List<Float> data = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      data.add(((Number) a.getValue(i)).floatValue());
    }
    return VectorOutput.newBuilder()
        .setDense(DenseVector.newBuilder().addAllData(data))
        .addAllData(data)
        .build();
  }

  private static OrderValue orderValue(Object v) {
    return v instanceof Integer || v instanceof Long
        ? OrderValue.newBuilder().setInt(((Number) v).longValue()).build()
        : OrderValue.newBuilder().setFloat(((Number) v).doubleValue()).build();
  }

  static ScoredPoint scored(JsonObject p) {
    ScoredPoint.Builder b =
        ScoredPoint.newBuilder()
            .setId(pointId(p.getValue("id")))
            .setScore(((Number) p.getValue("score", 0)).floatValue())
            .setVersion(((Number) p.getValue("version", 0)).longValue())
            .putAllPayload(payload(p.getValue("payload")));
    vectorAndOrder(p, b::setVectors, b::setOrderValue);
    return b.build();
  }

  static List<ScoredPoint> scored(JsonArray points) {
    return each(points, GrpcReplies::scored);
  }

  static RetrievedPoint retrieved(JsonObject p) {
    RetrievedPoint.Builder b =
        RetrievedPoint.newBuilder()
            .setId(pointId(p.getValue("id")))
            .putAllPayload(payload(p.getValue("payload")));
    vectorAndOrder(p, b::setVectors, b::setOrderValue);
    return b.build();
  }

  static List<RetrievedPoint> retrieved(JsonArray points) {
    return each(points, GrpcReplies::retrieved);
  }

  /** A point's vector and order value, where the REST point has them. */
  private static void vectorAndOrder(
      JsonObject p,
      java.util.function.Consumer<VectorsOutput> vector,
      java.util.function.Consumer<OrderValue> order) {
    VectorsOutput v = vectors(p.getValue("vector"));
    if (v != null) {
      vector.accept(v);
    }
    if (p.getValue("order_value") instanceof Number n) {
      order.accept(orderValue(n));
    }
  }

  private static <T> List<T> each(
      JsonArray points, java.util.function.Function<JsonObject, T> convert) {
    List<T> out = new ArrayList<>(points.size());
    for (int i = 0; i < points.size(); i++) {
      out.add(convert.apply(points.getJsonObject(i)));
    }
    return out;
  }

  /** {@code {"operation_id": n, "status": "acknowledged"|"completed"}}. */
  static UpdateResult update(JsonObject r) {
    UpdateResult.Builder b = UpdateResult.newBuilder();
    if (r.getValue("operation_id") instanceof Number n) {
      b.setOperationId(n.longValue());
    }
    b.setStatus(
        switch (String.valueOf(r.getValue("status"))) {
          case "completed" -> UpdateStatus.Completed;
          case "acknowledged" -> UpdateStatus.Acknowledged;
          default -> UpdateStatus.UnknownUpdateStatus;
        });
    return b.build();
  }

  /** {@code GET /collections/{name}}'s result as CollectionInfo. */
  static CollectionInfo collectionInfo(JsonObject r) {
    CollectionInfo.Builder b = CollectionInfo.newBuilder();
    b.setStatus(
        switch (String.valueOf(r.getValue("status"))) {
          case "green" -> CollectionStatus.Green;
          case "yellow" -> CollectionStatus.Yellow;
          case "red" -> CollectionStatus.Red;
          case "grey" -> CollectionStatus.Grey;
          default -> CollectionStatus.UnknownCollectionStatus;
        });
    Object optimizer = r.getValue("optimizer_status");
    b.setOptimizerStatus(
        optimizer instanceof JsonObject e
            ? OptimizerStatus.newBuilder().setOk(false).setError(e.getString("error", "")).build()
            : OptimizerStatus.newBuilder().setOk(true).build());
    b.setSegmentsCount(r.getLong("segments_count", 1L));
    b.setPointsCount(r.getLong("points_count", 0L));
    b.setIndexedVectorsCount(r.getLong("indexed_vectors_count", 0L));
    JsonObject config = r.getJsonObject("config", new JsonObject());
    b.setConfig(config(config));
    JsonObject schema = r.getJsonObject("payload_schema", new JsonObject());
    for (String field : schema.fieldNames()) {
      JsonObject s = schema.getJsonObject(field);
      PayloadSchemaInfo.Builder info =
          PayloadSchemaInfo.newBuilder().setDataType(schemaType(s.getString("data_type")));
      if (s.getValue("points") instanceof Number n) {
        info.setPoints(n.longValue());
      }
      b.putPayloadSchema(field, info.build());
    }
    return b.build();
  }

  private static PayloadSchemaType schemaType(String type) {
    if (type == null) {
      return PayloadSchemaType.UnknownType;
    }
    for (PayloadSchemaType t : PayloadSchemaType.values()) {
      if (t != PayloadSchemaType.UNRECOGNIZED && t.name().equalsIgnoreCase(type)) {
        return t;
      }
    }
    return PayloadSchemaType.UnknownType;
  }

  private static CollectionConfig config(JsonObject c) {
    JsonObject params = c.getJsonObject("params", new JsonObject());
    JsonObject vectors = params.getJsonObject("vectors", new JsonObject());
    CollectionParams.Builder p =
        CollectionParams.newBuilder()
            .setShardNumber(params.getInteger("shard_number", 1))
            .setOnDiskPayload(params.getBoolean("on_disk_payload", false))
            .setReplicationFactor(params.getInteger("replication_factor", 1))
            .setWriteConsistencyFactor(params.getInteger("write_consistency_factor", 1));
    if (vectors.containsKey("size")) {
      p.setVectorsConfig(
          VectorsConfig.newBuilder()
              .setParams(
                  VectorParams.newBuilder()
                      .setSize(vectors.getLong("size"))
                      .setDistance(distance(vectors.getString("distance")))
                      .setOnDisk(vectors.getBoolean("on_disk", false))));
    } else if (!vectors.isEmpty()) {
      // Named vectors: Qdrant's params map.
      io.qdrant.client.grpc.Collections.VectorParamsMap.Builder map =
          io.qdrant.client.grpc.Collections.VectorParamsMap.newBuilder();
      for (String name : vectors.fieldNames()) {
        JsonObject v = vectors.getJsonObject(name);
        map.putMap(
            name,
            VectorParams.newBuilder()
                .setSize(v.getLong("size"))
                .setDistance(distance(v.getString("distance")))
                .setOnDisk(v.getBoolean("on_disk", false))
                .build());
      }
      p.setVectorsConfig(VectorsConfig.newBuilder().setParamsMap(map));
    }
    JsonObject hnsw = c.getJsonObject("hnsw_config", new JsonObject());
    HnswConfigDiff.Builder h = HnswConfigDiff.newBuilder();
    if (hnsw.getValue("m") instanceof Number n) {
      h.setM(n.longValue());
    }
    if (hnsw.getValue("ef_construct") instanceof Number n) {
      h.setEfConstruct(n.longValue());
    }
    if (hnsw.getValue("full_scan_threshold") instanceof Number n) {
      h.setFullScanThreshold(n.longValue());
    }
    if (hnsw.getValue("on_disk") instanceof Boolean x) {
      h.setOnDisk(x);
    }
    JsonObject opt = c.getJsonObject("optimizer_config", new JsonObject());
    OptimizersConfigDiff.Builder o = OptimizersConfigDiff.newBuilder();
    if (opt.getValue("deleted_threshold") instanceof Number n) {
      o.setDeletedThreshold(n.doubleValue());
    }
    if (opt.getValue("vacuum_min_vector_number") instanceof Number n) {
      o.setVacuumMinVectorNumber(n.longValue());
    }
    if (opt.getValue("default_segment_number") instanceof Number n) {
      o.setDefaultSegmentNumber(n.longValue());
    }
    if (opt.getValue("indexing_threshold") instanceof Number n) {
      o.setIndexingThreshold(n.longValue());
    }
    if (opt.getValue("flush_interval_sec") instanceof Number n) {
      o.setFlushIntervalSec(n.longValue());
    }
    JsonObject wal = c.getJsonObject("wal_config", new JsonObject());
    WalConfigDiff.Builder w = WalConfigDiff.newBuilder();
    if (wal.getValue("wal_capacity_mb") instanceof Number n) {
      w.setWalCapacityMb(n.longValue());
    }
    if (wal.getValue("wal_segments_ahead") instanceof Number n) {
      w.setWalSegmentsAhead(n.longValue());
    }
    return CollectionConfig.newBuilder()
        .setParams(p)
        .setHnswConfig(h)
        .setOptimizerConfig(o)
        .setWalConfig(w)
        .build();
  }

  private static Distance distance(String name) {
    if (name != null) {
      for (Distance d : Distance.values()) {
        if (d != Distance.UNRECOGNIZED
            && d.name().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
          return d;
        }
      }
    }
    return Distance.UnknownDistance;
  }
}
