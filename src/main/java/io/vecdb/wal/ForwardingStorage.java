package io.vecdb.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@link WalStorage} that forwards to the plain file storage, for wrappers that change a part of
 * it (fault injection, counting): subclasses override what they change and {@link #wrap} the files
 * opened for writing, usually in a {@link ForwardingFile}. Thread-safe as far as the subclass is.
 */
public abstract class ForwardingStorage implements WalStorage {
  private final WalStorage real = WalStorage.files();

  /** The file to hand out for {@code file}, opened for writing as {@code opened}. */
  protected StorageFile wrap(Path file, StorageFile opened) {
    return opened;
  }

  @Override
  public StorageFile openWrite(Path file) throws IOException {
    return wrap(file, real.openWrite(file));
  }

  @Override
  public StorageFile openRead(Path file) throws IOException {
    return real.openRead(file);
  }

  @Override
  public void delete(Path file) throws IOException {
    real.delete(file);
  }

  @Override
  public List<Path> list(Path dir) throws IOException {
    return real.list(dir);
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    real.syncDirectory(dir);
  }

  /** A {@link StorageFile} forwarding every call; subclasses override what they change. */
  public static class ForwardingFile implements StorageFile {
    protected final StorageFile file;

    public ForwardingFile(StorageFile file) {
      this.file = file;
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return file.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      return file.write(src, position);
    }

    @Override
    public void force(boolean metadata) throws IOException {
      file.force(metadata);
    }

    @Override
    public long size() throws IOException {
      return file.size();
    }

    @Override
    public void truncate(long size) throws IOException {
      file.truncate(size);
    }

    @Override
    public void close() throws IOException {
      file.close();
    }
  }
}
