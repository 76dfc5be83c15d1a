package io.vecdb.durable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.wal.WalCorruptionException;
import io.vecdb.wal.WalStorage;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Start-up over a damaged WAL: torn tail, a flipped byte mid-log, and the operator's override. */
class WalDamageTest {
  static final long SEED = Long.getLong("tests.seed", System.nanoTime());
  static final int BATCHES = 20;
  static final int PER_BATCH = 25;

  /** A crash image whose WAL holds the collection's creation and {@link #BATCHES} upserts. */
  private static Path crashImageWithBatches(Random rnd) throws Exception {
    Path dir = DurableTestNode.tempDir("vecdb-damage");
    try (DurableTestNode n = DurableTestNode.start(dir)) {
      Scenario.create(n, "c", 8, "Euclid");
      for (int b = 0; b < BATCHES; b++) {
        n.ok("PUT", "/collections/c/points?wait=true", Scenario.batch(rnd, b * 100, PER_BATCH, 8));
      }
      Path image = n.crashImage();
      // The WAL's sync marker moves at most once a second: a crash image may or may not find it
      // past the last batch. Set it as a crash right after the batches could leave it (not yet
      // moved since the open), so that damage to the last batch reads as a torn tail, not as loss
      // of acknowledged data (FailStopTest covers that case).
      Files.writeString(image.resolve("wal").resolve("SYNCED"), "synced=0" + " ".repeat(23) + "\n");
      return image;
    }
  }

  private static Path onlySegment(Path data) throws Exception {
    try (Stream<Path> s = Files.list(data.resolve("wal"))) {
      List<Path> segs = s.filter(p -> p.getFileName().toString().startsWith("wal-")).toList();
      assertEquals(1, segs.size(), "segments " + segs);
      return segs.getFirst();
    }
  }

  private static long count(DurableTestNode n) throws Exception {
    return ((JsonObject) n.ok("POST", "/collections/c/points/count", new JsonObject()))
        .getLong("count");
  }

  @Test
  void tornTailIsTruncatedAndEverythingBeforeItKept() throws Exception {
    Random rnd = new Random(SEED);
    Path image = crashImageWithBatches(rnd);
    Path seg = onlySegment(image);
    long size = Files.size(seg);
    int cut = 1 + rnd.nextInt(200); // inside the last record (a batch is ~1.5 KB)
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
      ch.truncate(size - cut);
    }
    try (DurableTestNode n = DurableTestNode.start(image)) {
      assertEquals((long) (BATCHES - 1) * PER_BATCH, count(n), "cut " + cut + ", seed " + SEED);
      // And the node takes writes again after the truncated tail.
      n.ok("PUT", "/collections/c/points?wait=true", Scenario.batch(rnd, 99_000, 1, 8));
      assertEquals((long) (BATCHES - 1) * PER_BATCH + 1, count(n), "seed " + SEED);
    }
  }

  @Test
  void flippedByteMidLogRefusesStartUpUnlessTruncationIsAllowed() throws Exception {
    Random rnd = new Random(SEED);
    Path image = crashImageWithBatches(rnd);
    Path seg = onlySegment(image);
    long size = Files.size(seg);
    long at = size / 4 + rnd.nextInt((int) (size / 4)); // well before the last record
    try (FileChannel ch =
        FileChannel.open(seg, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ 0x5a)).rewind();
      ch.write(b, at);
    }
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () -> DurableTestNode.start(image),
            "flipped byte at " + at + ", seed " + SEED);
    Throwable cause = e.getCause();
    assertTrue(cause instanceof WalCorruptionException, "got " + cause + ", seed " + SEED);
    String message = cause.getMessage();
    assertTrue(
        message.contains(seg.toString())
            && message.contains("offset")
            && message.contains("LSN")
            && message.contains("--wal-truncate-corrupt"),
        message);

    // The real command: exit status 1 and the same message.
    Process serve = serveProcess(image);
    String output = new String(serve.getInputStream().readAllBytes());
    assertTrue(serve.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "exits");
    assertEquals(1, serve.exitValue(), output);
    assertTrue(output.contains("corrupt WAL record in " + seg), output);

    var options = DurableTestNode.options(image);
    options.getDurability().setWalTruncateCorrupt(true);
    try (DurableTestNode n = DurableTestNode.start(options, WalStorage.files())) {
      long kept = count(n);
      assertTrue(
          kept % PER_BATCH == 0 && kept > 0 && kept < (long) BATCHES * PER_BATCH,
          "kept " + kept + " points, flipped byte at " + at + " of " + size + ", seed " + SEED);
    }
  }

  private static Process serveProcess(Path data, String... more) throws java.io.IOException {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(io.vecdb.Main.class.getName());
    cmd.addAll(
        List.of("serve", "--data-dir", data.toString(), "--http-port", "0", "--grpc-port", "0"));
    cmd.addAll(List.of(more));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  @Test
  void badWalSyncFlagExitsWithStatus2NamingIt() throws Exception {
    Process p = serveProcess(DurableTestNode.tempDir("vecdb-flag"), "--wal-sync", "sometimes");
    String output = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "exits");
    assertEquals(2, p.exitValue(), output);
    assertTrue(output.contains("--wal-sync"), output);
  }

  /**
   * A WAL that ends before the LSN of a checkpoint (what {@code sync=never} can leave after a power
   * failure): the node starts from the checkpoint and new writes get LSNs after it, so a later
   * restart does not skip them as "already in the snapshot".
   */
  @Test
  void walShorterThanACheckpointContinuesAfterTheCheckpoint() throws Exception {
    Random rnd = new Random(SEED);
    Path dir = DurableTestNode.tempDir("vecdb-short");
    JsonObject before;
    Path image;
    try (DurableTestNode n = DurableTestNode.start(dir)) {
      Scenario.create(n, "c", 8, "Euclid");
      for (int b = 0; b < 10; b++) {
        n.ok("PUT", "/collections/c/points?wait=true", Scenario.batch(rnd, b * 100, 50, 8));
      }
      Path walBefore = n.crashImage(); // the WAL with LSN 1..11, before the checkpoint trims it
      DurableTestNode.await(n.node.storage().checkpoint()); // checkpoint at LSN 11
      before = Scenario.state(n, "c", new Random(SEED + 1));
      image = n.crashImage();
      // The checkpoint is durable but the WAL lost its tail: the old WAL, cut in half (torn).
      Path seg = onlySegment(walBefore);
      try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
        ch.truncate(Files.size(seg) / 2);
      }
      try (Stream<Path> old = Files.list(image.resolve("wal"))) {
        for (Path f : old.filter(f -> f.getFileName().toString().startsWith("wal-")).toList()) {
          Files.delete(f);
        }
      }
      Files.copy(seg, image.resolve("wal").resolve(seg.getFileName()));
    }
    Path image2;
    try (DurableTestNode n = DurableTestNode.start(image)) {
      Scenario.assertSame(before, Scenario.state(n, "c", new Random(SEED + 1)), "seed " + SEED);
      JsonObject r =
          (JsonObject)
              n.ok("PUT", "/collections/c/points?wait=true", Scenario.batch(rnd, 7000, 3, 8));
      assertEquals(12L, r.getLong("operation_id"), "continues after the checkpoint's LSN 11");
      image2 = n.crashImage();
    }
    try (DurableTestNode n = DurableTestNode.start(image2)) {
      assertEquals(503L, count(n), "the write after the checkpoint survives, seed " + SEED);
    }
  }
}
