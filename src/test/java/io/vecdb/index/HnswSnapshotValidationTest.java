package io.vecdb.index;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A damaged graph image is refused at load (issue 12, item 6), not loaded into an index whose every
 * search then throws: an entry point whose level is not its node's, and an upper-layer link to a
 * node that does not reach that layer. The images are forged from a real index through the snapshot
 * writer; the same index's true image loads.
 */
class HnswSnapshotValidationTest {
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  private static HnswIndex build(Random r) {
    HnswIndex index = new HnswIndex(8, Distance.EUCLID);
    for (int i = 0; i < 3_000; i++) {
      float[] v = new float[8];
      for (int d = 0; d < 8; d++) {
        v[d] = r.nextFloat();
      }
      index.add(v);
    }
    return index;
  }

  private static byte[] image(HnswIndex index, HnswGraph.Page[] ps, long entry) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // Captured from the (possibly forged) pages as they are now; single-threaded, so no lock.
    new HnswImage(index, ps, 3_000, entry, 0, null, null, () -> {})
        .writeTo(Channels.newChannel(out));
    return out.toByteArray();
  }

  private static HnswIndex load(byte[] image) throws IOException {
    return HnswSnapshot.read(Channels.newChannel(new ByteArrayInputStream(image)), null);
  }

  @Test
  void anEntryAboveItsNodesLevelIsRefused() throws Exception {
    HnswIndex index = build(new Random(SEED));
    HnswGraph.Page[] ps = index.pagesForTest();
    long entry = index.entryForTest();
    load(image(index, ps, entry)); // the true image loads
    long forged = HnswGraph.packEntry(HnswGraph.entryNode(entry), HnswGraph.entryLevel(entry) + 2);
    IOException e = assertThrows(IOException.class, () -> load(image(index, ps, forged)));
    assertTrue(e.getMessage().contains("entry point"), e.getMessage());
  }

  @Test
  void anUpperLayerLinkToALowerNodeIsRefused() throws Exception {
    HnswIndex index = build(new Random(SEED));
    HnswGraph.Page[] ps = index.pagesForTest();
    int high = -1;
    int low = -1;
    for (int ord = 0; ord < 3_000 && (high < 0 || low < 0); ord++) {
      int level = ps[ord >>> HnswGraph.PAGE_SHIFT].levels[ord & HnswGraph.PAGE_MASK];
      if (level >= 1 && high < 0) {
        high = ord;
      } else if (level == 0 && low < 0) {
        low = ord;
      }
    }
    // Node `high`'s layer-1 list names a node that lives on layer 0 only.
    ps[high >>> HnswGraph.PAGE_SHIFT].upper[high & HnswGraph.PAGE_MASK][0] =
        new int[] {low, Float.floatToRawIntBits(0.5f)};
    IOException e =
        assertThrows(IOException.class, () -> load(image(index, ps, index.entryForTest())));
    assertTrue(e.getMessage().contains("links on layer 1 to node " + low), e.getMessage());
  }
}
