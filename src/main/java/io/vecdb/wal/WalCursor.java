package io.vecdb.wal;

/**
 * Reads records in LSN order, starting at the LSN given to {@link Wal#read(long)}.
 *
 * <p>{@link #next()} returns {@code null} when the cursor has caught up with {@link Wal#lastLsn()};
 * calling it again later returns records appended since, so a cursor can follow the log tail.
 *
 * <p>Threading: a cursor belongs to one thread at a time (it is not thread-safe), but any number of
 * cursors may run while the WAL appends; a cursor never blocks the writer and the writer never
 * blocks a cursor. A cursor that runs concurrently with {@link Wal#truncateSuffix} or {@link
 * Wal#truncatePrefix} may return a record that the truncation removed, or fail with a {@link
 * WalException} of code {@code TRUNCATED}; callers that need exact semantics (Raft) order their
 * truncations and reads themselves.
 */
public interface WalCursor extends AutoCloseable {

  /** The next record, or {@code null} if the cursor has caught up with the log. */
  WalRecord next();

  /** The LSN that the next call to {@link #next()} will return. */
  long nextLsn();

  @Override
  void close();
}
