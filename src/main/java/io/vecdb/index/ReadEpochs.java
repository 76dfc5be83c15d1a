package io.vecdb.index;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Epoch-based grace periods for reusing freed ordinals under lock-free readers.
 *
 * <p>A reader brackets everything it does with ordinals (the graph walk, and its caller's mapping
 * of ordinals to points) in a section: {@link #enter} pins the current epoch in the thread's slot,
 * {@link VectorIndex.ReadSection#close} unpins it. A writer that frees ordinals (they can no longer
 * be reached from anything a new reader reads) stamps them with {@link #advance}; they may be
 * handed out again once {@link #oldestPinned} is at least that stamp, that is once every reader
 * that could have seen them before they were freed has left its section.
 *
 * <p>Concurrency: {@code epoch} and each slot's {@code pinned} are volatile, so their accesses are
 * totally ordered. {@link #enter} pins the epoch it read and reads it again, retrying if it moved:
 * a reader that pinned {@code e} and saw {@code e} again either read it before a writer's advance
 * to {@code e + 1} (and that writer's later {@link #oldestPinned} sees {@code e}) or after it (and
 * sees everything the writer did before). Sections nest on a thread (a depth count). Slots are kept
 * per platform thread, and pooled for virtual threads; {@link #all} holds every slot ever made (as
 * many as threads that read at once), read by {@link #oldestPinned}. A section may be entered and
 * left on one thread only; a {@link #hold} (an index image being written out) has a slot of its own
 * and may be released on any thread.
 */
final class ReadEpochs {
  /** A thread's pin: {@code pinned} is 0 when outside any section. */
  final class Slot implements VectorIndex.ReadSection {
    volatile long pinned;
    int depth; // owner thread only

    @Override
    public void close() {
      exit(this);
    }
  }

  private final AtomicLong epoch = new AtomicLong(1);
  private final ThreadLocal<Slot> current = new ThreadLocal<>();
  private final ConcurrentLinkedQueue<Slot> idle = new ConcurrentLinkedQueue<>();
  private final Set<Slot> all = ConcurrentHashMap.newKeySet();

  /** Tests only: runs in {@link #enter} after it read the epoch, before it pinned it. */
  volatile Runnable afterEpochRead;

  /** Enters a read section (nested ones just count). */
  Slot enter() {
    Slot s = current.get();
    if (s != null && s.depth > 0) {
      s.depth++;
      return s;
    }
    if (s == null) {
      s = Thread.currentThread().isVirtual() ? idle.poll() : null;
      if (s == null) {
        s = new Slot();
        all.add(s);
      }
      current.set(s);
    }
    long e;
    do {
      e = epoch.get();
      Runnable hook = afterEpochRead;
      if (hook != null) {
        hook.run();
      }
      s.pinned = e;
    } while (epoch.get() != e);
    s.depth = 1;
    return s;
  }

  /**
   * Pins the current epoch in a slot of its own, not the thread's, until the returned section is
   * closed, on any thread, once (an {@link HnswImage} captured on one thread and written on
   * another). Same protocol as {@link #enter}.
   */
  VectorIndex.ReadSection hold() {
    Slot s = new Slot();
    all.add(s);
    long e;
    do {
      e = epoch.get();
      s.pinned = e;
    } while (epoch.get() != e);
    java.util.concurrent.atomic.AtomicBoolean open =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    return () -> {
      if (open.compareAndSet(true, false)) {
        s.pinned = 0;
        all.remove(s);
      }
    };
  }

  private void exit(Slot s) {
    if (--s.depth > 0) {
      return;
    }
    s.pinned = 0;
    if (Thread.currentThread().isVirtual()) {
      current.remove();
      idle.offer(s);
    }
  }

  /** Starts a new epoch and returns it: the stamp of what the caller has just freed. */
  long advance() {
    return epoch.incrementAndGet();
  }

  /** The oldest epoch a reader is pinned at, or {@link Long#MAX_VALUE} if none is reading. */
  long oldestPinned() {
    long min = Long.MAX_VALUE;
    for (Slot s : all) {
      long p = s.pinned;
      if (p != 0 && p < min) {
        min = p;
      }
    }
    return min;
  }
}
