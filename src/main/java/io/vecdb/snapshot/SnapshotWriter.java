package io.vecdb.snapshot;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * Writes a snapshot container ({@link SnapshotFormat}) atomically: sections are streamed into a
 * temporary file, and {@link #commit()} adds the footer, fsyncs, renames over the target and fsyncs
 * the directory. Until then the target is untouched; {@link #close()} without commit discards.
 *
 * <pre>{@code
 * try (SnapshotWriter w = SnapshotWriter.create(path, Map.of("collection", "c1"))) {
 *   w.section("hnsw", graph::writeTo);
 *   w.section("payloads", store::writePayloads);
 *   w.commit();
 * }
 * }</pre>
 *
 * <p>Threading: one thread at a time. Each section body gets a channel valid only during its call;
 * small writes are buffered.
 */
public final class SnapshotWriter implements Closeable {
  private static final int BUFFER_BYTES = 1 << 20;

  /** Writes one section's data. */
  @FunctionalInterface
  public interface SectionBody {
    void writeTo(WritableByteChannel channel) throws IOException;
  }

  private final AtomicFileWriter file;
  private final FileChannel ch;
  private final Map<String, String> properties;
  private final List<SectionInfo> sections = new ArrayList<>();
  private final Set<String> names = new HashSet<>();
  private final ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER_BYTES);
  private long position;
  private boolean committed;

  private SnapshotWriter(Path target, Map<String, String> properties) throws IOException {
    this.properties = new LinkedHashMap<>(properties);
    for (Map.Entry<String, String> e : this.properties.entrySet()) {
      Objects.requireNonNull(e.getKey(), "snapshot property key");
      Objects.requireNonNull(e.getValue(), "snapshot property value of " + e.getKey());
    }
    this.file = AtomicFileWriter.create(target);
    this.ch = file.channel();
    ByteBuffer h = ByteBuffer.allocate(SnapshotFormat.HEADER_BYTES);
    h.putLong(SnapshotFormat.MAGIC).putInt(SnapshotFormat.CURRENT_VERSION).putInt(0);
    CRC32C crc = new CRC32C();
    crc.update(h.array(), 0, 16);
    h.putInt((int) crc.getValue()).flip();
    writeRaw(h);
  }

  /** Starts a snapshot that will replace {@code target} on {@link #commit()}. */
  public static SnapshotWriter create(Path target, Map<String, String> properties)
      throws IOException {
    return new SnapshotWriter(target, properties);
  }

  /** Appends a section named {@code name} (unique, 1..255 UTF-8 bytes) with what body writes. */
  public SnapshotWriter section(String name, SectionBody body) throws IOException {
    if (committed) {
      throw new IllegalStateException("snapshot already committed");
    }
    byte[] nameBytes = name == null ? new byte[0] : name.getBytes(StandardCharsets.UTF_8);
    if (nameBytes.length == 0 || nameBytes.length > SnapshotFormat.MAX_NAME_BYTES) {
      throw new IllegalArgumentException(
          "section name: expected 1.."
              + SnapshotFormat.MAX_NAME_BYTES
              + " UTF-8 bytes, got '"
              + name
              + "'");
    }
    if (!names.add(name)) {
      throw new IllegalArgumentException("section name: '" + name + "' already written");
    }
    ByteBuffer h = ByteBuffer.allocate(6 + nameBytes.length);
    h.putInt(SnapshotFormat.SECTION_MAGIC).putShort((short) nameBytes.length).put(nameBytes).flip();
    buffer(h, null);
    long start = position + buf.position();
    SectionChannel sc = new SectionChannel();
    try {
      body.writeTo(sc);
    } finally {
      sc.open = false;
    }
    long length = position + buf.position() - start;
    sections.add(new SectionInfo(name, start, length, (int) sc.crc.getValue()));
    return this;
  }

  /** Writes the footer, fsyncs and atomically replaces the target. */
  public void commit() throws IOException {
    if (committed) {
      throw new IllegalStateException("snapshot already committed");
    }
    committed = true;
    long footerOffset = position + buf.position();
    ByteBuffer f = ByteBuffer.allocate(footerSize());
    f.putInt(SnapshotFormat.FOOTER_MAGIC).putInt(properties.size());
    for (Map.Entry<String, String> e : properties.entrySet()) {
      byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
      byte[] v = e.getValue().getBytes(StandardCharsets.UTF_8);
      f.putShort((short) k.length).put(k).putInt(v.length).put(v);
    }
    f.putInt(sections.size());
    for (SectionInfo s : sections) {
      byte[] n = s.name().getBytes(StandardCharsets.UTF_8);
      f.putShort((short) n.length)
          .put(n)
          .putLong(s.offset())
          .putLong(s.length())
          .putInt(s.crc32c());
    }
    CRC32C crc = new CRC32C();
    crc.update(f.array(), 0, f.position());
    f.putInt((int) crc.getValue());
    f.putLong(footerOffset).putLong(SnapshotFormat.END_MAGIC).flip();
    buffer(f, null);
    flush();
    file.commit();
  }

  private int footerSize() {
    int n = 4 + 4 + 4 + 4 + SnapshotFormat.TRAILER_BYTES;
    for (Map.Entry<String, String> e : properties.entrySet()) {
      byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
      if (k.length > Short.MAX_VALUE) {
        throw new IllegalArgumentException("snapshot property key too long: " + e.getKey());
      }
      n += 2 + k.length + 4 + e.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    for (SectionInfo s : sections) {
      n += 2 + s.name().getBytes(StandardCharsets.UTF_8).length + 8 + 8 + 4;
    }
    return n;
  }

  /** Discards the snapshot unless committed. */
  @Override
  public void close() throws IOException {
    file.close();
  }

  /** Copies {@code src} into the write buffer (updating {@code crc}), flushing as it fills. */
  private int buffer(ByteBuffer src, CRC32C crc) throws IOException {
    int n = src.remaining();
    if (crc != null) {
      crc.update(src.duplicate());
    }
    if (n >= BUFFER_BYTES) {
      flush();
      writeRaw(src);
      return n;
    }
    while (src.hasRemaining()) {
      if (!buf.hasRemaining()) {
        flush();
      }
      int take = Math.min(buf.remaining(), src.remaining());
      ByteBuffer part = src.slice(src.position(), take);
      buf.put(part);
      src.position(src.position() + take);
    }
    return n;
  }

  private void flush() throws IOException {
    buf.flip();
    writeRaw(buf);
    buf.clear();
  }

  private void writeRaw(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      position += ch.write(b, position);
    }
  }

  /** The channel a section body writes to; computes the section CRC. */
  private final class SectionChannel implements WritableByteChannel {
    final CRC32C crc = new CRC32C();
    boolean open = true;

    @Override
    public int write(ByteBuffer src) throws IOException {
      if (!open) {
        throw new ClosedChannelException();
      }
      return buffer(src, crc);
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public void close() {
      // The section ends when its body returns; closing early is harmless.
    }
  }
}
