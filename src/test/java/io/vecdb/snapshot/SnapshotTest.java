package io.vecdb.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotTest {
  static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  @TempDir Path dir;

  /** Section name -> content, written in random-sized pieces. */
  static Map<String, byte[]> randomSections(Random r) {
    Map<String, byte[]> m = new LinkedHashMap<>();
    m.put("empty", new byte[0]);
    m.put("small", bytes(r, 1 + r.nextInt(100)));
    m.put("hnsw-graph", bytes(r, (1 << 20) + r.nextInt(3 << 20)));
    m.put("payloads ü", bytes(r, r.nextInt(70_000)));
    return m;
  }

  static byte[] bytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  static void write(Path target, Map<String, byte[]> sections, Random r) throws IOException {
    try (SnapshotWriter w =
        SnapshotWriter.create(target, Map.of("collection", "c1", "lsn", "42"))) {
      for (Map.Entry<String, byte[]> e : sections.entrySet()) {
        w.section(
            e.getKey(),
            ch -> {
              byte[] b = e.getValue();
              int pos = 0;
              while (pos < b.length) {
                int n =
                    Math.min(
                        b.length - pos,
                        r.nextBoolean() ? 1 + r.nextInt(64) : 1 + r.nextInt(2 << 20));
                ByteBuffer src =
                    r.nextBoolean()
                        ? ByteBuffer.wrap(b, pos, n)
                        : ByteBuffer.allocateDirect(n).put(b, pos, n).flip();
                while (src.hasRemaining()) {
                  ch.write(src);
                }
                pos += n;
              }
            });
      }
      w.commit();
    }
  }

  static byte[] readSection(SnapshotReader r, String name) throws IOException {
    try (ReadableByteChannel ch = r.section(name)) {
      return Channels.newInputStream(ch).readAllBytes();
    }
  }

  @Test
  void roundTrip() throws Exception {
    Random r = new Random(SEED);
    Map<String, byte[]> sections = randomSections(r);
    Path p = dir.resolve("s.vsnap");
    write(p, sections, r);
    try (SnapshotReader rd = SnapshotReader.open(p)) {
      assertEquals(1, rd.formatVersion());
      assertEquals(Map.of("collection", "c1", "lsn", "42"), rd.properties());
      assertEquals(
          List.copyOf(sections.keySet()), rd.sections().stream().map(SectionInfo::name).toList());
      for (Map.Entry<String, byte[]> e : sections.entrySet()) {
        assertArrayEquals(e.getValue(), readSection(rd, e.getKey()), e.getKey() + " seed=" + SEED);
      }
      IOException missing = assertThrows(IOException.class, () -> rd.section("nope"));
      assertTrue(missing.getMessage().contains("nope"), missing.getMessage());
    }
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of(p), s.toList(), "no temporary file left");
    }
  }

  @Test
  void everyFlippedByteIsDetectedAndLocated() throws Exception {
    Random r = new Random(SEED);
    Map<String, byte[]> sections = new LinkedHashMap<>();
    sections.put("a", bytes(r, 3000));
    sections.put("b", bytes(r, 5000));
    sections.put("c", new byte[0]);
    Path p = dir.resolve("s.vsnap");
    write(p, sections, r);
    byte[] good = Files.readAllBytes(p);
    Map<String, SectionInfo> infos = new LinkedHashMap<>();
    try (SnapshotReader rd = SnapshotReader.open(p)) {
      rd.sections().forEach(s -> infos.put(s.name(), s));
    }
    Path bad = dir.resolve("bad.vsnap");
    for (int k = 0; k < 300; k++) {
      int at = k < 40 ? k : r.nextInt(good.length); // the header, then anywhere
      byte[] b = good.clone();
      b[at] ^= (byte) (1 + r.nextInt(255));
      Files.write(bad, b);
      String msg = "flip at " + at + " seed=" + SEED;
      SnapshotCorruptionException e =
          assertThrows(
              SnapshotCorruptionException.class, () -> SnapshotReader.open(bad).close(), msg);
      assertEquals(bad, e.file(), msg);
      for (SectionInfo s : infos.values()) {
        if (at >= s.offset() && at < s.offset() + s.length()) {
          assertEquals(s.name(), e.section(), msg + " " + e.getMessage());
          assertEquals(s.offset(), e.offset(), msg);
          assertTrue(e.getMessage().contains("'" + s.name() + "'"), e.getMessage());
        }
      }
    }
    // Truncated anywhere (a crash without the atomic writer).
    for (int k = 0; k < 50; k++) {
      int cut = r.nextInt(good.length);
      Files.write(bad, Arrays.copyOf(good, cut));
      assertThrows(
          SnapshotCorruptionException.class,
          () -> SnapshotReader.open(bad).close(),
          "cut " + cut + " seed=" + SEED);
    }
  }

  @Test
  void newerFormatVersionIsRefusedWithAClearMessage() throws Exception {
    Path p = dir.resolve("s.vsnap");
    write(p, Map.of("x", new byte[10]), new Random(SEED));
    byte[] b = Files.readAllBytes(p);
    ByteBuffer.wrap(b).putInt(8, 2);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(b, 0, 16);
    ByteBuffer.wrap(b).putInt(16, (int) crc.getValue());
    Files.write(p, b);
    SnapshotCorruptionException e =
        assertThrows(SnapshotCorruptionException.class, () -> SnapshotReader.open(p));
    assertTrue(e.getMessage().contains("version 2"), e.getMessage());
  }

  @Test
  void failedOrAbandonedWriteLeavesTheOldFile() throws Exception {
    Random r = new Random(SEED);
    Path p = dir.resolve("s.vsnap");
    Map<String, byte[]> old = Map.of("v", "old".getBytes());
    write(p, old, r);
    byte[] before = Files.readAllBytes(p);
    // A section body that fails: nothing changes.
    IOException boom =
        assertThrows(
            IOException.class,
            () -> {
              try (SnapshotWriter w = SnapshotWriter.create(p, Map.of())) {
                w.section("v", ch -> ch.write(ByteBuffer.wrap(new byte[100])));
                w.section(
                    "w",
                    ch -> {
                      throw new IOException("graph write failed");
                    });
                w.commit();
              }
            });
    assertEquals("graph write failed", boom.getMessage());
    assertArrayEquals(before, Files.readAllBytes(p));
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(1, s.count(), "temporary file removed");
    }
    // Bad section names are rejected.
    try (SnapshotWriter w = SnapshotWriter.create(p, Map.of())) {
      assertThrows(IllegalArgumentException.class, () -> w.section("", ch -> {}));
      w.section("x", ch -> {});
      IllegalArgumentException dup =
          assertThrows(IllegalArgumentException.class, () -> w.section("x", ch -> {}));
      assertTrue(dup.getMessage().contains("'x'"), dup.getMessage());
    }
    assertArrayEquals(before, Files.readAllBytes(p));
  }

  @Test
  void atomicFileWriterReplacesOnlyOnCommit() throws Exception {
    Path target = dir.resolve("meta.json");
    Files.writeString(target, "old");
    AtomicFileWriter w = AtomicFileWriter.create(target);
    w.channel().write(ByteBuffer.wrap("new content".getBytes()));
    assertEquals("old", Files.readString(target), "unchanged before commit");
    assertTrue(Files.exists(w.temp()));
    assertTrue(AtomicFileWriter.isTemporary(w.temp()));
    w.commit();
    assertEquals("new content", Files.readString(target));
    assertFalse(Files.exists(w.temp()));

    // An abandoned writer (a crash before commit) leaves a temporary file that listings skip.
    AtomicFileWriter crashed = AtomicFileWriter.create(target);
    crashed.channel().write(ByteBuffer.wrap("partial".getBytes()));
    assertEquals("new content", Files.readString(target));
    assertEquals(1, AtomicFileWriter.deleteTemporaries(dir));
    crashed.close();
    assertEquals("new content", Files.readString(target));

    AtomicFileWriter.write(target, ch -> ch.write(ByteBuffer.wrap("third".getBytes())));
    assertEquals("third", Files.readString(target));
  }

  @Test
  void directoryFindsTheNewestValidSnapshot() throws Exception {
    Random r = new Random(SEED);
    SnapshotDirectory sd = new SnapshotDirectory(dir.resolve("snaps"));
    assertTrue(sd.newestValid().isEmpty());
    for (long lsn : new long[] {10, 20, 30}) {
      try (SnapshotWriter w = sd.create(lsn, Map.of("collection", "c"))) {
        w.section("data", ch -> ch.write(ByteBuffer.wrap(bytes(r, 1000))));
        w.commit();
      }
    }
    // Damage the newest; leave a temp file and an incomplete newer one around.
    Path newest = sd.pathFor(30);
    byte[] b = Files.readAllBytes(newest);
    b[b.length / 2] ^= 1;
    Files.write(newest, b);
    Files.write(sd.dir().resolve(".snapshot-00000000000000000050.vsnap.abc.tmp"), new byte[100]);
    Files.write(sd.pathFor(40), Arrays.copyOf(Files.readAllBytes(sd.pathFor(20)), 500));
    // A file whose name and LSN property disagree.
    Files.copy(sd.pathFor(10), sd.pathFor(60));

    SnapshotInfo info = sd.newestValid().orElseThrow();
    assertEquals(20, info.lsn());
    assertEquals("20", info.properties().get(SnapshotDirectory.LSN_PROPERTY));
    assertEquals("c", info.properties().get("collection"));
    assertEquals(List.of(10L, 20L), sd.listValid().stream().map(SnapshotInfo::lsn).toList());
    assertEquals(2, sd.deleteOlderThan(20)); // lsn 10 and the temporary file
    assertEquals(List.of(20L), sd.listValid().stream().map(SnapshotInfo::lsn).toList());
  }
}
