package io.vecdb.index;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Buffered little-endian primitives over NIO channels, with bulk float/int array transfers through
 * buffer views (no per-element stream calls). Not thread-safe: one instance per write or read.
 */
final class ChannelIo {
  private static final int BUFFER_BYTES = 1 << 20;

  /** The images' float: little-endian, at any offset. */
  private static final ValueLayout.OfFloat LE_FLOAT =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private ChannelIo() {}

  static final class Writer {
    private final WritableByteChannel out;
    private final ByteBuffer buf =
        ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);

    Writer(WritableByteChannel out) {
      this.out = out;
    }

    private void room(int bytes) throws IOException {
      if (buf.remaining() < bytes) {
        flush();
      }
    }

    void putInt(int v) throws IOException {
      room(Integer.BYTES);
      buf.putInt(v);
    }

    void putLong(long v) throws IOException {
      room(Long.BYTES);
      buf.putLong(v);
    }

    void putFloat(float v) throws IOException {
      putInt(Float.floatToRawIntBits(v));
    }

    void putLongs(long[] a, int off, int len) throws IOException {
      while (len > 0) {
        room(Long.BYTES);
        int n = Math.min(len, buf.remaining() / Long.BYTES);
        buf.asLongBuffer().put(a, off, n);
        buf.position(buf.position() + n * Long.BYTES);
        off += n;
        len -= n;
      }
    }

    void putBytes(byte[] a, int off, int len) throws IOException {
      while (len > 0) {
        room(1);
        int n = Math.min(len, buf.remaining());
        buf.put(a, off, n);
        off += n;
        len -= n;
      }
    }

    void putFloats(float[] a, int off, int len) throws IOException {
      while (len > 0) {
        room(Float.BYTES);
        int n = Math.min(len, buf.remaining() / Float.BYTES);
        buf.asFloatBuffer().put(a, off, n);
        buf.position(buf.position() + n * Float.BYTES);
        off += n;
        len -= n;
      }
    }

    /**
     * {@code len} native-order floats of {@code m} from byte {@code off}, as {@link #putFloats}.
     */
    void putFloats(MemorySegment m, long off, int len) throws IOException {
      while (len > 0) {
        room(Float.BYTES);
        int n = Math.min(len, buf.remaining() / Float.BYTES);
        MemorySegment.copy(m, VectorKernel.FLOAT, off, MemorySegment.ofBuffer(buf), LE_FLOAT, 0, n);
        buf.position(buf.position() + n * Float.BYTES);
        off += (long) n * Float.BYTES;
        len -= n;
      }
    }

    void putInts(int[] a, int off, int len) throws IOException {
      while (len > 0) {
        room(Integer.BYTES);
        int n = Math.min(len, buf.remaining() / Integer.BYTES);
        buf.asIntBuffer().put(a, off, n);
        buf.position(buf.position() + n * Integer.BYTES);
        off += n;
        len -= n;
      }
    }

    void flush() throws IOException {
      buf.flip();
      while (buf.hasRemaining()) {
        out.write(buf);
      }
      buf.clear();
    }
  }

  static final class Reader {
    private final ReadableByteChannel in;
    private final ByteBuffer buf =
        ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private long consumed;

    Reader(ReadableByteChannel in) {
      this.in = in;
      buf.limit(0);
    }

    /** Bytes consumed so far, for error messages that name an offset. */
    long position() {
      return consumed - buf.remaining();
    }

    private void need(int bytes) throws IOException {
      if (buf.remaining() >= bytes) {
        return;
      }
      buf.compact();
      while (buf.position() < bytes) {
        int n = in.read(buf);
        if (n < 0) {
          throw new EOFException(
              "snapshot truncated: needed "
                  + bytes
                  + " bytes at offset "
                  + (consumed - buf.position()));
        }
        consumed += n;
      }
      buf.flip();
    }

    int getInt() throws IOException {
      need(Integer.BYTES);
      return buf.getInt();
    }

    long getLong() throws IOException {
      need(Long.BYTES);
      return buf.getLong();
    }

    float getFloat() throws IOException {
      return Float.intBitsToFloat(getInt());
    }

    void getLongs(long[] a, int off, int len) throws IOException {
      while (len > 0) {
        need(Long.BYTES);
        int n = Math.min(len, buf.remaining() / Long.BYTES);
        buf.asLongBuffer().get(a, off, n);
        buf.position(buf.position() + n * Long.BYTES);
        off += n;
        len -= n;
      }
    }

    void getBytes(byte[] a, int off, int len) throws IOException {
      while (len > 0) {
        need(1);
        int n = Math.min(len, buf.remaining());
        buf.get(a, off, n);
        off += n;
        len -= n;
      }
    }

    void getFloats(float[] a, int off, int len) throws IOException {
      while (len > 0) {
        need(Float.BYTES);
        int n = Math.min(len, buf.remaining() / Float.BYTES);
        buf.asFloatBuffer().get(a, off, n);
        buf.position(buf.position() + n * Float.BYTES);
        off += n;
        len -= n;
      }
    }

    /** Reads {@code len} floats into {@code m} from byte {@code off} (native order). */
    void getFloats(MemorySegment m, long off, int len) throws IOException {
      while (len > 0) {
        need(Float.BYTES);
        int n = Math.min(len, buf.remaining() / Float.BYTES);
        MemorySegment.copy(MemorySegment.ofBuffer(buf), LE_FLOAT, 0, m, VectorKernel.FLOAT, off, n);
        buf.position(buf.position() + n * Float.BYTES);
        off += (long) n * Float.BYTES;
        len -= n;
      }
    }

    void getInts(int[] a, int off, int len) throws IOException {
      while (len > 0) {
        need(Integer.BYTES);
        int n = Math.min(len, buf.remaining() / Integer.BYTES);
        buf.asIntBuffer().get(a, off, n);
        buf.position(buf.position() + n * Integer.BYTES);
        off += n;
        len -= n;
      }
    }
  }
}
