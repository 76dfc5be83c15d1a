package io.vecdb.snapshot;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file atomically: content goes to a temporary file in the same directory, which is
 * fsynced, renamed over the target (an atomic rename) and followed by an fsync of the directory.
 * After a crash at any point the target is either the complete old file or the complete new one; a
 * leftover temporary file ({@link #isTemporary}) is garbage that {@link #deleteTemporaries}
 * removes.
 *
 * <p>Threading: an instance belongs to one thread. Write through {@link #channel()}, then {@link
 * #commit()}; {@link #close()} without commit deletes the temporary file and leaves the target as
 * it was. Do not interrupt the writing thread: that closes the channel and aborts the write (the
 * target stays intact).
 */
public final class AtomicFileWriter implements Closeable {
  static final String TEMP_SUFFIX = ".tmp";

  private final Path target;
  private final Path temp;
  private final FileChannel channel;
  private boolean done;

  private AtomicFileWriter(Path target) throws IOException {
    this.target = target.toAbsolutePath();
    Path dir = this.target.getParent();
    io.vecdb.wal.WalStorage.files().createDirectories(dir);
    this.temp =
        dir.resolve(
            "."
                + this.target.getFileName()
                + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong())
                + TEMP_SUFFIX);
    this.channel =
        FileChannel.open(
            temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
  }

  /** Starts replacing {@code target}; nothing changes at {@code target} until {@link #commit()}. */
  public static AtomicFileWriter create(Path target) throws IOException {
    return new AtomicFileWriter(target);
  }

  /** Writes {@code target} atomically with the content {@code body} writes. */
  public static void write(Path target, ChannelBody body) throws IOException {
    try (AtomicFileWriter w = create(target)) {
      body.writeTo(w.channel());
      w.commit();
    }
  }

  /** Writes the content of a file. */
  @FunctionalInterface
  public interface ChannelBody {
    void writeTo(FileChannel channel) throws IOException;
  }

  public FileChannel channel() {
    return channel;
  }

  public Path target() {
    return target;
  }

  Path temp() {
    return temp;
  }

  /** fsync, rename over the target, fsync the directory. */
  public void commit() throws IOException {
    if (done) {
      throw new IllegalStateException("AtomicFileWriter for " + target + " already finished");
    }
    done = true;
    try {
      channel.force(true);
      channel.close();
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot atomically rename " + temp + " to " + target, e);
      }
      syncDirectory(target.getParent());
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
  }

  /** Aborts unless committed: deletes the temporary file. */
  @Override
  public void close() throws IOException {
    if (done) {
      return;
    }
    done = true;
    try {
      channel.close();
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** True for temporary files this class creates (to skip them in listings). */
  public static boolean isTemporary(Path file) {
    String n = file.getFileName().toString();
    return n.startsWith(".") && n.endsWith(TEMP_SUFFIX);
  }

  /** Deletes leftover temporary files in {@code dir} (call when no writer runs there). */
  public static int deleteTemporaries(Path dir) throws IOException {
    int n = 0;
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (var s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (isTemporary(p) && Files.deleteIfExists(p)) {
          n++;
        }
      }
    }
    return n;
  }

  /** fsync of a directory, so a rename or delete in it is durable (Linux). */
  public static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
