package io.vecdb.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression (issue 12, item 10): the WAL's directory (and the data directory above it) was made
 * with {@code Files.createDirectories}, and no parent was fsynced, so a crash soon after the first
 * start could lose the directory together with segments already synced in it. Every directory the
 * WAL creates now has its parent fsynced, top down, before anything is written in it.
 */
class DirectoryDurabilityTest {
  @TempDir Path tmp;

  @Test
  void aNewWalDirectoryAndItsNewParentsAreMadeDurableTopDown() throws Exception {
    Path root = tmp.toAbsolutePath();
    Path dir = root.resolve("data").resolve("node").resolve("wal");
    FaultyStorage storage = new FaultyStorage();
    try (SegmentedWal wal = SegmentedWal.open(new WalOptions(dir).storage(storage))) {
      wal.append((byte) 1, new byte[] {1, 2, 3}).join();
    }
    List<Path> synced = storage.syncedDirectories;
    assertTrue(synced.size() >= 3, "directories synced: " + synced);
    assertEquals(
        List.of(root, root.resolve("data"), root.resolve("data").resolve("node")),
        synced.subList(0, 3),
        "each new directory's parent, top down, first");
  }

  @Test
  void existingDirectoriesAreLeftAsTheyAre() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("wal"));
    FaultyStorage storage = new FaultyStorage();
    storage.createDirectories(dir);
    assertEquals(List.of(), storage.syncedDirectories);
  }
}
