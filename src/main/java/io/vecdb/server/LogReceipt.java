package io.vecdb.server;

/** The sequence number the log gave an operation, and whether it has been applied yet. */
public record LogReceipt(long seq, boolean applied) {}
