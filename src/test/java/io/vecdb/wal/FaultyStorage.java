package io.vecdb.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Test seam over the real file storage: counts fsyncs and writes, and can simulate a full disk
 * (writes fail after a byte budget, the last one partially), a failing fsync, or a slow/held fsync.
 * Thread-safe: counters and switches are atomics or volatile.
 */
public final class FaultyStorage implements WalStorage {
  private final WalStorage real = WalStorage.files();

  /** fsyncs of everything but the sync marker (whose fsyncs, at most one a second, are below). */
  public final AtomicInteger forces = new AtomicInteger();

  public final AtomicInteger markerForces = new AtomicInteger();
  public final AtomicInteger writes = new AtomicInteger();

  /** Bytes that may still be written; negative = unlimited. */
  public final AtomicLong writeBudget = new AtomicLong(-1);

  /** Number of further fsyncs that succeed; negative = unlimited. */
  public final AtomicLong forceBudget = new AtomicLong(-1);

  /** If set, every fsync waits for it (to observe that no append completes before its fsync). */
  public volatile CountDownLatch holdForce;

  /** Counted down when an fsync reaches {@link #holdForce}. */
  public final CountDownLatch forceEntered = new CountDownLatch(1);

  @Override
  public StorageFile openWrite(Path file) throws IOException {
    return new Faulty(real.openWrite(file), file.getFileName().toString().equals("SYNCED"));
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

  /** Every directory fsynced, in order. */
  public final List<Path> syncedDirectories =
      java.util.Collections.synchronizedList(new java.util.ArrayList<>());

  @Override
  public void syncDirectory(Path dir) throws IOException {
    syncedDirectories.add(dir.toAbsolutePath());
    real.syncDirectory(dir);
  }

  private final class Faulty implements StorageFile {
    private final StorageFile f;
    private final boolean marker;

    Faulty(StorageFile f, boolean marker) {
      this.f = f;
      this.marker = marker;
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return f.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      writes.incrementAndGet();
      long budget = writeBudget.get();
      if (budget >= 0) {
        if (budget == 0) {
          throw new IOException("No space left on device (simulated)");
        }
        if (src.remaining() > budget) {
          // A partial write, then the device is full.
          ByteBuffer part = src.slice(src.position(), (int) budget);
          int n = f.write(part, position);
          src.position(src.position() + n);
          writeBudget.addAndGet(-n);
          return n;
        }
        writeBudget.addAndGet(-src.remaining());
      }
      return f.write(src, position);
    }

    @Override
    public void force(boolean metadata) throws IOException {
      CountDownLatch hold = holdForce;
      if (hold != null) {
        forceEntered.countDown();
        try {
          if (!hold.await(30, TimeUnit.SECONDS)) {
            throw new IOException("test fsync hold timed out");
          }
        } catch (InterruptedException e) {
          throw new IOException(e);
        }
      }
      long budget = forceBudget.get();
      if (budget == 0) {
        throw new IOException("fsync failed: Input/output error (simulated)");
      }
      if (budget > 0) {
        forceBudget.decrementAndGet();
      }
      (marker ? markerForces : forces).incrementAndGet();
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
  }
}
