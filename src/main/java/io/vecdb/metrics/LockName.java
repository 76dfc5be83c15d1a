package io.vecdb.metrics;

/** The named locks whose contention {@link SynchronizationMetrics} records (metric tag values). */
public enum LockName {
  /** The applier's reorder buffer: puts logged operations back in sequence order. */
  APPLY_ORDER("apply_order"),
  /** The operation log's append path (WAL group commit). */
  OPERATION_LOG("operation_log"),
  /** Index writers (graph insertion). */
  INDEX_WRITE("index_write"),
  /** WebSocket change-feed subscription table. */
  CHANGE_FEED("change_feed");

  private final String tag;

  LockName(String tag) {
    this.tag = tag;
  }

  public String tag() {
    return tag;
  }
}
