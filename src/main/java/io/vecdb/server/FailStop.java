package io.vecdb.server;

import io.vecdb.wal.WalException;

/**
 * What a server process does when a write-ahead log fails (a write or an fsync returned an error):
 * it stops at once, as PostgreSQL panics, with exit status {@value #EXIT_STATUS} (EX_IOERR). Going
 * on would mean serving from a log whose unsynced pages the kernel may have dropped or kept; the
 * restart repairs the log from the marker the WAL wrote ({@code SYNCED}: nothing after the last
 * fsync that succeeded is kept). Writes in flight were answered 503 (outcome unknown: the restart
 * drops them, and retrying with the same ids is safe): the process halts {@value #GRACE_MILLIS} ms
 * after the failure, so that those answers reach their clients while the WAL refuses every write.
 * {@link Runtime#halt} skips the shutdown hooks: a clean shutdown would checkpoint and close
 * through the failing device.
 */
final class FailStop {
  static final int EXIT_STATUS = 74;
  static final long GRACE_MILLIS = 500;

  private FailStop() {}

  /** Called on the WAL's writer thread; returns at once, the process halts shortly after. */
  static void halt(WalException cause) {
    Thread t = new Thread(() -> haltNow(cause), "vecdb-fail-stop");
    t.setDaemon(false);
    t.start();
  }

  private static void haltNow(WalException cause) {
    System.err.println(
        "vecdb: FATAL: write-ahead log I/O failure, stopping the process (exit status "
            + EXIT_STATUS
            + "): "
            + cause.getMessage()
            + ". Fix the storage and restart: recovery keeps what the last successful fsync"
            + " covered and drops what came after it (writes answered 503).");
    System.err.flush();
    try {
      Thread.sleep(GRACE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Runtime.getRuntime().halt(EXIT_STATUS);
  }
}
