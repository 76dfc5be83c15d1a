package io.vecdb.load;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.*;
import io.gatling.javaapi.http.*;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Mixed load against one VecDB node: writers upsert batches of random vectors with payloads while
 * readers run plain and filtered searches. Bounded in users and time; every request checks status.
 *
 * <p>System properties: vecdb.url (default http://127.0.0.1:6333), vecdb.dim (128),
 * vecdb.batch (64), vecdb.writers (4), vecdb.readers (16), vecdb.seconds (60), vecdb.seed (42).
 */
public class UpsertAndSearchSimulation extends Simulation {
  private static final String URL = System.getProperty("vecdb.url", "http://127.0.0.1:6333");
  private static final int DIM = Integer.getInteger("vecdb.dim", 128);
  private static final int BATCH = Integer.getInteger("vecdb.batch", 64);
  private static final int WRITERS = Integer.getInteger("vecdb.writers", 4);
  private static final int READERS = Integer.getInteger("vecdb.readers", 16);
  private static final int SECONDS = Integer.getInteger("vecdb.seconds", 60);
  private static final long SEED = Long.getLong("vecdb.seed", 42L);
  private static final String COLLECTION = "load_" + SEED;

  private final AtomicLong nextId = new AtomicLong();
  private final ThreadLocal<Random> random =
      ThreadLocal.withInitial(() -> new Random(SEED ^ Thread.currentThread().threadId()));

  private String vector() {
    Random r = random.get();
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < DIM; i++) {
      if (i > 0) sb.append(',');
      sb.append((float) r.nextGaussian());
    }
    return sb.append(']').toString();
  }

  private String batch() {
    StringBuilder sb = new StringBuilder("{\"points\":[");
    for (int i = 0; i < BATCH; i++) {
      long id = nextId.getAndIncrement();
      if (i > 0) sb.append(',');
      sb.append("{\"id\":").append(id).append(",\"vector\":").append(vector());
      sb.append(",\"payload\":{\"group\":").append(id % 10).append("}}");
    }
    return sb.append("]}").toString();
  }

  private final Iterator<Map<String, Object>> feeder =
      Stream.generate(
              (Supplier<Map<String, Object>>)
                  () -> Map.of("batch", batch(), "query", vector(), "group", random.get().nextInt(10)))
          .iterator();

  private final HttpProtocolBuilder protocol =
      http.baseUrl(URL).contentTypeHeader("application/json").acceptHeader("application/json");

  private final ScenarioBuilder setup =
      scenario("create collection")
          .exec(http("delete old").delete("/collections/" + COLLECTION).check(status().in(200, 404)))
          .exec(
              http("create")
                  .put("/collections/" + COLLECTION)
                  .body(StringBody("{\"vectors\":{\"size\":" + DIM + ",\"distance\":\"Cosine\"}}"))
                  .check(status().is(200)));

  private final ScenarioBuilder writers =
      scenario("upsert")
          .during(Duration.ofSeconds(SECONDS))
          .on(
              feed(feeder)
                  .exec(
                      http("upsert batch")
                          .put("/collections/" + COLLECTION + "/points?wait=false")
                          .body(StringBody("#{batch}"))
                          .check(status().is(200))));

  private final ScenarioBuilder readers =
      scenario("search")
          .during(Duration.ofSeconds(SECONDS))
          .on(
              feed(feeder)
                  .exec(
                      http("search")
                          .post("/collections/" + COLLECTION + "/points/search")
                          .body(StringBody("{\"vector\":#{query},\"limit\":10}"))
                          .check(status().is(200)))
                  .exec(
                      http("filtered search")
                          .post("/collections/" + COLLECTION + "/points/search")
                          .body(
                              StringBody(
                                  "{\"vector\":#{query},\"limit\":10,\"filter\":{\"must\":[{\"key\":\"group\",\"match\":{\"value\":#{group}}}]}}"))
                          .check(status().is(200))));

  {
    setUp(
            setup
                .injectOpen(atOnceUsers(1))
                .andThen(
                    writers.injectOpen(atOnceUsers(WRITERS)),
                    readers.injectOpen(rampUsers(READERS).during(Duration.ofSeconds(5)))))
        .protocols(protocol)
        .maxDuration(Duration.ofSeconds(SECONDS + 30L))
        .assertions(global().failedRequests().percent().lt(1.0));
  }
}
