package io.vecdb.server;

import static io.qdrant.client.ConditionFactory.matchKeyword;
import static io.qdrant.client.ConditionFactory.range;
import static io.qdrant.client.PointIdFactory.id;
import static io.qdrant.client.ValueFactory.value;
import static io.qdrant.client.VectorsFactory.vectors;
import static io.qdrant.client.WithPayloadSelectorFactory.enable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.qdrant.client.QdrantClient;
import io.qdrant.client.QdrantGrpcClient;
import io.qdrant.client.grpc.Collections.CollectionInfo;
import io.qdrant.client.grpc.Collections.Distance;
import io.qdrant.client.grpc.Collections.VectorParams;
import io.qdrant.client.grpc.Common.Condition;
import io.qdrant.client.grpc.Common.Filter;
import io.qdrant.client.grpc.Common.PointId;
import io.qdrant.client.grpc.Common.Range;
import io.qdrant.client.grpc.JsonWithInt.Value;
import io.qdrant.client.grpc.Points.PointStruct;
import io.qdrant.client.grpc.Points.RetrievedPoint;
import io.qdrant.client.grpc.Points.ScoredPoint;
import io.qdrant.client.grpc.Points.ScrollPoints;
import io.qdrant.client.grpc.Points.ScrollResponse;
import io.qdrant.client.grpc.Points.SearchParams;
import io.qdrant.client.grpc.Points.SearchPoints;
import io.qdrant.client.grpc.Points.UpdateStatus;
import io.vecdb.config.VecdbOptions;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Conformance with Qdrant's official Java client ({@code io.qdrant:client}, pinned in the pom),
 * over gRPC: the JS conformance scenario (create, upsert 1,000 points with payloads, search with
 * and without a filter, scroll everything, count with a filter, set payload, delete by filter,
 * delete the collection), every result checked against brute force over the points the test wrote;
 * and bad input (wrong dimension, unknown collection, invalid filter, an existing collection)
 * answered with the right status code and nothing changed. Seeded: {@code -Dtests.seed=N} replays a
 * run.
 */
class QdrantJavaClientConformanceTest {
  private static final int DIM = 16;
  private static final int N = 1000;
  private static final String[] COLORS = {"red", "green", "blue", "black"};

  private Vertx vertx;
  private TestNode node;
  private QdrantClient client;

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    node = TestNode.start(vertx, new VecdbOptions().setGrpcPort(freePort()));
    client =
        new QdrantClient(
            QdrantGrpcClient.newBuilder("127.0.0.1", node.node.grpcPort(), false).build());
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    node.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static <T> T get(Future<T> f) throws Exception {
    return f.get(60, TimeUnit.SECONDS);
  }

  /** The status code a failed call ended with. */
  static Status.Code code(Future<?> f) {
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof StatusRuntimeException, String.valueOf(e.getCause()));
    return ((StatusRuntimeException) e.getCause()).getStatus().getCode();
  }

  private record Point(long id, float[] vector, String color, long n) {}

  private static double cosine(float[] a, float[] b) {
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  private static double cosineNorm2(float[] a) {
    double n = 0;
    for (float x : a) {
      n += x * x;
    }
    return n;
  }

  private static List<Point> bruteForce(
      Map<Long, Point> points, float[] q, int k, java.util.function.Predicate<Point> filter) {
    return points.values().stream()
        .filter(filter)
        .sorted(
            Comparator.comparingDouble((Point p) -> -cosine(p.vector, q))
                .thenComparingLong(Point::id))
        .limit(k)
        .toList();
  }

  private static float[] random(Random rnd) {
    float[] v = new float[DIM];
    for (int i = 0; i < DIM; i++) {
      v[i] = (float) rnd.nextGaussian();
    }
    return v;
  }

  /** Exact results equal brute force, in order, with its scores. */
  private static void assertSameAsBruteForce(
      List<Point> expected, List<ScoredPoint> got, float[] q) {
    assertEquals(expected.size(), got.size());
    for (int i = 0; i < got.size(); i++) {
      double want = cosine(expected.get(i).vector, q);
      assertEquals(want, got.get(i).getScore(), 1e-4, "rank " + i);
      // Ties in score may come in either order; otherwise the ids must match.
      if (Math.abs(want - cosine(expected.get(Math.min(i + 1, got.size() - 1)).vector, q)) > 1e-5
          && (i == 0 || Math.abs(want - cosine(expected.get(i - 1).vector, q)) > 1e-5)) {
        assertEquals(expected.get(i).id, got.get(i).getId().getNum(), "rank " + i);
      }
    }
  }

  @Test
  void officialJavaClientScenario() throws Exception {
    long seed = Long.getLong("tests.seed", System.nanoTime());
    Random rnd = new Random(seed);
    String c = "java_conformance";
    String ctx = "seed " + seed;

    assertTrue(get(client.healthCheckAsync()).getVersion().length() > 0);
    assertTrue(
        get(client.createCollectionAsync(
                c, VectorParams.newBuilder().setSize(DIM).setDistance(Distance.Cosine).build()))
            .getResult());
    assertTrue(get(client.collectionExistsAsync(c)));
    assertTrue(get(client.listCollectionsAsync()).contains(c));

    Map<Long, Point> points = new HashMap<>();
    List<PointStruct> batch = new ArrayList<>();
    for (long i = 1; i <= N; i++) {
      Point p = new Point(i, random(rnd), COLORS[rnd.nextInt(COLORS.length)], rnd.nextInt(100));
      points.put(i, p);
      batch.add(
          PointStruct.newBuilder()
              .setId(id(i))
              .setVectors(vectors(p.vector))
              .putAllPayload(
                  Map.of(
                      "color", value(p.color),
                      "n", value(p.n),
                      "tags", io.qdrant.client.ValueFactory.list(List.of(value("t" + (i % 3))))))
              .build());
      if (batch.size() == 250) {
        assertEquals(UpdateStatus.Completed, get(client.upsertAsync(c, batch)).getStatus(), ctx);
        batch.clear();
      }
    }
    CollectionInfo info = get(client.getCollectionInfoAsync(c));
    assertEquals(N, info.getPointsCount(), ctx);
    assertEquals(DIM, info.getConfig().getParams().getVectorsConfig().getParams().getSize());
    assertEquals(
        Distance.Cosine, info.getConfig().getParams().getVectorsConfig().getParams().getDistance());

    // Search: exact equals brute force; the HNSW search finds nearly all of it.
    for (int round = 0; round < 10; round++) {
      float[] q = random(rnd);
      List<Float> query = new ArrayList<>();
      for (float x : q) {
        query.add(x);
      }
      List<Point> expected = bruteForce(points, q, 10, p -> true);
      List<ScoredPoint> exact =
          get(
              client.searchAsync(
                  SearchPoints.newBuilder()
                      .setCollectionName(c)
                      .addAllVector(query)
                      .setLimit(10)
                      .setParams(SearchParams.newBuilder().setExact(true))
                      .setWithPayload(enable(true))
                      .build()));
      assertSameAsBruteForce(expected, exact, q);
      Point top = points.get(exact.get(0).getId().getNum());
      assertEquals(top.color, exact.get(0).getPayloadMap().get("color").getStringValue(), ctx);
      assertEquals(top.n, exact.get(0).getPayloadMap().get("n").getIntegerValue(), ctx);
      List<ScoredPoint> approx =
          get(
              client.searchAsync(
                  SearchPoints.newBuilder()
                      .setCollectionName(c)
                      .addAllVector(query)
                      .setLimit(10)
                      .build()));
      Set<Long> want = new HashSet<>();
      expected.forEach(p -> want.add(p.id));
      long found = approx.stream().filter(p -> want.contains(p.getId().getNum())).count();
      assertTrue(found >= 8, ctx + ": HNSW recall@10 " + found + "/10");
      for (ScoredPoint p : approx) {
        assertEquals(cosine(points.get(p.getId().getNum()).vector, q), p.getScore(), 1e-4, ctx);
      }

      // With a filter (keyword match and integer range, both must hold).
      String color = COLORS[round % COLORS.length];
      Filter filter =
          Filter.newBuilder()
              .addMust(matchKeyword("color", color))
              .addMust(range("n", Range.newBuilder().setGte(20).setLt(80).build()))
              .build();
      List<Point> filtered =
          bruteForce(points, q, 10, p -> p.color.equals(color) && p.n >= 20 && p.n < 80);
      List<ScoredPoint> got =
          get(
              client.searchAsync(
                  SearchPoints.newBuilder()
                      .setCollectionName(c)
                      .addAllVector(query)
                      .setFilter(filter)
                      .setLimit(10)
                      .setParams(SearchParams.newBuilder().setExact(true))
                      .build()));
      assertSameAsBruteForce(filtered, got, q);
    }

    // Scroll everything, 128 at a time: every point once, with its payload and vector.
    Set<Long> seen = new HashSet<>();
    PointId offset = null;
    do {
      ScrollPoints.Builder s =
          ScrollPoints.newBuilder()
              .setCollectionName(c)
              .setLimit(128)
              .setWithPayload(enable(true))
              .setWithVectors(io.qdrant.client.WithVectorsSelectorFactory.enable(true));
      if (offset != null) {
        s.setOffset(offset);
      }
      ScrollResponse page = get(client.scrollAsync(s.build()));
      for (RetrievedPoint p : page.getResultList()) {
        Point want = points.get(p.getId().getNum());
        assertNotNull(want, ctx);
        assertTrue(seen.add(want.id), "twice: " + want.id);
        assertEquals(want.color, p.getPayloadMap().get("color").getStringValue());
        assertEquals(
            "t" + (want.id % 3),
            p.getPayloadMap().get("tags").getListValue().getValues(0).getStringValue());
        // Cosine collections keep (and return) vectors normalised, as Qdrant does.
        List<Float> v = p.getVectors().getVector().getDense().getDataList();
        double norm = Math.sqrt(cosineNorm2(want.vector));
        for (int i = 0; i < DIM; i++) {
          assertEquals(want.vector[i] / norm, v.get(i), 1e-5);
        }
      }
      offset = page.hasNextPageOffset() ? page.getNextPageOffset() : null;
    } while (offset != null);
    assertEquals(N, seen.size(), ctx);

    // Count with a filter.
    Filter red = Filter.newBuilder().addMust(matchKeyword("color", "red")).build();
    long reds = points.values().stream().filter(p -> p.color.equals("red")).count();
    assertEquals(reds, (long) get(client.countAsync(c, red, true)), ctx);

    // Set payload on the red points (by filter), then read it back.
    assertEquals(
        UpdateStatus.Completed,
        get(client.setPayloadAsync(c, Map.of("flag", value(true)), red, true, null, null))
            .getStatus());
    List<Long> someRed =
        points.values().stream()
            .filter(p -> p.color.equals("red"))
            .map(Point::id)
            .limit(5)
            .toList();
    for (RetrievedPoint p :
        get(
            client.retrieveAsync(
                c, someRed.stream().map(i -> id(i)).toList(), true, false, null))) {
      assertTrue(p.getPayloadMap().get("flag").getBoolValue(), ctx);
      assertEquals("red", p.getPayloadMap().get("color").getStringValue());
    }
    Filter flagged =
        Filter.newBuilder().addMust(io.qdrant.client.ConditionFactory.match("flag", true)).build();
    assertEquals(reds, (long) get(client.countAsync(c, flagged, true)), ctx);

    // Delete by filter: the red points are gone from counts and searches.
    get(client.deleteAsync(c, red));
    points.values().removeIf(p -> p.color.equals("red"));
    assertEquals(points.size(), (long) get(client.countAsync(c)), ctx);
    float[] q = random(rnd);
    List<Float> query = new ArrayList<>();
    for (float x : q) {
      query.add(x);
    }
    List<ScoredPoint> after =
        get(
            client.searchAsync(
                SearchPoints.newBuilder()
                    .setCollectionName(c)
                    .addAllVector(query)
                    .setLimit(20)
                    .setParams(SearchParams.newBuilder().setExact(true))
                    .build()));
    assertSameAsBruteForce(bruteForce(points, q, 20, p -> true), after, q);

    assertTrue(get(client.deleteCollectionAsync(c)).getResult());
    assertFalse(get(client.collectionExistsAsync(c)));
  }

  /**
   * Named vectors through the Java client: a collection of two (a params map), points with one,
   * both or neither, a search by each name (SearchPoints.vector_name) against brute force, the
   * params map in collection info, and an unknown name refused.
   */
  @Test
  void namedVectorsThroughTheJavaClient() throws Exception {
    String c = "java_named";
    assertTrue(
        get(client.createCollectionAsync(
                c,
                Map.of(
                    "image",
                        VectorParams.newBuilder().setSize(2).setDistance(Distance.Euclid).build(),
                    "text",
                        VectorParams.newBuilder().setSize(3).setDistance(Distance.Dot).build())))
            .getResult());
    List<PointStruct> batch = new ArrayList<>();
    for (long i = 0; i < 30; i++) {
      Map<String, io.qdrant.client.grpc.Points.Vector> v = new HashMap<>();
      if (i % 3 != 0) {
        v.put("image", io.qdrant.client.VectorFactory.vector(i, 0f));
      }
      if (i % 2 == 0) {
        v.put("text", io.qdrant.client.VectorFactory.vector(1f, i, 0f));
      }
      batch.add(
          PointStruct.newBuilder()
              .setId(id(i))
              .setVectors(io.qdrant.client.VectorsFactory.namedVectors(v))
              .build());
    }
    assertEquals(UpdateStatus.Completed, get(client.upsertAsync(c, batch)).getStatus());
    var map =
        get(client.getCollectionInfoAsync(c))
            .getConfig()
            .getParams()
            .getVectorsConfig()
            .getParamsMap()
            .getMapMap();
    assertEquals(2, map.get("image").getSize());
    assertEquals(Distance.Dot, map.get("text").getDistance());
    // By text ([0, 1, 0]): even ids, highest first. By image (nearest [10, 0]): ids not divisible
    // by 3, closest to 10 first.
    List<ScoredPoint> byText =
        get(
            client.searchAsync(
                SearchPoints.newBuilder()
                    .setCollectionName(c)
                    .addAllVector(List.of(0f, 1f, 0f))
                    .setVectorName("text")
                    .setLimit(3)
                    .setParams(SearchParams.newBuilder().setExact(true))
                    .build()));
    assertEquals(List.of(28L, 26L, 24L), byText.stream().map(p -> p.getId().getNum()).toList());
    List<ScoredPoint> byImage =
        get(
            client.searchAsync(
                SearchPoints.newBuilder()
                    .setCollectionName(c)
                    .addAllVector(List.of(10f, 0f))
                    .setVectorName("image")
                    .setLimit(3)
                    .setParams(SearchParams.newBuilder().setExact(true))
                    .build()));
    assertEquals(List.of(10L, 11L, 8L), byImage.stream().map(p -> p.getId().getNum()).toList());
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        code(
            client.searchAsync(
                SearchPoints.newBuilder()
                    .setCollectionName(c)
                    .addAllVector(List.of(0f, 1f))
                    .setVectorName("audio")
                    .setLimit(3)
                    .build())));
    assertTrue(get(client.deleteCollectionAsync(c)).getResult());
  }

  @Test
  void badInputGetsTheRightStatusAndChangesNothing() throws Exception {
    String c = "java_bad_input";
    get(
        client.createCollectionAsync(
            c, VectorParams.newBuilder().setSize(4).setDistance(Distance.Dot).build()));
    get(
        client.upsertAsync(
            c,
            List.of(
                PointStruct.newBuilder()
                    .setId(id(1))
                    .setVectors(vectors(1f, 0f, 0f, 0f))
                    .putPayload("color", value("red"))
                    .build())));

    // Wrong dimension: refused, the collection unchanged.
    Status.Code wrongDim =
        code(
            client.upsertAsync(
                c,
                List.of(
                    PointStruct.newBuilder().setId(id(2)).setVectors(vectors(1f, 2f)).build(),
                    PointStruct.newBuilder()
                        .setId(id(3))
                        .setVectors(vectors(1f, 0f, 0f, 0f))
                        .build())));
    assertEquals(Status.Code.INVALID_ARGUMENT, wrongDim);
    assertEquals(1L, (long) get(client.countAsync(c)));
    StatusRuntimeException detail =
        (StatusRuntimeException)
            assertThrows(
                    ExecutionException.class,
                    () ->
                        client
                            .searchAsync(
                                SearchPoints.newBuilder()
                                    .setCollectionName(c)
                                    .addAllVector(List.of(1f, 2f, 3f))
                                    .setLimit(3)
                                    .build())
                            .get(60, TimeUnit.SECONDS))
                .getCause();
    assertEquals(Status.Code.INVALID_ARGUMENT, detail.getStatus().getCode());
    assertTrue(
        detail.getStatus().getDescription().contains("vector"),
        "the message names the field: " + detail.getStatus().getDescription());

    // Unknown collection.
    assertEquals(
        Status.Code.NOT_FOUND,
        code(
            client.searchAsync(
                SearchPoints.newBuilder()
                    .setCollectionName("no_such_collection")
                    .addAllVector(List.of(1f, 0f, 0f, 0f))
                    .setLimit(3)
                    .build())));
    assertEquals(Status.Code.NOT_FOUND, code(client.getCollectionInfoAsync("no_such_collection")));

    // Invalid filters: a condition with nothing set, a match without a key, a delete with one.
    Filter empty = Filter.newBuilder().addMust(Condition.getDefaultInstance()).build();
    assertEquals(Status.Code.INVALID_ARGUMENT, code(client.countAsync(c, empty, true)));
    Filter noKey = Filter.newBuilder().addMust(matchKeyword("", "red")).build();
    assertEquals(Status.Code.INVALID_ARGUMENT, code(client.countAsync(c, noKey, true)));
    assertEquals(Status.Code.INVALID_ARGUMENT, code(client.deleteAsync(c, empty)));
    assertEquals(1L, (long) get(client.countAsync(c)));

    // Creating it again; a field VecDB does not implement (sparse vectors) is refused.
    assertEquals(
        Status.Code.ALREADY_EXISTS,
        code(
            client.createCollectionAsync(
                c, VectorParams.newBuilder().setSize(4).setDistance(Distance.Dot).build())));
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        code(
            client.upsertAsync(
                c,
                List.of(
                    PointStruct.newBuilder()
                        .setId(id(9))
                        .setVectors(
                            vectors(
                                io.qdrant.client.VectorFactory.vector(
                                    List.of(1f, 2f), List.of(0, 3))))
                        .build()))));
    // An RPC VecDB does not serve says so.
    assertEquals(Status.Code.UNIMPLEMENTED, code(client.listAliasesAsync()));
    assertEquals(1L, (long) get(client.countAsync(c)));
    Value color =
        get(client.retrieveAsync(c, id(1), true, false, null)).get(0).getPayloadMap().get("color");
    assertEquals("red", color.getStringValue());
  }
}
