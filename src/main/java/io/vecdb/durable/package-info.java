/**
 * The node's durable state, on top of {@link io.vecdb.wal} and {@link io.vecdb.snapshot}.
 *
 * <p>Public face: {@link io.vecdb.durable.DurableStorage} ({@code open} recovers, {@code attach}
 * connects the applier and starts background checkpoints, {@code checkpoint}, {@code close}),
 * {@link io.vecdb.durable.WalOperationLog} (the {@link io.vecdb.collection.OperationLog} over the
 * WAL: one record per operation, LSN = sequence number) and {@link
 * io.vecdb.durable.SnapshotService} (Qdrant's collection snapshot API). Inside: {@code Recovery}
 * (newest valid checkpoint per collection, then WAL replay through {@code Collections.apply}),
 * {@code Checkpointer} (consistent cuts on each collection's apply lane, atomic snapshot files, WAL
 * prefix truncation), {@code SnapshotStore} (directory naming) and {@code DurabilityMetrics}.
 *
 * <p>Layout under the data directory, guarantees, configuration and the file format:
 * docs/durability.md.
 */
package io.vecdb.durable;
