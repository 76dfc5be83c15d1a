package io.vecdb.durable;

import io.vecdb.wal.StorageFile;
import io.vecdb.wal.WalStorage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The real file storage with switches: fail every fsync (a dying disk) or every write (a full
 * disk), or hold fsyncs until released. Thread-safe: the switches are volatile, read by the WAL
 * writer thread, set by the test thread.
 */
final class FaultyWalStorage implements WalStorage {
  private final WalStorage real = WalStorage.files();
  volatile boolean failForce;
  volatile boolean failWrite;
  volatile CountDownLatch holdForce;
  final CountDownLatch forceEntered = new CountDownLatch(1);

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
        if (failWrite) {
          throw new IOException("No space left on device (simulated)");
        }
        return f.write(src, position);
      }

      @Override
      public void force(boolean metadata) throws IOException {
        CountDownLatch hold = holdForce;
        if (hold != null) {
          forceEntered.countDown();
          try {
            if (!hold.await(60, TimeUnit.SECONDS)) {
              throw new IOException("test fsync hold timed out");
            }
          } catch (InterruptedException e) {
            throw new IOException(e);
          }
        }
        if (failForce) {
          throw new IOException("fsync failed: Input/output error (simulated)");
        }
        f.force(metadata);
      }

      @Override
      public void truncate(long size) throws IOException {
        f.truncate(size);
      }

      @Override
      public long size() throws IOException {
        return f.size();
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
