package io.vecdb.cluster;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A node's persistent identity: the id it was first started with, kept in {@code <data>/node-id}.
 * Raft membership, placement and the registry name nodes by it, so a data directory must never come
 * back under another id (its Raft votes and log belong to the old one).
 */
public final class NodeIdentity {
  static final String FILE = "node-id";

  private NodeIdentity() {}

  /**
   * Returns {@code requested} after checking it against the id stored in {@code dataDir}, storing
   * it (atomically, fsynced) on the first start.
   *
   * @throws IllegalStateException if the data directory belongs to another node id
   */
  public static String establish(Path dataDir, String requested) throws IOException {
    Path file = dataDir.resolve(FILE);
    if (Files.exists(file)) {
      String stored = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (!stored.equals(requested)) {
        throw new IllegalStateException(
            "cluster.node_id: data directory '"
                + dataDir.toAbsolutePath()
                + "' belongs to node '"
                + stored
                + "', not '"
                + requested
                + "' (start it as --node-id "
                + stored
                + ", or give the new node an empty data directory)");
      }
      return stored;
    }
    io.vecdb.wal.WalStorage.files().createDirectories(dataDir);
    Path tmp = dataDir.resolve(FILE + ".tmp");
    Files.writeString(tmp, requested + "\n", StandardCharsets.UTF_8);
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    try (FileChannel dir = FileChannel.open(dataDir, StandardOpenOption.READ)) {
      dir.force(true);
    }
    return requested;
  }
}
