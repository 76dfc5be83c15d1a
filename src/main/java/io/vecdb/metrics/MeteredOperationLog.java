package io.vecdb.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vecdb.collection.Operation;
import io.vecdb.collection.OperationLog;
import io.vertx.core.Future;

/** An {@link OperationLog} decorator counting appends by result. Thread-safe as its delegate. */
public final class MeteredOperationLog implements OperationLog {
  private final OperationLog delegate;
  private final Counter ok;
  private final Counter failed;

  public MeteredOperationLog(OperationLog delegate, MeterRegistry registry) {
    this.delegate = delegate;
    this.ok = counter(registry, "ok");
    this.failed = counter(registry, "failed");
  }

  private static Counter counter(MeterRegistry registry, String result) {
    return Counter.builder(MetricNames.WAL_APPENDS)
        .description("Operations appended to the operation log (WAL)")
        .tag(MetricNames.TAG_RESULT, result)
        .register(registry);
  }

  @Override
  public Future<Long> append(Operation op) {
    return delegate.append(op).andThen(ar -> (ar.succeeded() ? ok : failed).increment());
  }

  @Override
  public Future<Void> recover(io.vecdb.collection.Applier applier) {
    return delegate.recover(applier);
  }

  @Override
  public long lastSequence() {
    return delegate.lastSequence();
  }

  @Override
  public Future<Void> close() {
    return delegate.close();
  }
}
