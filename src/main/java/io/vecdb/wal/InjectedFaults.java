package io.vecdb.wal;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Test-only storage for real server processes (started with {@code --fault-injection}): the plain
 * file storage, whose fsyncs fail once {@link #failFsyncs} is called, after the bytes were written,
 * as a failing device's do. The multi-process tests arm it through {@code POST /debug/wal-fault}.
 *
 * <p>Thread-safe: one volatile switch.
 */
public final class InjectedFaults extends ForwardingStorage {
  private volatile boolean failFsyncs;

  /** From now on every fsync of a WAL file fails with an I/O error. */
  public void failFsyncs() {
    failFsyncs = true;
  }

  @Override
  protected StorageFile wrap(Path path, StorageFile opened) {
    return new ForwardingFile(opened) {
      @Override
      public void force(boolean metadata) throws IOException {
        if (failFsyncs) {
          throw new IOException("fsync: Input/output error (injected by --fault-injection)");
        }
        super.force(metadata);
      }
    };
  }
}
