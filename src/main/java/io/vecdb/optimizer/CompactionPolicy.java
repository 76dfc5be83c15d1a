package io.vecdb.optimizer;

import io.vecdb.config.OptimizerOptions;

/**
 * Decides whether a collection is due for a compaction, from its counters (a pure function of its
 * arguments and the immutable-after-start options; any thread).
 */
final class CompactionPolicy {
  /** Why a compaction runs (the {@code reason} tag of the compaction metrics). */
  enum Reason {
    /** Enough tombstones to reclaim. */
    TOMBSTONES("tombstones"),
    /** Many inserts since the last compaction, now paused: a reachability repair pass. */
    REPAIR("repair");

    private final String tag;

    Reason(String tag) {
      this.tag = tag;
    }

    String tag() {
      return tag;
    }
  }

  private final OptimizerOptions options;

  CompactionPolicy(OptimizerOptions options) {
    this.options = options;
  }

  /**
   * @param tombstones deleted points not yet freed
   * @param live live points
   * @param insertsSinceCompaction vectors added to the graph since its last compaction
   * @param quiet true if no vector was added since the previous check
   * @return why to compact now, or null
   */
  Reason due(int tombstones, int live, long insertsSinceCompaction, boolean quiet) {
    long stored = (long) tombstones + live;
    if (tombstones >= options.getMinDeleted()
        && stored > 0
        && tombstones >= options.getDeletedThreshold() * stored) {
      return Reason.TOMBSTONES;
    }
    long repair = options.getRepairAfterInserts();
    if (repair > 0 && quiet && insertsSinceCompaction >= repair) {
      return Reason.REPAIR;
    }
    return null;
  }
}
