package io.vecdb.index;

import java.io.IOException;
import java.nio.channels.WritableByteChannel;

/**
 * A nearest-neighbour index over float32 vectors of one dimension, addressed by dense int ordinals
 * that the index hands out.
 *
 * <p>Threading contract: implementations must be thread-safe. Any number of threads may call {@link
 * #search} while others call {@link #add} and {@link #remove}; {@code search}, {@link #vector},
 * {@link #score} and {@link #isLive} never block and never take locks. Writers may coordinate among
 * themselves (striped locks, CAS).
 *
 * <p>Ordinals: {@link #add} returns an ordinal that is not in use. A removed ordinal is never
 * returned by a search started after {@code remove} returned. An implementation may hand a removed
 * ordinal out again from a later {@code add}, but only after a grace period: once no read section
 * ({@link #pinReads}) that was open when the ordinal was freed is still open. So a caller that maps
 * ordinals to its own ids must clear its mapping on remove and set it on add, and must hold a read
 * section from the moment it obtains an ordinal (from a search, or from its own table) until it has
 * finished using it: then the ordinal names the same vector throughout.
 *
 * <p>Vectors passed in are already validated by the caller (right length, finite values, non-zero
 * for {@link Distance#COSINE}); the index copies them and, for cosine, stores them normalised.
 */
public interface VectorIndex {

  int dimension();

  Distance distance();

  /** Stores a copy of {@code vector}, links it into the index and returns its ordinal. */
  int add(float[] vector);

  /** Tombstones {@code ordinal}: it is never returned again. Idempotent. */
  void remove(int ordinal);

  /** True if {@code ordinal} was added and not removed. */
  boolean isLive(int ordinal);

  /** Number of live vectors. */
  int size();

  /** A copy of the stored vector (normalised for cosine), or null if the ordinal is not live. */
  float[] vector(int ordinal);

  /**
   * A copy of the vector stored at {@code ordinal} whether it is live or deleted since (null if it
   * never held one). Meaningful only inside a read section ({@link #pinReads}) that was already
   * open when the ordinal was seen holding the point: until that section closes the ordinal is not
   * handed to another point, so this is still that point's vector.
   */
  float[] vectorInSection(int ordinal);

  /**
   * The Qdrant-convention score (see {@link Distance}) of {@code ordinal} against {@code query}.
   * The query is taken as given by the user (the index normalises it for cosine itself).
   */
  float score(float[] query, int ordinal);

  /**
   * The {@code k} best live ordinals accepted by {@code filter} (null: all), best first.
   *
   * <p>When at least {@code k} live ordinals pass the filter, exactly {@code k} come back: a filter
   * is applied during the search, never to a finished top-k.
   */
  Hits search(float[] query, int k, SearchParams params, OrdinalFilter filter);

  /** Approximate heap and off-heap bytes held: vectors, graph, bookkeeping. */
  long ramBytesUsed();

  /**
   * Removed points whose memory {@link #compact} has not reclaimed yet (searches walk past them); 0
   * for an index that frees on remove. Any thread, no locks.
   */
  default int tombstones() {
    return 0;
  }

  /**
   * Reclaims the memory of the points removed so far and repairs what their removal left behind;
   * returns how many were reclaimed. Any thread, beside searches and writes (an implementation says
   * what it holds back, and for how long); one at a time. An index that frees on remove has nothing
   * to do.
   */
  default int compact() {
    return 0;
  }

  /**
   * A point-in-time image of the index, to write out later on any thread while the index goes on
   * changing; close it once written. An index that cannot be persisted says so.
   *
   * @throws IOException naming the index kind if it has no image format
   */
  default Image capture() throws IOException {
    throw new IOException(getClass().getSimpleName() + " has no image format");
  }

  /** {@link #capture} written to {@code out} at once; does not close {@code out}. */
  default void writeTo(WritableByteChannel out) throws IOException {
    try (Image image = capture()) {
      image.writeTo(out);
    }
  }

  /** A captured image ({@link #capture}): written once, then closed (any thread, idempotent). */
  interface Image extends AutoCloseable {
    void writeTo(WritableByteChannel out) throws IOException;

    @Override
    void close();
  }

  /**
   * Opens a read section on this thread (see the class comment); close it on the same thread, with
   * try-with-resources. Never blocks; sections nest. An index that never reuses ordinals needs
   * none.
   */
  default ReadSection pinReads() {
    return ReadSection.NONE;
  }

  /** An open read section: while it is open, no ordinal the reader may hold is handed out again. */
  interface ReadSection extends AutoCloseable {
    ReadSection NONE = () -> {};

    @Override
    void close();
  }

  /** Which ordinals a search may return. Must be thread-safe and must not block. */
  @FunctionalInterface
  interface OrdinalFilter {
    boolean accept(int ordinal);
  }
}
