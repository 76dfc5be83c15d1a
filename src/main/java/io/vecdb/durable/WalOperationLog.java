package io.vecdb.durable;

import io.vecdb.collection.ErrorCode;
import io.vecdb.collection.Operation;
import io.vecdb.collection.OperationCodec;
import io.vecdb.collection.OperationLog;
import io.vecdb.collection.VecdbException;
import io.vecdb.wal.Wal;
import io.vecdb.wal.WalException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The durable {@link OperationLog}: each operation is one WAL record ({@link #OPERATION_RECORD},
 * payload {@link OperationCodec}); an upsert batch is therefore one record, all or nothing. The
 * sequence number of an operation is its WAL LSN, so sequence numbers continue across restarts.
 *
 * <p>Concurrency: any thread may {@link #append}. The WAL completes its futures on its writer
 * thread; this class never completes a Vert.x promise there but hops to the caller's Vert.x context
 * (or, for callers outside Vert.x, a context of the node). Operations are encoded on a worker,
 * ordered per caller context, so one context's appends get LSNs in call order. Under {@code
 * sync=always} the future completes only after the fsync covering the record. {@link #close} blocks
 * on the WAL and therefore runs on a worker thread.
 *
 * <p>{@link OperationLog#recover} keeps its default (nothing to do): {@link DurableStorage} has
 * recovered the collections from checkpoints and this WAL before the log is handed to the node.
 */
public final class WalOperationLog implements OperationLog {
  /** WAL record type of an encoded {@link Operation}. */
  public static final byte OPERATION_RECORD = (byte) OperationCodec.VERSION;

  private static final java.util.logging.Logger LOG =
      java.util.logging.Logger.getLogger(WalOperationLog.class.getName());

  private final Vertx vertx;
  private final Wal wal;
  private final AtomicBoolean closed = new AtomicBoolean();

  public WalOperationLog(Vertx vertx, Wal wal) {
    this.vertx = vertx;
    this.wal = wal;
  }

  /**
   * Operations estimated at most this many encoded bytes are encoded on the calling thread (about a
   * microsecond per kilobyte), saving the hand-off to a worker and back.
   */
  static final long INLINE_ENCODE_BYTES = 16 * 1024;

  // Appends handed to a worker whose WAL append has not been called yet. An inline append waits
  // its turn behind them (it goes to the worker too while any is pending), so the appends of one
  // thread reach the WAL in call order either way.
  private final java.util.concurrent.atomic.AtomicInteger onWorker =
      new java.util.concurrent.atomic.AtomicInteger();

  @Override
  public Future<Long> append(Operation op) {
    Context context = vertx.getOrCreateContext();
    if (onWorker.get() == 0 && estimatedBytes(op) <= INLINE_ENCODE_BYTES) {
      java.util.concurrent.CompletableFuture<Long> appended;
      try {
        appended = wal.append(OPERATION_RECORD, OperationCodec.encode(op).getBytes());
      } catch (RuntimeException e) {
        return Future.failedFuture(toVecdb(e));
      }
      return Future.fromCompletionStage(appended, context)
          .recover(t -> Future.failedFuture(toVecdb(t)));
    }
    // Encoding a large batch is CPU work (a 256 x 784 batch is 800 KB): it runs on a worker,
    // ordered per context so that operations reach the WAL (and get LSNs) in the order they were
    // appended here. The WAL's future completes on its writer thread; fromCompletionStage with
    // the context hops back to it before any Vert.x callback runs.
    onWorker.incrementAndGet();
    return context
        .executeBlocking(
            () -> {
              try {
                return wal.append(OPERATION_RECORD, OperationCodec.encode(op).getBytes());
              } finally {
                onWorker.decrementAndGet();
              }
            },
            true)
        .compose(appended -> Future.fromCompletionStage(appended, context))
        .recover(t -> Future.failedFuture(toVecdb(t)));
  }

  /** A cheap upper bound of an operation's encoded size: its vectors, plus a margin per point. */
  static long estimatedBytes(Operation op) {
    return switch (op) {
      case Operation.UpsertPoints u -> {
        long bytes = 64;
        for (io.vecdb.collection.PointStruct p : u.points()) {
          bytes += 4L * p.vector().length + 64;
          for (float[] v : p.named().values()) {
            bytes += 4L * v.length + 16;
          }
          for (io.vecdb.model.SparseVector v : p.sparse().values()) {
            bytes += 8L * v.size() + 16;
          }
          if (p.payload() != null && !p.payload().isEmpty()) {
            bytes = jsonBytes(p.payload().json(), bytes);
          }
          if (bytes > INLINE_ENCODE_BYTES) {
            yield bytes;
          }
        }
        yield bytes;
      }
      default -> Long.MAX_VALUE; // other operations keep the worker
    };
  }

  /**
   * {@code bytes} plus a rough encoded size of a JSON value (keys, strings, 16 per other value);
   * stops walking once past {@link #INLINE_ENCODE_BYTES}, so a huge payload costs no more to
   * estimate than a small one.
   */
  private static long jsonBytes(Object value, long bytes) {
    switch (value) {
      case io.vertx.core.json.JsonObject o -> {
        for (java.util.Map.Entry<String, Object> e : o) {
          bytes = jsonBytes(e.getValue(), bytes + e.getKey().length() + 4);
          if (bytes > INLINE_ENCODE_BYTES) {
            return bytes;
          }
        }
        return bytes + 2;
      }
      case io.vertx.core.json.JsonArray a -> {
        for (Object v : a) {
          bytes = jsonBytes(v, bytes + 1);
          if (bytes > INLINE_ENCODE_BYTES) {
            return bytes;
          }
        }
        return bytes + 2;
      }
      case String str -> {
        return bytes + str.length() * 3L + 2; // UTF-8: at most 3 bytes per char
      }
      case null, default -> {
        return bytes + 16;
      }
    }
  }

  @Override
  public long lastSequence() {
    return wal.lastLsn();
  }

  @Override
  public Future<Void> close() {
    if (!closed.compareAndSet(false, true)) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(
        () -> {
          try {
            wal.close();
          } catch (WalException e) {
            LOG.warning("WAL closed after an earlier failure: " + e.getMessage());
          }
          return null;
        },
        false);
  }

  /** Closes the WAL on the calling thread (which may block); idempotent with {@link #close}. */
  void closeBlocking() {
    if (closed.compareAndSet(false, true)) {
      try {
        wal.close();
      } catch (WalException e) {
        // A failed WAL reports its failure again on close; what was acknowledged is on disk.
        LOG.warning("WAL closed after an earlier failure: " + e.getMessage());
      }
    }
  }

  /** The failure as the user sees it: a WAL I/O failure is a 503 that says why. */
  static VecdbException toVecdb(Throwable t) {
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    if (cause instanceof WalException w) {
      return VecdbException.of(w);
    }
    return new VecdbException(ErrorCode.UNAVAILABLE, "write-ahead log: " + cause);
  }
}
