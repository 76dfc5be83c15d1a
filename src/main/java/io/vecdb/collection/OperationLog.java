package io.vecdb.collection;

import io.vertx.core.Future;

/**
 * The seam where operations become durable before they are applied. The default {@link
 * InMemoryOperationLog} only numbers them; the WAL provides a durable implementation.
 *
 * <p>Contract: thread-safe; {@link #append} must not block the caller. Sequence numbers start at 1
 * and increase by one per accepted operation. A failed append consumes no sequence number (the
 * applier waits for every number in turn). A succeeded future means the operation will be replayed
 * after a restart (under the log's sync policy).
 */
public interface OperationLog {

  /** Logs {@code op} and completes with its sequence number. */
  Future<Long> append(Operation op);

  /** The last sequence number handed out, 0 if none. */
  long lastSequence();

  /**
   * Rebuilds state at start-up, before the node is ready: a durable log restores its newest
   * snapshot and submits every logged operation after it to {@code applier} in sequence order
   * (calling {@link Applier#expectNext} first when it starts after 1), and completes once they are
   * all applied. The in-memory log has nothing to recover.
   */
  default Future<Void> recover(Applier applier) {
    return Future.succeededFuture();
  }

  /** Releases files and threads; appends after close fail. */
  Future<Void> close();
}
