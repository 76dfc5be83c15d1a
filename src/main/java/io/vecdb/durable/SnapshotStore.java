package io.vecdb.durable;

import io.vecdb.snapshot.SnapshotDirectory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Where checkpoints live: {@code <data>/snapshots/<collection>/snapshot-<LSN>.vsnap}. A collection
 * name made of letters, digits, {@code _} and {@code -} (up to 100 characters) is its directory
 * name prefixed {@code c-}; any other name maps to {@code h-} and a SHA-256 prefix of its UTF-8
 * bytes (the real name is inside the snapshot). Stateless and thread-safe.
 */
final class SnapshotStore {
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_-]{1,100}");

  private final Path root;

  SnapshotStore(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  SnapshotDirectory of(String collection) {
    return new SnapshotDirectory(root.resolve(dirName(collection)));
  }

  static String dirName(String collection) {
    if (SAFE.matcher(collection).matches()) {
      return "c-" + collection;
    }
    try {
      byte[] h =
          MessageDigest.getInstance("SHA-256").digest(collection.getBytes(StandardCharsets.UTF_8));
      return "h-" + HexFormat.of().formatHex(h, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every JDK", e);
    }
  }
}
