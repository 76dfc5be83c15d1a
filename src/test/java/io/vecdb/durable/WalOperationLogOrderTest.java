package io.vecdb.durable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.collection.Operation;
import io.vecdb.collection.PointStruct;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vecdb.wal.SegmentedWal;
import io.vecdb.wal.SyncPolicy;
import io.vecdb.wal.WalOptions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Small operations are encoded on the calling thread, large ones on a worker; either way one
 * context's appends get LSNs in the order they were made (a small append made while a large one is
 * still being encoded waits its turn), and operations estimated small are the ones inlined.
 */
class WalOperationLogOrderTest {
  static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  @Test
  void appendsOfOneContextGetLsnsInCallOrderWhateverTheirSize() throws Exception {
    Random rnd = new Random(SEED);
    Path dir = DurableTestNode.tempDir("vecdb-wal-order");
    Vertx vertx = Vertx.vertx();
    SegmentedWal wal =
        SegmentedWal.open(new WalOptions(dir.resolve("wal")).syncPolicy(SyncPolicy.NEVER));
    try {
      WalOperationLog log = new WalOperationLog(vertx, wal);
      Context context = vertx.getOrCreateContext();
      int n = 400;
      List<Operation> ops = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        // Mostly small, with large ones (100 x 128 floats, about 51 KB) among them.
        ops.add(upsert(i, rnd.nextInt(4) == 0 ? 100 : 1, rnd));
      }
      CompletableFuture<List<Long>> lsns = new CompletableFuture<>();
      context.runOnContext(
          v -> {
            List<Future<Long>> appended = new ArrayList<>();
            for (Operation op : ops) {
              appended.add(log.append(op)); // all in one go, on one event loop
            }
            Future.all(appended)
                .onComplete(
                    ar -> {
                      if (ar.failed()) {
                        lsns.completeExceptionally(ar.cause());
                        return;
                      }
                      List<Long> out = new ArrayList<>();
                      for (Future<Long> f : appended) {
                        out.add(f.result());
                      }
                      lsns.complete(out);
                    });
          });
      List<Long> got = lsns.get(60, TimeUnit.SECONDS);
      for (int i = 1; i < n; i++) {
        assertTrue(
            got.get(i) > got.get(i - 1),
            "seed "
                + SEED
                + ": append "
                + i
                + " ("
                + size(ops.get(i))
                + " points) got LSN "
                + got.get(i)
                + ", not after append "
                + (i - 1)
                + " ("
                + size(ops.get(i - 1))
                + " points), LSN "
                + got.get(i - 1));
      }
    } finally {
      wal.close();
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void onlySmallUpsertsAreEstimatedSmallEnoughToEncodeInline() {
    Random rnd = new Random(SEED);
    long limit = WalOperationLog.INLINE_ENCODE_BYTES;
    assertTrue(WalOperationLog.estimatedBytes(upsert(1, 1, rnd)) <= limit);
    assertTrue(WalOperationLog.estimatedBytes(upsert(1, 100, rnd)) > limit, "51 KB of vectors");
    // A small vector with a large payload is large.
    JsonObject big = new JsonObject().put("text", "x".repeat(20_000));
    Operation withPayload =
        new Operation.UpsertPoints(
            "c", List.of(new PointStruct(PointId.of(1), new float[4], new Payload(big))));
    assertTrue(WalOperationLog.estimatedBytes(withPayload) > limit);
    // Non-upserts keep the worker.
    assertEquals(
        Long.MAX_VALUE, WalOperationLog.estimatedBytes(new Operation.DeleteCollection("c")));
  }

  private static int size(Operation op) {
    return ((Operation.UpsertPoints) op).points().size();
  }

  private static Operation upsert(int first, int points, Random rnd) {
    List<PointStruct> list = new ArrayList<>();
    for (int p = 0; p < points; p++) {
      float[] v = new float[128];
      for (int j = 0; j < v.length; j++) {
        v[j] = rnd.nextFloat();
      }
      list.add(new PointStruct(PointId.of(first * 1000L + p), v, Payload.EMPTY));
    }
    return new Operation.UpsertPoints("c", list);
  }
}
