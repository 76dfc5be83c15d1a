package io.vecdb.metrics;

import java.util.concurrent.locks.Lock;

/**
 * Lock-contention figures (the design's SynchronizationMetrics): per named lock, how many
 * acquisitions had to wait and for how long in total. Implementations are thread-safe and never
 * block.
 */
public interface SynchronizationMetrics {

  /** Records one acquisition of {@code lock} that waited {@code waitedNanos} (0: uncontended). */
  void recordAcquisition(LockName lock, long waitedNanos);

  /** Discards everything. */
  SynchronizationMetrics NOOP = (lock, waitedNanos) -> {};

  /** Takes {@code lock}, recording whether and how long it waited; use with try-with-resources. */
  default Held acquire(LockName name, Lock lock) {
    if (lock.tryLock()) {
      recordAcquisition(name, 0);
    } else {
      long start = System.nanoTime();
      lock.lock();
      recordAcquisition(name, Math.max(1, System.nanoTime() - start));
    }
    return new Held(lock);
  }

  /** A held lock; closing releases it. */
  record Held(Lock lock) implements AutoCloseable {
    @Override
    public void close() {
      lock.unlock();
    }
  }
}
