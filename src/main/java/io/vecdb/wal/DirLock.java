package io.vecdb.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a WAL directory ({@code wal.lock}), so that two processes (or two opens in
 * one JVM) never write the same log. The OS releases it when the process dies, so a restart after
 * kill -9 gets it again. Called by {@link SegmentedWal#open} and {@link SegmentedWal#close} only.
 */
final class DirLock {
  static final String FILE_NAME = "wal.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static DirLock acquire(Path dir) throws IOException {
    FileChannel ch =
        FileChannel.open(
            dir.resolve(FILE_NAME), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock l;
    try {
      l = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    if (l == null) {
      ch.close();
      throw new IOException(
          "WAL directory " + dir + " is in use by another VecDB process or an open WAL");
    }
    return new DirLock(ch, l);
  }

  synchronized void release() {
    try {
      if (lock.isValid()) {
        lock.release();
      }
      channel.close();
    } catch (IOException ignored) {
      // closing the channel releases the lock anyway
    }
  }
}
