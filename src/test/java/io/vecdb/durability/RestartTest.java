package io.vecdb.durability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.durability.AckLedger.Op;
import io.vecdb.durability.AckLedger.Outcome;
import io.vecdb.durability.AckLedger.PointState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A restart, twice, of a real server process keeps what was acknowledged: collections (and not the
 * deleted one), their vector params and HNSW params, payload indexes, and every point exactly;
 * search and filtered search work on the restarted server. Once after clean SIGTERM shutdowns, once
 * after SIGKILLs (every request had been answered, so all of it was acknowledged).
 */
class RestartTest {

  private static final String[] COLORS = {"red", "green", "blue"};

  @TempDir Path tmp;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"SIGTERM", "SIGKILL"})
  void restartKeepsEverythingAcknowledged(String signal) throws Exception {
    long seed = TestSeeds.seed(0);
    String ctx = "seed=" + seed + " " + signal;
    Random rng = new Random(seed);
    AckLedger alpha = new AckLedger();
    AckLedger beta = new AckLedger();
    ServerProcess server = ServerProcess.start(tmp.resolve("data"), tmp.resolve("server.log"));
    try {
      try (QdrantHttp http = new QdrantHttp(server.baseUri())) {
        http.expectOk(
            "PUT",
            "/collections/alpha",
            """
            {"vectors": {"size": 5, "distance": "Euclid"},
             "hnsw_config": {"m": 8, "ef_construct": 64}}""");
        http.expectOk(
            "PUT", "/collections/beta", "{\"vectors\": {\"size\": 3, \"distance\": \"Dot\"}}");
        http.expectOk(
            "PUT", "/collections/gamma", "{\"vectors\": {\"size\": 2, \"distance\": \"Euclid\"}}");
        http.expectOk("DELETE", "/collections/gamma", null);
        http.expectOk(
            "PUT",
            "/collections/alpha/index?wait=true",
            "{\"field_name\": \"color\", \"field_schema\": \"keyword\"}");
        http.expectOk(
            "PUT",
            "/collections/alpha/index?wait=true",
            "{\"field_name\": \"price\", \"field_schema\": \"float\"}");
        upsert(http, "alpha", alpha, rng, 1, 300, 5, "true");
        upsert(http, "alpha", alpha, rng, 250, 40, 5, "false"); // overwrites 250..289
        upsert(http, "beta", beta, rng, 1_000, 60, 3, "false");
        JsonArray deleted = new JsonArray();
        for (long id = 10; id < 50; id++) {
          deleted.add(id);
          alpha.record(id, new Op(0, "delete", PointState.ABSENT, Outcome.ACKED));
        }
        http.expectOk(
            "POST",
            "/collections/alpha/points/delete?wait=true",
            new JsonObject().put("points", deleted).encode());
      }

      for (int restart = 1; restart <= 2; restart++) {
        String where = ctx + " restart " + restart;
        if (signal.equals("SIGKILL")) {
          server.kill();
        } else {
          int status = server.stop();
          assertTrue(
              status == 0 || status == ServerProcess.SIGTERM_STATUS,
              where + ": SIGTERM exit status " + status + "\n" + server.logTail(40));
        }
        server = server.restart();
        try (QdrantHttp http = new QdrantHttp(server.baseUri())) {
          checkAfterRestart(http, alpha, beta, where + "\n" + server.logTail(30));
        }
      }
    } finally {
      server.close();
    }
  }

  private static void upsert(
      QdrantHttp http,
      String collection,
      AckLedger ledger,
      Random rng,
      long firstId,
      int count,
      int dim,
      String wait)
      throws Exception {
    StringBuilder body = new StringBuilder("{\"points\":[");
    List<Long> ids = new ArrayList<>();
    List<PointState> states = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long id = firstId + i;
      float[] vector = new float[dim];
      for (int d = 0; d < dim; d++) {
        vector[d] = (float) rng.nextGaussian();
      }
      JsonObject payload =
          new JsonObject()
              .put("color", COLORS[rng.nextInt(COLORS.length)])
              .put("price", rng.nextInt(10_000) / 4.0)
              .put("name", "point-" + id);
      body.append(i == 0 ? "" : ",").append("{\"id\":").append(id);
      body.append(",\"vector\":").append(CrashWorkload.vectorJson(vector));
      body.append(",\"payload\":").append(payload.encode()).append('}');
      ids.add(id);
      states.add(new PointState(vector, payload));
    }
    http.expectOk(
        "PUT", "/collections/" + collection + "/points?wait=" + wait, body.append("]}").toString());
    for (int i = 0; i < ids.size(); i++) {
      ledger.record(ids.get(i), new Op(0, "upsert", states.get(i), Outcome.ACKED));
    }
  }

  private static void checkAfterRestart(
      QdrantHttp http, AckLedger alpha, AckLedger beta, String where) throws Exception {
    Set<String> names = new TreeSet<>();
    JsonArray collections =
        http.expectOk("GET", "/collections", null)
            .getJsonObject("result")
            .getJsonArray("collections");
    collections.forEach(c -> names.add(((JsonObject) c).getString("name")));
    assertEquals(Set.of("alpha", "beta"), names, where + ": collections after restart");
    assertFalse(http.get("/collections/gamma").ok(), where + ": deleted collection came back");

    JsonObject info = http.expectOk("GET", "/collections/alpha", null).getJsonObject("result");
    JsonObject config = info.getJsonObject("config");
    JsonObject vectors = config.getJsonObject("params").getJsonObject("vectors");
    assertEquals(5, vectors.getInteger("size"), where + ": alpha size");
    assertEquals("Euclid", vectors.getString("distance"), where + ": alpha distance");
    JsonObject hnsw = config.getJsonObject("hnsw_config");
    assertNotNull(hnsw, where + ": alpha hnsw_config missing: " + config.encode());
    assertEquals(8, hnsw.getInteger("m"), where + ": alpha hnsw m");
    assertEquals(64, hnsw.getInteger("ef_construct"), where + ": alpha hnsw ef_construct");
    JsonObject schema = info.getJsonObject("payload_schema");
    assertNotNull(schema, where + ": alpha payload_schema missing: " + info.encode());
    assertEquals(
        "keyword",
        schema.getJsonObject("color", new JsonObject()).getString("data_type"),
        where + ": payload index 'color': " + schema.encode());
    assertEquals(
        "float",
        schema.getJsonObject("price", new JsonObject()).getString("data_type"),
        where + ": payload index 'price': " + schema.encode());
    JsonObject betaVectors =
        http.expectOk("GET", "/collections/beta", null)
            .getJsonObject("result")
            .getJsonObject("config")
            .getJsonObject("params")
            .getJsonObject("vectors");
    assertEquals(3, betaVectors.getInteger("size"), where + ": beta size");
    assertEquals("Dot", betaVectors.getString("distance"), where + ": beta distance");

    Map<Long, PointState> alphaPoints = PointsReader.scrollAll(http, "alpha");
    Map<Long, PointState> betaPoints = PointsReader.scrollAll(http, "beta");
    assertEquals(List.of(), alpha.verify(alphaPoints, 20), where + ": alpha points");
    assertEquals(List.of(), beta.verify(betaPoints, 20), where + ": beta points");
    assertEquals(260, alphaPoints.size(), where + ": alpha point count");
    assertEquals(60, betaPoints.size(), where + ": beta point count");

    // The index answers on the restarted server: a point's own vector finds it first.
    PointState probe = alphaPoints.get(123L);
    JsonArray hits =
        http.expectOk(
                "POST",
                "/collections/alpha/points/search",
                "{\"vector\":" + CrashWorkload.vectorJson(probe.vector()) + ",\"limit\":3}")
            .getJsonArray("result");
    assertEquals(123L, hits.getJsonObject(0).getLong("id"), where + ": nearest to 123: " + hits);
    // And a filtered search through the restored payload index returns only matching points.
    JsonArray red =
        http.expectOk(
                "POST",
                "/collections/alpha/points/search",
                "{\"vector\":"
                    + CrashWorkload.vectorJson(probe.vector())
                    + ",\"limit\":10,\"with_payload\":true,"
                    + "\"filter\":{\"must\":[{\"key\":\"color\",\"match\":{\"value\":\"red\"}}]}}")
            .getJsonArray("result");
    long expectedRed =
        alphaPoints.values().stream()
            .filter(p -> "red".equals(p.payload().getString("color")))
            .count();
    assertEquals(Math.min(10, expectedRed), red.size(), where + ": filtered hits " + red);
    for (Object hit : red) {
      assertEquals(
          "red",
          ((JsonObject) hit).getJsonObject("payload").getString("color"),
          where + ": filtered hit " + hit);
    }
  }
}
