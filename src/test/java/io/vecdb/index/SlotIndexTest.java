package io.vecdb.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The ordinal table of a collection of named vectors: ordinals are handed out lowest free first, a
 * removed one only once no read section open at its removal is left, and an image gives back the
 * live ordinals (the freed ones free at once). Seeded: {@code -Dtests.seed=N}.
 */
class SlotIndexTest {
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  @Test
  void aRemovedOrdinalIsReusedOnlyAfterTheSectionsThatMaySeeItClose() {
    SlotIndex s = new SlotIndex();
    for (int i = 0; i < 10; i++) {
      assertEquals(i, s.add(null));
    }
    VectorIndex.ReadSection reader = s.pinReads();
    s.remove(3);
    assertFalse(s.isLive(3));
    assertEquals(9, s.size());
    assertEquals(10, s.add(null), "held back: a reader that may hold 3 is still reading");
    reader.close();
    assertEquals(3, s.add(null), "reused once that reader left");
    s.remove(3);
    s.remove(3); // idempotent
    assertEquals(10, s.size());
    assertThrows(UnsupportedOperationException.class, () -> s.search(null, 1, null, null));
  }

  @Test
  void anImageGivesBackTheLiveOrdinals() throws IOException {
    Random r = new Random(SEED);
    SlotIndex s = new SlotIndex();
    Set<Integer> live = new HashSet<>();
    for (int i = 0; i < 70_000; i++) { // more than one page
      live.add(s.add(null));
      if (r.nextInt(3) == 0 && !live.isEmpty()) {
        int victim = live.iterator().next();
        s.remove(victim);
        live.remove(victim);
      }
    }
    // A few removed while a reader is open: retired (not yet free) when the image is taken.
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (VectorIndex.ReadSection reader = s.pinReads()) {
      for (int k = 0; k < 3; k++) {
        int victim = live.iterator().next();
        s.remove(victim);
        live.remove(victim);
      }
      try (VectorIndex.Image image = s.capture()) {
        image.writeTo(Channels.newChannel(bytes));
      }
    }
    SlotIndex loaded =
        SlotIndex.readFrom(
            Channels.newChannel(new java.io.ByteArrayInputStream(bytes.toByteArray())));
    assertEquals(live.size(), loaded.size(), "seed " + SEED);
    for (int i = 0; i < s.ordinalCount() + 70; i++) {
      assertEquals(live.contains(i), loaded.isLive(i), "ordinal " + i + ", seed " + SEED);
    }
    int reused = loaded.add(null);
    assertFalse(live.contains(reused));
    assertTrue(reused < s.ordinalCount(), "a freed ordinal is free at once after a load");
    assertNotEquals(-1, reused);
  }
}
