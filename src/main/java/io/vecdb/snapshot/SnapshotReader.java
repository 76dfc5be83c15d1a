package io.vecdb.snapshot;

import java.io.Closeable;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Reads a snapshot container ({@link SnapshotFormat}). {@link #open} checks the header, the footer
 * and the CRC32C of every section before returning, so a reader that opened is a snapshot that was
 * complete and intact when checked; each {@link #section} channel checks its CRC again as it is
 * read (a file changed underneath fails at the end of the section).
 *
 * <p>Threading: one thread at a time; section channels read with positional reads, so several may
 * be open, but the reader and its channels are not thread-safe.
 */
public final class SnapshotReader implements Closeable {
  private final Path path;
  private final FileChannel ch;
  private final int formatVersion;
  private final Map<String, String> properties;
  private final Map<String, SectionInfo> sections;

  private SnapshotReader(Path path) throws IOException {
    this.path = path;
    this.ch = FileChannel.open(path, StandardOpenOption.READ);
    try {
      long size = ch.size();
      if (size < SnapshotFormat.HEADER_BYTES + SnapshotFormat.TRAILER_BYTES) {
        throw corrupt(null, 0, "file too short (" + size + " bytes) to be a snapshot");
      }
      ByteBuffer h = read(0, SnapshotFormat.HEADER_BYTES);
      CRC32C crc = new CRC32C();
      crc.update(h.slice(0, 16));
      if (h.getLong(0) != SnapshotFormat.MAGIC) {
        throw corrupt(null, 0, "not a VecDB snapshot (bad magic)");
      }
      if (h.getInt(16) != (int) crc.getValue()) {
        throw corrupt(null, 0, "header checksum mismatch");
      }
      formatVersion = h.getInt(8);
      if (formatVersion < 1 || formatVersion > SnapshotFormat.CURRENT_VERSION) {
        throw corrupt(
            null,
            8,
            "format version "
                + formatVersion
                + " is not supported (this VecDB reads 1.."
                + SnapshotFormat.CURRENT_VERSION
                + "; written by a newer VecDB?)");
      }
      ByteBuffer t = read(size - SnapshotFormat.TRAILER_BYTES, SnapshotFormat.TRAILER_BYTES);
      if (t.getLong(8) != SnapshotFormat.END_MAGIC) {
        throw corrupt(null, size - 8, "missing end marker (incomplete snapshot)");
      }
      long footerOffset = t.getLong(0);
      long footerLen = size - SnapshotFormat.TRAILER_BYTES - footerOffset;
      if (footerOffset < SnapshotFormat.HEADER_BYTES || footerLen < 16 || footerLen > (64 << 20)) {
        throw corrupt(
            null, size - SnapshotFormat.TRAILER_BYTES, "bad footer offset " + footerOffset);
      }
      ByteBuffer f = read(footerOffset, (int) footerLen);
      crc.reset();
      crc.update(f.slice(0, (int) footerLen - 4));
      if (f.getInt(0) != SnapshotFormat.FOOTER_MAGIC
          || f.getInt((int) footerLen - 4) != (int) crc.getValue()) {
        throw corrupt(null, footerOffset, "footer checksum mismatch");
      }
      Map<String, String> props = new LinkedHashMap<>();
      Map<String, SectionInfo> secs = new LinkedHashMap<>();
      try {
        f.position(4);
        int np = f.getInt();
        for (int i = 0; i < np; i++) {
          String k = string(f, f.getShort() & 0xffff);
          String v = string(f, f.getInt());
          props.put(k, v);
        }
        int ns = f.getInt();
        for (int i = 0; i < ns; i++) {
          String name = string(f, f.getShort() & 0xffff);
          SectionInfo s = new SectionInfo(name, f.getLong(), f.getLong(), f.getInt());
          if (s.offset() < SnapshotFormat.HEADER_BYTES
              || s.length() < 0
              || s.offset() + s.length() > footerOffset) {
            throw corrupt(name, s.offset(), "section extends outside the data area");
          }
          secs.put(name, s);
        }
      } catch (BufferUnderflowException | IllegalArgumentException e) {
        throw corrupt(null, footerOffset, "malformed footer");
      }
      this.properties = Collections.unmodifiableMap(props);
      this.sections = Collections.unmodifiableMap(secs);
      for (SectionInfo s : secs.values()) {
        verify(s);
      }
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** Opens {@code path} and verifies every checksum. */
  public static SnapshotReader open(Path path) throws IOException {
    return new SnapshotReader(path);
  }

  public Path path() {
    return path;
  }

  public int formatVersion() {
    return formatVersion;
  }

  public Map<String, String> properties() {
    return properties;
  }

  /** Sections in the order they were written. */
  public List<SectionInfo> sections() {
    return new ArrayList<>(sections.values());
  }

  public boolean hasSection(String name) {
    return sections.containsKey(name);
  }

  /**
   * A channel over the data of section {@code name}; reading past its end returns -1, and the last
   * read fails with {@link SnapshotCorruptionException} if the data no longer matches its CRC.
   */
  public ReadableByteChannel section(String name) throws IOException {
    SectionInfo s = sections.get(name);
    if (s == null) {
      throw new IOException(
          "snapshot " + path + " has no section '" + name + "' (has " + sections.keySet() + ")");
    }
    return new SectionChannel(s);
  }

  @Override
  public void close() throws IOException {
    ch.close();
  }

  private void verify(SectionInfo s) throws IOException {
    byte[] name = s.name().getBytes(StandardCharsets.UTF_8);
    long hdr = s.offset() - 6 - name.length;
    if (hdr < SnapshotFormat.HEADER_BYTES) {
      throw corrupt(s.name(), s.offset(), "section header outside the file");
    }
    ByteBuffer h = read(hdr, 6 + name.length);
    if (h.getInt(0) != SnapshotFormat.SECTION_MAGIC
        || (h.getShort(4) & 0xffff) != name.length
        || !h.slice(6, name.length).equals(ByteBuffer.wrap(name))) {
      throw corrupt(s.name(), hdr, "section header does not match the footer");
    }
    CRC32C crc = new CRC32C();
    ByteBuffer b = ByteBuffer.allocate((int) Math.max(1, Math.min(1 << 20, s.length())));
    long pos = s.offset();
    long end = s.offset() + s.length();
    while (pos < end) {
      b.clear().limit((int) Math.min(b.capacity(), end - pos));
      int n = ch.read(b, pos);
      if (n < 0) {
        throw corrupt(s.name(), pos, "file ends inside the section");
      }
      b.flip();
      crc.update(b);
      pos += n;
    }
    if ((int) crc.getValue() != s.crc32c()) {
      throw corrupt(
          s.name(), s.offset(), "CRC32C mismatch over " + s.length() + " bytes of section data");
    }
  }

  private ByteBuffer read(long pos, int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n);
    while (b.hasRemaining()) {
      if (ch.read(b, pos + b.position()) < 0) {
        throw corrupt(null, pos, "file ends early");
      }
    }
    return b.flip();
  }

  private static String string(ByteBuffer f, int len) {
    if (len < 0 || len > f.remaining()) {
      throw new IllegalArgumentException("bad length");
    }
    byte[] b = new byte[len];
    f.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  private SnapshotCorruptionException corrupt(String section, long offset, String detail) {
    return new SnapshotCorruptionException(path, section, offset, detail);
  }

  private final class SectionChannel implements ReadableByteChannel {
    private final SectionInfo s;
    private final CRC32C crc = new CRC32C();
    private long pos;
    private boolean open = true;

    SectionChannel(SectionInfo s) {
      this.s = s;
      this.pos = s.offset();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (!open) {
        throw new ClosedChannelException();
      }
      long end = s.offset() + s.length();
      if (pos >= end) {
        return -1;
      }
      if (!dst.hasRemaining()) {
        return 0;
      }
      ByteBuffer view = dst.slice();
      view.limit((int) Math.min(view.remaining(), end - pos));
      int n = ch.read(view, pos);
      if (n < 0) {
        throw corrupt(s.name(), pos, "file ends inside the section");
      }
      view.flip();
      crc.update(view);
      dst.position(dst.position() + n);
      pos += n;
      if (pos == end && (int) crc.getValue() != s.crc32c()) {
        throw corrupt(s.name(), s.offset(), "CRC32C mismatch (file changed after open?)");
      }
      return n;
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public void close() {
      open = false;
    }
  }
}
