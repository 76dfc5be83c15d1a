package io.vecdb.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link HnswIndex#capture}: an image taken in reference copies and written later must describe the
 * index as it was when captured, however much it changed meanwhile (issue 12, item 5). The image
 * holds a read section, so that slots it shows as live or tombstoned are not reused (and their
 * vectors overwritten) before it is written.
 */
class HnswImageTest {
  private static final long SEED = HnswTestData.seed();

  /** What an image must show of one node. */
  private record Node(byte state, int level, float[] vector, List<int[]> lists) {}

  private static Node[] expected(HnswIndex index) {
    Node[] nodes = new Node[index.ordinalCount()];
    HnswGraph.Page[] ps = index.pagesForTest();
    for (int ord = 0; ord < nodes.length; ord++) {
      byte state = index.stateOf(ord);
      int level = index.level(ord);
      List<int[]> lists = new ArrayList<>();
      for (int l = 0; l <= level; l++) {
        lists.add(index.neighbours(ord, l));
      }
      float[] v = index.graph().copyVector(ps, ord);
      nodes[ord] = new Node(state, level, v, lists);
    }
    return nodes;
  }

  private static HnswIndex load(HnswImage image) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    image.writeTo(Channels.newChannel(out));
    return HnswIndex.readFrom(Channels.newChannel(new ByteArrayInputStream(out.toByteArray())));
  }

  private static void assertShows(Node[] expected, HnswIndex loaded, String where) {
    assertEquals(expected.length, loaded.ordinalCount(), where);
    Node[] actual = expected(loaded);
    for (int ord = 0; ord < expected.length; ord++) {
      Node e = expected[ord];
      Node a = actual[ord];
      assertEquals(e.state(), a.state(), "state of " + ord + ", " + where);
      if (e.state() != HnswGraph.LIVE && e.state() != HnswGraph.DELETED) {
        continue; // a freed slot's vector and level mean nothing
      }
      assertEquals(e.level(), a.level(), "level of " + ord + ", " + where);
      assertArrayEquals(e.vector(), a.vector(), "vector of " + ord + ", " + where);
      for (int l = 0; l <= e.level(); l++) {
        assertArrayEquals(e.lists().get(l), a.lists().get(l), ord + " layer " + l + ", " + where);
      }
    }
  }

  /**
   * Captured, then compacted twice (which frees the image's tombstones and more), added to (which
   * would reuse those slots), removed from: the image written afterwards is the index at capture.
   * Once it is closed, the freed slots are reused.
   */
  @Test
  void anImageWrittenAfterChangesShowsTheIndexAsCaptured() throws Exception {
    Random random = new Random(SEED);
    int dim = 12;
    HnswIndex index = new HnswIndex(dim, Distance.COSINE, HnswTestData.testConfig(random));
    String where = "seed " + SEED + " " + index.config();
    for (float[] v : HnswTestData.clustered(random, 3000, dim, 12)) {
      index.add(v);
    }
    for (int ord = 0; ord < 3000; ord += 4) {
      index.remove(ord);
    }
    assertEquals(750, index.compact(), where); // some FREED slots in the image too
    for (int ord = 1; ord < 3000; ord += 5) {
      index.remove(ord);
    }
    Node[] atCapture = expected(index);
    int n = index.ordinalCount();
    HnswImage image = index.capture();
    try {
      assertTrue(index.compact() > 0, where);
      for (float[] v : HnswTestData.clustered(random, 2000, dim, 12)) {
        int ord = index.add(v);
        // The 750 slots freed before the capture may be taken; those freed since may not.
        assertTrue(
            ord >= n || atCapture[ord].state() == HnswGraph.FREED,
            "slot " + ord + " reused while an image shows it, " + where);
      }
      for (int ord = 2; ord < n; ord += 7) {
        if (index.isLive(ord)) {
          index.remove(ord);
        }
      }
      index.compact();
      assertShows(atCapture, load(image), where);
    } finally {
      image.close();
    }
    // Released: the next adds take the slots freed meanwhile.
    int reused = 0;
    for (float[] v : HnswTestData.clustered(random, 200, dim, 12)) {
      reused += index.add(v) < n ? 1 : 0;
    }
    assertEquals(200, reused, "freed slots reused after the image closed, " + where);
  }

  /**
   * Writers add, remove and compact on three threads while a fourth captures again and again and
   * writes each image after more changes: every image loads (the loader checks every state, level
   * and link) and its live count matches the capture.
   */
  @Test
  void imagesCapturedBesideWritersAndCompactionsLoad() throws Exception {
    Random setup = new Random(SEED);
    int dim = 8;
    HnswIndex index = new HnswIndex(dim, Distance.EUCLID, HnswTestData.testConfig(setup));
    String where = "seed " + SEED + " " + index.config();
    List<Integer> live = new ArrayList<>(); // guarded by itself
    for (float[] v : HnswTestData.clustered(setup, 2000, dim, 8)) {
      live.add(index.add(v));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      threads.add(
          HnswTestData.churn(
              index, dim, live, setup.nextLong(), 50_000, 50, deadline, new AtomicLong(), failure));
    }
    threads.add(
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    for (int i = 0; i < 1000 && System.nanoTime() < deadline; i++) {
                      index.compact();
                    }
                  } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                  }
                }));
    int images = 0;
    while (System.nanoTime() < deadline && images < 200) {
      try (HnswImage image = index.capture()) {
        Thread.sleep(5); // the index changes before the image is written
        HnswIndex loaded = load(image);
        assertEquals(image.size(), loaded.ordinalCount(), where);
        images++;
      }
    }
    for (Thread t : threads) {
      t.join();
    }
    assertNull(failure.get(), where);
    assertTrue(images > 5, images + " images, " + where);
    try (HnswImage image = index.capture()) {
      assertEquals(index.size(), load(image).size(), "quiescent image, " + where);
    }
  }
}
