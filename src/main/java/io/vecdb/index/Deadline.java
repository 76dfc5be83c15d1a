package io.vecdb.index;

import java.util.function.Supplier;

/**
 * The time by which the request running on this thread must be done: Qdrant's {@code timeout}
 * parameter. Bound for the extent of one request with {@link #within} (a {@link ScopedValue}, so it
 * cannot leak to the next request a worker runs), and checked with {@link #check} inside the loops
 * that can run long (graph walks, exact scans, filtered scans, scroll and count): a search past its
 * deadline stops there, freeing its worker, and fails with {@link DeadlineExceeded}. Unbound (no
 * timeout asked): {@link #check} costs one bound test.
 *
 * <p>Thread-safe: scoped values are per thread and immutable.
 */
public final class Deadline {
  private static final ScopedValue<long[]> AT = ScopedValue.newInstance();

  private Deadline() {}

  /** Runs {@code op} with a deadline {@code timeoutSeconds} from now (0: none). */
  public static <T> T within(long timeoutSeconds, Supplier<T> op) {
    if (timeoutSeconds <= 0) {
      return op.get();
    }
    return at(System.nanoTime() + timeoutSeconds * 1_000_000_000L, timeoutSeconds, op);
  }

  /**
   * Runs {@code op} with the deadline {@code atNanos} on {@link System#nanoTime}'s clock; {@code
   * seconds} is what the error reports.
   */
  public static <T> T at(long atNanos, long seconds, Supplier<T> op) {
    return ScopedValue.where(AT, new long[] {atNanos, seconds}).call(op::get);
  }

  /** Throws {@link DeadlineExceeded} if the current request's deadline has passed. */
  public static void check() {
    if (AT.isBound()) {
      long[] at = AT.get();
      if (System.nanoTime() - at[0] > 0) {
        throw new DeadlineExceeded(at[1]);
      }
    }
  }

  /** A request ran past its {@code timeout}; its work was stopped. */
  public static final class DeadlineExceeded extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DeadlineExceeded(long seconds) {
      super(
          "timeout: the request did not finish within its timeout of "
              + seconds
              + " s and was stopped (raise timeout, lower limit or hnsw_ef, or index the"
              + " filtered fields)",
          null,
          false,
          false);
    }
  }
}
