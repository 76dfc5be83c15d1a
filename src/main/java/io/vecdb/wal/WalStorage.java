package io.vecdb.wal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * File-system seam of the WAL: opening, deleting and listing segment files and syncing their
 * directory. {@link #files()} is the plain implementation; tests wrap it to count fsyncs or to fail
 * writes (full disk) and fsyncs.
 *
 * <p>Threading: implementations must be thread-safe; the writer thread and cursor threads call them
 * concurrently.
 */
public interface WalStorage {

  /** Opens (creating if absent) {@code file} for reading and writing without truncating it. */
  StorageFile openWrite(Path file) throws IOException;

  /** Opens an existing {@code file} for reading. */
  StorageFile openRead(Path file) throws IOException;

  void delete(Path file) throws IOException;

  /** Regular files directly in {@code dir}. */
  List<Path> list(Path dir) throws IOException;

  /** Makes creations, renames and deletions of entries in {@code dir} durable (fsync of dir). */
  void syncDirectory(Path dir) throws IOException;

  /**
   * Creates {@code dir} and any missing parents, each made durable before the next: after a
   * directory is created, its parent is fsynced ({@link #syncDirectory}), so that a crash cannot
   * lose a directory (and the files later made durable in it) that was already relied on.
   */
  default void createDirectories(Path dir) throws IOException {
    java.util.ArrayDeque<Path> missing = new java.util.ArrayDeque<>();
    for (Path p = dir.toAbsolutePath(); p != null && !java.nio.file.Files.isDirectory(p); ) {
      missing.push(p);
      p = p.getParent();
    }
    while (!missing.isEmpty()) {
      Path p = missing.pop();
      try {
        java.nio.file.Files.createDirectory(p);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        if (!java.nio.file.Files.isDirectory(p)) {
          throw e; // a file in the way
        }
        // another thread or process created it: it still has to be made durable
      }
      syncDirectory(p.getParent());
    }
  }

  /** The plain implementation over {@link java.nio.channels.FileChannel}. */
  static WalStorage files() {
    return FileWalStorage.INSTANCE;
  }
}
