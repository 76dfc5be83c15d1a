package io.vecdb.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Qdrant's API keys: {@code api_key} gives full access, {@code read_only_api_key} reads only. A key
 * arrives as the {@code api-key} header or as {@code Authorization: Bearer <key>}; both are
 * compared in constant time ({@link MessageDigest#isEqual}) and never logged. With neither key
 * configured every request has full access (and the node only listens on loopback unless started
 * with {@code --insecure}: see {@link io.vecdb.config.VecdbOptions#checkExposure}).
 *
 * <p>Immutable; any thread.
 */
final class ApiKeys {
  /** What a request may do. */
  enum Access {
    FULL,
    READ_ONLY
  }

  /** The routing-context key under which the request's {@link Access} is kept. */
  static final String ACCESS = "vecdb.access";

  private final byte[] full;
  private final byte[] readOnly;

  ApiKeys(String full, String readOnly) {
    this.full = bytes(full);
    this.readOnly = bytes(readOnly);
  }

  private static byte[] bytes(String key) {
    return key == null || key.isEmpty() ? null : key.getBytes(StandardCharsets.UTF_8);
  }

  /** True if any key is configured (requests must then carry one). */
  boolean enabled() {
    return full != null || readOnly != null;
  }

  /**
   * The access the request's credentials give: {@code apiKey} (the {@code api-key} header) or
   * {@code authorization} ({@code Bearer <key>}); null if neither matches a configured key.
   */
  Access check(String apiKey, String authorization) {
    if (!enabled()) {
      return Access.FULL;
    }
    String given = apiKey;
    if (given == null
        && authorization != null
        && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      given = authorization.substring(7).trim();
    }
    if (given == null || given.isEmpty()) {
      return null;
    }
    byte[] b = given.getBytes(StandardCharsets.UTF_8);
    // Both comparisons run, whatever the first found: the time does not tell which key matched.
    boolean isFull = full != null && MessageDigest.isEqual(full, b);
    boolean isReadOnly = readOnly != null && MessageDigest.isEqual(readOnly, b);
    return isFull ? Access.FULL : isReadOnly ? Access.READ_ONLY : null;
  }
}
