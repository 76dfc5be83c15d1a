package io.vecdb.server;

import io.vecdb.config.VecdbOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

/**
 * A node on a free 127.0.0.1 port plus a blocking HTTP helper for tests. Blocking calls run on the
 * JUnit thread, never on an event loop.
 */
final class TestNode implements AutoCloseable {
  final VecdbNode node;
  final WebClient client;
  final String base;

  private TestNode(VecdbNode node, Vertx clientVertx) {
    this.node = node;
    this.client =
        WebClient.create(
            clientVertx,
            new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.httpPort()));
    this.base = "http://127.0.0.1:" + node.httpPort();
  }

  static TestNode start(Vertx clientVertx) throws Exception {
    return start(clientVertx, new VecdbOptions());
  }

  static TestNode start(Vertx clientVertx, VecdbOptions options) throws Exception {
    // A fresh data directory, unless the test chose one (to restart on it).
    if (options.getDataDir().equals(VecdbOptions.DEFAULT_DATA_DIR)) {
      options.setDataDir(Files.createTempDirectory("vecdb-test").toString());
    }
    options.setHttpPort(0).setHost("127.0.0.1").setSearchInstances(2);
    if (options.getGrpcPort() == VecdbOptions.DEFAULT_GRPC_PORT) {
      options.setGrpcPort(0); // off unless the test asks for a port
    }
    return new TestNode(await(VecdbNode.start(options)), clientVertx);
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** A response: status and body parsed as JSON (null when not JSON). */
  record Reply(int status, JsonObject json, String text) {
    Object result() {
      return json.getValue("result");
    }

    JsonObject resultObject() {
      return json.getJsonObject("result");
    }

    String error() {
      return json == null || json.getJsonObject("status") == null
          ? null
          : json.getJsonObject("status").getString("error");
    }
  }

  Reply call(HttpMethod method, String path, Object body) throws Exception {
    return call(method, path, body, java.util.Map.of());
  }

  /** As {@link #call(HttpMethod, String, Object)}, with request headers. */
  Reply call(HttpMethod method, String path, Object body, java.util.Map<String, String> headers)
      throws Exception {
    var request = client.request(method, path);
    headers.forEach(request::putHeader);
    Future<HttpResponse<Buffer>> f =
        body == null
            ? request.send()
            : request.putHeader("content-type", "application/json").sendBuffer(toBuffer(body));
    HttpResponse<Buffer> r = await(f);
    String text = r.bodyAsString();
    JsonObject json = null;
    try {
      json = text == null ? null : new JsonObject(text);
    } catch (RuntimeException e) {
      // plain text (health probes, metrics)
    }
    return new Reply(r.statusCode(), json, text);
  }

  private static Buffer toBuffer(Object body) {
    if (body instanceof Buffer b) {
      return b;
    }
    if (body instanceof String s) {
      return Buffer.buffer(s);
    }
    return ((JsonObject) body).toBuffer();
  }

  Reply get(String path) throws Exception {
    return call(HttpMethod.GET, path, null);
  }

  Reply put(String path, Object body) throws Exception {
    return call(HttpMethod.PUT, path, body);
  }

  Reply post(String path, Object body) throws Exception {
    return call(HttpMethod.POST, path, body);
  }

  Reply delete(String path) throws Exception {
    return call(HttpMethod.DELETE, path, null);
  }

  Reply patch(String path, Object body) throws Exception {
    return call(HttpMethod.PATCH, path, body);
  }

  @Override
  public void close() throws Exception {
    client.close();
    await(node.close());
  }
}
