package io.vecdb.durability;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A small blocking client for the Qdrant REST paths the durability tests use, over {@link
 * HttpClient} to 127.0.0.1. It speaks only the documented Qdrant 1.x API, so the tests run
 * unchanged against any server that serves it.
 *
 * <p>Threading: an instance may be used from several threads (the JDK client is thread-safe); the
 * crash workload gives each worker thread its own instance so that every worker has its own
 * connection and a killed server fails each worker independently.
 */
final class QdrantHttp implements AutoCloseable {

  /**
   * A reply: HTTP status and the parsed body ({@code null} when the body was not a JSON object).
   */
  record Reply(int status, JsonObject body, String raw) {
    boolean ok() {
      return status == 200;
    }

    /** The {@code result} member of Qdrant's envelope as an object. */
    JsonObject resultObject() {
      return body == null ? null : body.getJsonObject("result");
    }

    /** The {@code result} member of Qdrant's envelope as an array. */
    JsonArray resultArray() {
      return body == null ? null : body.getJsonArray("result");
    }

    @Override
    public String toString() {
      String shown = raw.length() > 600 ? raw.substring(0, 600) + "..." : raw;
      return "HTTP " + status + " " + shown;
    }
  }

  private final URI base;
  private final HttpClient client;
  private final Duration requestTimeout;

  QdrantHttp(URI base) {
    this(base, Duration.ofSeconds(60));
  }

  QdrantHttp(URI base, Duration requestTimeout) {
    this.base = base;
    this.requestTimeout = requestTimeout;
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  URI base() {
    return base;
  }

  Reply get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(base.resolve(path)).GET());
  }

  Reply put(String path, String json) throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(base.resolve(path))
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(json)));
  }

  Reply post(String path, String json) throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(base.resolve(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  Reply delete(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(base.resolve(path)).DELETE());
  }

  /**
   * Like {@link #put} etc. but fails with a message naming the request unless the status is 200.
   */
  JsonObject expectOk(String method, String path, String json)
      throws IOException, InterruptedException {
    Reply reply =
        switch (method) {
          case "GET" -> get(path);
          case "PUT" -> put(path, json);
          case "POST" -> post(path, json);
          case "DELETE" -> delete(path);
          default -> throw new IllegalArgumentException("method " + method);
        };
    if (!reply.ok() || reply.body() == null) {
      throw new AssertionError(method + " " + path + " expected HTTP 200, got " + reply);
    }
    return reply.body();
  }

  @Override
  public void close() {
    client.close();
  }

  private Reply send(HttpRequest.Builder builder) throws IOException, InterruptedException {
    HttpResponse<String> response =
        client.send(
            builder.timeout(requestTimeout).build(),
            HttpResponse.BodyHandlers.ofString(java.nio.charset.StandardCharsets.UTF_8));
    String raw = response.body() == null ? "" : response.body();
    JsonObject body;
    try {
      body = raw.isBlank() || raw.charAt(0) != '{' ? null : new JsonObject(raw);
    } catch (DecodeException e) {
      body = null;
    }
    return new Reply(response.statusCode(), body, raw);
  }
}
