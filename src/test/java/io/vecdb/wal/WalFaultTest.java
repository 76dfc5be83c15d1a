package io.vecdb.wal;

import static io.vecdb.wal.SegmentedWalTest.SEED;
import static io.vecdb.wal.SegmentedWalTest.cause;
import static io.vecdb.wal.SegmentedWalTest.randomPayload;
import static io.vecdb.wal.SegmentedWalTest.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Full disk and failing fsync through the storage seam: fail-stop, nothing acknowledged lost. */
class WalFaultTest {
  @TempDir Path dir;

  @Test
  void fullDiskFailsAppendsAndKeepsEverythingAcknowledged() throws Exception {
    Random r = new Random(SEED);
    long budget = 20_000 + r.nextInt(200_000);
    runUntilFailure(s -> s.writeBudget.set(budget), "budget " + budget);
  }

  @Test
  void failingFsyncFailsAppendsAndKeepsEverythingAcknowledged() throws Exception {
    Random r = new Random(SEED);
    int okFsyncs = 1 + r.nextInt(40);
    runUntilFailure(s -> s.forceBudget.set(okFsyncs), "fsyncs " + okFsyncs);
  }

  @Test
  void fullDiskDuringSegmentRoll() throws Exception {
    // A small segment size so that the failure often lands in segment creation.
    Random r = new Random(SEED);
    long budget = 8192 * (1 + r.nextInt(4)) + r.nextInt(64);
    runUntilFailure(s -> s.writeBudget.set(budget), "roll budget " + budget);
  }

  private void runUntilFailure(Consumer<FaultyStorage> arm, String what) throws Exception {
    String msg = what + " seed=" + SEED;
    FaultyStorage storage = new FaultyStorage();
    WalOptions opts = new WalOptions(dir).segmentBytes(8192).storage(storage);
    Map<Long, byte[]> acked = new ConcurrentHashMap<>();
    List<WalException> failures = new CopyOnWriteArrayList<>();
    AtomicInteger stoppedThreads = new AtomicInteger();
    SegmentedWal wal = SegmentedWal.open(opts);
    arm.accept(storage);
    List<Thread> ts = new ArrayList<>();
    for (int t = 0; t < 6; t++) {
      final int tid = t;
      Thread th =
          new Thread(
              () -> {
                Random tr = new Random(SEED + tid);
                for (int i = 0; i < 2000; i++) {
                  byte[] p = randomPayload(tr, 1500);
                  try {
                    long lsn = wal.append((byte) 3, p).get();
                    acked.put(lsn, p);
                  } catch (ExecutionException | InterruptedException e) {
                    failures.add(cause(e));
                    break;
                  }
                }
                stoppedThreads.incrementAndGet();
              });
      th.start();
      ts.add(th);
    }
    for (Thread th : ts) {
      th.join();
    }
    assertEquals(6, failures.size(), "every writer saw the failure, " + msg);
    for (WalException e : failures) {
      assertEquals(WalException.Code.IO_FAILED, e.code(), msg);
      assertTrue(e.getMessage().contains("refuses all writes"), e.getMessage());
    }
    // Sticky: later writes fail at once, and so does sync and close.
    WalException later =
        cause(
            assertThrows(ExecutionException.class, () -> wal.append((byte) 1, new byte[1]).get()));
    assertEquals(WalException.Code.IO_FAILED, later.code(), msg);
    assertEquals(
        WalException.Code.IO_FAILED,
        cause(assertThrows(ExecutionException.class, () -> wal.sync().get())).code());
    assertEquals(WalException.Code.IO_FAILED, assertThrows(WalException.class, wal::close).code());

    // Reopen on healthy storage: every acknowledged record is there, gapless from 1.
    try (SegmentedWal again = SegmentedWal.open(new WalOptions(dir).segmentBytes(8192))) {
      List<WalRecord> all = readAll(again, 1);
      long maxAcked = acked.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
      assertTrue(
          all.size() >= maxAcked, "records " + all.size() + " < acked " + maxAcked + " " + msg);
      for (WalRecord rec : all) {
        byte[] expect = acked.get(rec.lsn());
        if (expect != null) {
          assertArrayEquals(expect, rec.payload(), "lsn " + rec.lsn() + " " + msg);
        }
      }
      for (long lsn : acked.keySet()) {
        assertTrue(lsn <= all.size(), "acknowledged " + lsn + " lost, " + msg);
      }
      // And the reopened log accepts writes again.
      assertEquals(all.size() + 1, again.append((byte) 1, new byte[1]).get(), msg);
    }
  }
}
