package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.config.VecdbOptions;
import io.vecdb.index.HnswIndex;
import io.vecdb.index.Quantization;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Quantization over REST (issue 10, items 2, 3 and 5): {@code quantization_config} at create, per
 * named vector and through {@code PATCH} (to binary, {@code "Disabled"}, back to int8), codes
 * trained in the background while searches are served, search {@code params.quantization} (rescored
 * hits carry float32 scores, unrescored ones the codes' estimates), and a restart that loads the
 * codes from the checkpoint instead of training them again. Bad values are refused naming the field
 * and change nothing.
 */
@ExtendWith(VertxExtension.class)
class QuantizationTest {
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());
  private static final int N = 1500;
  private static final int DIM = 24;

  private final Random random = new Random(SEED);
  private final float[][] vectors = new float[N][DIM];

  static JsonArray json(float[] v) {
    JsonArray a = new JsonArray();
    for (float x : v) {
      a.add(x);
    }
    return a;
  }

  private float[] randomVector() {
    float[] v = new float[DIM];
    for (int i = 0; i < DIM; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }

  static double cosine(float[] a, float[] b) {
    double ab = 0;
    double aa = 0;
    double bb = 0;
    for (int i = 0; i < a.length; i++) {
      ab += (double) a[i] * b[i];
      aa += (double) a[i] * a[i];
      bb += (double) b[i] * b[i];
    }
    return ab / Math.sqrt(aa * bb);
  }

  static HnswIndex graph(TestNode t, String collection, String vector) {
    return t.node.collections().get(collection).hnswOf(vector);
  }

  /** Waits (bounded) until the optimizer has trained codes of {@code kind} for the graph. */
  static void awaitCodes(TestNode t, String collection, String vector, Quantization.Kind kind)
      throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (graph(t, collection, vector).activeCodes() != kind) {
      assertTrue(System.nanoTime() < deadline, "no " + kind + " codes for " + vector + " in 30 s");
      Thread.sleep(50);
    }
  }

  private static JsonObject search(float[] q, JsonObject quantization) {
    JsonObject params = new JsonObject().put("hnsw_ef", 64);
    if (quantization != null) {
      params.put("quantization", quantization);
    }
    return new JsonObject().put("vector", json(q)).put("limit", 10).put("params", params);
  }

  /** Checks hits against brute force: recall, and float32 scores when rescored. */
  private void checkSearches(TestNode t, boolean quantized) throws Exception {
    long found = 0;
    boolean estimatesDiffer = false;
    for (int round = 0; round < 20; round++) {
      float[] q = randomVector();
      Integer[] order = new Integer[N];
      for (int i = 0; i < N; i++) {
        order[i] = i;
      }
      java.util.Arrays.sort(
          order, (a, b) -> Double.compare(cosine(q, vectors[b]), cosine(q, vectors[a])));
      java.util.Set<Integer> truth =
          new java.util.HashSet<>(java.util.Arrays.asList(order).subList(0, 10));
      JsonArray hits =
          t.post(
                  "/collections/q/points/search",
                  search(q, new JsonObject().put("rescore", true).put("oversampling", 2.0)))
              .json()
              .getJsonArray("result");
      assertEquals(10, hits.size());
      for (int i = 0; i < hits.size(); i++) {
        JsonObject h = hits.getJsonObject(i);
        int id = h.getInteger("id");
        found += truth.contains(id) ? 1 : 0;
        assertEquals(
            cosine(q, vectors[id]), h.getDouble("score"), 1e-4, "rescored score, seed " + SEED);
      }
      JsonArray raw =
          t.post("/collections/q/points/search", search(q, new JsonObject().put("rescore", false)))
              .json()
              .getJsonArray("result");
      for (int i = 0; i < raw.size(); i++) {
        JsonObject h = raw.getJsonObject(i);
        double exact = cosine(q, vectors[h.getInteger("id")]);
        // int8 at quantile 0.99 on 24 dimensions: the components clamped at the quantile are the
        // large ones a close match shares with the query, so estimates run up to about 0.07 low.
        assertEquals(exact, h.getDouble("score"), quantized ? 0.15 : 1e-4, "seed " + SEED);
        estimatesDiffer |= Math.abs(exact - h.getDouble("score")) > 1e-4;
      }
    }
    assertTrue(found >= 0.9 * 200, "recall " + found / 200.0 + ", seed " + SEED);
    assertEquals(quantized, estimatesDiffer, "unrescored scores are estimates iff quantized");
  }

  @Test
  void quantizationIsConfiguredPatchedSearchedAndSurvivesARestart(Vertx vertx) throws Exception {
    Path dir = Files.createTempDirectory("vecdb-quantization");
    VecdbOptions options = new VecdbOptions().setDataDir(dir.toString());
    TestNode t = TestNode.start(vertx, new VecdbOptions(options));
    try {
      JsonObject scalar =
          new JsonObject()
              .put(
                  "scalar",
                  new JsonObject()
                      .put("type", "int8")
                      .put("quantile", 0.99)
                      .put("always_ram", true));
      assertEquals(
          200,
          t.put(
                  "/collections/q",
                  new JsonObject()
                      .put("vectors", new JsonObject().put("size", DIM).put("distance", "Cosine"))
                      .put("hnsw_config", new JsonObject().put("full_scan_threshold", 10))
                      .put("quantization_config", scalar))
              .status());
      JsonArray points = new JsonArray();
      for (int i = 0; i < N; i++) {
        vectors[i] = randomVector();
        points.add(new JsonObject().put("id", i).put("vector", json(vectors[i])));
      }
      assertEquals(
          200,
          t.put("/collections/q/points?wait=true", new JsonObject().put("points", points))
              .status());
      assertEquals(
          scalar,
          t.get("/collections/q")
              .resultObject()
              .getJsonObject("config")
              .getJsonObject("quantization_config"));
      awaitCodes(t, "q", "", Quantization.Kind.INT8);
      checkSearches(t, true);

      // Refused, naming the field; nothing changes.
      Object[][] bad = {
        {
          "PATCH",
          "/collections/q",
          new JsonObject()
              .put(
                  "quantization_config",
                  new JsonObject()
                      .put("scalar", new JsonObject().put("type", "int8").put("quantile", 0.3))),
          "quantization_config.scalar.quantile"
        },
        {
          "PATCH",
          "/collections/q",
          new JsonObject()
              .put(
                  "quantization_config",
                  new JsonObject().put("scalar", new JsonObject().put("type", "int4"))),
          "quantization_config.scalar.type"
        },
        {
          "PATCH",
          "/collections/q",
          new JsonObject().put("quantization_config", "Off"),
          "quantization_config"
        },
        {
          "PATCH",
          "/collections/q",
          new JsonObject()
              .put(
                  "quantization_config",
                  new JsonObject().put("binary", new JsonObject().put("encoding", "two_bits"))),
          "quantization_config.binary.encoding"
        },
        {
          "POST",
          "/collections/q/points/search",
          search(randomVector(), new JsonObject().put("oversampling", 0.5)),
          "params.quantization.oversampling"
        },
        {
          "POST",
          "/collections/q/points/search",
          search(randomVector(), new JsonObject().put("rescore", "yes")),
          "params.quantization.rescore"
        },
        {
          "POST",
          "/collections/q/points/search",
          search(randomVector(), new JsonObject().put("ignored", true)),
          "params.quantization.ignored"
        },
      };
      for (Object[] c : bad) {
        TestNode.Reply r =
            c[0].equals("PATCH") ? t.patch((String) c[1], c[2]) : t.post((String) c[1], c[2]);
        assertEquals(400, r.status(), r.text());
        assertTrue(r.error().contains((String) c[3]), c[3] + " in " + r.error());
      }
      assertEquals(
          scalar,
          t.get("/collections/q")
              .resultObject()
              .getJsonObject("config")
              .getJsonObject("quantization_config"));
      assertEquals(Quantization.Kind.INT8, graph(t, "q", "").activeCodes());

      // PATCH to binary: trained in the background; then Disabled: at once.
      assertEquals(
          200,
          t.patch(
                  "/collections/q",
                  new JsonObject()
                      .put("quantization_config", new JsonObject().put("binary", new JsonObject())))
              .status());
      awaitCodes(t, "q", "", Quantization.Kind.BINARY);
      assertEquals(
          200,
          t.patch("/collections/q", new JsonObject().put("quantization_config", "Disabled"))
              .status());
      assertNull(graph(t, "q", "").activeCodes());
      assertNull(
          t.get("/collections/q")
              .resultObject()
              .getJsonObject("config")
              .getValue("quantization_config"));
      checkSearches(t, false);
      assertEquals(
          200,
          t.patch("/collections/q", new JsonObject().put("quantization_config", scalar)).status());
      awaitCodes(t, "q", "", Quantization.Kind.INT8);

      // Named vectors: one with its own binary codes, one with the collection's int8.
      JsonObject named =
          new JsonObject()
              .put(
                  "a",
                  new JsonObject()
                      .put("size", 8)
                      .put("distance", "Dot")
                      .put("quantization_config", new JsonObject().put("binary", new JsonObject())))
              .put("b", new JsonObject().put("size", 4).put("distance", "Euclid"));
      assertEquals(
          200,
          t.put(
                  "/collections/n",
                  new JsonObject().put("vectors", named).put("quantization_config", scalar))
              .status());
      JsonArray np = new JsonArray();
      for (int i = 0; i < 200; i++) {
        np.add(
            new JsonObject()
                .put("id", i)
                .put(
                    "vector",
                    new JsonObject()
                        .put("a", json(java.util.Arrays.copyOf(randomVector(), 8)))
                        .put("b", json(java.util.Arrays.copyOf(randomVector(), 4)))));
      }
      assertEquals(
          200,
          t.put("/collections/n/points?wait=true", new JsonObject().put("points", np)).status());
      awaitCodes(t, "n", "a", Quantization.Kind.BINARY);
      awaitCodes(t, "n", "b", Quantization.Kind.INT8);
      JsonObject info = t.get("/collections/n").resultObject().getJsonObject("config");
      assertEquals(
          new JsonObject().put("binary", new JsonObject()),
          info.getJsonObject("params")
              .getJsonObject("vectors")
              .getJsonObject("a")
              .getJsonObject("quantization_config"));

      // A restart loads the codes from the checkpoint written at shutdown: no training.
      t.close();
      t = TestNode.start(vertx, new VecdbOptions(options));
      HnswIndex g = graph(t, "q", "");
      assertEquals(Quantization.Kind.INT8, g.activeCodes(), "codes loaded with the graph");
      assertEquals(0, g.quantizationTrainings());
      assertEquals(Quantization.Kind.BINARY, graph(t, "n", "a").activeCodes());
      assertEquals(0, graph(t, "n", "a").quantizationTrainings());
      assertEquals(
          scalar,
          t.get("/collections/q")
              .resultObject()
              .getJsonObject("config")
              .getJsonObject("quantization_config"));
      checkSearches(t, true);
    } finally {
      t.close();
    }
  }
}
