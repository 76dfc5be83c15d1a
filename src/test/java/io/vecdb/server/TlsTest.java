package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.config.VecdbOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on the HTTP and WebSocket listener (issue 11, item 4), with certificates the test makes
 * ({@link TestCertificates}): HTTPS and WSS serve the API and plain HTTP gets nothing; with {@code
 * tls.ca} only clients presenting a certificate from that authority get through; changed PEM files
 * are loaded for new connections, and a broken one keeps the old certificate.
 */
@ExtendWith(VertxExtension.class)
class TlsTest {
  @TempDir Path dir;

  private static WebClient https(Vertx vertx, int port, Path ca, TestCertificates.Pair client) {
    WebClientOptions o =
        new WebClientOptions()
            .setDefaultHost("127.0.0.1")
            .setDefaultPort(port)
            .setSsl(true)
            .setVerifyHost(true)
            .setTrustOptions(new PemTrustOptions().addCertPath(ca.toString()));
    if (client != null) {
      o.setKeyCertOptions(
          new PemKeyCertOptions()
              .setCertPath(client.cert().toString())
              .setKeyPath(client.key().toString()));
    }
    return WebClient.create(vertx, o);
  }

  private static int status(WebClient c, String path) throws Exception {
    return TestNode.await(c.get(path).send()).statusCode();
  }

  @Test
  void httpsAndWssServeTheApiAndPlainHttpGetsNothing(Vertx vertx) throws Exception {
    TestCertificates certs = new TestCertificates(dir);
    TestCertificates.Pair ca = certs.authority("ca");
    TestCertificates.Pair server = certs.leaf(ca, "server", "vecdb-server");
    VecdbOptions options = new VecdbOptions();
    options.getTls().setCert(server.cert().toString()).setKey(server.key().toString());
    try (TestNode t = TestNode.start(vertx, options)) {
      int port = t.node.httpPort();
      WebClient c = https(vertx, port, ca.cert(), null);
      JsonObject create =
          new JsonObject().put("vectors", new JsonObject().put("size", 2).put("distance", "Dot"));
      HttpResponse<Buffer> created = TestNode.await(c.put("/collections/t").sendJsonObject(create));
      assertEquals(200, created.statusCode(), created.bodyAsString());
      JsonObject points =
          new JsonObject()
              .put(
                  "points",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("id", 1)
                              .put("vector", new JsonArray().add(1).add(0))));
      assertEquals(
          200,
          TestNode.await(c.put("/collections/t/points?wait=true").sendJsonObject(points))
              .statusCode());
      assertEquals(200, status(c, "/collections/t"));
      // Plain HTTP on the TLS port: no answer that a client could take for one.
      WebClient plain =
          WebClient.create(
              vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
      assertThrows(Exception.class, () -> status(plain, "/collections"));
      // A client that does not trust the server's authority refuses it.
      TestCertificates.Pair other = certs.authority("other-ca");
      assertThrows(Exception.class, () -> status(https(vertx, port, other.cert(), null), "/"));
      // WSS on the same listener.
      WebSocketClient wsc =
          vertx.createWebSocketClient(
              new WebSocketClientOptions()
                  .setSsl(true)
                  .setVerifyHost(true)
                  .setTrustOptions(new PemTrustOptions().addCertPath(ca.cert().toString())));
      WebSocket ws =
          TestNode.await(
              wsc.connect(
                  new WebSocketConnectOptions()
                      .setHost("127.0.0.1")
                      .setPort(port)
                      .setSsl(true)
                      .setURI("/ws")));
      LinkedBlockingQueue<JsonObject> inbox = new LinkedBlockingQueue<>();
      ws.textMessageHandler(s -> inbox.add(new JsonObject(s)));
      TestNode.await(
          ws.writeTextMessage(
              new JsonObject()
                  .put("id", 1)
                  .put("action", "search")
                  .put("collection", "t")
                  .put("body", new JsonObject().put("vector", new JsonArray().add(1).add(0)))
                  .encode()));
      JsonObject searched = inbox.poll(10, TimeUnit.SECONDS);
      assertEquals("ok", searched.getString("status"), String.valueOf(searched));
      assertEquals(1, searched.getJsonArray("result").size(), searched.encode());
      TestNode.await(ws.close());
    }
  }

  @Test
  void withACaOnlyClientsItSignedGetThrough(Vertx vertx) throws Exception {
    TestCertificates certs = new TestCertificates(dir);
    TestCertificates.Pair ca = certs.authority("ca");
    TestCertificates.Pair server = certs.leaf(ca, "server", "vecdb-server");
    TestCertificates.Pair clients = certs.authority("clients-ca");
    TestCertificates.Pair good = certs.leaf(clients, "app", "app");
    TestCertificates.Pair stranger = certs.leaf(certs.authority("stranger-ca"), "x", "x");
    VecdbOptions options = new VecdbOptions();
    options
        .getTls()
        .setCert(server.cert().toString())
        .setKey(server.key().toString())
        .setCa(clients.cert().toString());
    try (TestNode t = TestNode.start(vertx, options)) {
      int port = t.node.httpPort();
      assertThrows(
          Exception.class, () -> status(https(vertx, port, ca.cert(), null), "/collections"));
      assertThrows(
          Exception.class,
          () -> status(https(vertx, port, ca.cert(), stranger), "/collections"),
          "a certificate from another authority");
      assertEquals(200, status(https(vertx, port, ca.cert(), good), "/collections"));
    }
  }

  @Test
  void changedCertificateFilesAreLoadedForNewConnections(Vertx vertx) throws Exception {
    TestCertificates certs = new TestCertificates(dir);
    TestCertificates.Pair ca = certs.authority("ca");
    TestCertificates.Pair first = certs.leaf(ca, "first", "vecdb-first");
    TestCertificates.Pair second = certs.leaf(ca, "second", "vecdb-second");
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    Files.copy(first.cert(), cert);
    Files.copy(first.key(), key);
    VecdbOptions options = new VecdbOptions();
    options.getTls().setCert(cert.toString()).setKey(key.toString()).setReloadSeconds(1);
    try (TestNode t = TestNode.start(vertx, options)) {
      int port = t.node.httpPort();
      assertEquals("CN=vecdb-first", TestCertificates.servedName(port, ca.cert()));
      // A half-done rotation (new certificate, old key) is refused: the old pair stays in use.
      Files.copy(second.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
      Thread.sleep(2_500);
      assertEquals("CN=vecdb-first", TestCertificates.servedName(port, ca.cert()));
      Files.copy(second.key(), key, StandardCopyOption.REPLACE_EXISTING);
      String served = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (System.nanoTime() < deadline) {
        served = TestCertificates.servedName(port, ca.cert());
        if (served.equals("CN=vecdb-second")) {
          break;
        }
        Thread.sleep(200);
      }
      assertEquals("CN=vecdb-second", served, "the rotated certificate within 15 s");
      assertEquals(200, status(https(vertx, port, ca.cert(), null), "/collections"));
    }
  }

  @Test
  void settingsNameWhatIsWrong() throws Exception {
    VecdbOptions o = new VecdbOptions();
    o.getTls().setCert(dir.resolve("missing.pem").toString());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> o.getTls().validate(false));
    assertTrue(
        e.getMessage().contains("tls.key: expected a PEM private key file beside tls.cert"),
        e.getMessage());
    VecdbOptions onlyCa = new VecdbOptions();
    onlyCa.getTls().setCa(dir.resolve("ca.pem").toString());
    e = assertThrows(IllegalArgumentException.class, () -> onlyCa.getTls().validate(false));
    assertTrue(e.getMessage().startsWith("tls.cert: expected"), e.getMessage());
    o.getTls().setKey(dir.resolve("missing.key").toString());
    e = assertThrows(IllegalArgumentException.class, () -> o.getTls().validate(false));
    assertTrue(e.getMessage().contains("tls.cert: expected a readable PEM file"), e.getMessage());
    JsonObject bad = new JsonObject().put("tls", new JsonObject().put("certificate", "x"));
    e = assertThrows(IllegalArgumentException.class, () -> new VecdbOptions(bad));
    assertTrue(e.getMessage().contains("unknown setting 'tls.certificate'"), e.getMessage());
  }
}
