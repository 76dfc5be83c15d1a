package io.vecdb.index;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Inserts a batch of vectors into one {@link HnswIndex} from several threads: the calling thread
 * plus up to {@code threads - 1} helper threads shared by every caller. Graph insertion is most of
 * the cost of an upsert, and {@link HnswIndex#add} takes concurrent adds, as hnswlib's {@code
 * add_items} does with its thread count.
 *
 * <p>Concurrency: any number of callers at once (one per collection lane). Each call has its own
 * work counter ({@code next}) and completion latch; helpers claim items from the counter, so a
 * helper that starts after the caller took the last item finds nothing and returns. The caller
 * never waits for a helper to start, only for items already claimed to finish, so a busy helper
 * pool slows a batch down to one thread and never stalls it. The helper pool is a fixed set of
 * daemon platform threads, shut down by {@link #close}; after that, calls run on the caller alone.
 *
 * <p>Order: the returned ordinals are in batch order, but ordinals are assigned in the order the
 * threads reach {@link HnswIndex#add}, so they are not ascending within a parallel batch. Callers
 * map ids to ordinals afterwards, serially, in batch order (a repeated id's last write wins).
 */
public final class ParallelInserter implements AutoCloseable {
  /** Below this many vectors a batch is inserted by the caller alone (not worth a hand-off). */
  static final int MIN_PARALLEL_BATCH = 16;

  /** Inserts on the caller's thread only. */
  public static final ParallelInserter SERIAL = new ParallelInserter(1);

  private final int threads;
  private final ExecutorService helpers;

  /**
   * @param threads threads that insert one batch, the caller's included (1: serial)
   */
  public ParallelInserter(int threads) {
    this(threads, 0);
  }

  /**
   * @param threads threads that insert one batch, the caller's included (1: serial)
   * @param nice the helper threads' Linux nice value ({@link ThreadNice}; 0: normal priority)
   */
  public ParallelInserter(int threads, int nice) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads: expected at least 1, got " + threads);
    }
    this.threads = threads;
    AtomicInteger count = new AtomicInteger();
    this.helpers =
        threads == 1
            ? null
            : Executors.newFixedThreadPool(
                threads - 1,
                r ->
                    Thread.ofPlatform()
                        .name("vecdb-index-" + count.incrementAndGet())
                        .daemon(true)
                        .unstarted(
                            () -> {
                              ThreadNice.set(nice);
                              r.run();
                            }));
  }

  /**
   * Adds {@code vectors} to {@code index} and returns their ordinals in the order given. If an add
   * fails, the vectors already added are removed again (so no node is left that nobody maps) and
   * the first failure is thrown.
   */
  public int[] addAll(VectorIndex index, List<float[]> vectors) {
    int n = vectors.size();
    int[] ordinals = new int[n];
    java.util.Arrays.fill(ordinals, -1);
    int wanted = helpers == null || !(index instanceof HnswIndex) ? 0 : helperCount(n);
    Batch batch = new Batch(index, vectors, ordinals);
    if (wanted > 0) {
      try {
        for (int i = 0; i < wanted; i++) {
          helpers.execute(batch::work);
        }
      } catch (RejectedExecutionException closed) {
        // shutting down: whatever was queued still runs, the caller does the rest
      }
    }
    batch.work();
    batch.awaitClaimed();
    Throwable failure = batch.failure.get();
    if (failure != null) {
      for (int ord : ordinals) {
        if (ord >= 0) {
          index.remove(ord);
        }
      }
      if (failure instanceof RuntimeException e) {
        throw e;
      }
      if (failure instanceof Error e) {
        throw e;
      }
      throw new IllegalStateException(failure);
    }
    return ordinals;
  }

  private int helperCount(int n) {
    return n < MIN_PARALLEL_BATCH ? 0 : threads - 1;
  }

  /** Stops the helpers after their current items; later batches run on the caller alone. */
  @Override
  public void close() {
    if (helpers != null) {
      helpers.shutdown();
    }
  }

  /** One call's shared state; fields are thread-safe themselves, see the class comment. */
  private static final class Batch {
    final VectorIndex index;
    final List<float[]> vectors;
    final int[] ordinals; // slot i written by the one thread that claimed item i
    final AtomicInteger next = new AtomicInteger();
    final CountDownLatch done;
    final AtomicReference<Throwable> failure = new AtomicReference<>();

    Batch(VectorIndex index, List<float[]> vectors, int[] ordinals) {
      this.index = index;
      this.vectors = vectors;
      this.ordinals = ordinals;
      this.done = new CountDownLatch(vectors.size());
    }

    void work() {
      int n = vectors.size();
      for (int i; (i = next.getAndIncrement()) < n; ) {
        try {
          if (failure.get() == null) {
            ordinals[i] = index.add(vectors.get(i));
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        } finally {
          done.countDown(); // happens-before the caller's await: ordinals[i] is visible to it
        }
      }
    }

    /** Waits for items other threads claimed; every item is claimed once the caller's work ends. */
    void awaitClaimed() {
      boolean interrupted = false;
      while (true) {
        try {
          done.await();
          break;
        } catch (InterruptedException e) {
          interrupted = true; // the items in flight must finish before their ordinals are read
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
