package io.vecdb.server;

import static io.vecdb.server.QuantizationTest.cosine;
import static io.vecdb.server.QuantizationTest.graph;
import static io.vecdb.server.QuantizationTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * Qdrant's {@code vectors.on_disk: true} (issue 10, item 4): the float32 vectors of such a vector
 * live in a memory-mapped file under {@code data_dir/vectors} (unlinked once open), not on the
 * heap; with int8 codes the graph is walked in RAM and the file is read to rescore. Checked over
 * REST: the config shows it, searches are exact-scored with and without codes, named vectors choose
 * it one by one, and a restart loads the graphs back into mapped files.
 */
@ExtendWith(VertxExtension.class)
class OnDiskVectorsTest {
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());
  private static final int N = 1200;
  private static final int DIM = 24;

  private final Random random = new Random(SEED);
  private final float[][] vectors = new float[N][];

  private float[] randomVector(int dim) {
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }

  /** Recall@10 against brute force over 20 queries, and float32 scores on every hit. */
  private void checkSearches(TestNode t, JsonObject params) throws Exception {
    int found = 0;
    for (int round = 0; round < 20; round++) {
      float[] q = randomVector(DIM);
      double[] best = new double[N];
      for (int i = 0; i < N; i++) {
        best[i] = cosine(q, vectors[i]);
      }
      double tenth = java.util.Arrays.stream(best).sorted().toArray()[N - 10];
      JsonArray hits =
          t.post(
                  "/collections/d/points/search",
                  new JsonObject().put("vector", json(q)).put("limit", 10).put("params", params))
              .json()
              .getJsonArray("result");
      assertEquals(10, hits.size(), "seed " + SEED);
      for (int i = 0; i < hits.size(); i++) {
        JsonObject h = hits.getJsonObject(i);
        int id = h.getInteger("id");
        assertEquals(best[id], h.getDouble("score"), 1e-4, "float32 score, seed " + SEED);
        found += best[id] >= tenth ? 1 : 0;
      }
    }
    assertTrue(found >= 0.9 * 200, "recall " + found / 200.0 + ", seed " + SEED);
  }

  @Test
  void vectorsOnDiskAreMappedSearchedAndReloaded(Vertx vertx) throws Exception {
    Path dir = Files.createTempDirectory("vecdb-on-disk");
    VecdbOptions options = new VecdbOptions().setDataDir(dir.toString());
    TestNode t = TestNode.start(vertx, new VecdbOptions(options));
    try {
      JsonObject params =
          new JsonObject().put("size", DIM).put("distance", "Cosine").put("on_disk", true);
      assertEquals(
          200,
          t.put(
                  "/collections/d",
                  new JsonObject()
                      .put("vectors", params)
                      .put("hnsw_config", new JsonObject().put("full_scan_threshold", 10)))
              .status());
      JsonArray points = new JsonArray();
      for (int i = 0; i < N; i++) {
        vectors[i] = randomVector(DIM);
        points.add(new JsonObject().put("id", i).put("vector", json(vectors[i])));
      }
      assertEquals(
          200,
          t.put("/collections/d/points?wait=true", new JsonObject().put("points", points))
              .status());
      assertEquals(
          params,
          t.get("/collections/d")
              .resultObject()
              .getJsonObject("config")
              .getJsonObject("params")
              .getJsonObject("vectors"));
      HnswIndex g = graph(t, "d", "");
      assertTrue(g.vectorsOnDisk());
      assertEquals(2L * 1024 * DIM * Float.BYTES, g.diskBytesUsed(), "two pages of vectors");
      JsonObject plain = new JsonObject().put("hnsw_ef", 64);
      checkSearches(t, plain); // the graph walked with the mapped float32 vectors

      // int8 codes in RAM: the walk compares codes, the rescoring reads the file.
      assertEquals(
          200,
          t.patch(
                  "/collections/d",
                  new JsonObject()
                      .put(
                          "quantization_config",
                          new JsonObject().put("scalar", new JsonObject().put("type", "int8"))))
              .status());
      QuantizationTest.awaitCodes(t, "d", "", Quantization.Kind.INT8);
      JsonObject rescored =
          plain
              .copy()
              .put("quantization", new JsonObject().put("rescore", true).put("oversampling", 2));
      checkSearches(t, rescored);

      // Named vectors choose one by one.
      JsonObject named =
          new JsonObject()
              .put("a", new JsonObject().put("size", 8).put("distance", "Dot").put("on_disk", true))
              .put("b", new JsonObject().put("size", 4).put("distance", "Euclid"));
      assertEquals(200, t.put("/collections/n", new JsonObject().put("vectors", named)).status());
      JsonArray np = new JsonArray();
      for (int i = 0; i < 100; i++) {
        np.add(
            new JsonObject()
                .put("id", i)
                .put(
                    "vector",
                    new JsonObject()
                        .put("a", json(randomVector(8)))
                        .put("b", json(randomVector(4)))));
      }
      assertEquals(
          200,
          t.put("/collections/n/points?wait=true", new JsonObject().put("points", np)).status());
      assertTrue(graph(t, "n", "a").vectorsOnDisk());
      assertFalse(graph(t, "n", "b").vectorsOnDisk());
      JsonObject shown =
          t.get("/collections/n")
              .resultObject()
              .getJsonObject("config")
              .getJsonObject("params")
              .getJsonObject("vectors");
      assertEquals(true, shown.getJsonObject("a").getValue("on_disk"));
      assertFalse(shown.getJsonObject("b").containsKey("on_disk"));

      Path vectorsDir = dir.resolve("vectors");
      assertTrue(Files.isDirectory(vectorsDir));
      try (var files = Files.list(vectorsDir)) {
        assertEquals(0, files.count(), "the mapped files are unlinked once open");
      }

      // A restart loads the checkpointed graphs into new mapped files, codes and all.
      t.close();
      t = TestNode.start(vertx, new VecdbOptions(options));
      g = graph(t, "d", "");
      assertTrue(g.vectorsOnDisk());
      assertEquals(Quantization.Kind.INT8, g.activeCodes());
      assertEquals(0, g.quantizationTrainings(), "codes loaded, not trained again");
      assertTrue(graph(t, "n", "a").vectorsOnDisk());
      assertFalse(graph(t, "n", "b").vectorsOnDisk());
      checkSearches(t, rescored);
      checkSearches(t, plain.copy().put("quantization", new JsonObject().put("ignore", true)));
    } finally {
      t.close();
    }
  }
}
