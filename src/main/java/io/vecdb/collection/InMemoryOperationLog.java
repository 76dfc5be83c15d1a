package io.vecdb.collection;

import io.vertx.core.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link OperationLog} that numbers operations and keeps nothing: state lives only in memory.
 * Thread-safe through one atomic counter; any thread may append.
 */
public final class InMemoryOperationLog implements OperationLog {
  private final AtomicLong sequence = new AtomicLong();
  private volatile boolean closed;

  @Override
  public Future<Long> append(Operation op) {
    if (closed) {
      return Future.failedFuture(new VecdbException(ErrorCode.UNAVAILABLE, "log is closed"));
    }
    return Future.succeededFuture(sequence.incrementAndGet());
  }

  @Override
  public long lastSequence() {
    return sequence.get();
  }

  @Override
  public Future<Void> close() {
    closed = true;
    return Future.succeededFuture();
  }
}
