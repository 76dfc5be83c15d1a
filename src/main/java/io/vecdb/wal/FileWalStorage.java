package io.vecdb.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** {@link WalStorage} over {@link FileChannel}. Stateless, thread-safe. */
final class FileWalStorage implements WalStorage {
  static final FileWalStorage INSTANCE = new FileWalStorage();

  private FileWalStorage() {}

  @Override
  public StorageFile openWrite(Path file) throws IOException {
    return new ChannelFile(
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE));
  }

  @Override
  public StorageFile openRead(Path file) throws IOException {
    return new ChannelFile(FileChannel.open(file, StandardOpenOption.READ));
  }

  @Override
  public void delete(Path file) throws IOException {
    Files.deleteIfExists(file);
  }

  @Override
  public List<Path> list(Path dir) throws IOException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(Files::isRegularFile).forEach(out::add);
    }
    return out;
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    syncDir(dir);
  }

  /** fsync of a directory: works on Linux (and macOS); Windows cannot open directories. */
  static void syncDir(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /**
   * A FileChannel is closed by interrupting a thread blocked in it; the WAL never interrupts its
   * writer thread, and each cursor has its own channel, so an interrupted reader only loses its
   * own.
   */
  private record ChannelFile(FileChannel ch) implements StorageFile {
    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return ch.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      return ch.write(src, position);
    }

    @Override
    public void force(boolean metadata) throws IOException {
      ch.force(metadata);
    }

    @Override
    public void truncate(long size) throws IOException {
      ch.truncate(size);
    }

    @Override
    public long size() throws IOException {
      return ch.size();
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }
}
