package io.vecdb.server;

import io.vecdb.collection.Operation;

/** Ask WalVerticle to log {@code op} and apply it; reply after apply when {@code waitApplied}. */
public record LogRequest(Operation op, boolean waitApplied) {}
