package io.vecdb.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Quantized HNSW searches (issue 10, items 2, 3 and 5): int8 and binary codes trained from the
 * data, walks that compare codes, rescoring with the float32 vectors, retraining when adds drift
 * out of the trained range, the generation switch under a running search, and images that keep the
 * codes. Recall bounds are against brute force on seeded data.
 */
class HnswQuantizationTest {
  private static final long SEED = HnswTestData.seed();

  private static HnswIndex build(float[][] data, Distance distance, Random random) {
    HnswConfig config =
        HnswConfig.DEFAULT
            .withM(16)
            .withEfConstruct(100)
            .withFullScanThreshold(0)
            .withSeed(random.nextLong());
    HnswIndex index = new HnswIndex(data[0].length, distance, config);
    for (float[] v : data) {
      index.add(v);
    }
    return index;
  }

  private static ExactIndex exact(float[][] data, Distance distance) {
    ExactIndex exact = new ExactIndex(data[0].length, distance);
    for (float[] v : data) {
      exact.add(v);
    }
    return exact;
  }

  private static double recall(
      HnswIndex index, ExactIndex exact, float[][] queries, int k, SearchParams params) {
    long found = 0;
    for (float[] q : queries) {
      Hits truth = exact.search(q, k, SearchParams.DEFAULT, null);
      Hits got = index.search(q, k, params, null);
      for (int i = 0; i < got.size(); i++) {
        for (int j = 0; j < truth.size(); j++) {
          if (got.ordinal(i) == truth.ordinal(j)) {
            found++;
            break;
          }
        }
      }
    }
    return (double) found / ((long) queries.length * k);
  }

  /**
   * The rows of {@code n x 24} Gaussian latents times one seeded {@code 24 x dim} map, plus noise.
   */
  private static float[][] latent(Random random, int n, int dim) {
    Random fixed = new Random(SEED ^ dim);
    float[][] map = new float[24][dim];
    for (float[] row : map) {
      for (int i = 0; i < dim; i++) {
        row[i] = (float) fixed.nextGaussian();
      }
    }
    float[][] out = new float[n][dim];
    for (float[] v : out) {
      for (float[] row : map) {
        float z = (float) random.nextGaussian();
        for (int i = 0; i < dim; i++) {
          v[i] += z * row[i];
        }
      }
      for (int i = 0; i < dim; i++) {
        v[i] += 0.3f * (float) random.nextGaussian();
      }
    }
    return out;
  }

  private static float[][] queries(Random random, int n, int dim) {
    return HnswTestData.clustered(random, n, dim, 8);
  }

  private static SearchParams params(int ef, boolean rescore, double oversampling) {
    return new SearchParams(ef, false, false, rescore, oversampling);
  }

  /**
   * The int8 range survives an image as it is: the codes' header written by a loaded index is the
   * one it was loaded from (it used to be recomputed from offset and step, an ulp off for about one
   * range in ten, so the image of a loaded index was not its source and drifted at each reload).
   */
  @Test
  void int8RangeWrittenReadAndWrittenAgainIsTheSameBytes() throws Exception {
    Random random = new Random(SEED);
    for (int trial = 0; trial < 2_000; trial++) {
      float lo = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3));
      float hi = lo + (float) Math.abs(random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3));
      ScalarCodes codes = new ScalarCodes(3, 7, 0.99f, lo, hi);
      byte[] first = codesImage(codes);
      ScalarCodes loaded =
          ScalarCodes.read(
              new ChannelIo.Reader(Channels.newChannel(new ByteArrayInputStream(first))), 3, 0);
      assertArrayEquals(first, codesImage(loaded), "seed " + SEED + " range " + lo + ", " + hi);
      assertEquals(codes.offset, loaded.offset);
      assertEquals(codes.step, loaded.step);
    }
  }

  private static byte[] codesImage(ScalarCodes codes) throws java.io.IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ChannelIo.Writer w = new ChannelIo.Writer(Channels.newChannel(out));
    codes.write(w, 0);
    w.flush();
    return out.toByteArray();
  }

  @Test
  void int8WalksMatchFloatRecallAndRescoringGivesExactScores() {
    Random random = new Random(SEED);
    for (Distance distance : new Distance[] {Distance.EUCLID, Distance.COSINE, Distance.DOT}) {
      float[][] data = latent(random, 4000, 48);
      float[][] queries = latent(random, 100, 48);
      HnswIndex index = build(data, distance, random);
      ExactIndex exact = exact(data, distance);
      double floatRecall = recall(index, exact, queries, 10, params(64, true, 1));

      index.quantize(Quantization.int8(0.99f));
      assertNull(index.activeCodes(), "codes come from the background training only");
      assertTrue(index.quantizationDue());
      assertTrue(index.maintainQuantization());
      assertEquals(Quantization.Kind.INT8, index.activeCodes());
      assertFalse(index.quantizationDue(), "trained: nothing due");
      long distancesBefore = index.distanceCount();
      double rescored = recall(index, exact, queries, 10, params(64, true, 3));
      assertTrue(index.distanceCount() > distancesBefore);
      double raw = recall(index, exact, queries, 10, params(64, false, 1));
      String at = distance + ", seed " + SEED;
      assertTrue(
          rescored >= floatRecall - 0.02, at + ": rescored " + rescored + " float " + floatRecall);
      assertTrue(rescored >= 0.9, at + ": rescored recall " + rescored);
      assertTrue(raw >= 0.8, at + ": int8 recall without rescoring " + raw);

      double error = 0;
      int hits = 0;
      boolean differ = false;
      for (float[] q : queries) {
        Hits got = index.search(q, 10, params(64, true, 2), null);
        for (int i = 0; i < got.size(); i++) {
          // Rescored: the float32 score, exactly as an unquantized score call gives it.
          assertEquals(index.score(q, got.ordinal(i)), got.score(i), 0f, at);
          if (i > 0) {
            assertTrue(
                distance.higherIsBetter()
                    ? got.score(i - 1) >= got.score(i)
                    : got.score(i - 1) <= got.score(i),
                at + ": rescored hits in score order");
          }
        }
        Hits approx = index.search(q, 10, params(64, false, 1), null);
        for (int i = 0; i < approx.size(); i++) {
          float truth = index.score(q, approx.ordinal(i));
          // Not rescored: the codes' estimate, close to the float32 score (values clamped at the
          // quantile make the larger errors), and not it.
          error += Math.abs(truth - approx.score(i)) / Math.max(1f, Math.abs(truth));
          differ |= truth != approx.score(i);
          hits++;
        }
        // ignore: the same walk as without codes.
        Hits ignored = index.search(q, 10, new SearchParams(64, false, true, true, 1), null);
        index.quantize(null);
        Hits plain = index.search(q, 10, new SearchParams(64, false), null);
        index.quantize(Quantization.int8(0.99f));
        index.maintainQuantization();
        assertArrayEquals(plain.ordinals(), ignored.ordinals(), at);
      }
      assertTrue(error / hits < 0.03, at + ": mean relative error of int8 scores " + error / hits);
      assertTrue(differ, at + ": scores without rescoring are the codes' estimates");
    }
  }

  @Test
  void binaryCodesReachHighRecallWithOversampledRescoring() {
    Random random = new Random(SEED);
    int dim = 768;
    // Embeddings centred on zero (the case binary quantization is for): a low-rank latent model,
    // so that neighbours are neighbours in a few meaningful directions and not in the noise.
    float[][] data = latent(random, 3000, dim);
    float[][] queries = latent(random, 100, dim);
    HnswIndex index = build(data, Distance.COSINE, random);
    ExactIndex exact = exact(data, Distance.COSINE);
    index.quantize(Quantization.binary());
    assertTrue(index.maintainQuantization());
    assertEquals(Quantization.Kind.BINARY, index.activeCodes());
    double raw = recall(index, exact, queries, 10, params(100, false, 1));
    double rescored = recall(index, exact, queries, 10, params(100, true, 4));
    String at = "seed " + SEED;
    System.out.println(
        "binary raw "
            + raw
            + " rescored "
            + rescored
            + " os8 "
            + recall(index, exact, queries, 10, params(200, true, 8))
            + " float "
            + recall(index, exact, queries, 10, new SearchParams(100, false, true, true, 1)));
    // Measured over seeds: about 0.73 without rescoring, 0.99 with oversampling 4.
    assertTrue(rescored >= 0.95, at + ": binary rescored recall " + rescored);
    assertTrue(rescored > raw + 0.1, at + ": rescoring helps, " + raw + " -> " + rescored);
    assertTrue(raw >= 0.5, at + ": binary recall without rescoring " + raw);
  }

  @Test
  void addsOutsideTheTrainedRangeRetrainTheCodes() {
    Random random = new Random(SEED);
    int dim = 16;
    HnswIndex index = new HnswIndex(dim, Distance.EUCLID, HnswTestData.testConfig(random));
    List<float[]> all = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      float[] v = new float[dim];
      for (int j = 0; j < dim; j++) {
        v[j] = random.nextFloat(); // [0, 1)
      }
      all.add(v);
      index.add(v);
    }
    index.quantize(Quantization.int8(1f));
    assertTrue(index.maintainQuantization());
    assertFalse(index.quantizationDue());
    for (int i = 0; i < 500; i++) {
      float[] v = new float[dim];
      for (int j = 0; j < dim; j++) {
        v[j] = 5 + random.nextFloat(); // far outside: every value clamps
      }
      all.add(v);
      index.add(v);
    }
    assertTrue(index.quantizationDue(), "drifted adds make a retraining due");
    assertTrue(index.maintainQuantization());
    assertEquals(2, index.quantizationTrainings());
    // After retraining, the new region is told apart: its points are found by their own vectors.
    float[][] data = all.toArray(new float[0][]);
    ExactIndex exact = exact(data, Distance.EUCLID);
    float[][] probes = new float[50][];
    for (int i = 0; i < probes.length; i++) {
      probes[i] = data[2000 + random.nextInt(500)];
    }
    double r = recall(index, exact, probes, 10, params(64, false, 1));
    assertTrue(r >= 0.8, "seed " + SEED + ": recall in the drifted region " + r);
  }

  /**
   * A search that read one generation of codes goes on while a retraining switches to the next and
   * adds land after the switch, on pages the old generation had no room for: the old one keeps
   * being written until its readers are gone, so the search still finds the new nodes.
   */
  @Test
  void aSearchOnTheOldCodesFindsNodesAddedAfterTheSwitch() {
    Random random = new Random(SEED);
    int dim = 16;
    float[][] data = HnswTestData.clustered(random, 1000, dim, 4); // one page of nodes
    HnswIndex index = build(data, Distance.EUCLID, random);
    index.quantize(Quantization.int8(1f));
    assertTrue(index.maintainQuantization());
    float[] q = new float[dim];
    java.util.Arrays.fill(q, 40f); // far from all the data
    AtomicReference<Throwable> failure = new AtomicReference<>();
    index.searcher().afterPagesRead =
        () -> {
          index.searcher().afterPagesRead = null;
          try {
            index.quantize(Quantization.int8(0.999f)); // another quantile: a retraining
            assertTrue(index.maintainQuantization());
            for (int i = 0; i < 2500; i++) { // pages 1 to 3
              float[] v = q.clone();
              v[i % dim] += 0.001f * (1 + i / dim);
              index.add(v);
            }
          } catch (Throwable e) {
            failure.set(e);
          }
        };
    Hits hits = index.search(q, 5, params(200, true, 1), null);
    assertNull(failure.get());
    assertEquals(5, hits.size());
    for (int i = 0; i < hits.size(); i++) {
      assertTrue(
          hits.ordinal(i) >= 1000,
          "seed " + SEED + ": hit " + hits.ordinal(i) + " is not one of the nodes added last");
    }
  }

  @Test
  void imagesKeepTheCodesAndALoadedIndexDoesNotRetrain() throws Exception {
    Random random = new Random(SEED);
    for (Quantization q : new Quantization[] {Quantization.int8(0.95f), Quantization.binary()}) {
      float[][] data = HnswTestData.clustered(random, 2500, 32, 6);
      HnswIndex index = build(data, Distance.COSINE, random);
      index.quantize(q);
      assertTrue(index.maintainQuantization());
      for (int i = 0; i < 300; i++) {
        index.remove(random.nextInt(2500));
      }
      index.compact();
      for (int i = 0; i < 200; i++) {
        index.add(data[random.nextInt(2500)]); // reused slots, encoded by their adds
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      index.writeTo(Channels.newChannel(bytes));
      HnswIndex loaded =
          HnswIndex.readFrom(Channels.newChannel(new ByteArrayInputStream(bytes.toByteArray())));
      assertEquals(q, loaded.quantization());
      assertEquals(q.kind(), loaded.activeCodes());
      assertEquals(0, loaded.quantizationTrainings());
      assertFalse(loaded.quantizationDue(), "loaded codes are used as they are");
      float[][] queries = queries(random, 40, 32);
      for (float[] query : queries) {
        for (boolean rescore : new boolean[] {true, false}) {
          Hits a = index.search(query, 10, params(50, rescore, 2), null);
          Hits b = loaded.search(query, 10, params(50, rescore, 2), null);
          assertArrayEquals(a.ordinals(), b.ordinals(), q + ", seed " + SEED);
          for (int i = 0; i < a.size(); i++) {
            // The same codes and vectors; only the last float bits may differ (the Vector API sums
            // its lanes in another order in interpreted and compiled code).
            assertEquals(a.score(i), b.score(i), 1e-6f * Math.max(1f, Math.abs(a.score(i))));
          }
        }
      }
      // And one without quantization writes the old format, which loads without it.
      index.quantize(null);
      bytes.reset();
      index.writeTo(Channels.newChannel(bytes));
      HnswIndex plain =
          HnswIndex.readFrom(Channels.newChannel(new ByteArrayInputStream(bytes.toByteArray())));
      assertNull(plain.quantization());
      assertNull(plain.activeCodes());
    }
  }
}
