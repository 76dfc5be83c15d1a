package io.vecdb.wal;

import static io.vecdb.wal.SegmentedWalTest.SEED;
import static io.vecdb.wal.SegmentedWalTest.randomPayload;
import static io.vecdb.wal.SegmentedWalTest.readAll;
import static io.vecdb.wal.SegmentedWalTest.segmentFiles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalRecoveryTest {
  @TempDir Path dir;

  /** Writes {@code n} random records; returns their payloads (index i = LSN i+1). */
  static List<byte[]> fill(WalOptions opts, Random r, int n, int maxLen) throws Exception {
    List<byte[]> out = new ArrayList<>();
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      for (int i = 0; i < n; i++) {
        byte[] p = randomPayload(r, maxLen);
        out.add(p);
        wal.append((byte) 7, p).get();
      }
    }
    return out;
  }

  static void assertPrefix(SegmentedWal wal, List<byte[]> payloads, int n, String msg) {
    List<WalRecord> all = readAll(wal, 1);
    assertEquals(n, all.size(), msg);
    for (int i = 0; i < n; i++) {
      assertEquals(i + 1, all.get(i).lsn(), msg);
      assertArrayEquals(payloads.get(i), all.get(i).payload(), "lsn " + (i + 1) + " " + msg);
    }
  }

  /** Byte offset of each record (index i = LSN i+1) in a single-segment log. */
  static long[] offsets(List<byte[]> payloads) {
    long[] o = new long[payloads.size() + 1];
    o[0] = SegmentFormat.SEGMENT_HEADER_BYTES;
    for (int i = 0; i < payloads.size(); i++) {
      o[i + 1] = o[i] + SegmentFormat.RECORD_OVERHEAD + payloads.get(i).length;
    }
    return o;
  }

  @Test
  void tornTailAtEveryByteOfTheLastRecordIsTruncated() throws Exception {
    Random r = new Random(SEED);
    WalOptions opts = new WalOptions(dir);
    List<byte[]> payloads = fill(opts, r, 12, 300);
    Path seg = segmentFiles(dir).getFirst();
    byte[] full = Files.readAllBytes(seg);
    long[] off = offsets(payloads);
    assertEquals(off[12], full.length, "layout, seed=" + SEED);
    for (int cut = (int) off[11]; cut < full.length; cut++) {
      String msg = "cut at " + cut + " seed=" + SEED;
      crashed(dir);
      Files.write(seg, Arrays.copyOf(full, cut));
      try (SegmentedWal wal = SegmentedWal.open(opts)) {
        assertEquals(11, wal.lastLsn(), msg);
        assertEquals(cut - off[11], wal.recoveryStats().truncatedBytes(), msg);
        assertPrefix(wal, payloads, 11, msg);
        assertEquals(12, wal.append((byte) 7, payloads.get(11)).get(), msg);
      }
      assertEquals(full.length, Files.size(seg), msg);
    }
  }

  @Test
  void badCrcOrZerosAtTheTailAreTruncated() throws Exception {
    Random r = new Random(SEED);
    WalOptions opts = new WalOptions(dir);
    List<byte[]> payloads = fill(opts, r, 10, 300);
    Path seg = segmentFiles(dir).getFirst();
    byte[] full = Files.readAllBytes(seg);
    long[] off = offsets(payloads);
    // A flipped byte anywhere in the last record.
    int at = (int) off[9] + r.nextInt((int) (off[10] - off[9]));
    byte[] bad = full.clone();
    bad[at] ^= (byte) (1 + r.nextInt(255));
    crashed(dir);
    Files.write(seg, bad);
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      assertEquals(9, wal.lastLsn(), "flip at " + at + " seed=" + SEED);
      assertPrefix(wal, payloads, 9, "seed=" + SEED);
    }
    // Zeros after the last record (a preallocated or half-flushed page).
    byte[] zeros = Arrays.copyOf(Files.readAllBytes(seg), (int) off[9] + 4096);
    crashed(dir);
    Files.write(seg, zeros);
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      assertEquals(9, wal.lastLsn(), "seed=" + SEED);
      assertEquals(4096, wal.recoveryStats().truncatedBytes());
    }
  }

  @Test
  void incompleteBatchAtTheTailIsDroppedWhole() throws Exception {
    WalOptions opts = new WalOptions(dir);
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      wal.append((byte) 1, new byte[10]).get();
      wal.appendBatch(
              List.of(
                  new WalEntry((byte) 2, new byte[100]),
                  new WalEntry((byte) 2, new byte[100]),
                  new WalEntry((byte) 2, new byte[100])))
          .get();
    }
    Path seg = segmentFiles(dir).getFirst();
    long size = Files.size(seg);
    // Cut inside the third record of the batch: the first two are intact but must go too.
    crashed(dir);
    Files.write(seg, Arrays.copyOf(Files.readAllBytes(seg), (int) size - 50));
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      assertEquals(1, wal.lastLsn());
      assertEquals(2, wal.append((byte) 1, new byte[1]).get());
    }
    // A complete batch survives.
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      wal.appendBatch(
              List.of(new WalEntry((byte) 2, new byte[5]), new WalEntry((byte) 2, new byte[6])))
          .get();
    }
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      assertEquals(4, wal.lastLsn());
    }
  }

  @Test
  void flippedByteInAMiddleRecordStopsOpenUnlessTruncationIsAllowed() throws Exception {
    Random r = new Random(SEED);
    WalOptions opts = new WalOptions(dir);
    List<byte[]> payloads = fill(opts, r, 30, 300);
    Path seg = segmentFiles(dir).getFirst();
    long[] off = offsets(payloads);
    int m = 2 + r.nextInt(25); // LSN of the damaged record, with records after it
    int at = (int) off[m - 1] + r.nextInt((int) (off[m] - off[m - 1]));
    byte[] bad = Files.readAllBytes(seg);
    bad[at] ^= (byte) (1 + r.nextInt(255));
    Files.write(seg, bad);
    String msg = "lsn " + m + " byte " + at + " seed=" + SEED;
    WalCorruptionException e =
        assertThrows(WalCorruptionException.class, () -> SegmentedWal.open(opts), msg);
    assertEquals(seg, e.file(), msg);
    assertEquals(off[m - 1], e.offset(), msg);
    assertEquals(m, e.lsn(), msg);
    assertTrue(e.getMessage().contains(seg.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("offset " + off[m - 1]), e.getMessage());
    assertTrue(e.getMessage().contains("LSN " + m), e.getMessage());
    assertEquals(Files.size(seg), bad.length, "a failed open changes nothing, " + msg);

    try (SegmentedWal wal = SegmentedWal.open(new WalOptions(dir).truncateCorruptTail(true))) {
      assertTrue(wal.recoveryStats().corruptionTruncated(), msg);
      assertEquals(m - 1, wal.lastLsn(), msg);
      assertPrefix(wal, payloads, m - 1, msg);
    }
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      assertEquals(m - 1, wal.lastLsn(), msg);
    }
  }

  @Test
  void damageInsideTheLastUnsyncedWriteIsATornTail() throws Exception {
    // Pages of one write reach the disk in any order: damage followed only by records of the same
    // write (no fsync between) is a torn write, not corruption.
    Random r = new Random(SEED);
    WalOptions opts = new WalOptions(dir);
    List<byte[]> payloads = fill(opts, r, 10, 300);
    List<WalEntry> batch = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      byte[] p = randomPayload(r, 300);
      payloads.add(p);
      batch.add(new WalEntry((byte) 7, p));
    }
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      assertEquals(15, wal.appendBatch(batch).get());
    }
    Path seg = segmentFiles(dir).getFirst();
    long[] off = offsets(payloads);
    int m = 11 + r.nextInt(4); // a damaged record of the batch with batch records after it
    int at = (int) off[m - 1] + r.nextInt((int) (off[m] - off[m - 1]));
    byte[] bad = Files.readAllBytes(seg);
    bad[at] ^= (byte) (1 + r.nextInt(255));
    crashed(dir);
    Files.write(seg, bad);
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      String msg = "lsn " + m + " byte " + at + " seed=" + SEED;
      assertEquals(10, wal.lastLsn(), msg);
      assertTrue(!wal.recoveryStats().corruptionTruncated(), msg);
      assertPrefix(wal, payloads, 10, msg);
    }
  }

  @Test
  void corruptionInAnEarlierSegmentNamesThatSegment() throws Exception {
    Random r = new Random(SEED);
    WalOptions opts = new WalOptions(dir).segmentBytes(4096);
    List<byte[]> payloads = fill(opts, r, 60, 400);
    List<Path> segs = segmentFiles(dir);
    assertTrue(segs.size() >= 3, "segments " + segs.size() + " seed=" + SEED);
    Path victim = segs.get(1);
    long first = SegmentFormat.parseFileName(victim);
    byte[] bad = Files.readAllBytes(victim);
    // Damage the last record of this (non-last) segment: data follows in later segments.
    bad[bad.length - 2] ^= 0x5a;
    Files.write(victim, bad);
    WalCorruptionException e =
        assertThrows(WalCorruptionException.class, () -> SegmentedWal.open(opts));
    assertEquals(victim, e.file(), "seed=" + SEED);
    long next = SegmentFormat.parseFileName(segs.get(2));
    assertEquals(next - 1, e.lsn(), "seed=" + SEED);
    try (SegmentedWal wal =
        SegmentedWal.open(new WalOptions(dir).segmentBytes(4096).truncateCorruptTail(true))) {
      assertEquals(next - 2, wal.lastLsn(), "seed=" + SEED);
      assertPrefix(wal, payloads, (int) (next - 2), "seed=" + SEED);
      assertEquals(2, segmentFiles(dir).size(), "later segments deleted");
      assertTrue(first < next);
    }
  }

  @Test
  void damagedSegmentHeaderIsCorruption() throws Exception {
    Random r = new Random(SEED);
    WalOptions opts = new WalOptions(dir).segmentBytes(4096);
    fill(opts, r, 40, 400);
    Path victim = segmentFiles(dir).get(1);
    byte[] bad = Files.readAllBytes(victim);
    bad[9] ^= 1;
    Files.write(victim, bad);
    WalCorruptionException e =
        assertThrows(WalCorruptionException.class, () -> SegmentedWal.open(opts));
    assertEquals(victim, e.file());
    assertEquals(0, e.offset());
  }

  @Test
  void crashWhileCreatingASegmentIsRepaired() throws Exception {
    Random r = new Random(SEED);
    WalOptions opts = new WalOptions(dir).segmentBytes(4096);
    List<byte[]> payloads = fill(opts, r, 40, 400);
    // An empty next segment file, as if the crash hit between create and header fsync.
    Path stray = dir.resolve(SegmentFormat.fileName(41));
    Files.write(stray, new byte[7]);
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      assertEquals(40, wal.lastLsn());
      assertPrefix(wal, payloads, 40, "seed=" + SEED);
      assertEquals(41, wal.append((byte) 1, new byte[1]).get());
    }
    // The only segment of a fresh log with a torn header.
    Path other = dir.resolve("fresh");
    Files.createDirectories(other);
    Files.write(other.resolve(SegmentFormat.fileName(1)), new byte[0]);
    try (SegmentedWal wal = SegmentedWal.open(new WalOptions(other))) {
      assertEquals(0, wal.lastLsn());
      assertEquals(1, wal.append((byte) 1, new byte[1]).get());
    }
    try (SegmentedWal wal = SegmentedWal.open(new WalOptions(other))) {
      assertEquals(1, wal.lastLsn());
    }
  }

  @Test
  void unrelatedFilesAreIgnored() throws Exception {
    Files.writeString(dir.resolve("README"), "not a segment");
    Files.write(dir.resolve("wal-1.log.tmp"), new byte[] {1, 2, 3});
    try (SegmentedWal wal = SegmentedWal.open(new WalOptions(dir))) {
      assertEquals(1, wal.append((byte) 1, new byte[1]).get());
    }
    assertTrue(Files.exists(dir.resolve("README")));
  }

  /**
   * As after a crash: the sync marker had last moved when the log was empty (it moves at most once
   * a second while the log runs, and a clean close moves it to the end), so damage here is a torn
   * tail.
   */
  static void crashed(Path dir) throws IOException {
    SyncMarker.synced(WalStorage.files(), dir, 0);
  }

  static void corrupt(Path p, int at) throws IOException {
    byte[] b = Files.readAllBytes(p);
    b[at] ^= 1;
    Files.write(p, b);
  }
}
