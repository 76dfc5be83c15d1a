package io.vecdb.index;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where an {@link HnswIndex} with {@code on_disk} vectors keeps its float32 vectors: a file mapped
 * into memory (the FFM API), one mapping per page of {@value HnswGraph#PAGE_SIZE} nodes, outside
 * the Java heap. The operating system pages them in when a distance reads them and may evict them
 * under memory pressure; with quantization a search reads them only to rescore its best candidates.
 *
 * <p>The file is scratch space, not storage: it is unlinked as soon as it is open, so no crash
 * leaves it behind, and the index's vectors are made durable as any index's are (the WAL and the
 * snapshots, which write them out and load them back into a new file). Each page's region is
 * written with zeros before it is mapped, so that a full disk fails that {@link #map} with an
 * {@link UncheckedIOException} (the add that needed the page fails) instead of a SIGBUS when a
 * vector is first stored into a hole of a sparse file.
 *
 * <p>Concurrency: {@link #map} is called under the graph's {@code growLock} only (one at a time);
 * the segments it returns are in an automatic arena, readable and writable from any thread, and
 * unmapped by the garbage collector once no page refers to them. The channel is closed when this
 * object becomes unreachable ({@link Cleaner}).
 */
final class MappedVectors {
  private static final Cleaner CLEANER = Cleaner.create();
  private static final int ZEROS = 1 << 16;

  private final FileChannel channel;
  private final long pageBytes;
  private final Arena arena = Arena.ofAuto();

  MappedVectors(Path dir, int dimension) {
    this.pageBytes = (long) HnswGraph.PAGE_SIZE * dimension * Float.BYTES;
    try {
      Files.createDirectories(dir);
      Path file = Files.createTempFile(dir, "vectors-", ".f32");
      channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
      Files.delete(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a vector file in " + dir + ": " + e, e);
    }
    FileChannel ch = channel;
    CLEANER.register(
        this,
        () -> {
          try {
            ch.close();
          } catch (IOException ignored) {
            // nothing to do: the file is unlinked, the descriptor goes with the process
          }
        });
  }

  /** Allocates and maps page {@code page}'s region (zero-filled). Under the graph's growLock. */
  MemorySegment map(int page) {
    long at = page * pageBytes;
    try {
      ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(ZEROS, pageBytes));
      for (long p = at; p < at + pageBytes; ) {
        zeros.clear().limit((int) Math.min(zeros.capacity(), at + pageBytes - p));
        p += channel.write(zeros, p);
      }
      MemorySegment segment = channel.map(FileChannel.MapMode.READ_WRITE, at, pageBytes, arena);
      return segment;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot allocate " + pageBytes + " bytes of vectors on disk: " + e.getMessage(), e);
    }
  }

  /** Bytes of one page's vectors (one mapping). */
  long pageBytes() {
    return pageBytes;
  }
}
