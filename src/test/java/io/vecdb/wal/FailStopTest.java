package io.vecdb.wal;

import static io.vecdb.wal.SegmentedWalTest.SEED;
import static io.vecdb.wal.SegmentedWalTest.cause;
import static io.vecdb.wal.SegmentedWalTest.randomPayload;
import static io.vecdb.wal.SegmentedWalTest.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sync marker (issue 12, items 9 and 11). Fail-stop across restarts: A failed fsync leaves the
 * records it should have covered in the page cache (FaultyStorage fails the fsync after the bytes
 * were written, as the kernel does): a reopened log would read them back, though their writers were
 * told the write failed, and a later power loss could leave a hole there. The WAL records the last
 * LSN an fsync confirmed, and the next open keeps nothing after it. And damage to records the
 * marker says were fsynced (so may have been acknowledged) refuses the open instead of being cut as
 * a torn tail.
 */
class FailStopTest {
  @TempDir Path dir;

  @Test
  void recordsAfterTheLastGoodFsyncAreDroppedAtTheNextOpen() throws Exception {
    Random r = new Random(SEED);
    FaultyStorage storage = new FaultyStorage();
    List<WalException> stops = new CopyOnWriteArrayList<>();
    List<byte[]> acked = new ArrayList<>();
    SegmentedWal wal =
        SegmentedWal.open(new WalOptions(dir).storage(storage).onFailStop(stops::add));
    int good = 5 + r.nextInt(20);
    for (int i = 0; i < good; i++) {
      byte[] p = randomPayload(r, 300);
      assertEquals(i + 1, wal.append((byte) 1, p).get());
      acked.add(p);
    }
    storage.forceBudget.set(0); // the next fsync fails (after its bytes reached the page cache)
    WalException failed =
        cause(
            assertThrows(
                ExecutionException.class,
                () ->
                    wal.appendBatch(
                            List.of(
                                new WalEntry((byte) 1, randomPayload(r, 300)),
                                new WalEntry((byte) 1, randomPayload(r, 300))))
                        .get()));
    assertEquals(WalException.Code.IO_FAILED, failed.code());
    assertEquals(1, stops.size(), "the fail-stop handler runs once");
    assertEquals(
        "failed=" + good,
        Files.readString(dir.resolve(SyncMarker.FILE), StandardCharsets.US_ASCII).trim());
    // Later writes are refused without calling the handler again.
    assertThrows(ExecutionException.class, () -> wal.append((byte) 1, new byte[1]).get());
    assertEquals(1, stops.size());
    assertThrows(WalException.class, wal::close);

    // The failed batch's bytes are in the files: a plain scan would return them.
    try (SegmentedWal again = SegmentedWal.open(new WalOptions(dir))) {
      List<WalRecord> all = readAll(again, 1);
      assertEquals(good, all.size(), "only the records an fsync confirmed are kept");
      for (int i = 0; i < good; i++) {
        assertArrayEquals(acked.get(i), all.get(i).payload(), "lsn " + (i + 1));
      }
      assertTrue(again.recoveryStats().truncatedBytes() > 0, "the unconfirmed bytes were cut");
      assertEquals(
          "synced=" + good,
          Files.readString(dir.resolve(SyncMarker.FILE), StandardCharsets.US_ASCII).trim(),
          "rewritten once the repair is durable");
      assertEquals(good + 1, again.append((byte) 1, new byte[] {7}).get(), "LSNs go on");
    }
    // The repair is done once: the next open keeps the new record.
    try (SegmentedWal third = SegmentedWal.open(new WalOptions(dir))) {
      assertEquals(good + 1, readAll(third, 1).size());
    }
  }

  @Test
  void aFailureWhileRollingKeepsEverySealedSegment() throws Exception {
    FaultyStorage storage = new FaultyStorage();
    List<WalException> stops = new CopyOnWriteArrayList<>();
    Random r = new Random(SEED);
    long okFsyncs = 3 + r.nextInt(30);
    long acked = 0;
    SegmentedWal wal =
        SegmentedWal.open(
            new WalOptions(dir).segmentBytes(4096).storage(storage).onFailStop(stops::add));
    storage.forceBudget.set(okFsyncs);
    try {
      for (int i = 0; i < 10_000; i++) {
        acked = wal.append((byte) 1, randomPayload(r, 700)).get();
      }
    } catch (ExecutionException e) {
      assertEquals(WalException.Code.IO_FAILED, cause(e).code());
    }
    assertEquals(1, stops.size(), "failed after " + okFsyncs + " fsyncs");
    assertThrows(WalException.class, wal::close);
    try (SegmentedWal again = SegmentedWal.open(new WalOptions(dir).segmentBytes(4096))) {
      long last = readAll(again, 1).size();
      assertTrue(last >= acked, "acknowledged " + acked + ", kept " + last);
      // Kept: what the last good fsync covered (a roll fsyncs the sealed segment first).
      assertTrue(last <= acked + 1, "kept " + last + " records, " + acked + " acknowledged");
    }
  }

  @Test
  void aLogEndingBeforeTheFsyncedLsnRefusesToOpen() throws Exception {
    try (SegmentedWal wal = SegmentedWal.open(new WalOptions(dir))) {
      for (int i = 0; i < 10; i++) {
        wal.append((byte) 1, new byte[] {(byte) i}).get();
      }
    }
    // A marker says 20 were fsynced, but the log holds 10: acknowledged records are gone.
    SyncMarker.failed(WalStorage.files(), dir, 20);
    WalCorruptionException e =
        assertThrows(WalCorruptionException.class, () -> SegmentedWal.open(new WalOptions(dir)));
    assertTrue(e.getMessage().contains("sync marker"), e.getMessage());
    try (SegmentedWal accepted = SegmentedWal.open(new WalOptions(dir).truncateCorruptTail(true))) {
      assertEquals(10, readAll(accepted, 1).size());
    }
  }

  @Test
  void aTornMarkerRefusesToOpenUnlessTheOperatorAcceptsTheLog() throws Exception {
    try (SegmentedWal wal = SegmentedWal.open(new WalOptions(dir))) {
      wal.append((byte) 1, new byte[] {1}).get();
    }
    Files.writeString(dir.resolve(SyncMarker.FILE), "failed=1x");
    WalCorruptionException e =
        assertThrows(WalCorruptionException.class, () -> SegmentedWal.open(new WalOptions(dir)));
    assertTrue(e.getMessage().contains("--wal-truncate-corrupt"), e.getMessage());
    try (SegmentedWal accepted = SegmentedWal.open(new WalOptions(dir).truncateCorruptTail(true))) {
      assertEquals(1, readAll(accepted, 1).size());
    }
  }

  @Test
  void damageInsideTheLastSyncedGroupRefusesToOpen() throws Exception {
    Random r = new Random(SEED);
    int n = 3 + r.nextInt(20);
    try (SegmentedWal wal = SegmentedWal.open(new WalOptions(dir).syncMarkIntervalMillis(0))) {
      for (int i = 0; i < n; i++) {
        wal.append((byte) 1, randomPayload(r, 200)).get(); // each its own fsynced group
      }
    }
    assertEquals(
        "synced=" + n,
        Files.readString(dir.resolve(SyncMarker.FILE), StandardCharsets.US_ASCII).trim());
    // Flip a byte of the last record: nothing after it vouches for it (a torn tail, to a scan
    // that cannot know it was acknowledged).
    Path segment = dir.resolve(SegmentFormat.fileName(1));
    byte[] bytes = Files.readAllBytes(segment);
    bytes[bytes.length - 3] ^= 0x5a;
    Files.write(segment, bytes);
    WalCorruptionException e =
        assertThrows(WalCorruptionException.class, () -> SegmentedWal.open(new WalOptions(dir)));
    assertTrue(e.getMessage().contains("LSN " + n), e.getMessage());
    assertEquals(bytes.length, Files.size(segment), "a refused open changes nothing");
    try (SegmentedWal accepted = SegmentedWal.open(new WalOptions(dir).truncateCorruptTail(true))) {
      assertEquals(n - 1, readAll(accepted, 1).size(), "the operator accepted the loss");
    }
  }

  @Test
  void aTornTailAfterTheMarkerIsStillCut() throws Exception {
    int n = 10;
    try (SegmentedWal wal = SegmentedWal.open(new WalOptions(dir))) {
      for (int i = 0; i < n; i++) {
        wal.append((byte) 1, new byte[100]).get();
      }
    }
    // As after a crash: the marker had last moved after record n-1, and record n was torn.
    SyncMarker.synced(WalStorage.files(), dir, n - 1);
    Path segment = dir.resolve(SegmentFormat.fileName(1));
    try (var ch =
        java.nio.channels.FileChannel.open(segment, java.nio.file.StandardOpenOption.WRITE)) {
      ch.truncate(Files.size(segment) - 7);
    }
    try (SegmentedWal again = SegmentedWal.open(new WalOptions(dir))) {
      assertEquals(n - 1, readAll(again, 1).size(), "the torn record after the marker is cut");
    }
  }

  @Test
  void aSuffixTruncationLowersTheMarkerFirst() throws Exception {
    try (SegmentedWal wal = SegmentedWal.open(new WalOptions(dir).syncMarkIntervalMillis(0))) {
      for (int i = 0; i < 10; i++) {
        wal.append((byte) 1, new byte[] {(byte) i}).get();
      }
      wal.truncateSuffix(6).get();
      assertEquals(
          "synced=5",
          Files.readString(dir.resolve(SyncMarker.FILE), StandardCharsets.US_ASCII).trim());
    }
    try (SegmentedWal again = SegmentedWal.open(new WalOptions(dir))) {
      assertEquals(5, readAll(again, 1).size());
    }
  }
}
