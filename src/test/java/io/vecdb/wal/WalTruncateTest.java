package io.vecdb.wal;

import static io.vecdb.wal.SegmentedWalTest.SEED;
import static io.vecdb.wal.SegmentedWalTest.cause;
import static io.vecdb.wal.SegmentedWalTest.readAll;
import static io.vecdb.wal.SegmentedWalTest.segmentFiles;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalTruncateTest {
  @TempDir Path dir;

  static byte[] payload(long lsn, int gen) {
    return ByteBuffer.allocate(300).putLong(lsn).putInt(gen).array();
  }

  static void fill(Wal wal, long n, int gen) throws Exception {
    for (long i = 0; i < n; i++) {
      wal.append((byte) 1, payload(wal.lastLsn() + 1, gen)).get();
    }
  }

  static void assertLog(Wal wal, long first, long last, String msg) {
    List<WalRecord> all = readAll(wal, wal.firstLsn());
    assertEquals(last, wal.lastLsn(), msg);
    assertEquals(last - wal.firstLsn() + 1, all.size(), msg);
    for (WalRecord rec : all) {
      assertEquals(rec.lsn(), ByteBuffer.wrap(rec.payload()).getLong(), msg);
    }
    assertTrue(wal.firstLsn() <= first, "first " + wal.firstLsn() + " > " + first + " " + msg);
  }

  @Test
  void truncateSuffixWithinAndAcrossSegments() throws Exception {
    Random r = new Random(SEED);
    WalOptions opts = new WalOptions(dir).segmentBytes(4096);
    long from;
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      fill(wal, 200, 0);
      int before = segmentFiles(dir).size();
      from = 2 + r.nextInt(198);
      String msg = "from " + from + " seed=" + SEED;
      wal.truncateSuffix(from).get();
      assertEquals(from - 1, wal.lastLsn(), msg);
      assertTrue(segmentFiles(dir).size() <= before, msg);
      assertLog(wal, 1, from - 1, msg);
      // New entries reuse the LSNs (a new Raft term).
      fill(wal, 20, 1);
      assertLog(wal, 1, from + 19, msg);
      // Within the active segment.
      wal.truncateSuffix(from + 15).get();
      assertEquals(from + 14, wal.lastLsn(), msg);
    }
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      String msg = "reopen, from " + from + " seed=" + SEED;
      assertLog(wal, 1, from + 14, msg);
      List<WalRecord> all = readAll(wal, from);
      assertEquals(1, ByteBuffer.wrap(all.getFirst().payload()).getInt(8), "new generation " + msg);
      assertEquals(0, ByteBuffer.wrap(readAll(wal, from - 1).getFirst().payload()).getInt(8), msg);
    }
  }

  @Test
  void truncateSuffixToTheStartEmptiesTheLog() throws Exception {
    WalOptions opts = new WalOptions(dir).segmentBytes(4096);
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      fill(wal, 50, 0);
      wal.truncateSuffix(1).get();
      assertEquals(0, wal.lastLsn());
      assertEquals(1, wal.firstLsn());
      assertEquals(1, segmentFiles(dir).size());
      // Out of range: an error value, and the WAL stays usable.
      WalException e =
          cause(assertThrows(ExecutionException.class, () -> wal.truncateSuffix(5).get()));
      assertEquals(WalException.Code.INVALID_ARGUMENT, e.code());
      fill(wal, 3, 2);
    }
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      assertLog(wal, 1, 3, "reopen");
    }
  }

  @Test
  void truncatePrefixDropsWholeSegmentsBelow() throws Exception {
    Random r = new Random(SEED);
    WalOptions opts = new WalOptions(dir).segmentBytes(4096);
    long keep = 30 + r.nextInt(150);
    String msg = "keep " + keep + " seed=" + SEED;
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      fill(wal, 200, 0);
      int before = segmentFiles(dir).size();
      wal.truncatePrefix(keep).get();
      assertTrue(
          wal.firstLsn() > 1 && wal.firstLsn() <= keep, "first " + wal.firstLsn() + " " + msg);
      assertTrue(segmentFiles(dir).size() < before, msg);
      assertLog(wal, keep, 200, msg);
      assertEquals(
          WalException.Code.TRUNCATED, assertThrows(WalException.class, () -> wal.read(1)).code());
      fill(wal, 5, 0);
    }
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      assertLog(wal, keep, 205, "reopen " + msg);
    }
  }

  @Test
  void truncatePrefixPastTheEndEmptiesTheLogAndKeepsLsnsMonotonic() throws Exception {
    WalOptions opts = new WalOptions(dir).segmentBytes(4096);
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      fill(wal, 100, 0);
      // After a snapshot at LSN 100.
      wal.truncatePrefix(101).get();
      assertEquals(101, wal.firstLsn());
      assertEquals(100, wal.lastLsn());
      assertEquals(1, segmentFiles(dir).size());
      assertEquals(101, wal.append((byte) 1, payload(101, 0)).get());
    }
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      assertEquals(101, wal.firstLsn());
      assertLog(wal, 101, 101, "reopen");
      // Raft snapshot install: the log jumps ahead.
      wal.truncatePrefix(1000).get();
      assertEquals(1000, wal.firstLsn());
      assertEquals(999, wal.lastLsn());
    }
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      assertEquals(1000, wal.firstLsn());
      assertEquals(999, wal.lastLsn());
      assertEquals(1000, wal.append((byte) 1, payload(1000, 0)).get());
    }
  }

  @Test
  void crashDuringAJumpingPrefixTruncationIsFinishedOnOpen() throws Exception {
    WalOptions opts = new WalOptions(dir).segmentBytes(4096);
    Path saved = Files.createTempDirectory(dir.getParent(), "saved");
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      fill(wal, 60, 0);
      for (Path p : segmentFiles(dir)) {
        Files.copy(p, saved.resolve(p.getFileName()));
      }
      wal.truncatePrefix(500).get();
    }
    // As if the deletions after the new BASE segment had not happened.
    for (Path p : segmentFiles(saved)) {
      Files.copy(p, dir.resolve(p.getFileName()));
    }
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      assertEquals(500, wal.firstLsn());
      assertEquals(499, wal.lastLsn());
      assertEquals(1, segmentFiles(dir).size());
    }
  }
}
