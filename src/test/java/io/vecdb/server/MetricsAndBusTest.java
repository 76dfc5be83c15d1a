package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class MetricsAndBusTest {
  private TestNode t;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    t = TestNode.start(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    t.close();
  }

  @Test
  void prometheusMetricsCoverHttpBusJvmAndVecdb() throws Exception {
    t.put(
        "/collections/m",
        new JsonObject().put("vectors", new JsonObject().put("size", 2).put("distance", "Dot")));
    JsonArray points = new JsonArray();
    for (int i = 0; i < 7; i++) {
      points.add(new JsonObject().put("id", i).put("vector", new JsonArray().add(1).add(i)));
    }
    t.put("/collections/m/points?wait=true", new JsonObject().put("points", points));
    t.post(
        "/collections/m/points/search",
        new JsonObject().put("vector", new JsonArray().add(1).add(1)));
    t.post(
        "/collections/nope/points/search",
        new JsonObject().put("vector", new JsonArray().add(1).add(1)));
    var r = t.get("/metrics");
    assertEquals(200, r.status());
    String m = r.text();
    for (String expected :
        new String[] {
          "vecdb_collection_points{collection=\"m\"} 7.0",
          "vecdb_points_upserted_total 7.0",
          "vecdb_searches_total{kind=\"search\"} 1.0",
          "vecdb_search_latency_seconds_bucket{kind=\"search\"",
          "vecdb_wal_appends_total{result=\"ok\"} 2.0",
          "vecdb_lock_acquisitions_total{contended=\"false\",lock=\"apply_order\"}",
          "vecdb_lock_wait_seconds_count{lock=\"apply_order\"}",
          "vecdb_http_requests_seconds_count{code=\"200\",method=\"POST\",route=\"/collections/:name/points/search\"} 1",
          "vecdb_http_requests_seconds_count{code=\"404\",method=\"POST\",route=\"/collections/:name/points/search\"} 1",
          "vecdb_http_requests_seconds_bucket{code=\"200\",method=\"PUT\",route=\"/collections/:name/points\"",
          "vertx_eventbus_processed_total{",
          "address=\"vecdb.search\"",
          "jvm_memory_used_bytes"
        }) {
      assertTrue(m.contains(expected), "/metrics lacks " + expected);
    }
  }

  @Test
  void busApiAcceptsJsonMessages() throws Exception {
    var bus = t.node.vertx().eventBus();
    Message<Object> created =
        TestNode.await(
            bus.request(
                Addresses.INGEST,
                new JsonObject()
                    .put("action", "create_collection")
                    .put("collection", "b")
                    .put(
                        "body",
                        new JsonObject()
                            .put(
                                "vectors",
                                new JsonObject().put("size", 2).put("distance", "Euclid")))));
    assertEquals(new JsonObject().put("result", true), created.body());
    Message<Object> up =
        TestNode.await(
            bus.request(
                Addresses.INGEST,
                new JsonObject()
                    .put("action", "upsert_points")
                    .put("collection", "b")
                    .put("wait", true)
                    .put(
                        "body",
                        new JsonObject()
                            .put(
                                "points",
                                new JsonArray()
                                    .add(
                                        new JsonObject()
                                            .put("id", 3)
                                            .put("vector", new JsonArray().add(0).add(0)))))));
    assertEquals("completed", ((JsonObject) up.body()).getJsonObject("result").getString("status"));
    Message<Object> hits =
        TestNode.await(
            bus.request(
                Addresses.SEARCH,
                new JsonObject()
                    .put("action", "search")
                    .put("collection", "b")
                    .put("body", new JsonObject().put("vector", new JsonArray().add(1).add(0)))));
    JsonArray result = ((JsonObject) hits.body()).getJsonArray("result");
    assertEquals(3, result.getJsonObject(0).getInteger("id"));
    assertEquals(1.0, result.getJsonObject(0).getDouble("score"), 1e-6);
    try {
      TestNode.await(
          bus.request(
              Addresses.SEARCH, new JsonObject().put("action", "search").put("collection", "zz")));
      throw new AssertionError("expected a failure");
    } catch (java.util.concurrent.ExecutionException e) {
      ReplyException re = (ReplyException) e.getCause();
      assertEquals(404, re.failureCode());
      assertTrue(re.getMessage().contains("zz"));
    }
  }
}
