package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.qdrant.client.grpc.Collections.CollectionInfo;
import io.qdrant.client.grpc.Collections.CreateCollection;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.GetCollectionInfoRequest;
import io.qdrant.client.grpc.Collections.HnswConfigDiff;
import io.qdrant.client.grpc.Collections.IntegerIndexParams;
import io.qdrant.client.grpc.Collections.OptimizersConfigDiff;
import io.qdrant.client.grpc.Collections.PayloadIndexParams;
import io.qdrant.client.grpc.Collections.PayloadSchemaType;
import io.qdrant.client.grpc.Collections.UpdateCollection;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Collections.VectorsConfig;
import io.qdrant.client.grpc.CollectionsGrpc;
import io.qdrant.client.grpc.Common.Condition;
import io.qdrant.client.grpc.Common.FieldCondition;
import io.qdrant.client.grpc.Common.Filter;
import io.qdrant.client.grpc.Common.Match;
import io.qdrant.client.grpc.Common.MinShould;
import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.Common.Range;
import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points;
import io.qdrant.client.grpc.PointsGrpc;
import io.qdrant.client.grpc.QdrantGrpc;
import io.qdrant.client.grpc.QdrantOuterClass.HealthCheckRequest;
import io.vecdb.config.VecdbOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gRPC API (issue 11, items 1, 3 and 4) against the REST API on the same node: every served RPC
 * gives what its REST twin gives for the same request (results and refusals); every RPC of the
 * three services checks the API key (none, wrong, read-only on a write, full); TLS and mutual TLS
 * on the gRPC port with certificates the test makes, reloaded when the files change.
 */
class GrpcApiTest {
  @TempDir Path dir;

  private static ManagedChannel plain(int port) {
    return Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
        .build();
  }

  private static void close(ManagedChannel c) throws InterruptedException {
    c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private static Object json(Value v) {
    return GrpcRequests.value(v, "");
  }

  private static Object payload(Map<String, Value> p) {
    if (p.isEmpty()) {
      return null;
    }
    JsonObject o = new JsonObject();
    p.forEach((k, v) -> o.put(k, json(v)));
    return o;
  }

  private static Object vector(Points.VectorsOutput v) {
    if (!v.hasVector()) {
      return null;
    }
    JsonArray a = new JsonArray();
    v.getVector().getDense().getDataList().forEach(x -> a.add((double) x));
    return a;
  }

  /** A ScoredPoint in the REST shape (without version), for comparing with a REST result. */
  private static JsonObject json(Points.ScoredPoint p) {
    return new JsonObject()
        .put("id", GrpcRequests.pointId(p.getId(), ""))
        .put("score", (double) p.getScore())
        .put("payload", payload(p.getPayloadMap()))
        .put("vector", p.hasVectors() ? vector(p.getVectors()) : null);
  }

  private static JsonObject json(Points.RetrievedPoint p) {
    return new JsonObject()
        .put("id", GrpcRequests.pointId(p.getId(), ""))
        .put("payload", payload(p.getPayloadMap()))
        .put("vector", p.hasVectors() ? vector(p.getVectors()) : null);
  }

  /** REST points with scores as floats (as gRPC carries them), no version, {} payload as none. */
  private static JsonArray rest(JsonArray points) {
    JsonArray out = new JsonArray();
    for (Object o : points) {
      JsonObject p = ((JsonObject) o).copy();
      p.remove("version");
      if (p.getValue("score") instanceof Number n) {
        p.put("score", (double) n.floatValue());
      }
      if (p.getValue("payload") instanceof JsonObject pl && pl.isEmpty()) {
        p.putNull("payload");
      }
      if (p.getValue("vector") instanceof JsonArray v) {
        JsonArray f = new JsonArray();
        v.forEach(x -> f.add((double) ((Number) x).floatValue()));
        p.put("vector", f);
      }
      out.add(p);
    }
    return out;
  }

  private static JsonArray grpc(List<Points.ScoredPoint> points) {
    JsonArray a = new JsonArray();
    points.forEach(p -> a.add(json(p)));
    return a;
  }

  private static PointId id(long n) {
    return PointId.newBuilder().setNum(n).build();
  }

  private static Value str(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  private static Value num(long n) {
    return Value.newBuilder().setIntegerValue(n).build();
  }

  private static Condition keyword(String key, String value) {
    return Condition.newBuilder()
        .setField(
            FieldCondition.newBuilder().setKey(key).setMatch(Match.newBuilder().setKeyword(value)))
        .build();
  }

  private static String refusal(Runnable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getMessage());
    return e.getStatus().getDescription();
  }

  @Test
  void everyServedRpcAnswersAsItsRestTwin() throws Exception {
    long seed = Long.getLong("tests.seed", System.nanoTime());
    Random rnd = new Random(seed);
    Vertx vertx = Vertx.vertx();
    try (TestNode t =
        TestNode.start(
            vertx, new VecdbOptions().setGrpcPort(QdrantJavaClientConformanceTest.freePort()))) {
      ManagedChannel ch = plain(t.node.grpcPort());
      try {
        var points = PointsGrpc.newBlockingStub(ch);
        var collections = CollectionsGrpc.newBlockingStub(ch);
        assertTrue(
            collections
                .create(
                    CreateCollection.newBuilder()
                        .setCollectionName("g")
                        .setVectorsConfig(
                            VectorsConfig.newBuilder()
                                .setParams(
                                    VectorParams.newBuilder()
                                        .setSize(8)
                                        .setDistance(Distance.Euclid)))
                        .setHnswConfig(HnswConfigDiff.newBuilder().setM(12).setEfConstruct(64))
                        .build())
                .getResult());
        JsonObject restInfo = t.get("/collections/g").resultObject();
        assertEquals(
            12, restInfo.getJsonObject("config").getJsonObject("hnsw_config").getInteger("m"));
        assertEquals(
            "Euclid",
            restInfo
                .getJsonObject("config")
                .getJsonObject("params")
                .getJsonObject("vectors")
                .getString("distance"));

        // 300 points, numeric and UUID ids, payloads with strings, integers, lists, objects.
        List<Points.PointStruct> batch = new ArrayList<>();
        List<String> uuids = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
          PointId pid;
          if (i % 10 == 0) {
            String u = new UUID(rnd.nextLong(), rnd.nextLong()).toString();
            uuids.add(u);
            pid = PointId.newBuilder().setUuid(u).build();
          } else {
            pid = id(i);
          }
          Points.DenseVector.Builder v = Points.DenseVector.newBuilder();
          for (int d = 0; d < 8; d++) {
            v.addData((float) rnd.nextGaussian());
          }
          batch.add(
              Points.PointStruct.newBuilder()
                  .setId(pid)
                  .setVectors(
                      Points.Vectors.newBuilder().setVector(Points.Vector.newBuilder().setDense(v)))
                  .putPayload("k", str(i % 3 == 0 ? "a" : "b"))
                  .putPayload("n", num(i))
                  .putPayload(
                      "obj",
                      Value.newBuilder()
                          .setStructValue(
                              io.qdrant.client.grpc.JsonWithInt.Struct.newBuilder()
                                  .putFields("x", num(i % 5))
                                  .putFields(
                                      "f", Value.newBuilder().setDoubleValue(i / 4.0).build()))
                          .build())
                  .build());
        }
        Points.UpdateResult up =
            points
                .upsert(
                    Points.UpsertPoints.newBuilder()
                        .setCollectionName("g")
                        .setWait(true)
                        .addAllPoints(batch)
                        .build())
                .getResult();
        assertEquals(Points.UpdateStatus.Completed, up.getStatus());
        assertEquals(
            300L,
            t.post("/collections/g/points/count", new JsonObject())
                .resultObject()
                .getLong("count"));

        float[] q = new float[8];
        List<Float> qv = new ArrayList<>();
        JsonArray qj = new JsonArray();
        for (int d = 0; d < 8; d++) {
          q[d] = (float) rnd.nextGaussian();
          qv.add(q[d]);
          qj.add((double) q[d]);
        }
        Filter filter =
            Filter.newBuilder()
                .addMust(keyword("k", "b"))
                .addMustNot(
                    Condition.newBuilder()
                        .setField(
                            FieldCondition.newBuilder()
                                .setKey("obj.x")
                                .setMatch(
                                    Match.newBuilder()
                                        .setIntegers(
                                            io.qdrant.client.grpc.Common.RepeatedIntegers
                                                .newBuilder()
                                                .addIntegers(1)
                                                .addIntegers(2)))))
                .setMinShould(
                    MinShould.newBuilder()
                        .setMinCount(1)
                        .addConditions(
                            Condition.newBuilder()
                                .setField(
                                    FieldCondition.newBuilder()
                                        .setKey("n")
                                        .setRange(Range.newBuilder().setGte(50).setLt(250))))
                        .addConditions(keyword("k", "zzz")))
                .build();
        JsonObject restFilter =
            new JsonObject()
                .put(
                    "must",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("key", "k")
                                .put("match", new JsonObject().put("value", "b"))))
                .put(
                    "must_not",
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("key", "obj.x")
                                .put(
                                    "match",
                                    new JsonObject().put("any", new JsonArray().add(1).add(2)))))
                .put(
                    "min_should",
                    new JsonObject()
                        .put("min_count", 1)
                        .put(
                            "conditions",
                            new JsonArray()
                                .add(
                                    new JsonObject()
                                        .put("key", "n")
                                        .put(
                                            "range",
                                            new JsonObject().put("gte", 50.0).put("lt", 250.0)))
                                .add(
                                    new JsonObject()
                                        .put("key", "k")
                                        .put("match", new JsonObject().put("value", "zzz")))));

        // Search with a filter, a payload include list, vectors, an offset.
        Points.SearchPoints search =
            Points.SearchPoints.newBuilder()
                .setCollectionName("g")
                .addAllVector(qv)
                .setFilter(filter)
                .setLimit(7)
                .setOffset(2)
                .setWithPayload(
                    Points.WithPayloadSelector.newBuilder()
                        .setInclude(Points.PayloadIncludeSelector.newBuilder().addFields("n")))
                .setWithVectors(Points.WithVectorsSelector.newBuilder().setEnable(true))
                .setParams(Points.SearchParams.newBuilder().setHnswEf(128))
                .build();
        JsonObject restSearch =
            new JsonObject()
                .put("vector", qj)
                .put("filter", restFilter)
                .put("limit", 7)
                .put("offset", 2)
                .put("with_payload", new JsonArray().add("n"))
                .put("with_vector", true)
                .put("params", new JsonObject().put("hnsw_ef", 128));
        JsonArray viaRest =
            rest((JsonArray) t.post("/collections/g/points/search", restSearch).result());
        assertEquals(7, viaRest.size(), "seed " + seed);
        SameHits.assertSame(viaRest, grpc(points.search(search).getResultList()), "seed " + seed);

        // Search batch.
        Points.SearchBatchResponse batchReply =
            points.searchBatch(
                Points.SearchBatchPoints.newBuilder()
                    .setCollectionName("g")
                    .addSearchPoints(search)
                    .addSearchPoints(search.toBuilder().clearFilter().setLimit(3).build())
                    .build());
        JsonArray restBatch =
            (JsonArray)
                t.post(
                        "/collections/g/points/search/batch",
                        new JsonObject()
                            .put(
                                "searches",
                                new JsonArray()
                                    .add(restSearch)
                                    .add(restSearch.copy().put("limit", 3).put("filter", null))))
                    .result();
        for (int i = 0; i < 2; i++) {
          SameHits.assertSame(
              rest(restBatch.getJsonArray(i)),
              grpc(batchReply.getResult(i).getResultList()),
              "search " + i);
        }

        // Query: by vector, and by the id of a stored point (left out of its results).
        Points.QueryPoints query =
            Points.QueryPoints.newBuilder()
                .setCollectionName("g")
                .setQuery(
                    Points.Query.newBuilder()
                        .setNearest(
                            Points.VectorInput.newBuilder()
                                .setDense(Points.DenseVector.newBuilder().addAllData(qv))))
                .setFilter(filter)
                .setLimit(5)
                .setWithPayload(Points.WithPayloadSelector.newBuilder().setEnable(true))
                .build();
        JsonObject restQuery =
            new JsonObject()
                .put("query", qj)
                .put("filter", restFilter)
                .put("limit", 5)
                .put("with_payload", true);
        SameHits.assertSame(
            rest(
                t.post("/collections/g/points/query", restQuery)
                    .resultObject()
                    .getJsonArray("points")),
            grpc(points.query(query).getResultList()),
            "query");
        Points.QueryPoints byId =
            Points.QueryPoints.newBuilder()
                .setCollectionName("g")
                .setQuery(
                    Points.Query.newBuilder()
                        .setNearest(Points.VectorInput.newBuilder().setId(id(7))))
                .setLimit(4)
                .build();
        SameHits.assertSame(
            rest(
                t.post(
                        "/collections/g/points/query",
                        new JsonObject().put("query", 7).put("limit", 4))
                    .resultObject()
                    .getJsonArray("points")),
            grpc(points.query(byId).getResultList()),
            "query by id");
        Points.QueryBatchResponse qb =
            points.queryBatch(
                Points.QueryBatchPoints.newBuilder()
                    .setCollectionName("g")
                    .addQueryPoints(query)
                    .addQueryPoints(byId)
                    .build());
        SameHits.assertSame(
            grpc(points.query(query).getResultList()),
            grpc(qb.getResult(0).getResultList()),
            "batch");
        SameHits.assertSame(
            grpc(points.query(byId).getResultList()),
            grpc(qb.getResult(1).getResultList()),
            "batch");

        // Scroll ordered by a payload key, and by id in pages; count; get with UUIDs.
        Points.ScrollResponse ordered =
            points.scroll(
                Points.ScrollPoints.newBuilder()
                    .setCollectionName("g")
                    .setFilter(filter)
                    .setLimit(6)
                    .setOrderBy(
                        Points.OrderBy.newBuilder().setKey("n").setDirection(Points.Direction.Desc))
                    .build());
        JsonObject restOrdered =
            t.post(
                    "/collections/g/points/scroll",
                    new JsonObject()
                        .put("filter", restFilter)
                        .put("limit", 6)
                        .put("order_by", new JsonObject().put("key", "n").put("direction", "desc")))
                .resultObject();
        JsonArray restOrderedPoints = restOrdered.getJsonArray("points");
        assertEquals(restOrderedPoints.size(), ordered.getResultCount());
        for (int i = 0; i < ordered.getResultCount(); i++) {
          Points.RetrievedPoint p = ordered.getResult(i);
          JsonObject r = restOrderedPoints.getJsonObject(i);
          assertEquals(r.getValue("id"), ((Number) GrpcRequests.pointId(p.getId(), "")).intValue());
          assertEquals(r.getJsonObject("payload"), payload(p.getPayloadMap()));
        }
        Points.ScrollResponse page =
            points.scroll(
                Points.ScrollPoints.newBuilder()
                    .setCollectionName("g")
                    .setLimit(50)
                    .setOffset(id(100))
                    .build());
        JsonObject restPage =
            t.post(
                    "/collections/g/points/scroll",
                    new JsonObject().put("limit", 50).put("offset", 100))
                .resultObject();
        JsonArray pageJson = new JsonArray();
        page.getResultList().forEach(p -> pageJson.add(json(p)));
        assertEquals(rest(restPage.getJsonArray("points")), pageJson);
        assertEquals(
            restPage.getValue("next_page_offset"),
            ((Number) GrpcRequests.pointId(page.getNextPageOffset(), "")).intValue());
        long count =
            points
                .count(
                    Points.CountPoints.newBuilder()
                        .setCollectionName("g")
                        .setFilter(filter)
                        .build())
                .getResult()
                .getCount();
        assertEquals(
            t.post("/collections/g/points/count", new JsonObject().put("filter", restFilter))
                .resultObject()
                .getLong("count"),
            count);
        assertTrue(count > 0);
        Points.GetResponse got =
            points.get(
                Points.GetPoints.newBuilder()
                    .setCollectionName("g")
                    .addIds(PointId.newBuilder().setUuid(uuids.get(3)))
                    .addIds(id(11))
                    .setWithVectors(Points.WithVectorsSelector.newBuilder().setEnable(true))
                    .build());
        JsonArray gotJson = new JsonArray();
        got.getResultList().forEach(p -> gotJson.add(json(p)));
        JsonArray restGot =
            (JsonArray)
                t.post(
                        "/collections/g/points",
                        new JsonObject()
                            .put("ids", new JsonArray().add(uuids.get(3)).add(11))
                            .put("with_vector", true))
                    .result();
        assertEquals(rest(restGot), gotJson);

        // Payload edits, each read back over REST.
        points.overwritePayload(
            Points.SetPayloadPoints.newBuilder()
                .setCollectionName("g")
                .setWait(true)
                .putPayload("only", str("this"))
                .setPointsSelector(
                    Points.PointsSelector.newBuilder()
                        .setPoints(Points.PointsIdsList.newBuilder().addIds(id(1))))
                .build());
        assertEquals(
            new JsonObject().put("only", "this"),
            t.get("/collections/g/points/1").resultObject().getJsonObject("payload"));
        points.setPayload(
            Points.SetPayloadPoints.newBuilder()
                .setCollectionName("g")
                .setWait(true)
                .putPayload("y", num(9))
                .setKey("obj")
                .setPointsSelector(
                    Points.PointsSelector.newBuilder()
                        .setPoints(Points.PointsIdsList.newBuilder().addIds(id(2))))
                .build());
        assertEquals(
            9,
            t.get("/collections/g/points/2")
                .resultObject()
                .getJsonObject("payload")
                .getJsonObject("obj")
                .getInteger("y"));
        points.deletePayload(
            Points.DeletePayloadPoints.newBuilder()
                .setCollectionName("g")
                .setWait(true)
                .addKeys("obj")
                .setPointsSelector(
                    Points.PointsSelector.newBuilder()
                        .setFilter(Filter.newBuilder().addMust(keyword("k", "a"))))
                .build());
        assertEquals(
            0L,
            t.post(
                    "/collections/g/points/count",
                    new JsonObject()
                        .put(
                            "filter",
                            new JsonObject()
                                .put(
                                    "must",
                                    new JsonArray()
                                        .add(
                                            new JsonObject()
                                                .put("key", "k")
                                                .put("match", new JsonObject().put("value", "a")))
                                        .add(
                                            new JsonObject()
                                                .put("key", "obj.x")
                                                .put("range", new JsonObject().put("gte", 0))))))
                .resultObject()
                .getLong("count"));
        points.clearPayload(
            Points.ClearPayloadPoints.newBuilder()
                .setCollectionName("g")
                .setWait(true)
                .setPoints(
                    Points.PointsSelector.newBuilder()
                        .setPoints(Points.PointsIdsList.newBuilder().addIds(id(4))))
                .build());
        Object cleared = t.get("/collections/g/points/4").resultObject().getValue("payload");
        assertTrue(cleared == null || ((JsonObject) cleared).isEmpty(), String.valueOf(cleared));

        // A batch of operations, in order, one result each.
        Points.UpdateBatchResponse batched =
            points.updateBatch(
                Points.UpdateBatchPoints.newBuilder()
                    .setCollectionName("g")
                    .setWait(true)
                    .addOperations(
                        Points.PointsUpdateOperation.newBuilder()
                            .setUpsert(
                                Points.PointsUpdateOperation.PointStructList.newBuilder()
                                    .addPoints(batch.get(5).toBuilder().setId(id(5000)).build())))
                    .addOperations(
                        Points.PointsUpdateOperation.newBuilder()
                            .setSetPayload(
                                Points.PointsUpdateOperation.SetPayload.newBuilder()
                                    .putPayload("batched", str("yes"))
                                    .setPointsSelector(
                                        Points.PointsSelector.newBuilder()
                                            .setPoints(
                                                Points.PointsIdsList.newBuilder()
                                                    .addIds(id(5000))))))
                    .addOperations(
                        Points.PointsUpdateOperation.newBuilder()
                            .setDeletePoints(
                                Points.PointsUpdateOperation.DeletePoints.newBuilder()
                                    .setPoints(
                                        Points.PointsSelector.newBuilder()
                                            .setPoints(
                                                Points.PointsIdsList.newBuilder().addIds(id(6))))))
                    .build());
        assertEquals(3, batched.getResultCount());
        assertEquals(
            "yes",
            t.get("/collections/g/points/5000")
                .resultObject()
                .getJsonObject("payload")
                .getString("batched"));
        assertEquals(404, t.get("/collections/g/points/6").status());
        String vectorUpdate =
            refusal(
                () ->
                    points.updateBatch(
                        Points.UpdateBatchPoints.newBuilder()
                            .setCollectionName("g")
                            .addOperations(
                                Points.PointsUpdateOperation.newBuilder()
                                    .setUpdateVectors(
                                        Points.PointsUpdateOperation.UpdateVectors
                                            .getDefaultInstance()))
                            .build()));
        assertTrue(vectorUpdate.contains("operations[0]"), vectorUpdate);
        points.delete(
            Points.DeletePoints.newBuilder()
                .setCollectionName("g")
                .setWait(true)
                .setPoints(
                    Points.PointsSelector.newBuilder()
                        .setPoints(Points.PointsIdsList.newBuilder().addIds(id(5000))))
                .build());
        points.upsert(
            Points.UpsertPoints.newBuilder()
                .setCollectionName("g")
                .setWait(true)
                .addPoints(batch.get(6))
                .build());

        // Field indexes, seen in the collection info; collection update; delete by ids.
        points.createFieldIndex(
            Points.CreateFieldIndexCollection.newBuilder()
                .setCollectionName("g")
                .setWait(true)
                .setFieldName("k")
                .setFieldType(Points.FieldType.FieldTypeKeyword)
                .build());
        points.createFieldIndex(
            Points.CreateFieldIndexCollection.newBuilder()
                .setCollectionName("g")
                .setWait(true)
                .setFieldName("n")
                .setFieldType(Points.FieldType.FieldTypeInteger)
                .setFieldIndexParams(
                    PayloadIndexParams.newBuilder()
                        .setIntegerIndexParams(
                            IntegerIndexParams.newBuilder().setRange(true).setLookup(true)))
                .build());
        CollectionInfo info =
            collections
                .get(GetCollectionInfoRequest.newBuilder().setCollectionName("g").build())
                .getResult();
        assertEquals(PayloadSchemaType.Keyword, info.getPayloadSchemaMap().get("k").getDataType());
        assertEquals(PayloadSchemaType.Integer, info.getPayloadSchemaMap().get("n").getDataType());
        assertEquals(300, info.getPointsCount());
        assertEquals(12, info.getConfig().getHnswConfig().getM());
        JsonObject schema = t.get("/collections/g").resultObject().getJsonObject("payload_schema");
        assertEquals("integer", schema.getJsonObject("n").getString("data_type"));
        points.deleteFieldIndex(
            Points.DeleteFieldIndexCollection.newBuilder()
                .setCollectionName("g")
                .setWait(true)
                .setFieldName("k")
                .build());
        assertEquals(
            null,
            t.get("/collections/g").resultObject().getJsonObject("payload_schema").getValue("k"));
        assertTrue(
            collections
                .update(
                    UpdateCollection.newBuilder()
                        .setCollectionName("g")
                        .setOptimizersConfig(
                            OptimizersConfigDiff.newBuilder().setDeletedThreshold(0.3))
                        .build())
                .getResult());
        assertEquals(
            0.3,
            t.get("/collections/g")
                .resultObject()
                .getJsonObject("config")
                .getJsonObject("optimizer_config")
                .getDouble("deleted_threshold"),
            1e-9);
        // Quantization through gRPC's QuantizationConfigDiff: int8, then disabled.
        assertTrue(
            collections
                .update(
                    UpdateCollection.newBuilder()
                        .setCollectionName("g")
                        .setQuantizationConfig(
                            io.qdrant.client.grpc.Collections.QuantizationConfigDiff.newBuilder()
                                .setScalar(
                                    io.qdrant.client.grpc.Collections.ScalarQuantization
                                        .newBuilder()
                                        .setType(
                                            io.qdrant.client.grpc.Collections.QuantizationType.Int8)
                                        .setQuantile(0.99f)))
                        .build())
                .getResult());
        assertEquals(
            "{\"scalar\":{\"type\":\"int8\",\"quantile\":0.99}}",
            t.get("/collections/g")
                .resultObject()
                .getJsonObject("config")
                .getJsonObject("quantization_config")
                .encode());
        assertTrue(
            collections
                .update(
                    UpdateCollection.newBuilder()
                        .setCollectionName("g")
                        .setQuantizationConfig(
                            io.qdrant.client.grpc.Collections.QuantizationConfigDiff.newBuilder()
                                .setDisabled(
                                    io.qdrant.client.grpc.Collections.Disabled
                                        .getDefaultInstance()))
                        .build())
                .getResult());
        assertEquals(
            null,
            t.get("/collections/g")
                .resultObject()
                .getJsonObject("config")
                .getValue("quantization_config"));
        points.delete(
            Points.DeletePoints.newBuilder()
                .setCollectionName("g")
                .setWait(true)
                .setPoints(
                    Points.PointsSelector.newBuilder()
                        .setPoints(Points.PointsIdsList.newBuilder().addIds(id(1)).addIds(id(2))))
                .build());
        assertEquals(
            298L,
            t.post("/collections/g/points/count", new JsonObject())
                .resultObject()
                .getLong("count"));

        // Refusals carry the REST message: a wrong dimension, an unsupported query, a bad limit.
        Points.SearchPoints wrongDim =
            search.toBuilder().clearVector().addAllVector(List.of(1f, 2f)).build();
        assertEquals(
            t.post(
                    "/collections/g/points/search",
                    restSearch.copy().put("vector", new JsonArray().add(1).add(2)))
                .error(),
            refusal(() -> points.search(wrongDim)));
        Points.QueryPoints fusion =
            Points.QueryPoints.newBuilder()
                .setCollectionName("g")
                .setQuery(Points.Query.newBuilder().setFusion(Points.Fusion.RRF))
                .build();
        assertEquals(
            t.post(
                    "/collections/g/points/query",
                    new JsonObject().put("query", new JsonObject().put("fusion", "rrf")))
                .error(),
            refusal(() -> points.query(fusion)));
        String shardKey =
            refusal(
                () ->
                    points.count(
                        Points.CountPoints.newBuilder()
                            .setCollectionName("g")
                            .setShardKeySelector(
                                Points.ShardKeySelector.newBuilder()
                                    .addShardKeys(
                                        io.qdrant.client.grpc.Collections.ShardKey.newBuilder()
                                            .setKeyword("x")))
                            .build()));
        assertTrue(shardKey.contains("shard_key"), shardKey);
        String sparse =
            refusal(
                () ->
                    points.search(
                        search.toBuilder()
                            .setSparseIndices(Points.SparseIndices.newBuilder().addData(1))
                            .build()));
        assertTrue(sparse.contains("sparse_indices"), sparse);
        assertEquals(
            298L,
            t.post("/collections/g/points/count", new JsonObject())
                .resultObject()
                .getLong("count"));
      } finally {
        close(ch);
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aTakenGrpcPortStopsTheStartNamingTheSetting() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Exception e =
          assertThrows(
              Exception.class,
              () ->
                  TestNode.start(vertx, new VecdbOptions().setGrpcPort(taken.getLocalPort()))
                      .close());
      Throwable cause = e;
      while (cause.getCause() != null
          && !String.valueOf(cause.getMessage()).contains("grpc_port")) {
        cause = cause.getCause();
      }
      assertTrue(String.valueOf(cause.getMessage()).contains("grpc_port"), String.valueOf(e));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static final String FULL = "grpc-full-key-0123";
  private static final String READ = "grpc-read-only-key-4567";

  private static Metadata header(String name, String value) {
    Metadata m = new Metadata();
    m.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value);
    return m;
  }

  /** The status code of calling {@code method} with its default (empty) request and {@code md}. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Status.Code call(ManagedChannel ch, MethodDescriptor method, Metadata md) {
    Object request =
        ((MethodDescriptor.PrototypeMarshaller) method.getRequestMarshaller())
            .getMessagePrototype();
    io.grpc.Channel c =
        md == null
            ? ch
            : io.grpc.ClientInterceptors.intercept(
                ch, MetadataUtils.newAttachHeadersInterceptor(md));
    try {
      ClientCalls.blockingUnaryCall(
          c, method, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), request);
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void everyRpcChecksTheApiKey() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (TestNode t =
        TestNode.start(
            vertx,
            new VecdbOptions()
                .setApiKey(FULL)
                .setReadOnlyApiKey(READ)
                .setGrpcPort(QdrantJavaClientConformanceTest.freePort()))) {
      ManagedChannel ch = plain(t.node.grpcPort());
      try {
        List<ServerServiceDefinition> services =
            List.of(
                new PointsGrpc.PointsImplBase() {}.bindService(),
                new CollectionsGrpc.CollectionsImplBase() {}.bindService(),
                new QdrantGrpc.QdrantImplBase() {}.bindService());
        int served = 0;
        for (ServerServiceDefinition s : services) {
          for (var m : s.getMethods()) {
            MethodDescriptor<?, ?> method = m.getMethodDescriptor();
            String name = method.getFullMethodName();
            if (name.equals("qdrant.Qdrant/HealthCheck")) {
              assertEquals(Status.Code.OK, call(ch, method, null), "the health check is open");
              continue;
            }
            assertEquals(Status.Code.UNAUTHENTICATED, call(ch, method, null), name + ", no key");
            assertEquals(
                Status.Code.UNAUTHENTICATED,
                call(ch, method, header("api-key", "guess")),
                name + ", wrong key");
            Action action = GrpcApiVerticle.action(name);
            Status.Code readOnly = call(ch, method, header("authorization", "Bearer " + READ));
            Status.Code full = call(ch, method, header("api-key", FULL));
            assertNotEquals(Status.Code.UNAUTHENTICATED, full, name);
            assertNotEquals(Status.Code.PERMISSION_DENIED, full, name);
            if (action == null) {
              assertEquals(Status.Code.UNIMPLEMENTED, full, name + " is not served");
              assertEquals(Status.Code.PERMISSION_DENIED, readOnly, name + ", read-only key");
              continue;
            }
            served++;
            if (action.isWrite()) {
              assertEquals(Status.Code.PERMISSION_DENIED, readOnly, name + ", read-only key");
            } else {
              assertNotEquals(Status.Code.PERMISSION_DENIED, readOnly, name);
              assertNotEquals(Status.Code.UNAUTHENTICATED, readOnly, name);
            }
          }
        }
        assertEquals(22, served, "every served RPC was checked");

        // A refused write changes nothing; the same write with the full key lands.
        Points.UpsertPoints upsert =
            Points.UpsertPoints.newBuilder()
                .setCollectionName("c")
                .setWait(true)
                .addPoints(
                    Points.PointStruct.newBuilder()
                        .setId(id(1))
                        .setVectors(
                            Points.Vectors.newBuilder()
                                .setVector(
                                    Points.Vector.newBuilder()
                                        .setDense(
                                            Points.DenseVector.newBuilder()
                                                .addData(1)
                                                .addData(0)))))
                .build();
        var asFull =
            CollectionsGrpc.newBlockingStub(ch)
                .withInterceptors(
                    MetadataUtils.newAttachHeadersInterceptor(header("api-key", FULL)));
        asFull.create(
            CreateCollection.newBuilder()
                .setCollectionName("c")
                .setVectorsConfig(
                    VectorsConfig.newBuilder()
                        .setParams(VectorParams.newBuilder().setSize(2).setDistance(Distance.Dot)))
                .build());
        var readOnlyPoints =
            PointsGrpc.newBlockingStub(ch)
                .withInterceptors(
                    MetadataUtils.newAttachHeadersInterceptor(header("api-key", READ)));
        StatusRuntimeException denied =
            assertThrows(StatusRuntimeException.class, () -> readOnlyPoints.upsert(upsert));
        assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode());
        assertEquals(
            0,
            readOnlyPoints
                .count(Points.CountPoints.newBuilder().setCollectionName("c").build())
                .getResult()
                .getCount());
        PointsGrpc.newBlockingStub(ch)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(header("api-key", FULL)))
            .upsert(upsert);
        assertEquals(
            1,
            readOnlyPoints
                .count(Points.CountPoints.newBuilder().setCollectionName("c").build())
                .getResult()
                .getCount());
        assertEquals(
            Status.Code.OK,
            call(ch, QdrantGrpc.getHealthCheckMethod(), null),
            "health check without a key");
        assertNotNull(
            QdrantGrpc.newBlockingStub(ch)
                .healthCheck(HealthCheckRequest.getDefaultInstance())
                .getVersion());
        assertEquals(
            200, t.call(HttpMethod.GET, "/collections/c", null, Map.of("api-key", READ)).status());
      } finally {
        close(ch);
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static ManagedChannel tls(int port, Path ca, TestCertificates.Pair client)
      throws Exception {
    TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder().trustManager(ca.toFile());
    if (client != null) {
      b.keyManager(client.cert().toFile(), client.key().toFile());
    }
    return Grpc.newChannelBuilderForAddress("127.0.0.1", port, b.build()).build();
  }

  private static Status.Code list(ManagedChannel ch) {
    try {
      CollectionsGrpc.newBlockingStub(ch)
          .withDeadlineAfter(20, TimeUnit.SECONDS)
          .list(io.qdrant.client.grpc.Collections.ListCollectionsRequest.getDefaultInstance());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  /** The common name of the certificate the server presents to {@code client}. */
  private static String served(int port, Path ca, TestCertificates.Pair client) throws Exception {
    try (javax.net.ssl.SSLSocket s =
        (javax.net.ssl.SSLSocket)
            TestCertificates.context(ca, client)
                .getSocketFactory()
                .createSocket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.startHandshake();
      return ((java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0])
          .getSubjectX500Principal()
          .getName();
    }
  }

  @Test
  void tlsAndMutualTlsOnTheGrpcPortWithReload() throws Exception {
    TestCertificates certs = new TestCertificates(dir);
    TestCertificates.Pair ca = certs.authority("ca");
    TestCertificates.Pair server = certs.leaf(ca, "server", "vecdb-server");
    TestCertificates.Pair clients = certs.authority("clients-ca");
    TestCertificates.Pair client = certs.leaf(clients, "client", "app");
    Path cert = dir.resolve("live.pem");
    Path key = dir.resolve("live.key");
    Files.copy(server.cert(), cert);
    Files.copy(server.key(), key);
    VecdbOptions options =
        new VecdbOptions().setGrpcPort(QdrantJavaClientConformanceTest.freePort());
    options
        .getTls()
        .setCert(cert.toString())
        .setKey(key.toString())
        .setCa(clients.cert().toString())
        .setReloadSeconds(1);
    Vertx vertx = Vertx.vertx();
    try (TestNode t = TestNode.start(vertx, options)) {
      int port = t.node.grpcPort();
      ManagedChannel good = tls(port, ca.cert(), client);
      ManagedChannel noClientCert = tls(port, ca.cert(), null);
      ManagedChannel cleartext = plain(port);
      ManagedChannel otherTrust = tls(port, certs.authority("other").cert(), client);
      try {
        assertEquals(Status.Code.OK, list(good));
        assertEquals(Status.Code.UNAVAILABLE, list(noClientCert));
        assertEquals(Status.Code.UNAVAILABLE, list(cleartext));
        assertEquals(Status.Code.UNAVAILABLE, list(otherTrust));
        assertTrue(served(port, ca.cert(), client).contains("vecdb-server"));

        // Rotate: the next connections see the new certificate; a broken file keeps the old one.
        TestCertificates.Pair next = certs.leaf(ca, "server2", "vecdb-rotated");
        Files.copy(next.key(), key, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(next.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String served = "";
        while (System.nanoTime() < deadline
            && !(served = served(port, ca.cert(), client)).contains("vecdb-rotated")) {
          Thread.sleep(200);
        }
        assertTrue(served.contains("vecdb-rotated"), served);
        ManagedChannel afterRotation = tls(port, ca.cert(), client);
        try {
          assertEquals(Status.Code.OK, list(afterRotation));
        } finally {
          close(afterRotation);
        }
      } finally {
        close(good);
        close(noClientCert);
        close(cleartext);
        close(otherTrust);
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
