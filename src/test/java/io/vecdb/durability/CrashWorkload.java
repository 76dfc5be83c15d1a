package io.vecdb.durability;

import io.vecdb.durability.AckLedger.Op;
import io.vecdb.durability.AckLedger.Outcome;
import io.vecdb.durability.AckLedger.PointState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Concurrent upserts and deletes against one collection, every one recorded in an {@link
 * AckLedger}. Worker {@code t} owns the ids {@code [1 + t*idsPerThread, 1 + (t+1)*idsPerThread)}
 * and sends one request at a time, so each id's operations reach the server in the ledger's order
 * (see {@link AckLedger}). Batches overwrite earlier ids of the same worker; deletes hit existing
 * and missing ids alike; a share of requests use {@code wait=true}.
 *
 * <p>Threading: {@link #start} spawns the workers; the test thread polls {@link Running#acked} and
 * {@link Running#inFlight} (atomics), then kills the server and calls {@link Running#join}. A
 * worker stops at its first I/O failure (a killed server): the request it was sending is recorded
 * as unknown, and it sends nothing more, so no abandoned request can reach a server after a later
 * one.
 */
final class CrashWorkload {

  /** The shape of the load; see {@link CrashScenario} for the sizes the tests use. */
  record Settings(
      int threads,
      int idsPerThread,
      int dim,
      int maxBatch,
      double deleteShare,
      double waitShare,
      int cycles,
      int minAckedBeforeKill,
      int maxExtraDelayMillis) {}

  private static final String[] TAGS = {"red", "grün", "青い", "say \"hi\"", "tab\there", ""};

  private final Settings settings;
  private final long seed;
  private final String collection;
  private final AckLedger ledger;

  CrashWorkload(Settings settings, long seed, String collection, AckLedger ledger) {
    this.settings = settings;
    this.seed = seed;
    this.collection = collection;
    this.ledger = ledger;
  }

  /** A started workload; see the class comment for who calls what. */
  static final class Running {
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
    private volatile boolean stopRequested;

    long acked() {
      return acked.get();
    }

    long sent() {
      return sent.get();
    }

    int inFlight() {
      return inFlight.get();
    }

    /** Error replies to valid requests (4xx other than 429), which no server should send. */
    List<String> unexpectedReplies() {
      return List.copyOf(unexpected);
    }

    /**
     * Polls until at least {@code n} operations were acknowledged. A slow server only takes longer
     * (up to {@code timeout}); a server that acknowledges nothing for {@code stall} fails at once,
     * naming the stall, since a correct server under this load always makes progress.
     */
    void awaitAcked(long n, Duration stall, Duration timeout) throws InterruptedException {
      long start = System.nanoTime();
      long lastProgress = start;
      long lastAcked = acked.get();
      while (acked.get() < n) {
        long now = System.nanoTime();
        long current = acked.get();
        if (current != lastAcked) {
          lastAcked = current;
          lastProgress = now;
        }
        if (now - lastProgress > stall.toNanos()) {
          throw new AssertionError(
              "no write acknowledged for "
                  + stall
                  + " (acked="
                  + current
                  + ", sent="
                  + sent.get()
                  + ", in flight="
                  + inFlight.get()
                  + ", waiting for "
                  + n
                  + ", unexpected replies="
                  + unexpected
                  + ")");
        }
        if (now - start > timeout.toNanos()) {
          throw new AssertionError(
              "only " + current + " of " + n + " writes acknowledged within " + timeout);
        }
        if (threads.stream().noneMatch(Thread::isAlive)) {
          throw new AssertionError("every worker stopped at acked=" + current + ": " + unexpected);
        }
        Thread.sleep(2); // poll interval
      }
    }

    /** Polls until at least one request is on the wire. */
    void awaitInFlight(Duration timeout) throws InterruptedException {
      awaitCondition(() -> inFlight.get() > 0, timeout, "a request in flight");
    }

    private void awaitCondition(
        java.util.function.BooleanSupplier condition, Duration timeout, String what)
        throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!condition.getAsBoolean()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError(
              "timed out after "
                  + timeout
                  + " waiting for "
                  + what
                  + " (acked="
                  + acked.get()
                  + ", sent="
                  + sent.get()
                  + ", unexpected replies="
                  + unexpected
                  + ")");
        }
        if (threads.stream().noneMatch(Thread::isAlive)) {
          throw new AssertionError("every worker stopped before " + what + ": " + unexpected);
        }
        Thread.sleep(2); // poll interval
      }
    }

    /** Asks the workers to stop after their current request and waits for them. */
    void join(Duration timeout) throws InterruptedException {
      stopRequested = true;
      long deadline = System.nanoTime() + timeout.toNanos();
      for (Thread thread : threads) {
        long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        thread.join(left);
        if (thread.isAlive()) {
          throw new AssertionError(
              "worker " + thread.getName() + " still running after " + timeout);
        }
      }
    }
  }

  /** Starts the workers of one crash cycle against the server at {@code base}. */
  Running start(URI base, int cycle) {
    Running running = new Running();
    for (int t = 0; t < settings.threads(); t++) {
      int worker = t;
      Thread thread =
          Thread.ofPlatform()
              .name("crash-worker-" + t + "-cycle-" + cycle)
              .daemon()
              .unstarted(() -> runWorker(base, cycle, worker, running));
      running.threads.add(thread);
    }
    running.threads.forEach(Thread::start);
    return running;
  }

  private void runWorker(URI base, int cycle, int worker, Running running) {
    Random rng = new Random(seed * 1_000_003L + cycle * 7_919L + worker);
    long firstId = 1L + (long) worker * settings.idsPerThread();
    String upsertPath = "/collections/" + collection + "/points?wait=";
    String deletePath = "/collections/" + collection + "/points/delete?wait=";
    try (QdrantHttp http = new QdrantHttp(base, Duration.ofSeconds(60))) {
      for (long seq = 0; !running.stopRequested; seq++) {
        boolean wait = rng.nextDouble() < settings.waitShare();
        boolean delete = rng.nextDouble() < settings.deleteShare();
        int count = 1 + rng.nextInt(delete ? 4 : settings.maxBatch());
        Set<Long> ids = new LinkedHashSet<>();
        while (ids.size() < count) {
          ids.add(firstId + rng.nextInt(settings.idsPerThread()));
        }
        List<Long> idList = List.copyOf(ids);
        List<PointState> after = new ArrayList<>();
        String body;
        String label;
        if (delete) {
          idList.forEach(id -> after.add(PointState.ABSENT));
          body = new JsonObject().put("points", new JsonArray(new ArrayList<>(idList))).encode();
          label = "delete wait=" + wait + " cycle=" + cycle;
        } else {
          StringBuilder points = new StringBuilder("{\"points\":[");
          for (int i = 0; i < idList.size(); i++) {
            float[] vector = randomVector(rng);
            JsonObject payload = randomPayload(rng, worker, cycle, seq);
            after.add(new PointState(vector, payload));
            points.append(i == 0 ? "" : ",").append("{\"id\":").append(idList.get(i));
            points.append(",\"vector\":").append(vectorJson(vector));
            points.append(",\"payload\":").append(payload.encode()).append('}');
          }
          body = points.append("]}").toString();
          label = "upsert wait=" + wait + " cycle=" + cycle;
        }
        Outcome outcome;
        boolean stopAfter = false;
        running.sent.incrementAndGet();
        running.inFlight.incrementAndGet();
        try {
          QdrantHttp.Reply reply =
              delete ? http.post(deletePath + wait, body) : http.put(upsertPath + wait, body);
          outcome = reply.ok() ? Outcome.ACKED : Outcome.UNKNOWN;
          if (!reply.ok()
              && reply.status() >= 400
              && reply.status() < 500
              && reply.status() != 429) {
            running.unexpected.add(label + " -> " + reply);
          }
        } catch (IOException e) {
          outcome = Outcome.UNKNOWN;
          stopAfter = true;
        } finally {
          running.inFlight.decrementAndGet();
        }
        for (int i = 0; i < idList.size(); i++) {
          ledger.record(idList.get(i), new Op(seq, label, after.get(i), outcome));
        }
        if (outcome == Outcome.ACKED) {
          running.acked.incrementAndGet();
        }
        if (stopAfter) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private float[] randomVector(Random rng) {
    float[] vector = new float[settings.dim()];
    double scale = Math.pow(10, rng.nextInt(7) - 3);
    for (int i = 0; i < vector.length; i++) {
      float value = (float) (rng.nextGaussian() * scale);
      vector[i] = value == 0f ? Float.MIN_NORMAL : value; // no -0.0/0.0 sign questions
    }
    return vector;
  }

  private static JsonObject randomPayload(Random rng, int worker, int cycle, long seq) {
    JsonObject payload =
        new JsonObject()
            .put("worker", worker)
            .put("cycle", cycle)
            .put("seq", seq)
            .put("tag", TAGS[rng.nextInt(TAGS.length)])
            .put("score", rng.nextInt(4096) / 8.0)
            .put("flags", new JsonArray().add(rng.nextBoolean()).add(rng.nextBoolean()));
    if (rng.nextBoolean()) {
      payload.put(
          "nested",
          new JsonObject()
              .put("big", rng.nextLong() & Long.MAX_VALUE)
              .put("list", new JsonArray().add(rng.nextInt(100)).add("x" + rng.nextInt(100))));
    }
    return payload;
  }

  static String vectorJson(float[] vector) {
    StringBuilder out = new StringBuilder(vector.length * 12).append('[');
    for (int i = 0; i < vector.length; i++) {
      // Float.toString is the shortest decimal that reads back as exactly this float.
      out.append(i == 0 ? "" : ",").append(Float.toString(vector[i]));
    }
    return out.append(']').toString();
  }
}
