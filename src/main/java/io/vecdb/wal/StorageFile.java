package io.vecdb.wal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The few file operations the WAL needs, so that tests can inject a full disk or a failing fsync.
 * The default implementation wraps a {@link java.nio.channels.FileChannel}.
 *
 * <p>Threading: a file opened for writing is used by the WAL's writer thread only; a file opened
 * for reading belongs to one cursor.
 */
public interface StorageFile extends Closeable {

  /** Reads into {@code dst} from {@code position}; returns bytes read or -1 at end of file. */
  int read(ByteBuffer dst, long position) throws IOException;

  /** Writes some bytes of {@code src} at {@code position}; returns how many (may be partial). */
  int write(ByteBuffer src, long position) throws IOException;

  /**
   * Flushes written data to the device. {@code metadata=false} is fdatasync on Linux, which also
   * persists a grown file size; {@code true} is fsync (used after creating or truncating).
   */
  void force(boolean metadata) throws IOException;

  /** Cuts the file to {@code size} bytes. */
  void truncate(long size) throws IOException;

  long size() throws IOException;
}
