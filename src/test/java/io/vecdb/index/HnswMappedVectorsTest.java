package io.vecdb.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Float32 vectors in a memory-mapped file ({@code on_disk}: issue 10, item 4). The distance kernels
 * read a mapped page with the same steps as an array (VectorMathTest checks them on the same
 * numbers), so an index with mapped vectors must behave as one on the heap: the same vectors and
 * states, the same hits and scores, through removes, compaction, reuse of freed slots, int8 and
 * binary codes with rescoring, and images in both directions (which carry the graph link for link).
 *
 * <p>Not bit for bit across two builds: the Vector API may sum a vector's lanes in another order
 * once the JIT has compiled a kernel ({@code reduceLanes(ADD)} on floats is unordered), so two
 * builds of the same data, heap or mapped, can differ in the last bit of a distance and then in a
 * near tie of the neighbour heuristic. Scores are compared to a few ulps, hits as sets.
 */
class HnswMappedVectorsTest {
  private static final long SEED = HnswTestData.seed();

  @TempDir Path dir;

  @Test
  void aMappedIndexIsTheSameIndexAsOneOnTheHeap() {
    Random random = new Random(SEED);
    for (Distance distance : Distance.values()) {
      int dim = new int[] {7, 16, 33, 100}[random.nextInt(4)];
      String where = "seed " + SEED + " " + distance + " dim " + dim;
      HnswConfig config = HnswTestData.testConfig(random);
      HnswIndex heap = new HnswIndex(dim, distance, config);
      HnswIndex mapped = new HnswIndex(dim, distance, config, dir);
      assertFalse(heap.vectorsOnDisk());
      assertTrue(mapped.vectorsOnDisk());
      float[][] data = HnswTestData.clustered(random, 2_600, dim, 12); // three pages
      for (float[] v : data) {
        assertEquals(heap.add(v), mapped.add(v), where);
      }
      for (int ord = 0; ord < data.length; ord += 1 + random.nextInt(8)) {
        heap.remove(ord);
        mapped.remove(ord);
      }
      assertEquals(heap.compact(), mapped.compact(), where);
      for (int i = 0; i < 300; i++) { // into the freed slots, then new ones
        float[] v = HnswTestData.clustered(random, 1, dim, 3)[0];
        assertEquals(heap.add(v), mapped.add(v), where);
      }
      assertSameNodes(heap, mapped, where);
      float[][] queries = near(random, data, 40);
      assertSameHits(heap, mapped, queries, new SearchParams(40, false), where);
      ExactIndex exact = new ExactIndex(dim, distance);
      for (int ord = 0; ord < heap.ordinalCount(); ord++) {
        float[] v = heap.isLive(ord) ? heap.vector(ord) : queries[0]; // a placeholder, removed
        exact.add(v);
        if (!heap.isLive(ord)) {
          exact.remove(ord);
        }
      }
      double heapRecall = HnswTestData.recall(heap, exact, queries, 10, 40, null);
      double mappedRecall = HnswTestData.recall(mapped, exact, queries, 10, 40, null);
      assertTrue(
          mappedRecall >= 0.8 && mappedRecall >= heapRecall - 0.02,
          where + ": recall " + mappedRecall + " mapped, " + heapRecall + " on the heap");
      assertSameHits(heap, mapped, queries, new SearchParams(0, true), where + " exact");
      for (int ord = 0; ord < heap.ordinalCount(); ord += 97) {
        if (heap.isLive(ord)) {
          assertArrayEquals(heap.vector(ord), mapped.vector(ord), where);
          float score = heap.score(queries[0], ord);
          assertEquals(
              score,
              mapped.score(queries[0], ord),
              1e-5f * Math.max(1f, Math.abs(score)),
              where + " score of " + ord);
        }
      }
      if (distance != Distance.MANHATTAN) {
        for (Quantization q :
            new Quantization[] {Quantization.int8(0.99f), Quantization.binary()}) {
          heap.quantize(q);
          mapped.quantize(q);
          assertTrue(heap.maintainQuantization(), where);
          assertTrue(mapped.maintainQuantization(), where);
          assertEquals(heap.activeCodes(), mapped.activeCodes(), where);
          SearchParams rescored = new SearchParams(40, false, false, true, 2.0);
          assertSameHits(heap, mapped, queries, rescored, where + " " + q.kind() + " rescored");
        }
      }
    }
  }

  @Test
  void imagesMoveVectorsBetweenTheHeapAndAMappedFile() throws IOException {
    Random random = new Random(SEED);
    int dim = 24;
    HnswIndex mapped = new HnswIndex(dim, Distance.COSINE, HnswTestData.testConfig(random), dir);
    for (float[] v : HnswTestData.clustered(random, 1_500, dim, 8)) {
      mapped.add(v);
    }
    for (int ord = 0; ord < 1_500; ord += 5) {
      mapped.remove(ord);
    }
    mapped.compact();
    mapped.quantize(Quantization.int8(0.99f));
    assertTrue(mapped.maintainQuantization());
    byte[] image = image(mapped);
    HnswIndex onHeap = HnswIndex.readFrom(channel(image));
    HnswIndex remapped = HnswIndex.readFrom(channel(image), dir);
    assertFalse(onHeap.vectorsOnDisk());
    assertTrue(remapped.vectorsOnDisk());
    String where = "seed " + SEED;
    assertSameGraph(mapped, onHeap, where + " mapped -> heap");
    assertSameGraph(mapped, remapped, where + " mapped -> mapped");
    assertSameGraph(onHeap, HnswIndex.readFrom(channel(image(onHeap)), dir), "heap -> mapped");
    float[][] queries = near(random, HnswTestData.clustered(random, 200, dim, 8), 20);
    SearchParams rescored = new SearchParams(32, false, false, true, 2.0);
    assertSameHits(mapped, onHeap, queries, rescored, where);
    assertSameHits(mapped, remapped, queries, rescored, where);
    assertEquals(image.length, image(remapped).length, where);
    assertArrayEquals(image, image(remapped), where + ": the image is the same bytes");
  }

  @Test
  void mappedVectorsCountAsDiskNotRamAndLeaveNoFileBehind() throws IOException {
    Random random = new Random(SEED);
    int dim = 64;
    HnswConfig config = HnswTestData.testConfig(random);
    HnswIndex heap = new HnswIndex(dim, Distance.EUCLID, config);
    HnswIndex mapped = new HnswIndex(dim, Distance.EUCLID, config, dir);
    for (float[] v : HnswTestData.clustered(random, 2_100, dim, 8)) {
      heap.add(v);
      mapped.add(v);
    }
    long pages = 3; // 2,100 nodes of 1,024 a page
    long vectorBytes = pages * HnswGraph.PAGE_SIZE * dim * Float.BYTES;
    assertEquals(0, heap.diskBytesUsed());
    assertEquals(vectorBytes, mapped.diskBytesUsed());
    assertEquals(
        vectorBytes + pages * 16,
        heap.dataBytesUsed() - mapped.dataBytesUsed(),
        "the heap index's RAM is the mapped one's and its vector arrays");
    try (var files = Files.list(dir)) {
      assertEquals(0, files.count(), "the vector file is unlinked once open");
    }
  }

  @Test
  void aDirectoryThatCannotHoldTheFileIsRefusedAtCreation() throws IOException {
    Path file = Files.createFile(dir.resolve("not-a-directory"));
    var e =
        org.junit.jupiter.api.Assertions.assertThrows(
            java.io.UncheckedIOException.class,
            () -> new HnswIndex(8, Distance.DOT, HnswConfig.DEFAULT, file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  /** The same ordinals in the same states, with the same vectors (their lists may differ). */
  private static void assertSameNodes(HnswIndex a, HnswIndex b, String where) {
    assertEquals(a.ordinalCount(), b.ordinalCount(), where);
    assertEquals(a.size(), b.size(), where);
    assertEquals(a.tombstones(), b.tombstones(), where);
    HnswGraph.Page[] pa = a.pagesForTest();
    HnswGraph.Page[] pb = b.pagesForTest();
    for (int ord = 0; ord < a.ordinalCount(); ord++) {
      assertEquals(a.stateOf(ord), b.stateOf(ord), where + " state of " + ord);
      if (a.stateOf(ord) != HnswGraph.FREED) {
        assertArrayEquals(
            a.graph().copyVector(pa, ord), b.graph().copyVector(pb, ord), where + " vector " + ord);
      }
    }
    assertEquals("", HnswTestData.inDegreeMismatches(b), where);
  }

  /** The same graph, node for node and link for link (an image of it, loaded). */
  private static void assertSameGraph(HnswIndex a, HnswIndex b, String where) {
    assertEquals(a.ordinalCount(), b.ordinalCount(), where);
    assertEquals(a.size(), b.size(), where);
    assertEquals(a.tombstones(), b.tombstones(), where);
    assertEquals(a.entryForTest(), b.entryForTest(), where + ": entry point");
    HnswGraph.Page[] pa = a.pagesForTest();
    HnswGraph.Page[] pb = b.pagesForTest();
    for (int ord = 0; ord < a.ordinalCount(); ord++) {
      assertEquals(a.stateOf(ord), b.stateOf(ord), where + " state of " + ord);
      if (a.stateOf(ord) == HnswGraph.FREED) {
        continue; // its lists are dropped and its vector is whatever the slot last held
      }
      assertEquals(a.level(ord), b.level(ord), where + " level of " + ord);
      assertArrayEquals(
          a.graph().copyVector(pa, ord), b.graph().copyVector(pb, ord), where + " vector " + ord);
      for (int l = 0; l <= a.level(ord); l++) {
        assertArrayEquals( // ordinals and distance bits
            HnswGraph.links(pa, ord, l),
            HnswGraph.links(pb, ord, l),
            where + " list of " + ord + " at " + l);
      }
    }
  }

  /**
   * Per query: the same number of hits, scores equal to a few ulps position by position, and at
   * least 9 in 10 of the same points (near ties may swap at the edge of the top 10).
   */
  private static void assertSameHits(
      HnswIndex a, HnswIndex b, float[][] queries, SearchParams params, String where) {
    for (float[] q : queries) {
      Hits x = a.search(q, 10, params, null);
      Hits y = b.search(q, 10, params, null);
      assertEquals(x.size(), y.size(), where);
      int common = 0;
      for (int i = 0; i < x.size(); i++) {
        float sx = x.score(i);
        assertEquals(sx, y.score(i), 1e-5f * Math.max(1f, Math.abs(sx)), where + " hit " + i);
        for (int j = 0; j < y.size(); j++) {
          common += x.ordinal(i) == y.ordinal(j) ? 1 : 0;
        }
      }
      assertTrue(10 * common >= 9 * x.size(), where + ": " + common + " of " + x.size());
    }
  }

  /** Queries near the data: points of it, moved by a little noise. */
  private static float[][] near(Random random, float[][] data, int n) {
    float[][] out = new float[n][];
    for (int i = 0; i < n; i++) {
      out[i] = data[random.nextInt(data.length)].clone();
      for (int j = 0; j < out[i].length; j++) {
        out[i][j] += (float) random.nextGaussian() * 0.3f;
      }
    }
    return out;
  }

  private static byte[] image(HnswIndex index) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    index.writeTo(Channels.newChannel(out));
    return out.toByteArray();
  }

  private static java.nio.channels.ReadableByteChannel channel(byte[] image) {
    return Channels.newChannel(new ByteArrayInputStream(image));
  }
}
