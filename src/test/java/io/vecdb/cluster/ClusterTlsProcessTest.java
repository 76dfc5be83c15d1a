package io.vecdb.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.durability.ServerProcess;
import io.vecdb.server.TestCertificates;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS on the event bus between nodes (issue 11, item 4): three real JVMs started with {@code
 * --cluster-tls-cert/key/ca} form the cluster (the metadata group and a replicated collection work,
 * so Raft traffic crosses the TLS bus), and a client without a certificate from the cluster's
 * authority gets no event-bus connection: the TLS handshake fails without one, and a plain TCP peer
 * is never answered.
 */
class ClusterTlsProcessTest {
  @TempDir Path dir;

  @Test
  void nodesTalkOverMutualTlsAndStrangersAreRefused() throws Exception {
    Path certDir = Files.createDirectories(dir.resolve("certs"));
    TestCertificates certs = new TestCertificates(certDir);
    TestCertificates.Pair ca = certs.authority("cluster-ca");
    TestCertificates.Pair node = certs.leaf(ca, "node", "vecdb-node");
    try (ClusterHarness h = new ClusterHarness(dir, 3)) {
      h.start(
          "--cluster-tls-cert", node.cert().toString(),
          "--cluster-tls-key", node.key().toString(),
          "--cluster-tls-ca", ca.cert().toString());
      ServerProcess n1 = h.nodes().get(0);
      ServerProcess n3 = h.nodes().get(2);
      h.ok(
          n1,
          "PUT",
          "collections/c",
          new JsonObject()
              .put("vectors", new JsonObject().put("size", 2).put("distance", "Euclid"))
              .put("replication_factor", 3));
      JsonArray pts = new JsonArray();
      for (int id = 1; id <= 20; id++) {
        pts.add(new JsonObject().put("id", id).put("vector", new JsonArray().add(id).add(-id)));
      }
      h.ok(n3, "PUT", "collections/c/points?wait=true", new JsonObject().put("points", pts));
      ClusterHarness.Reply count =
          h.ok(n1, "POST", "collections/c/points/count?consistency=strong", new JsonObject());
      assertEquals(20L, ((JsonObject) count.result()).getLong("count"));

      // The event bus port: the node's listening TCP port that is neither HTTP nor Hazelcast.
      int busPort = busPort(n1, h);
      // The bus speaks TLS: a client with a certificate from the cluster's authority completes
      // the handshake (and sees the node's certificate) ...
      try (SSLSocket s = tlsClient(ca.cert(), node, busPort)) {
        s.startHandshake();
        assertEquals(
            "CN=vecdb-node",
            ((java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0])
                .getSubjectX500Principal()
                .getName());
      }
      // ... one whose certificate another authority signed is refused ...
      TestCertificates.Pair stranger = certs.leaf(certs.authority("other-ca"), "x", "vecdb-node");
      assertThrows(
          Exception.class,
          () -> {
            try (SSLSocket s = tlsClient(ca.cert(), stranger, busPort)) {
              s.startHandshake();
              assertEquals(-1, s.getInputStream().read());
            }
          },
          "a TLS client with another authority's certificate");
      // ... and so is one without a certificate.
      assertThrows(
          Exception.class,
          () -> {
            try (SSLSocket s = tlsClient(ca.cert(), null, busPort)) {
              s.startHandshake();
              // TLS 1.3 reports a refused client certificate on the first read.
              assertEquals(-1, s.getInputStream().read());
            }
          },
          "a TLS client without a certificate");
      // Plain TCP: bytes of an event-bus frame get no answer (the node expects a handshake).
      try (Socket plain = new Socket()) {
        plain.connect(new InetSocketAddress("127.0.0.1", busPort), 2_000);
        plain.setSoTimeout(2_000);
        plain.getOutputStream().write(new byte[] {0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8});
        int b;
        try {
          b = plain.getInputStream().read();
        } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
          b = -1;
        }
        // Nothing, or a TLS alert record (0x15): never an event-bus frame.
        assertTrue(b == -1 || b == 0x15, "a plain peer got a reply byte " + b);
      }
    }
  }

  private static SSLSocket tlsClient(Path ca, TestCertificates.Pair client, int port)
      throws Exception {
    SSLSocket s =
        (SSLSocket)
            TestCertificates.context(ca, client).getSocketFactory().createSocket("127.0.0.1", port);
    s.setSoTimeout(5_000);
    return s;
  }

  /**
   * The TCP ports {@code p} listens on (from /proc: its socket inodes matched against the listening
   * sockets), less its HTTP port and the Hazelcast port it was given.
   */
  private static int busPort(ServerProcess p, ClusterHarness h) throws Exception {
    Set<String> inodes = new HashSet<>();
    try (var fds = Files.list(Path.of("/proc", Long.toString(p.pid()), "fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (java.io.IOException gone) {
          // closed meanwhile
        }
      }
    }
    List<Integer> ports = new ArrayList<>();
    for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
      Path t = Path.of(table);
      if (!Files.exists(t)) {
        continue;
      }
      for (String line : Files.readAllLines(t).subList(1, Files.readAllLines(t).size())) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 9 && f[3].equals("0A") && inodes.contains(f[9])) {
          String local = f[1];
          ports.add(Integer.parseInt(local.substring(local.indexOf(':') + 1), 16));
        }
      }
    }
    ports.remove(Integer.valueOf(p.port()));
    ports.removeIf(port -> h.isHazelcastPort(port));
    assertEquals(1, ports.size(), "one listening port besides HTTP and Hazelcast: " + ports);
    assertTrue(ports.get(0) > 0);
    return ports.get(0);
  }
}
