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

  /** Releases files and threads; appends after close fail. */
  Future<Void> close();
}
