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
public final class FaultyStorage extends ForwardingStorage {

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
  protected StorageFile wrap(Path file, StorageFile opened) {
    return new Faulty(opened, file.getFileName().toString().equals(SyncMarker.FILE));
  }

  /** Every directory fsynced, in order. */
  public final List<Path> syncedDirectories =
      java.util.Collections.synchronizedList(new java.util.ArrayList<>());

  @Override
  public void syncDirectory(Path dir) throws IOException {
    syncedDirectories.add(dir.toAbsolutePath());
    super.syncDirectory(dir);
  }

  private final class Faulty extends ForwardingFile {
    private final boolean marker;

    Faulty(StorageFile f, boolean marker) {
      super(f);
      this.marker = marker;
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
          int n = file.write(part, position);
          src.position(src.position() + n);
          writeBudget.addAndGet(-n);
          return n;
        }
        writeBudget.addAndGet(-src.remaining());
      }
      return file.write(src, position);
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
      file.force(metadata);
    }
  }
}
