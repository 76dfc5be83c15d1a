package io.vecdb.wal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentedWalTest {
  static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  @TempDir Path dir;

  static byte[] randomPayload(Random r, int maxLen) {
    byte[] b = new byte[r.nextInt(maxLen + 1)];
    r.nextBytes(b);
    return b;
  }

  static List<WalRecord> readAll(Wal wal, long from) {
    List<WalRecord> out = new ArrayList<>();
    try (WalCursor c = wal.read(from)) {
      WalRecord rec;
      while ((rec = c.next()) != null) {
        out.add(rec);
      }
    }
    return out;
  }

  static List<Path> segmentFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> SegmentFormat.parseFileName(p) > 0).sorted().toList();
    }
  }

  static WalException cause(Throwable t) {
    Throwable c = t;
    while (c instanceof CompletionException || c instanceof ExecutionException) {
      c = c.getCause();
    }
    assertTrue(c instanceof WalException, "expected WalException, got " + t);
    return (WalException) c;
  }

  @Test
  void roundTripAcrossReopenAndSegments() throws Exception {
    Random r = new Random(SEED);
    List<byte[]> payloads = new ArrayList<>();
    List<Byte> types = new ArrayList<>();
    WalOptions opts = new WalOptions(dir).segmentBytes(8192);
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      assertEquals(1, wal.firstLsn());
      assertEquals(0, wal.lastLsn());
      for (int i = 0; i < 300; i++) {
        byte[] p = randomPayload(r, 700);
        byte t = (byte) r.nextInt(256);
        payloads.add(p);
        types.add(t);
        assertEquals(i + 1, wal.append(t, p).get(), "seed=" + SEED);
      }
      assertEquals(300, wal.lastLsn());
    }
    assertTrue(segmentFiles(dir).size() > 5, "expected several segments, seed=" + SEED);
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      assertEquals(300, wal.recoveryStats().records());
      assertEquals(0, wal.recoveryStats().truncatedBytes());
      List<WalRecord> all = readAll(wal, 1);
      assertEquals(300, all.size(), "seed=" + SEED);
      for (int i = 0; i < 300; i++) {
        assertEquals(i + 1, all.get(i).lsn());
        assertEquals(types.get(i), all.get(i).type(), "seed=" + SEED);
        assertArrayEquals(
            payloads.get(i), all.get(i).payload(), "lsn " + (i + 1) + " seed=" + SEED);
      }
      // Read from every LSN (exercises the sparse index and segment switching).
      for (int from = 1; from <= 301; from += 1 + r.nextInt(13)) {
        List<WalRecord> tail = readAll(wal, from);
        assertEquals(301 - from, tail.size(), "from " + from + " seed=" + SEED);
        if (!tail.isEmpty()) {
          assertEquals(from, tail.get(0).lsn());
        }
      }
      // LSNs continue across restarts.
      assertEquals(301, wal.append((byte) 1, new byte[] {9}).get());
    }
  }

  @Test
  void largeRecordsUseTheSparseIndex() throws Exception {
    Random r = new Random(SEED);
    WalOptions opts = new WalOptions(dir).segmentBytes(16 << 20);
    List<byte[]> payloads = new ArrayList<>();
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      List<CompletableFuture<Long>> fs = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        byte[] p = randomPayload(r, 64 << 10);
        payloads.add(p);
        fs.add(wal.append((byte) 2, p));
      }
      CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get();
      for (int k = 0; k < 20; k++) {
        int from = 1 + r.nextInt(400);
        try (WalCursor c = wal.read(from)) {
          WalRecord rec = c.next();
          assertEquals(from, rec.lsn(), "seed=" + SEED);
          assertArrayEquals(payloads.get(from - 1), rec.payload(), "seed=" + SEED);
        }
      }
    }
  }

  @Test
  void batchIsContiguousAndReturnsLastLsn() throws Exception {
    try (SegmentedWal wal = SegmentedWal.open(new WalOptions(dir))) {
      wal.append((byte) 0, new byte[3]).get();
      long last =
          wal.appendBatch(
                  List.of(
                      new WalEntry((byte) 1, new byte[] {1}),
                      new WalEntry((byte) 2, new byte[] {2}),
                      new WalEntry((byte) 3, new byte[] {3})))
              .get();
      assertEquals(4, last);
      List<WalRecord> all = readAll(wal, 2);
      assertEquals(3, all.size());
      for (int i = 0; i < 3; i++) {
        assertEquals(i + 2, all.get(i).lsn());
        assertEquals(i + 1, all.get(i).type());
      }
      WalException e =
          cause(assertThrows(ExecutionException.class, () -> wal.appendBatch(List.of()).get()));
      assertEquals(WalException.Code.INVALID_ARGUMENT, e.code());
    }
  }

  @Test
  void oversizedRecordIsRejectedAndChangesNothing() throws Exception {
    try (SegmentedWal wal = SegmentedWal.open(new WalOptions(dir).maxRecordBytes(100))) {
      WalException e =
          cause(
              assertThrows(
                  ExecutionException.class, () -> wal.append((byte) 0, new byte[101]).get()));
      assertEquals(WalException.Code.INVALID_ARGUMENT, e.code());
      assertTrue(e.getMessage().contains("payload"), e.getMessage());
      assertEquals(1, wal.append((byte) 0, new byte[100]).get());
    }
  }

  @Test
  void concurrentAppendsAreOrderedGaplessAndDurable() throws Exception {
    int threads = 16;
    int perThread = 150;
    ConcurrentHashMap<Long, byte[]> acked = new ConcurrentHashMap<>();
    WalOptions opts = new WalOptions(dir).segmentBytes(64 << 10);
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      List<Thread> ts = new ArrayList<>();
      List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
      CountDownLatch start = new CountDownLatch(1);
      for (int t = 0; t < threads; t++) {
        final int tid = t;
        Thread th =
            new Thread(
                () -> {
                  Random r = new Random(SEED * 31 + tid);
                  try {
                    start.await();
                    long prev = 0;
                    List<CompletableFuture<Long>> inflight = new ArrayList<>();
                    List<byte[]> sent = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                      byte[] p = randomPayload(r, 2000);
                      if (p.length >= 8) {
                        java.nio.ByteBuffer.wrap(p).putInt(tid).putInt(i);
                      }
                      if (r.nextInt(4) == 0) {
                        // a small batch
                        byte[] p2 = randomPayload(r, 50);
                        CompletableFuture<Long> f =
                            wal.appendBatch(
                                List.of(new WalEntry((byte) 1, p), new WalEntry((byte) 2, p2)));
                        long lsn = f.get();
                        assertTrue(lsn > prev, "thread order, seed=" + SEED);
                        acked.put(lsn - 1, p);
                        acked.put(lsn, p2);
                        prev = lsn;
                      } else if (r.nextBoolean()) {
                        inflight.add(wal.append((byte) 1, p));
                        sent.add(p);
                      } else {
                        long lsn = wal.append((byte) 1, p).get();
                        assertTrue(lsn > prev, "thread order, seed=" + SEED);
                        acked.put(lsn, p);
                        prev = lsn;
                        // read-your-writes
                        try (WalCursor c = wal.read(lsn)) {
                          WalRecord rec = c.next();
                          assertNotNull(rec, "own write visible, seed=" + SEED);
                          assertArrayEquals(p, rec.payload(), "seed=" + SEED);
                        }
                      }
                    }
                    long last = 0;
                    for (int i = 0; i < inflight.size(); i++) {
                      long lsn = inflight.get(i).get();
                      assertTrue(lsn > last, "futures of one thread in order, seed=" + SEED);
                      last = lsn;
                      acked.put(lsn, sent.get(i));
                    }
                  } catch (Throwable e) {
                    errors.add(e);
                  }
                });
        th.start();
        ts.add(th);
      }
      // A tailing reader runs concurrently and must see a gapless prefix.
      Thread tailer =
          new Thread(
              () -> {
                try (WalCursor c = wal.read(1)) {
                  long expect = 1;
                  long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                  while (expect <= (long) threads * perThread && System.nanoTime() < deadline) {
                    WalRecord rec = c.next();
                    if (rec == null) {
                      java.util.concurrent.locks.LockSupport.parkNanos(100_000); // poll, 2 cores
                      continue;
                    }
                    assertEquals(expect, rec.lsn(), "tailer, seed=" + SEED);
                    expect++;
                  }
                } catch (Throwable e) {
                  errors.add(e);
                }
              });
      tailer.start();
      start.countDown();
      for (Thread th : ts) {
        th.join();
      }
      tailer.join();
      assertTrue(errors.isEmpty(), "errors " + errors + " seed=" + SEED);
      long n = acked.size();
      assertEquals(n, wal.lastLsn(), "seed=" + SEED);
      for (long l = 1; l <= n; l++) {
        assertTrue(acked.containsKey(l), "gap at " + l + " seed=" + SEED);
      }
    }
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      List<WalRecord> all = readAll(wal, 1);
      assertEquals(acked.size(), all.size(), "seed=" + SEED);
      for (WalRecord rec : all) {
        assertArrayEquals(
            acked.get(rec.lsn()), rec.payload(), "lsn " + rec.lsn() + " seed=" + SEED);
      }
    }
  }

  @Test
  void prefixTruncationWhileAppendingAndReading() throws Exception {
    WalOptions opts = new WalOptions(dir).segmentBytes(4096);
    ConcurrentHashMap<Long, byte[]> acked = new ConcurrentHashMap<>();
    List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    long keep = 0;
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      java.util.concurrent.atomic.AtomicBoolean done =
          new java.util.concurrent.atomic.AtomicBoolean();
      List<Thread> ts = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        final int tid = t;
        ts.add(
            new Thread(
                () -> {
                  Random r = new Random(SEED + tid);
                  try {
                    for (int i = 0; i < 300; i++) {
                      byte[] p = randomPayload(r, 400);
                      acked.put(wal.append((byte) 1, p).get(), p);
                    }
                  } catch (Throwable e) {
                    errors.add(e);
                  }
                }));
      }
      Thread reader =
          new Thread(
              () -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                WalCursor c = wal.read(wal.firstLsn());
                try {
                  while (!done.get() && System.nanoTime() < deadline) {
                    try {
                      long expect = c.nextLsn();
                      WalRecord rec = c.next();
                      if (rec != null) {
                        assertEquals(expect, rec.lsn(), "seed=" + SEED);
                        byte[] p = acked.get(rec.lsn());
                        if (p != null) {
                          assertArrayEquals(p, rec.payload(), "lsn " + rec.lsn() + " seed=" + SEED);
                        }
                      }
                    } catch (WalException e) {
                      assertEquals(WalException.Code.TRUNCATED, e.code(), e.getMessage());
                      c.close();
                      c = wal.read(wal.firstLsn());
                    }
                  }
                } catch (Throwable e) {
                  errors.add(e);
                } finally {
                  c.close();
                }
              });
      ts.forEach(Thread::start);
      reader.start();
      Random r = new Random(SEED);
      while (ts.stream().anyMatch(Thread::isAlive)) {
        long last = wal.lastLsn();
        if (last > 100) {
          keep = Math.max(keep, last - r.nextInt(100)); // snapshots only move forward
          wal.truncatePrefix(keep).get();
          assertTrue(wal.firstLsn() <= keep, "seed=" + SEED);
        }
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      for (Thread th : ts) {
        th.join();
      }
      done.set(true);
      reader.join();
      assertTrue(errors.isEmpty(), "errors " + errors + " seed=" + SEED);
      assertEquals(1200, wal.lastLsn());
    }
    try (SegmentedWal wal = SegmentedWal.open(opts)) {
      assertTrue(
          wal.firstLsn() <= keep, "first " + wal.firstLsn() + " keep " + keep + " seed=" + SEED);
      List<WalRecord> all = readAll(wal, wal.firstLsn());
      assertEquals(1200 - wal.firstLsn() + 1, all.size(), "seed=" + SEED);
      for (WalRecord rec : all) {
        assertArrayEquals(
            acked.get(rec.lsn()), rec.payload(), "lsn " + rec.lsn() + " seed=" + SEED);
      }
    }
  }

  @Test
  void groupCommitSharesFsyncs() throws Exception {
    FaultyStorage storage = new FaultyStorage();
    int threads = 32;
    int perThread = 40;
    try (SegmentedWal wal = SegmentedWal.open(new WalOptions(dir).storage(storage))) {
      int before = storage.forces.get();
      List<Thread> ts = new ArrayList<>();
      List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
      for (int t = 0; t < threads; t++) {
        Thread th =
            new Thread(
                () -> {
                  try {
                    for (int i = 0; i < perThread; i++) {
                      wal.append((byte) 1, new byte[3136]).get();
                    }
                  } catch (Throwable e) {
                    errors.add(e);
                  }
                });
        th.start();
        ts.add(th);
      }
      for (Thread th : ts) {
        th.join();
      }
      assertTrue(errors.isEmpty(), errors.toString());
      int fsyncs = storage.forces.get() - before;
      int appends = threads * perThread;
      assertTrue(fsyncs > 0);
      assertTrue(
          fsyncs * 4 <= appends,
          "group commit should share fsyncs: " + fsyncs + " fsyncs for " + appends + " appends");
      assertEquals(appends, wal.stats().records());
    }
  }

  @Test
  void noAppendCompletesBeforeItsFsync() throws Exception {
    FaultyStorage storage = new FaultyStorage();
    try (SegmentedWal wal = SegmentedWal.open(new WalOptions(dir).storage(storage))) {
      CountDownLatch hold = new CountDownLatch(1);
      storage.holdForce = hold;
      int writesBefore = storage.writes.get();
      CompletableFuture<Long> f = wal.append((byte) 1, new byte[] {1, 2, 3});
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (storage.writes.get() == writesBefore && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertTrue(storage.writes.get() > writesBefore, "record written");
      assertFalse(f.isDone(), "acknowledged before fsync");
      assertEquals(0, wal.lastLsn(), "visible before fsync");
      storage.holdForce = null;
      hold.countDown();
      assertEquals(1, f.get(10, TimeUnit.SECONDS));
      assertEquals(1, wal.lastLsn());
    }
  }

  @Test
  void intervalAndNeverPoliciesRoundTrip() throws Exception {
    for (SyncPolicy policy : List.of(SyncPolicy.INTERVAL, SyncPolicy.NEVER)) {
      Path d = dir.resolve(policy.configName());
      FaultyStorage storage = new FaultyStorage();
      WalOptions opts = new WalOptions(d).syncPolicy(policy).syncIntervalMillis(5).storage(storage);
      try (SegmentedWal wal = SegmentedWal.open(opts)) {
        int before = storage.forces.get();
        for (int i = 0; i < 50; i++) {
          wal.append((byte) 1, new byte[] {(byte) i}).get();
        }
        if (policy == SyncPolicy.INTERVAL) {
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
          while (storage.forces.get() == before && System.nanoTime() < deadline) {
            Thread.onSpinWait();
          }
          assertTrue(storage.forces.get() > before, "interval fsync happened");
        } else {
          assertEquals(before, storage.forces.get(), "never: no fsync per append");
        }
        assertEquals(50, wal.sync().get());
      }
      try (SegmentedWal wal = SegmentedWal.open(opts)) {
        assertEquals(50, readAll(wal, 1).size());
      }
    }
    assertEquals(SyncPolicy.INTERVAL, SyncPolicy.parse("Interval"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SyncPolicy.parse("sometimes"));
    assertTrue(e.getMessage().contains("sometimes"), e.getMessage());
  }

  @Test
  void cursorFollowsTheTailAndRejectsOutOfRange() throws Exception {
    try (SegmentedWal wal = SegmentedWal.open(new WalOptions(dir))) {
      WalCursor c = wal.read(1);
      assertNull(c.next());
      wal.append((byte) 1, new byte[] {1}).get();
      assertEquals(1, c.next().lsn());
      assertNull(c.next());
      wal.append((byte) 1, new byte[] {2}).get();
      assertEquals(2, c.next().lsn());
      c.close();
      assertEquals(
          WalException.Code.TRUNCATED, assertThrows(WalException.class, () -> wal.read(4)).code());
      assertEquals(
          WalException.Code.TRUNCATED, assertThrows(WalException.class, () -> wal.read(0)).code());
    }
  }

  @Test
  void aDirectoryCanBeOpenedOnlyOnce() throws Exception {
    try (SegmentedWal wal = SegmentedWal.open(new WalOptions(dir))) {
      IOException e = assertThrows(IOException.class, () -> SegmentedWal.open(new WalOptions(dir)));
      assertTrue(e.getMessage().contains("in use"), e.getMessage());
      assertEquals(1, wal.append((byte) 1, new byte[1]).get());
    }
    try (SegmentedWal wal = SegmentedWal.open(new WalOptions(dir))) {
      assertEquals(1, wal.lastLsn());
    }
  }

  @Test
  void closedWalRefusesWrites() throws Exception {
    SegmentedWal wal = SegmentedWal.open(new WalOptions(dir));
    CompletableFuture<Long> f = wal.append((byte) 1, new byte[10]);
    wal.close();
    assertEquals(1, f.get(), "accepted before close is written");
    WalException e =
        cause(
            assertThrows(ExecutionException.class, () -> wal.append((byte) 1, new byte[1]).get()));
    assertEquals(WalException.Code.CLOSED, e.code());
    wal.close(); // idempotent
    try (SegmentedWal again = SegmentedWal.open(new WalOptions(dir))) {
      assertEquals(1, again.lastLsn());
    }
  }
}
