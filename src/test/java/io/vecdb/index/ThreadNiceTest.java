package io.vecdb.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The nice value is set on the calling thread only, and the index helper threads carry it. */
class ThreadNiceTest {
  @Test
  void setsTheCallingThreadOnly() throws Exception {
    int before = ThreadNice.current();
    AtomicInteger inside = new AtomicInteger(-100);
    AtomicInteger applied = new AtomicInteger();
    Thread t =
        Thread.ofPlatform()
            .start(
                () -> {
                  applied.set(ThreadNice.set(7) ? 1 : 0);
                  inside.set(ThreadNice.current());
                });
    t.join();
    assertEquals(1, applied.get(), "setpriority took effect");
    assertEquals(7, inside.get());
    assertEquals(before, ThreadNice.current(), "the caller's own priority is unchanged");
    assertFalse(ThreadNice.set(0), "0 leaves the thread alone");
    assertThrows(IllegalArgumentException.class, () -> ThreadNice.set(20));
    assertThrows(IllegalArgumentException.class, () -> ThreadNice.set(-1));
  }

  @Test
  void parallelInserterHelpersRunAtTheirNiceValue() throws Exception {
    HnswIndex index = new HnswIndex(8, Distance.EUCLID, HnswConfig.DEFAULT);
    java.util.Random rnd = new java.util.Random(1);
    List<float[]> batch = new java.util.ArrayList<>();
    for (int i = 0; i < 4000; i++) {
      float[] v = new float[8];
      for (int j = 0; j < v.length; j++) {
        v[j] = rnd.nextFloat();
      }
      batch.add(v);
    }
    int before = indexThreadsAtNice(5);
    try (ParallelInserter inserter = new ParallelInserter(3, 5)) {
      inserter.addAll(index, batch);
      // Its two helpers are alive until close; other tests' helpers (nice 0) may be too.
      long deadline = System.nanoTime() + 5_000_000_000L; // a helper may not have started yet
      while (indexThreadsAtNice(5) < before + 2 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(before + 2, indexThreadsAtNice(5));
    }
  }

  /** Threads of this JVM named vecdb-index-* whose nice value is {@code nice} (Linux /proc). */
  private static int indexThreadsAtNice(int nice) throws java.io.IOException {
    int n = 0;
    try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
      for (java.nio.file.Path task : tasks.toList()) {
        try {
          String comm = java.nio.file.Files.readString(task.resolve("comm")).trim();
          if (comm.startsWith("vecdb-index-") && ThreadNice.niceOf(task.resolve("stat")) == nice) {
            n++;
          }
        } catch (java.nio.file.NoSuchFileException gone) {
          // the thread ended meanwhile
        }
      }
    }
    return n;
  }
}
