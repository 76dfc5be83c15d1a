package io.vecdb.server;

import io.vecdb.config.TlsOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A listener's PEM files, read into memory: the options a server is started or updated with, and a
 * stamp (modification time and size of each file) to tell when they changed. Reading the bytes
 * (rather than handing Vert.x the paths) makes every reload a real one. Stateless; blocking file
 * reads, so never on an event loop once the server runs.
 */
final class TlsFiles {
  private TlsFiles() {}

  /**
   * Reads the files and checks that the key belongs to the certificate (Vert.x would take a
   * mismatched pair, read halfway through a rotation, and fail every handshake).
   *
   * @throws IllegalArgumentException naming the file that does not fit
   */
  static ServerSSLOptions load(io.vertx.core.Vertx vertx, TlsOptions tls) throws IOException {
    PemKeyCertOptions pair =
        new PemKeyCertOptions().setCertValue(read(tls.getCert())).setKeyValue(read(tls.getKey()));
    checkPair(vertx, pair, tls);
    ServerSSLOptions ssl = new ServerSSLOptions().setKeyCertOptions(pair);
    if (tls.getCa() != null) {
      ssl.setTrustOptions(new PemTrustOptions().addCertValue(read(tls.getCa())))
          .setClientAuth(ClientAuth.REQUIRED);
    }
    return ssl;
  }

  private static void checkPair(io.vertx.core.Vertx vertx, PemKeyCertOptions pair, TlsOptions tls) {
    try {
      javax.net.ssl.X509KeyManager km =
          (javax.net.ssl.X509KeyManager) pair.getKeyManagerFactory(vertx).getKeyManagers()[0];
      for (String type : new String[] {"EC", "RSA", "EdDSA", "Ed25519", "RSASSA-PSS"}) {
        String[] aliases = km.getServerAliases(type, null);
        if (aliases == null || aliases.length == 0) {
          continue;
        }
        java.security.PrivateKey key = km.getPrivateKey(aliases[0]);
        java.security.cert.X509Certificate cert = km.getCertificateChain(aliases[0])[0];
        String algorithm =
            switch (key.getAlgorithm()) {
              case "EC" -> "SHA256withECDSA";
              case "RSA" -> "SHA256withRSA";
              case "RSASSA-PSS" -> "RSASSA-PSS";
              default -> key.getAlgorithm(); // EdDSA, Ed25519
            };
        byte[] probe = "vecdb tls key check".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.security.Signature sign = java.security.Signature.getInstance(algorithm);
        if (algorithm.equals("RSASSA-PSS")) {
          sign.setParameter(
              new java.security.spec.PSSParameterSpec(
                  "SHA-256", "MGF1", java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
        }
        sign.initSign(key);
        sign.update(probe);
        byte[] signature = sign.sign();
        java.security.Signature verify = java.security.Signature.getInstance(algorithm);
        if (algorithm.equals("RSASSA-PSS")) {
          verify.setParameter(
              new java.security.spec.PSSParameterSpec(
                  "SHA-256", "MGF1", java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
        }
        verify.initVerify(cert.getPublicKey());
        verify.update(probe);
        if (!verify.verify(signature)) {
          throw new IllegalArgumentException(
              "tls.key ('"
                  + tls.getKey()
                  + "') is not the private key of tls.cert ('"
                  + tls.getCert()
                  + "')");
        }
        return;
      }
      throw new IllegalArgumentException(
          "tls.key ('" + tls.getKey() + "'): no usable private key for tls.cert");
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "tls.cert/tls.key ('"
              + tls.getCert()
              + "', '"
              + tls.getKey()
              + "'): not a PEM certificate and private key that belong together: "
              + e.getMessage(),
          e);
    }
  }

  /** Changes when any of the files is replaced or rewritten. */
  static String stamp(TlsOptions tls) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (String f : new String[] {tls.getCert(), tls.getKey(), tls.getCa()}) {
      if (f != null) {
        Path p = Path.of(f);
        sb.append(Files.getLastModifiedTime(p).toMillis()).append(':').append(Files.size(p));
      }
      sb.append('/');
    }
    return sb.toString();
  }

  private static Buffer read(String path) throws IOException {
    return Buffer.buffer(Files.readAllBytes(Path.of(path)));
  }
}
