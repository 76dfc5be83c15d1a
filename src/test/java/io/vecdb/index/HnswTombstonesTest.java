package io.vecdb.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link HnswIndex#tombstones()}: counts removes, survives a snapshot, drops on compaction. */
class HnswTombstonesTest {
  static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  @Test
  void countsRemovesAcrossSnapshotsAndCompaction() throws Exception {
    Random rnd = new Random(SEED);
    HnswIndex index = new HnswIndex(8, Distance.EUCLID);
    for (int i = 0; i < 500; i++) {
      float[] v = new float[8];
      for (int j = 0; j < 8; j++) {
        v[j] = (float) rnd.nextGaussian();
      }
      index.add(v);
    }
    int removed = 0;
    for (int i = 0; i < 500; i++) {
      if (rnd.nextInt(3) == 0) {
        index.remove(i);
        index.remove(i); // idempotent: counted once
        removed++;
      }
    }
    assertEquals(removed, index.tombstones(), "seed " + SEED);
    assertEquals(removed, copy(index).tombstones(), "after a snapshot, seed " + SEED);
    assertEquals(removed, index.compact(), "seed " + SEED);
    assertEquals(0, index.tombstones(), "seed " + SEED);
    assertEquals(0, copy(index).tombstones(), "freed nodes are not tombstones, seed " + SEED);
    int expected = (index.isLive(0) ? 1 : 0) + (index.isLive(1) ? 1 : 0);
    index.remove(0); // a freed node is not tombstoned again
    index.remove(1);
    assertEquals(expected, index.tombstones(), "seed " + SEED);
  }

  private static HnswIndex copy(HnswIndex index) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    index.writeTo(Channels.newChannel(out));
    return HnswIndex.readFrom(Channels.newChannel(new ByteArrayInputStream(out.toByteArray())));
  }
}
