package io.vecdb.server;

import io.grpc.BindableService;
import io.grpc.stub.StreamObserver;
import io.qdrant.client.grpc.Collections.CollectionDescription;
import io.qdrant.client.grpc.Collections.CollectionExists;
import io.qdrant.client.grpc.Collections.CollectionExistsRequest;
import io.qdrant.client.grpc.Collections.CollectionExistsResponse;
import io.qdrant.client.grpc.Collections.CollectionOperationResponse;
import io.qdrant.client.grpc.Collections.CreateCollection;
import io.qdrant.client.grpc.Collections.DeleteCollection;
import io.qdrant.client.grpc.Collections.GetCollectionInfoRequest;
import io.qdrant.client.grpc.Collections.GetCollectionInfoResponse;
import io.qdrant.client.grpc.Collections.ListCollectionsRequest;
import io.qdrant.client.grpc.Collections.ListCollectionsResponse;
import io.qdrant.client.grpc.Collections.UpdateCollection;
import io.qdrant.client.grpc.CollectionsGrpc;
import io.qdrant.client.grpc.Points;
import io.qdrant.client.grpc.PointsGrpc;
import io.qdrant.client.grpc.QdrantGrpc;
import io.qdrant.client.grpc.QdrantOuterClass.HealthCheckReply;
import io.qdrant.client.grpc.QdrantOuterClass.HealthCheckRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Qdrant's gRPC services over {@link GrpcApiVerticle#call}: each RPC is the REST action of the same
 * name, its message translated by {@link GrpcRequests} and its result by {@link GrpcReplies}.
 * Stateless; any thread.
 */
final class GrpcServices {
  /** Full method name to the REST action of every RPC this node serves. */
  static java.util.Map<String, Action> served() {
    java.util.Map<String, Action> m = new java.util.HashMap<>();
    m.put(PointsGrpc.getUpsertMethod().getFullMethodName(), Action.UPSERT_POINTS);
    m.put(PointsGrpc.getDeleteMethod().getFullMethodName(), Action.DELETE_POINTS);
    m.put(PointsGrpc.getGetMethod().getFullMethodName(), Action.RETRIEVE_POINTS);
    m.put(PointsGrpc.getSetPayloadMethod().getFullMethodName(), Action.SET_PAYLOAD);
    m.put(PointsGrpc.getOverwritePayloadMethod().getFullMethodName(), Action.OVERWRITE_PAYLOAD);
    m.put(PointsGrpc.getDeletePayloadMethod().getFullMethodName(), Action.DELETE_PAYLOAD);
    m.put(PointsGrpc.getClearPayloadMethod().getFullMethodName(), Action.CLEAR_PAYLOAD);
    m.put(PointsGrpc.getUpdateBatchMethod().getFullMethodName(), Action.BATCH_UPDATE);
    m.put(PointsGrpc.getCreateFieldIndexMethod().getFullMethodName(), Action.CREATE_FIELD_INDEX);
    m.put(PointsGrpc.getDeleteFieldIndexMethod().getFullMethodName(), Action.DELETE_FIELD_INDEX);
    m.put(PointsGrpc.getSearchMethod().getFullMethodName(), Action.SEARCH);
    m.put(PointsGrpc.getSearchBatchMethod().getFullMethodName(), Action.SEARCH_BATCH);
    m.put(PointsGrpc.getScrollMethod().getFullMethodName(), Action.SCROLL);
    m.put(PointsGrpc.getCountMethod().getFullMethodName(), Action.COUNT);
    m.put(PointsGrpc.getQueryMethod().getFullMethodName(), Action.QUERY);
    m.put(PointsGrpc.getQueryBatchMethod().getFullMethodName(), Action.QUERY_BATCH);
    m.put(CollectionsGrpc.getGetMethod().getFullMethodName(), Action.GET_COLLECTION);
    m.put(CollectionsGrpc.getListMethod().getFullMethodName(), Action.LIST_COLLECTIONS);
    m.put(CollectionsGrpc.getCreateMethod().getFullMethodName(), Action.CREATE_COLLECTION);
    m.put(CollectionsGrpc.getUpdateMethod().getFullMethodName(), Action.UPDATE_COLLECTION);
    m.put(CollectionsGrpc.getDeleteMethod().getFullMethodName(), Action.DELETE_COLLECTION);
    m.put(
        CollectionsGrpc.getCollectionExistsMethod().getFullMethodName(), Action.COLLECTION_EXISTS);
    return java.util.Map.copyOf(m);
  }

  private final GrpcApiVerticle api;

  GrpcServices(GrpcApiVerticle api) {
    this.api = api;
  }

  /** A translation step that may refuse the request. */
  private interface Body {
    JsonObject get();
  }

  /** Translates, then calls; a refused translation answers INVALID_ARGUMENT and sends nothing. */
  private <T> void run(
      Action action,
      String collection,
      String arg,
      Body body,
      Boolean wait,
      Long timeout,
      String consistency,
      StreamObserver<T> out,
      GrpcApiVerticle.Reply<T> reply) {
    JsonObject json;
    try {
      json = body == null ? null : body.get();
    } catch (IllegalArgumentException e) {
      out.onError(GrpcApiVerticle.invalid(e));
      return;
    }
    api.call(action, collection, arg, json, wait, timeout, consistency, out, reply);
  }

  /** A point write: answered with its update result. */
  private void write(
      Action action,
      String collection,
      Body body,
      Boolean wait,
      StreamObserver<Points.PointsOperationResponse> out) {
    run(action, collection, null, body, wait, null, null, out, GrpcServices::updated);
  }

  /** A collection create, update or delete: answered true or false. */
  private void collectionOp(
      Action action,
      String collection,
      Body body,
      Long timeout,
      StreamObserver<CollectionOperationResponse> out) {
    run(action, collection, null, body, null, timeout, null, out, GrpcServices::operation);
  }

  private static String consistency(boolean has, Points.ReadConsistency rc) {
    if (!has) {
      return null;
    }
    return rc.hasFactor()
        ? String.valueOf(rc.getFactor())
        : rc.getType().name().toLowerCase(Locale.ROOT);
  }

  /**
   * A body without {@code skip}, with the selector's {@code points} or {@code filter} merged in.
   */
  private static JsonObject withSelector(
      com.google.protobuf.Message m, String field, boolean has, Points.PointsSelector s) {
    JsonObject body = GrpcRequests.object(m, "", union(GrpcRequests.ENVELOPE, Set.of(field)));
    if (has) {
      body.mergeIn(GrpcRequests.selector(s, field));
    }
    return body;
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    java.util.HashSet<String> u = new java.util.HashSet<>(a);
    u.addAll(b);
    return u;
  }

  private static Points.PointsOperationResponse updated(Object result, double seconds) {
    Points.UpdateResult r =
        result instanceof JsonObject o
            ? GrpcReplies.update(o)
            : Points.UpdateResult.newBuilder()
                .setStatus(
                    Boolean.TRUE.equals(result)
                        ? Points.UpdateStatus.Completed
                        : Points.UpdateStatus.UnknownUpdateStatus)
                .build();
    return Points.PointsOperationResponse.newBuilder().setResult(r).setTime(seconds).build();
  }

  /** Points of a batch belong to the batch's collection; a different name is refused. */
  private static void sameCollection(String outer, String inner, String path) {
    if (!inner.isEmpty() && !inner.equals(outer)) {
      throw new IllegalArgumentException(
          path
              + ".collection_name: expected \""
              + outer
              + "\" (the batch's), got \""
              + inner
              + "\"");
    }
  }

  private static Object searchBody(Points.SearchPoints s, String path) {
    if (s.hasSparseIndices()) {
      throw new IllegalArgumentException(
          path + "sparse_indices: sparse vectors are not supported by VecDB");
    }
    JsonObject b = GrpcRequests.object(s, "", union(GrpcRequests.ENVELOPE, Set.of("vector_name")));
    if (s.hasVectorName()) {
      b.put(
          "vector",
          new JsonObject().put("name", s.getVectorName()).put("vector", b.remove("vector")));
    }
    return b;
  }

  /** A point struct list's points with PointStruct.vectors as REST's "vector". */
  private static JsonArray restPoints(JsonObject body) {
    JsonArray points = body.getJsonArray("points", new JsonArray());
    for (int i = 0; i < points.size(); i++) {
      JsonObject p = points.getJsonObject(i);
      if (p.containsKey("vectors")) {
        p.put("vector", p.remove("vectors"));
      }
    }
    return points;
  }

  /** One operation of UpdateBatch as the REST batch's {@code {"<kind>": {...}}}. */
  @SuppressWarnings("deprecation") // the deprecated delete and clear forms are still sent
  private static JsonObject batchOperation(Points.PointsUpdateOperation op, String at) {
    return switch (op.getOperationCase()) {
      case UPSERT -> {
        JsonObject b = GrpcRequests.object(op.getUpsert(), at + ".upsert", Set.of());
        yield new JsonObject().put("upsert", b.put("points", restPoints(b)));
      }
      case DELETE_POINTS ->
          new JsonObject()
              .put(
                  "delete",
                  withSelector(
                      op.getDeletePoints(),
                      "points",
                      op.getDeletePoints().hasPoints(),
                      op.getDeletePoints().getPoints()));
      case DELETE_DEPRECATED ->
          new JsonObject()
              .put("delete", GrpcRequests.selector(op.getDeleteDeprecated(), at + ".delete"));
      case SET_PAYLOAD ->
          new JsonObject()
              .put(
                  "set_payload",
                  payloadOp(
                      withSelector(
                          op.getSetPayload(),
                          "points_selector",
                          op.getSetPayload().hasPointsSelector(),
                          op.getSetPayload().getPointsSelector())));
      case OVERWRITE_PAYLOAD ->
          new JsonObject()
              .put(
                  "overwrite_payload",
                  payloadOp(
                      withSelector(
                          op.getOverwritePayload(),
                          "points_selector",
                          op.getOverwritePayload().hasPointsSelector(),
                          op.getOverwritePayload().getPointsSelector())));
      case DELETE_PAYLOAD -> {
        JsonObject b =
            withSelector(
                op.getDeletePayload(),
                "points_selector",
                op.getDeletePayload().hasPointsSelector(),
                op.getDeletePayload().getPointsSelector());
        if (!b.containsKey("keys")) {
          b.put("keys", new JsonArray());
        }
        yield new JsonObject().put("delete_payload", b);
      }
      case CLEAR_PAYLOAD ->
          new JsonObject()
              .put(
                  "clear_payload",
                  withSelector(
                      op.getClearPayload(),
                      "points",
                      op.getClearPayload().hasPoints(),
                      op.getClearPayload().getPoints()));
      case CLEAR_PAYLOAD_DEPRECATED ->
          new JsonObject()
              .put(
                  "clear_payload",
                  GrpcRequests.selector(op.getClearPayloadDeprecated(), at + ".clear_payload"));
      // For the REST parser to refuse with its message.
      case UPDATE_VECTORS -> new JsonObject().put("update_vectors", new JsonObject());
      case DELETE_VECTORS -> new JsonObject().put("delete_vectors", new JsonObject());
      case OPERATION_NOT_SET -> throw new IllegalArgumentException(at + ": expected an operation");
    };
  }

  private static JsonObject payloadOp(JsonObject b) {
    if (!b.containsKey("payload")) {
      b.put("payload", new JsonObject());
    }
    return b;
  }

  BindableService points() {
    return new PointsGrpc.PointsImplBase() {
      @Override
      public void updateBatch(
          Points.UpdateBatchPoints r, StreamObserver<Points.UpdateBatchResponse> o) {
        run(
            Action.BATCH_UPDATE,
            r.getCollectionName(),
            null,
            () -> {
              JsonArray ops = new JsonArray();
              for (int i = 0; i < r.getOperationsCount(); i++) {
                ops.add(batchOperation(r.getOperations(i), "operations[" + i + "]"));
              }
              return new JsonObject().put("operations", ops);
            },
            r.hasWait() ? r.getWait() : null,
            null,
            null,
            o,
            (result, t) -> {
              Points.UpdateBatchResponse.Builder b =
                  Points.UpdateBatchResponse.newBuilder().setTime(t);
              for (Object each : (JsonArray) result) {
                b.addResult(GrpcReplies.update((JsonObject) each));
              }
              return b.build();
            });
      }

      @Override
      public void upsert(Points.UpsertPoints r, StreamObserver<Points.PointsOperationResponse> o) {
        write(
            Action.UPSERT_POINTS,
            r.getCollectionName(),
            () -> {
              JsonObject b = GrpcRequests.body(r);
              JsonArray points = b.getJsonArray("points", new JsonArray());
              for (int i = 0; i < points.size(); i++) {
                JsonObject p = points.getJsonObject(i);
                if (p.containsKey("vectors")) {
                  p.put("vector", p.remove("vectors")); // PointStruct.vectors is REST's "vector"
                }
              }
              return b.put("points", points);
            },
            r.hasWait() ? r.getWait() : null,
            o);
      }

      @Override
      public void delete(Points.DeletePoints r, StreamObserver<Points.PointsOperationResponse> o) {
        write(
            Action.DELETE_POINTS,
            r.getCollectionName(),
            () -> withSelector(r, "points", r.hasPoints(), r.getPoints()),
            r.hasWait() ? r.getWait() : null,
            o);
      }

      @Override
      public void get(Points.GetPoints r, StreamObserver<Points.GetResponse> o) {
        run(
            Action.RETRIEVE_POINTS,
            r.getCollectionName(),
            null,
            () -> GrpcRequests.body(r),
            null,
            r.hasTimeout() ? r.getTimeout() : null,
            consistency(r.hasReadConsistency(), r.getReadConsistency()),
            o,
            (result, t) ->
                Points.GetResponse.newBuilder()
                    .addAllResult(GrpcReplies.retrieved((JsonArray) result))
                    .setTime(t)
                    .build());
      }

      @Override
      public void setPayload(
          Points.SetPayloadPoints r, StreamObserver<Points.PointsOperationResponse> o) {
        payload(Action.SET_PAYLOAD, r, o);
      }

      @Override
      public void overwritePayload(
          Points.SetPayloadPoints r, StreamObserver<Points.PointsOperationResponse> o) {
        payload(Action.OVERWRITE_PAYLOAD, r, o);
      }

      private void payload(
          Action action,
          Points.SetPayloadPoints r,
          StreamObserver<Points.PointsOperationResponse> o) {
        run(
            action,
            r.getCollectionName(),
            null,
            () -> {
              JsonObject b =
                  withSelector(r, "points_selector", r.hasPointsSelector(), r.getPointsSelector());
              if (!b.containsKey("payload")) {
                b.put("payload", new JsonObject()); // an empty map is an unset proto field
              }
              return b;
            },
            r.hasWait() ? r.getWait() : null,
            null,
            null,
            o,
            GrpcServices::updated);
      }

      @Override
      public void deletePayload(
          Points.DeletePayloadPoints r, StreamObserver<Points.PointsOperationResponse> o) {
        write(
            Action.DELETE_PAYLOAD,
            r.getCollectionName(),
            () -> {
              JsonObject b =
                  withSelector(r, "points_selector", r.hasPointsSelector(), r.getPointsSelector());
              if (!b.containsKey("keys")) {
                b.put("keys", new JsonArray());
              }
              return b;
            },
            r.hasWait() ? r.getWait() : null,
            o);
      }

      @Override
      public void clearPayload(
          Points.ClearPayloadPoints r, StreamObserver<Points.PointsOperationResponse> o) {
        write(
            Action.CLEAR_PAYLOAD,
            r.getCollectionName(),
            () -> withSelector(r, "points", r.hasPoints(), r.getPoints()),
            r.hasWait() ? r.getWait() : null,
            o);
      }

      @Override
      public void createFieldIndex(
          Points.CreateFieldIndexCollection r, StreamObserver<Points.PointsOperationResponse> o) {
        write(
            Action.CREATE_FIELD_INDEX,
            r.getCollectionName(),
            () -> {
              String type =
                  GrpcRequests.enumName(r.getFieldType().getValueDescriptor()); // keyword if unset
              Object schema = type;
              if (r.hasFieldIndexParams()) {
                JsonObject params =
                    (JsonObject)
                        GrpcRequests.message(r.getFieldIndexParams(), "field_index_params");
                // The oneof's one member, whose fields are REST's field_schema object.
                JsonObject inner =
                    params.isEmpty()
                        ? new JsonObject()
                        : (JsonObject) params.getValue(params.fieldNames().iterator().next());
                schema = inner.copy().put("type", type);
              }
              return new JsonObject()
                  .put("field_name", r.getFieldName())
                  .put("field_schema", schema);
            },
            r.hasWait() ? r.getWait() : null,
            o);
      }

      @Override
      public void deleteFieldIndex(
          Points.DeleteFieldIndexCollection r, StreamObserver<Points.PointsOperationResponse> o) {
        run(
            Action.DELETE_FIELD_INDEX,
            r.getCollectionName(),
            r.getFieldName(),
            null,
            r.hasWait() ? r.getWait() : null,
            null,
            null,
            o,
            GrpcServices::updated);
      }

      @Override
      public void search(Points.SearchPoints r, StreamObserver<Points.SearchResponse> o) {
        run(
            Action.SEARCH,
            r.getCollectionName(),
            null,
            () -> (JsonObject) searchBody(r, ""),
            null,
            r.hasTimeout() ? r.getTimeout() : null,
            consistency(r.hasReadConsistency(), r.getReadConsistency()),
            o,
            (result, t) ->
                Points.SearchResponse.newBuilder()
                    .addAllResult(GrpcReplies.scored((JsonArray) result))
                    .setTime(t)
                    .build());
      }

      @Override
      public void searchBatch(
          Points.SearchBatchPoints r, StreamObserver<Points.SearchBatchResponse> o) {
        run(
            Action.SEARCH_BATCH,
            r.getCollectionName(),
            null,
            () -> {
              JsonArray searches = new JsonArray();
              List<Points.SearchPoints> list = r.getSearchPointsList();
              for (int i = 0; i < list.size(); i++) {
                String path = "search_points[" + i + "].";
                sameCollection(r.getCollectionName(), list.get(i).getCollectionName(), path);
                if (list.get(i).hasTimeout() || list.get(i).hasReadConsistency()) {
                  throw new IllegalArgumentException(
                      path + "timeout, read_consistency: set them on the batch");
                }
                searches.add(searchBody(list.get(i), path));
              }
              return new JsonObject().put("searches", searches);
            },
            null,
            r.hasTimeout() ? r.getTimeout() : null,
            consistency(r.hasReadConsistency(), r.getReadConsistency()),
            o,
            (result, t) -> {
              Points.SearchBatchResponse.Builder b = Points.SearchBatchResponse.newBuilder();
              for (Object each : (JsonArray) result) {
                b.addResult(
                    Points.BatchResult.newBuilder()
                        .addAllResult(GrpcReplies.scored((JsonArray) each)));
              }
              return b.setTime(t).build();
            });
      }

      @Override
      public void scroll(Points.ScrollPoints r, StreamObserver<Points.ScrollResponse> o) {
        run(
            Action.SCROLL,
            r.getCollectionName(),
            null,
            () -> GrpcRequests.body(r),
            null,
            r.hasTimeout() ? r.getTimeout() : null,
            consistency(r.hasReadConsistency(), r.getReadConsistency()),
            o,
            (result, t) -> {
              JsonObject page = (JsonObject) result;
              Points.ScrollResponse.Builder b =
                  Points.ScrollResponse.newBuilder()
                      .addAllResult(GrpcReplies.retrieved(page.getJsonArray("points")))
                      .setTime(t);
              Object next = page.getValue("next_page_offset");
              if (next != null) {
                b.setNextPageOffset(GrpcReplies.pointId(next));
              }
              return b.build();
            });
      }

      @Override
      public void count(Points.CountPoints r, StreamObserver<Points.CountResponse> o) {
        run(
            Action.COUNT,
            r.getCollectionName(),
            null,
            () -> GrpcRequests.body(r),
            null,
            r.hasTimeout() ? r.getTimeout() : null,
            consistency(r.hasReadConsistency(), r.getReadConsistency()),
            o,
            (result, t) ->
                Points.CountResponse.newBuilder()
                    .setResult(
                        Points.CountResult.newBuilder()
                            .setCount(((JsonObject) result).getLong("count")))
                    .setTime(t)
                    .build());
      }

      @Override
      public void query(Points.QueryPoints r, StreamObserver<Points.QueryResponse> o) {
        run(
            Action.QUERY,
            r.getCollectionName(),
            null,
            () -> GrpcRequests.body(r),
            null,
            r.hasTimeout() ? r.getTimeout() : null,
            consistency(r.hasReadConsistency(), r.getReadConsistency()),
            o,
            (result, t) ->
                Points.QueryResponse.newBuilder()
                    .addAllResult(GrpcReplies.scored(((JsonObject) result).getJsonArray("points")))
                    .setTime(t)
                    .build());
      }

      @Override
      public void queryBatch(
          Points.QueryBatchPoints r, StreamObserver<Points.QueryBatchResponse> o) {
        run(
            Action.QUERY_BATCH,
            r.getCollectionName(),
            null,
            () -> {
              JsonArray searches = new JsonArray();
              List<Points.QueryPoints> list = r.getQueryPointsList();
              for (int i = 0; i < list.size(); i++) {
                String path = "query_points[" + i + "].";
                sameCollection(r.getCollectionName(), list.get(i).getCollectionName(), path);
                if (list.get(i).hasTimeout() || list.get(i).hasReadConsistency()) {
                  throw new IllegalArgumentException(
                      path + "timeout, read_consistency: set them on the batch");
                }
                searches.add(GrpcRequests.body(list.get(i)));
              }
              return new JsonObject().put("searches", searches);
            },
            null,
            r.hasTimeout() ? r.getTimeout() : null,
            consistency(r.hasReadConsistency(), r.getReadConsistency()),
            o,
            (result, t) -> {
              Points.QueryBatchResponse.Builder b = Points.QueryBatchResponse.newBuilder();
              for (Object each : (JsonArray) result) {
                b.addResult(
                    Points.BatchResult.newBuilder()
                        .addAllResult(
                            GrpcReplies.scored(((JsonObject) each).getJsonArray("points"))));
              }
              return b.setTime(t).build();
            });
      }
    };
  }

  BindableService collections() {
    return new CollectionsGrpc.CollectionsImplBase() {
      @Override
      public void get(GetCollectionInfoRequest r, StreamObserver<GetCollectionInfoResponse> o) {
        run(
            Action.GET_COLLECTION,
            r.getCollectionName(),
            null,
            null,
            null,
            null,
            null,
            o,
            (result, t) ->
                GetCollectionInfoResponse.newBuilder()
                    .setResult(GrpcReplies.collectionInfo((JsonObject) result))
                    .setTime(t)
                    .build());
      }

      @Override
      public void list(ListCollectionsRequest r, StreamObserver<ListCollectionsResponse> o) {
        run(
            Action.LIST_COLLECTIONS,
            null,
            null,
            null,
            null,
            null,
            null,
            o,
            (result, t) -> {
              ListCollectionsResponse.Builder b = ListCollectionsResponse.newBuilder().setTime(t);
              for (Object c : ((JsonObject) result).getJsonArray("collections")) {
                b.addCollections(
                    CollectionDescription.newBuilder().setName(((JsonObject) c).getString("name")));
              }
              return b.build();
            });
      }

      @Override
      public void create(CreateCollection r, StreamObserver<CollectionOperationResponse> o) {
        collectionOp(
            Action.CREATE_COLLECTION,
            r.getCollectionName(),
            () -> GrpcRequests.body(r),
            r.hasTimeout() ? r.getTimeout() : null,
            o);
      }

      @Override
      public void update(UpdateCollection r, StreamObserver<CollectionOperationResponse> o) {
        collectionOp(
            Action.UPDATE_COLLECTION,
            r.getCollectionName(),
            () -> GrpcRequests.body(r),
            r.hasTimeout() ? r.getTimeout() : null,
            o);
      }

      @Override
      public void delete(DeleteCollection r, StreamObserver<CollectionOperationResponse> o) {
        collectionOp(
            Action.DELETE_COLLECTION,
            r.getCollectionName(),
            null,
            r.hasTimeout() ? r.getTimeout() : null,
            o);
      }

      @Override
      public void collectionExists(
          CollectionExistsRequest r, StreamObserver<CollectionExistsResponse> o) {
        run(
            Action.COLLECTION_EXISTS,
            r.getCollectionName(),
            null,
            null,
            null,
            null,
            null,
            o,
            (result, t) ->
                CollectionExistsResponse.newBuilder()
                    .setResult(
                        CollectionExists.newBuilder()
                            .setExists(((JsonObject) result).getBoolean("exists")))
                    .setTime(t)
                    .build());
      }
    };
  }

  private static CollectionOperationResponse operation(Object result, double seconds) {
    return CollectionOperationResponse.newBuilder()
        .setResult(Boolean.TRUE.equals(result))
        .setTime(seconds)
        .build();
  }

  BindableService qdrant() {
    return new QdrantGrpc.QdrantImplBase() {
      @Override
      public void healthCheck(HealthCheckRequest r, StreamObserver<HealthCheckReply> o) {
        o.onNext(
            HealthCheckReply.newBuilder()
                .setTitle("vecdb - vector search engine")
                .setVersion(api.info().version())
                .build());
        o.onCompleted();
      }
    };
  }
}
