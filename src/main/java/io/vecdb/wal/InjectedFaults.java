package io.vecdb.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * Test-only storage for real server processes (started with {@code --fault-injection}): the plain
 * file storage, whose fsyncs fail once {@link #failFsyncs} is called, after the bytes were written,
 * as a failing device's do. The multi-process tests arm it through {@code POST /debug/wal-fault}.
 *
 * <p>Thread-safe: one volatile switch.
 */
public final class InjectedFaults implements WalStorage {
  private final WalStorage real = WalStorage.files();
  private volatile boolean failFsyncs;

  /** From now on every fsync of a WAL file fails with an I/O error. */
  public void failFsyncs() {
    failFsyncs = true;
  }

  @Override
  public StorageFile openWrite(Path file) throws IOException {
    StorageFile f = real.openWrite(file);
    return new StorageFile() {
      @Override
      public int read(ByteBuffer dst, long position) throws IOException {
        return f.read(dst, position);
      }

      @Override
      public int write(ByteBuffer src, long position) throws IOException {
        return f.write(src, position);
      }

      @Override
      public void force(boolean metadata) throws IOException {
        if (failFsyncs) {
          throw new IOException("fsync: Input/output error (injected by --fault-injection)");
        }
        f.force(metadata);
      }

      @Override
      public long size() throws IOException {
        return f.size();
      }

      @Override
      public void truncate(long size) throws IOException {
        f.truncate(size);
      }

      @Override
      public void close() throws IOException {
        f.close();
      }
    };
  }

  @Override
  public StorageFile openRead(Path file) throws IOException {
    return real.openRead(file);
  }

  @Override
  public void delete(Path file) throws IOException {
    real.delete(file);
  }

  @Override
  public List<Path> list(Path dir) throws IOException {
    return real.list(dir);
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    real.syncDirectory(dir);
  }
}
