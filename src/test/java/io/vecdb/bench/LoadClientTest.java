package io.vecdb.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link LoadClient} with requests made as they are sent (the write benchmark's mode). */
class LoadClientTest {
  @Test
  void everyRequestFromASourceIsSentOnceAndEveryReplyIsCounted() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Set<String> seen = ConcurrentHashMap.newKeySet();
      AtomicLong received = new AtomicLong();
      HttpServer server =
          vertx
              .createHttpServer()
              .requestHandler(
                  req ->
                      req.body()
                          .onSuccess(
                              b -> {
                                received.incrementAndGet();
                                seen.add(req.method() + " " + req.uri() + " " + b);
                                // Every 7th body is refused, as an overloaded server would.
                                boolean refuse = b.toString().endsWith("7");
                                req.response()
                                    .setStatusCode(refuse ? 503 : 200)
                                    .end(refuse ? "{\"status\":\"busy\"}" : "{}");
                              }))
              .listen(0, "127.0.0.1")
              .toCompletionStage()
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
      LoadClient client =
          new LoadClient(
              new InetSocketAddress("127.0.0.1", server.actualPort()),
              LoadClient.Mode.HTTP,
              "/w?wait=false");
      long[] next = {0};
      LoadClient.Result r =
          client.run(
              () -> {
                byte[] body = ("id=" + next[0]++).getBytes(StandardCharsets.US_ASCII);
                return LoadClient.httpRequest("PUT", "/w?wait=false", body, body.length);
              },
              4,
              30,
              300);
      assertEquals(300, r.requests(), "bounded by the request count before the 30 s");
      assertEquals(300, next[0], "one request made per send");
      assertEquals(300, received.get());
      assertEquals(300, seen.size(), "every request differs");
      assertTrue(seen.contains("PUT /w?wait=false id=299"), "method, path and body as given");
      assertEquals(30, r.errors(), "the refused ones (ids ending in 7) are errors");
      assertEquals(270, r.okInWindow(), "the rest succeeded inside the window");
      assertTrue(r.firstError().startsWith("503"), r.firstError());
      assertEquals(300, r.latencies().length);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
