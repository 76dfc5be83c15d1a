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
    /**
     * Many inserts since the last compaction: a reachability repair pass, once they pause, or
     * without a pause once there are so many that the pass costs little per insert.
     */
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
    // The pass holds back writes for a walk over the graph (about 20 ms per 60k points), so
    // without a pause it waits until inserts also reach half the live points: its cost per
    // insert then stays constant as the collection grows.
    if (repair > 0
        && insertsSinceCompaction >= repair
        && (quiet || insertsSinceCompaction >= Math.max(2 * repair, live / 2))) {
      return Reason.REPAIR;
    }
    return null;
  }
}
