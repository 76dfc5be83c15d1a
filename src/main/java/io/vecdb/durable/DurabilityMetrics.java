package io.vecdb.durable;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vecdb.wal.SegmentedWal;

/**
 * WAL and checkpoint figures on {@code /metrics}, read from the WAL's lock-free counters when
 * scraped (Prometheus names: {@code vecdb_wal_records_total}, {@code vecdb_wal_fsyncs_total},
 * {@code vecdb_wal_groups_total}, {@code vecdb_wal_written_bytes_total}, all tagged {@code sync}
 * with the fsync policy, {@code vecdb_wal_first_lsn}, {@code vecdb_wal_last_lsn}, {@code
 * vecdb_checkpoints_total}, {@code vecdb_recovery_replayed_records}, {@code
 * vecdb_recovery_seconds}). Thread-safe: registration once at start-up; the functions only read
 * atomics and volatiles.
 */
final class DurabilityMetrics {
  static final String WAL_RECORDS = "vecdb.wal.records";
  static final String WAL_FSYNCS = "vecdb.wal.fsyncs";
  static final String WAL_GROUPS = "vecdb.wal.groups";
  static final String WAL_BYTES = "vecdb.wal.written";
  static final String WAL_FIRST_LSN = "vecdb.wal.first.lsn";
  static final String WAL_LAST_LSN = "vecdb.wal.last.lsn";
  static final String CHECKPOINTS = "vecdb.checkpoints";
  static final String RECOVERY_REPLAYED = "vecdb.recovery.replayed.records";
  static final String RECOVERY_SECONDS = "vecdb.recovery.seconds";

  private DurabilityMetrics() {}

  /** Tag of the WAL meters: the fsync policy they were measured under. */
  static final String TAG_SYNC = "sync";

  static void register(
      MeterRegistry registry,
      SegmentedWal wal,
      String syncPolicy,
      Checkpointer checkpointer,
      Recovery.Result r) {
    FunctionCounter.builder(WAL_RECORDS, wal, w -> w.stats().records())
        .tag(TAG_SYNC, syncPolicy)
        .description("Records appended to the WAL since start")
        .register(registry);
    FunctionCounter.builder(WAL_FSYNCS, wal, w -> w.stats().fsyncs())
        .tag(TAG_SYNC, syncPolicy)
        .description("fsyncs of WAL segments since start (group commit: one per group)")
        .register(registry);
    FunctionCounter.builder(WAL_GROUPS, wal, w -> w.stats().groups())
        .tag(TAG_SYNC, syncPolicy)
        .description("Group writes of the WAL since start")
        .register(registry);
    FunctionCounter.builder(WAL_BYTES, wal, w -> w.stats().bytesWritten())
        .tag(TAG_SYNC, syncPolicy)
        .baseUnit("bytes")
        .description("Bytes written to the WAL since start")
        .register(registry);
    Gauge.builder(WAL_FIRST_LSN, wal, SegmentedWal::firstLsn)
        .description("First LSN still in the WAL")
        .register(registry);
    Gauge.builder(WAL_LAST_LSN, wal, SegmentedWal::lastLsn)
        .description("Last acknowledged LSN")
        .register(registry);
    FunctionCounter.builder(CHECKPOINTS, checkpointer, Checkpointer::written)
        .description("Collection checkpoints written since start")
        .register(registry);
    Gauge.builder(RECOVERY_REPLAYED, r, Recovery.Result::replayed)
        .description("WAL records replayed at the last start-up")
        .register(registry);
    Gauge.builder(RECOVERY_SECONDS, r, x -> x.millis() / 1000.0)
        .description("Duration of recovery at the last start-up")
        .register(registry);
  }
}
