package io.vecdb.config;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * TLS settings of one listener: {@code tls} (HTTP, WebSocket) and {@code cluster.tls} (the event
 * bus between nodes) in {@code conf/vecdb.json}. PEM files: {@code cert} (the certificate chain,
 * leaf first), {@code key} (its private key, PKCS#8, PKCS#1 or SEC1) and {@code ca} (certificates
 * of the authority whose certificates peers must present: for {@code tls} optional, turning on
 * mutual TLS for clients; for {@code cluster.tls} required, every node presents and checks one).
 * {@code reload_seconds}: how often the files are checked for changes and, when changed, loaded for
 * new connections (0: never; HTTP only).
 *
 * <pre>{@code
 * "tls": {"cert": "/etc/vecdb/tls/tls.crt", "key": "/etc/vecdb/tls/tls.key",
 *         "ca": "/etc/vecdb/tls/clients-ca.crt", "reload_seconds": 10}
 * }</pre>
 *
 * Builder-style like {@link VecdbOptions}; not thread-safe, built once at start-up, then only read.
 */
public final class TlsOptions {
  public static final int DEFAULT_RELOAD_SECONDS = 10;

  static final Set<String> KEYS = Set.of("cert", "key", "ca", "reload_seconds");

  private final String section;
  private String cert;
  private String key;
  private String ca;
  private int reloadSeconds = DEFAULT_RELOAD_SECONDS;

  public TlsOptions(String section) {
    this.section = section;
  }

  /** Reads the section's object (null: TLS off). */
  public TlsOptions(String section, JsonObject json) {
    this(section);
    if (json == null) {
      return;
    }
    ConfigJson.checkKeys(json, KEYS, section);
    if (json.getValue("cert") != null) {
      setCert(string(json, "cert"));
    }
    if (json.getValue("key") != null) {
      setKey(string(json, "key"));
    }
    if (json.getValue("ca") != null) {
      setCa(string(json, "ca"));
    }
    if (json.containsKey("reload_seconds")) {
      setReloadSeconds(
          (int)
              ConfigJson.inRange(
                  section + ".reload_seconds",
                  ConfigJson.integer(json, "reload_seconds", section + ".reload_seconds"),
                  0,
                  86_400));
    }
  }

  public TlsOptions(TlsOptions other) {
    this(other.section, other.toJson());
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("cert", cert)
        .put("key", key)
        .put("ca", ca)
        .put("reload_seconds", reloadSeconds);
  }

  /** True once a certificate is configured. */
  public boolean isEnabled() {
    return cert != null;
  }

  public String getCert() {
    return cert;
  }

  public TlsOptions setCert(String path) {
    this.cert = blankToNull(path);
    return this;
  }

  public String getKey() {
    return key;
  }

  public TlsOptions setKey(String path) {
    this.key = blankToNull(path);
    return this;
  }

  public String getCa() {
    return ca;
  }

  public TlsOptions setCa(String path) {
    this.ca = blankToNull(path);
    return this;
  }

  public int getReloadSeconds() {
    return reloadSeconds;
  }

  public TlsOptions setReloadSeconds(int seconds) {
    if (seconds < 0 || seconds > 86_400) {
      throw new IllegalArgumentException(
          section + ".reload_seconds: expected 0..86400, got " + seconds);
    }
    this.reloadSeconds = seconds;
    return this;
  }

  /**
   * Checks the files once every source is applied: a certificate and a key together, readable; the
   * authority when {@code caRequired} (and TLS is on), or only with a certificate.
   *
   * @throws IllegalArgumentException naming the setting
   */
  public void validate(boolean caRequired) {
    if (cert == null && key == null && ca == null) {
      return;
    }
    if (cert == null) {
      throw new IllegalArgumentException(
          section
              + ".cert: expected a PEM certificate file beside "
              + (key != null ? section + ".key" : section + ".ca (and a key)"));
    }
    if (key == null) {
      throw new IllegalArgumentException(
          section + ".key: expected a PEM private key file beside " + section + ".cert");
    }
    if (caRequired && ca == null) {
      throw new IllegalArgumentException(
          section + ".ca: expected the authority of the peers' certificates (mutual TLS)");
    }
    readable("cert", cert);
    readable("key", key);
    if (ca != null) {
      readable("ca", ca);
    }
  }

  private void readable(String name, String path) {
    if (!Files.isReadable(Path.of(path))) {
      throw new IllegalArgumentException(
          section + "." + name + ": expected a readable PEM file, got '" + path + "'");
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private String string(JsonObject json, String k) {
    Object v = json.getValue(k);
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException(section + "." + k + ": expected a file path, got " + v);
    }
    return s;
  }
}
