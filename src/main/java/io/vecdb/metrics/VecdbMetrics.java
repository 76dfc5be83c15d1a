package io.vecdb.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vecdb.collection.AppliedListener;
import io.vecdb.collection.ChangeSet;
import io.vecdb.collection.Collection;
import io.vecdb.collection.Collections;
import io.vecdb.collection.Operation;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * VecDB's own meters: points per collection, upserted/deleted points, reads and their latency.
 * Thread-safe: Micrometer meters are; the per-collection gauge table is a concurrent map, updated
 * from apply lanes (create/delete of one name run on that name's lane, so never concurrently).
 */
public final class VecdbMetrics implements AppliedListener {
  private final MeterRegistry registry;
  private final Collections collections;
  private final Counter upserted;
  private final Counter deleted;
  private final ConcurrentHashMap<String, Gauge> gauges = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Timer> latency = new ConcurrentHashMap<>();

  public VecdbMetrics(MeterRegistry registry, Collections collections) {
    this.registry = registry;
    this.collections = collections;
    this.upserted =
        Counter.builder(MetricNames.POINTS_UPSERTED)
            .description("Points written by applied upserts")
            .register(registry);
    this.deleted =
        Counter.builder(MetricNames.POINTS_DELETED)
            .description("Points removed by applied deletes")
            .register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  @Override
  public void applied(long seq, Operation op, ChangeSet changes) {
    switch (op) {
      case Operation.CreateCollection c -> gauges.computeIfAbsent(c.collection(), this::gauge);
      case Operation.DeleteCollection c -> {
        Gauge g = gauges.remove(c.collection());
        if (g != null) {
          registry.remove(g);
        }
      }
      case Operation.UpsertPoints u -> upserted.increment(changes.upserted().size());
      case Operation.Batch b -> {
        upserted.increment(changes.upserted().size());
        deleted.increment(changes.deleted().size());
      }
      default -> deleted.increment(changes.deleted().size());
    }
  }

  /**
   * Publishes the points gauge of a collection that appeared outside the applier (loaded by
   * recovery, or restored from a snapshot). Idempotent; any thread.
   */
  public void track(String collection) {
    gauges.computeIfAbsent(collection, this::gauge);
  }

  private Gauge gauge(String name) {
    return Gauge.builder(
            MetricNames.COLLECTION_POINTS,
            collections,
            cs -> {
              Collection c = cs.get(name);
              return c == null ? 0 : c.size();
            })
        .description("Live points per collection")
        .tag(MetricNames.TAG_COLLECTION, name)
        .register(registry);
  }

  /** Records one read of {@code kind} (search, query, scroll, ...) that took {@code nanos}. */
  public void read(String kind, long nanos) {
    latency
        .computeIfAbsent(
            kind,
            k -> {
              Counter.builder(MetricNames.SEARCHES)
                  .description("Read requests served")
                  .tag(MetricNames.TAG_KIND, k)
                  .register(registry);
              return Timer.builder(MetricNames.SEARCH_LATENCY)
                  .description("Time to execute a read on a search worker")
                  .tag(MetricNames.TAG_KIND, k)
                  .publishPercentileHistogram()
                  .register(registry);
            })
        .record(nanos, TimeUnit.NANOSECONDS);
    registry.counter(MetricNames.SEARCHES, MetricNames.TAG_KIND, kind).increment();
  }
}
