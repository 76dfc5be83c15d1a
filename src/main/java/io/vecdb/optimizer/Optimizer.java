package io.vecdb.optimizer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vecdb.collection.Collection;
import io.vecdb.collection.Collections;
import io.vecdb.config.OptimizerOptions;
import io.vecdb.metrics.MetricNames;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Background compaction: every {@code check_interval_ms} looks at each collection and compacts the
 * HNSW graph of those that {@link CompactionPolicy} says are due, one collection at a time. On a
 * clustered node the collections are those of the shard replicas it hosts (each compacted beside
 * its apply lane, as a single node's are beside theirs).
 *
 * <p>Where compaction runs: on the optimizer's own thread, beside the collection's writes. {@link
 * io.vecdb.index.HnswIndex#compact} repairs lists under the read side of the index's structure lock
 * while adds and removes go on, and holds them back only for a short final phase (0.03-0.05 s on
 * Fashion-MNIST 60k with 6,000 tombstones, against 6 s when the whole compaction ran on the
 * collection's apply lane). Checkpoint captures and snapshot exports run on the lane and call
 * {@code writeTo}, which waits for a running compaction: a checkpoint sees the graph entirely
 * before or entirely after one. A snapshot restore may replace the collection meanwhile; the
 * compaction then finishes on the old instance, which nothing uses any more. Compaction does not
 * change what the collection contains, so the WAL and checkpoint LSNs are unaffected. Searches
 * never wait: the index's searches take no locks.
 *
 * <p>Concurrency: one thread ({@code vecdb-optimizer}) runs {@link #check}; it alone touches {@code
 * baseline}, {@code lastSeen}, {@code retryAt} and {@code gauges} (plain maps confined to it), and
 * it waits for each compaction before starting the next. Gauges are read by the metrics scrape
 * thread through {@link Collection}'s lock-free counters. {@link #start} and {@link #close} are
 * called once each by the node.
 */
public final class Optimizer {
  private static final Logger LOG = Logger.getLogger(Optimizer.class.getName());
  private static final long RETRY_AFTER_FAILURE_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final long GAUGE_ONLY_INTERVAL_MS = 1000;

  /** What to look after: a name (unique among them) to the collection's current instance. */
  private final java.util.function.Supplier<Map<String, Collection>> targets;

  private final OptimizerOptions options;
  private final CompactionPolicy policy;
  private final MeterRegistry registry;
  private final Counter freed;
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().name("vecdb-optimizer").daemon(true).unstarted(r));

  /** Per collection: vectors inserted when it was last compacted (optimizer thread only). */
  private final Map<String, Long> baseline = new HashMap<>();

  /** Per collection: vectors inserted at the previous check, to see that inserts paused. */
  private final Map<String, Long> lastSeen = new HashMap<>();

  private final Map<String, Long> retryAt = new HashMap<>();

  /** Per collection: the instance the maps above describe. */
  private final Map<String, Collection> instances = new HashMap<>();

  private final Map<String, Gauge> gauges = new HashMap<>();

  public Optimizer(Collections collections, OptimizerOptions options, MeterRegistry registry) {
    this(
        () -> {
          Map<String, Collection> out = new java.util.LinkedHashMap<>();
          for (String name : collections.names()) {
            Collection c = collections.get(name);
            if (c != null) {
              out.put(name, c);
            }
          }
          return out;
        },
        options,
        registry);
  }

  /**
   * Looks after the collections {@code targets} names at each check (called on the optimizer
   * thread, and by the metrics scrape for the tombstone gauges): a clustered node's shard replicas,
   * each under a name of its own.
   */
  public Optimizer(
      java.util.function.Supplier<Map<String, Collection>> targets,
      OptimizerOptions options,
      MeterRegistry registry) {
    this.targets = targets;
    this.options = options;
    this.policy = new CompactionPolicy(options);
    this.registry = registry;
    this.freed =
        Counter.builder(MetricNames.COMPACTION_FREED)
            .description("Tombstoned points freed by background compactions")
            .register(registry);
    for (CompactionPolicy.Reason r : CompactionPolicy.Reason.values()) {
      counter(r); // present at 0 from the start
      timer(r);
    }
  }

  /** Starts the periodic checks (with {@code check_interval_ms} 0 only the gauges are kept). */
  public void start() {
    long every =
        options.getCheckIntervalMs() > 0 ? options.getCheckIntervalMs() : GAUGE_ONLY_INTERVAL_MS;
    try {
      thread.scheduleWithFixedDelay(this::check, every, every, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed before it started (node shut down during start-up): nothing to run
    }
  }

  /** Stops the checks; a compaction in progress runs to its end. Idempotent; any thread. */
  public void close() {
    thread.shutdownNow();
  }

  /** One pass over the collections (on the optimizer thread). */
  private void check() {
    try {
      Map<String, Collection> current = targets.get();
      List<String> names = List.copyOf(current.keySet());
      gauges.keySet().removeIf(n -> !names.contains(n) && unregister(n));
      baseline.keySet().retainAll(names);
      lastSeen.keySet().retainAll(names);
      retryAt.keySet().retainAll(names);
      instances.keySet().retainAll(names);
      for (String name : names) {
        Collection c = current.get(name);
        if (c == null) {
          continue;
        }
        gauges.computeIfAbsent(name, this::gauge);
        if (instances.put(name, c) != c) {
          // New, re-created or restored from a snapshot: its counters start afresh.
          baseline.remove(name);
          lastSeen.remove(name);
          retryAt.remove(name);
        }
        quantize(name, c);
        long inserted = c.insertedVectors();
        Long previous = lastSeen.put(name, inserted);
        boolean quiet = previous != null && previous == inserted;
        Long retry = retryAt.get(name);
        if (options.getCheckIntervalMs() == 0
            || Thread.currentThread().isInterrupted()
            || (retry != null && System.nanoTime() - retry < 0)) {
          continue;
        }
        CompactionPolicy.Reason reason =
            policy.due(
                c.tombstones(), c.liveVectors(), inserted - baseline.getOrDefault(name, 0L), quiet);
        if (reason != null) {
          compact(name, c, reason);
        }
      }
    } catch (RuntimeException | Error e) {
      LOG.log(Level.WARNING, "optimizer check failed", e); // keep the schedule alive
    }
  }

  /**
   * Trains the collection's quantized codes when due (asked for by a create or a PATCH, grown, or
   * drifted): before compaction is considered and whatever {@code check_interval_ms} says, since
   * until then searches walk the float32 vectors.
   */
  private void quantize(String name, Collection c) {
    if (!c.quantizationDue()) {
      return;
    }
    long start = System.nanoTime();
    try {
      int n = c.maintainQuantization();
      if (n > 0) {
        LOG.info(
            "quantized `"
                + name
                + "`: "
                + n
                + " graph(s) in "
                + (System.nanoTime() - start) / 1_000_000
                + " ms");
      }
    } catch (RuntimeException | Error e) {
      LOG.log(Level.WARNING, "quantization of `" + name + "` failed", e);
    }
  }

  private void compact(String name, Collection c, CompactionPolicy.Reason reason) {
    long start = System.nanoTime();
    c.optimizerState(true, null);
    String error = null;
    try {
      // Read first: inserts made while it runs count towards the next repair pass.
      long inserted = c.insertedVectors();
      int tombstones = c.tombstones();
      long ramBefore = c.ramBytesUsed();
      int n = c.compact();
      long nanos = System.nanoTime() - start;
      baseline.put(name, inserted);
      retryAt.remove(name);
      counter(reason).increment();
      timer(reason).record(nanos, TimeUnit.NANOSECONDS);
      freed.increment(n);
      LOG.info(
          "compacted `"
              + name
              + "` ("
              + reason.tag()
              + "): freed "
              + n
              + " of "
              + tombstones
              + " tombstone(s), graph memory "
              + ramBefore
              + " -> "
              + c.ramBytesUsed()
              + " bytes, in "
              + nanos / 1_000_000
              + " ms");
    } catch (RuntimeException | Error e) {
      error = "compaction failed: " + e;
      retryAt.put(name, System.nanoTime() + RETRY_AFTER_FAILURE_NANOS);
      LOG.log(Level.WARNING, "compaction of `" + name + "` failed; retrying in a minute", e);
    } finally {
      c.optimizerState(false, error);
    }
  }

  private Counter counter(CompactionPolicy.Reason reason) {
    return Counter.builder(MetricNames.COMPACTIONS)
        .description("Background compactions run, by what triggered them")
        .tag(MetricNames.TAG_REASON, reason.tag())
        .register(registry);
  }

  private Timer timer(CompactionPolicy.Reason reason) {
    return Timer.builder(MetricNames.COMPACTION_TIME)
        .description("Duration of background compactions (writes wait only for their last phase)")
        .tag(MetricNames.TAG_REASON, reason.tag())
        .register(registry);
  }

  private Gauge gauge(String name) {
    return Gauge.builder(
            MetricNames.COLLECTION_TOMBSTONES,
            targets,
            t -> {
              Collection c = t.get().get(name);
              return c == null ? 0 : c.tombstones();
            })
        .description("Deleted points whose graph memory is not reclaimed yet")
        .tag(MetricNames.TAG_COLLECTION, name)
        .register(registry);
  }

  private boolean unregister(String name) {
    registry.remove(gauges.get(name));
    return true;
  }
}
