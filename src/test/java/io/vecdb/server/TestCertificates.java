package io.vecdb.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Certificates for TLS tests, made by {@code openssl} in a directory the test owns: authorities and
 * leaves they sign (EC P-256, valid two days, {@code subjectAltName} 127.0.0.1 and localhost), as
 * PEM files. Not thread-safe; one per test.
 */
public final class TestCertificates {
  private final Path dir;

  public TestCertificates(Path dir) {
    this.dir = dir;
  }

  /** A certificate and its key. */
  public record Pair(Path cert, Path key) {}

  /** A self-signed authority: {@code name.pem} and {@code name.key}. */
  public Pair authority(String name) throws IOException, InterruptedException {
    Pair p = new Pair(dir.resolve(name + ".pem"), dir.resolve(name + ".key"));
    openssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        p.key().toString(),
        "-out",
        p.cert().toString(),
        "-days",
        "2",
        "-subj",
        "/CN=" + name,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign");
    return p;
  }

  /**
   * A leaf certificate with common name {@code cn}, signed by {@code ca}: {@code file.pem/.key}.
   */
  public Pair leaf(Pair ca, String file, String cn) throws IOException, InterruptedException {
    Pair p = new Pair(dir.resolve(file + ".pem"), dir.resolve(file + ".key"));
    Path csr = dir.resolve(file + ".csr");
    Path ext = dir.resolve(file + ".ext");
    Files.writeString(
        ext,
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
            + "extendedKeyUsage=serverAuth,clientAuth\n"
            + "keyUsage=critical,digitalSignature\n");
    openssl(
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        p.key().toString(),
        "-out",
        csr.toString(),
        "-subj",
        "/CN=" + cn);
    openssl(
        "x509",
        "-req",
        "-in",
        csr.toString(),
        "-CA",
        ca.cert().toString(),
        "-CAkey",
        ca.key().toString(),
        "-CAcreateserial",
        "-out",
        p.cert().toString(),
        "-days",
        "2",
        "-extfile",
        ext.toString());
    return p;
  }

  /**
   * The common name of the certificate a TLS server on 127.0.0.1:{@code port} presents, trusting
   * {@code ca}.
   */
  public static String servedName(int port, Path ca) throws Exception {
    try (SSLSocket s =
        (SSLSocket) context(ca, null).getSocketFactory().createSocket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.startHandshake();
      X509Certificate served = (X509Certificate) s.getSession().getPeerCertificates()[0];
      return served.getSubjectX500Principal().getName();
    }
  }

  /**
   * A TLS client context trusting {@code ca}, presenting {@code client} (an EC key in PKCS#8, as
   * {@link #leaf} writes it) if not null.
   */
  public static SSLContext context(Path ca, Pair client) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(ca)) {
      trust.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    javax.net.ssl.KeyManager[] keys = null;
    if (client != null) {
      String pem = Files.readString(client.key());
      byte[] der =
          java.util.Base64.getMimeDecoder()
              .decode(
                  pem.replace("-----BEGIN PRIVATE KEY-----", "")
                      .replace("-----END PRIVATE KEY-----", ""));
      java.security.PrivateKey key =
          java.security.KeyFactory.getInstance("EC")
              .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
      java.security.cert.Certificate cert;
      try (InputStream in = Files.newInputStream(client.cert())) {
        cert = CertificateFactory.getInstance("X.509").generateCertificate(in);
      }
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("client", key, new char[0], new java.security.cert.Certificate[] {cert});
      javax.net.ssl.KeyManagerFactory kmf =
          javax.net.ssl.KeyManagerFactory.getInstance(
              javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, new char[0]);
      keys = kmf.getKeyManagers();
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(keys, tmf.getTrustManagers(), null);
    return ctx;
  }

  private void openssl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add("openssl");
    cmd.addAll(List.of(args));
    Process p =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("openssl.log").toFile())
            .start();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(
          "openssl "
              + String.join(" ", args)
              + " failed:\n"
              + Files.readString(dir.resolve("openssl.log")));
    }
  }
}
