package io.vecdb.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@link SynchronizationMetrics} on Micrometer. Meters are created up front for every {@link
 * LockName}, so recording is a lock-free counter update from any thread.
 */
public final class MicrometerSynchronizationMetrics implements SynchronizationMetrics {
  private final Map<LockName, Counter> uncontended = new EnumMap<>(LockName.class);
  private final Map<LockName, Counter> contended = new EnumMap<>(LockName.class);
  private final Map<LockName, Timer> waits = new EnumMap<>(LockName.class);

  public MicrometerSynchronizationMetrics(MeterRegistry registry) {
    for (LockName lock : LockName.values()) {
      uncontended.put(lock, acquisitions(registry, lock, false));
      contended.put(lock, acquisitions(registry, lock, true));
      waits.put(
          lock,
          Timer.builder(MetricNames.LOCK_WAIT)
              .description("Time spent waiting to acquire a contended lock")
              .tag(MetricNames.TAG_LOCK, lock.tag())
              .register(registry));
    }
  }

  private static Counter acquisitions(MeterRegistry registry, LockName lock, boolean waited) {
    return Counter.builder(MetricNames.LOCK_ACQUISITIONS)
        .description("Lock acquisitions, by whether they had to wait")
        .tag(MetricNames.TAG_LOCK, lock.tag())
        .tag(MetricNames.TAG_CONTENDED, Boolean.toString(waited))
        .register(registry);
  }

  @Override
  public void recordAcquisition(LockName lock, long waitedNanos) {
    if (waitedNanos == 0) {
      uncontended.get(lock).increment();
    } else {
      contended.get(lock).increment();
      waits.get(lock).record(waitedNanos, TimeUnit.NANOSECONDS);
    }
  }
}
