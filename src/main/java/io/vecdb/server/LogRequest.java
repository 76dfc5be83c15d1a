package io.vecdb.server;

import io.vecdb.collection.Operation;

/**
 * Ask WalVerticle to log {@code op} and apply it; reply after apply when {@code waitApplied}, or
 * after {@code timeoutMs} (if positive) as logged but not yet applied, whichever comes first.
 */
public record LogRequest(Operation op, boolean waitApplied, long timeoutMs) {
  public LogRequest(Operation op, boolean waitApplied) {
    this(op, waitApplied, 0);
  }
}
