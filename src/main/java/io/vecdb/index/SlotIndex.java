package io.vecdb.index;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayDeque;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Ordinals without vectors: the point ordinals of a collection whose dense vectors are all named,
 * each in a graph of its own, so that a point may have any of them or none. It hands ordinals out
 * and takes them back as {@link VectorIndex} specifies, reusing a freed one only after its grace
 * period ({@link ReadEpochs}, as {@link HnswIndex} does), and is never searched: {@link #search}
 * refuses, {@link #vector} is empty for a live ordinal.
 *
 * <p>Concurrency: {@link #add} and {@link #remove} are synchronized on this index (any threads; a
 * collection calls them from its apply lane). {@link #isLive} and {@link #size} take no lock: the
 * live bits are {@link AtomicLongArray} pages behind a volatile array, which only grows (by a copy
 * published after its pages are set), and {@code size} is volatile. {@code next}, {@code free} and
 * {@code retired} are guarded by this index.
 */
public final class SlotIndex implements VectorIndex {
  private static final int MAGIC = 0x534c4f54; // "SLOT"
  private static final int VERSION = 1;
  private static final int WORDS_PER_PAGE = 1024; // 65,536 ordinals a page

  private volatile AtomicLongArray[] pages = new AtomicLongArray[0];
  private volatile int size;
  private int next;
  private final TreeSet<Integer> free = new TreeSet<>();
  private final ArrayDeque<long[]> retired = new ArrayDeque<>(); // {stamp, ordinal}
  private final ReadEpochs epochs = new ReadEpochs();

  @Override
  public int dimension() {
    return 0;
  }

  @Override
  public Distance distance() {
    return Distance.DOT;
  }

  @Override
  public synchronized int add(float[] vector) {
    long oldest = epochs.oldestPinned();
    while (!retired.isEmpty() && retired.peekFirst()[0] <= oldest) {
      free.add((int) retired.pollFirst()[1]);
    }
    Integer reused = free.pollFirst();
    int ord = reused != null ? reused : next++;
    page(ord, true).getAndUpdate(word(ord), w -> w | bit(ord));
    size = size + 1;
    return ord;
  }

  @Override
  public synchronized void remove(int ordinal) {
    if (!isLive(ordinal)) {
      return;
    }
    page(ordinal, false).getAndUpdate(word(ordinal), w -> w & ~bit(ordinal));
    size = size - 1;
    retired.addLast(new long[] {epochs.advance(), ordinal});
  }

  private static int word(int ord) {
    return (ord >>> 6) % WORDS_PER_PAGE;
  }

  private static long bit(int ord) {
    return 1L << (ord & 63);
  }

  /** The page of {@code ord}; with {@code grow}, made if missing (under this index's lock). */
  private AtomicLongArray page(int ord, boolean grow) {
    int p = ord / (WORDS_PER_PAGE * 64);
    AtomicLongArray[] current = pages;
    if (p >= current.length) {
      if (!grow) {
        return null;
      }
      AtomicLongArray[] grown = java.util.Arrays.copyOf(current, p + 1);
      for (int i = current.length; i < grown.length; i++) {
        grown[i] = new AtomicLongArray(WORDS_PER_PAGE);
      }
      pages = grown;
      current = grown;
    }
    return current[p];
  }

  @Override
  public boolean isLive(int ordinal) {
    if (ordinal < 0) {
      return false;
    }
    AtomicLongArray[] current = pages;
    int p = ordinal / (WORDS_PER_PAGE * 64);
    return p < current.length && (current[p].get(word(ordinal)) & bit(ordinal)) != 0;
  }

  @Override
  public int size() {
    return size;
  }

  /** An empty vector for a live ordinal (there is none), null otherwise. */
  @Override
  public float[] vector(int ordinal) {
    return isLive(ordinal) ? new float[0] : null;
  }

  @Override
  public float[] vectorInSection(int ordinal) {
    return ordinal >= 0 ? new float[0] : null;
  }

  @Override
  public float score(float[] query, int ordinal) {
    throw new UnsupportedOperationException("ordinals without vectors have no score");
  }

  @Override
  public Hits search(float[] query, int k, SearchParams params, OrdinalFilter filter) {
    throw new UnsupportedOperationException("ordinals without vectors cannot be searched");
  }

  @Override
  public long ramBytesUsed() {
    return 64L + (long) pages.length * (16 + 8L * WORDS_PER_PAGE);
  }

  @Override
  public ReadSection pinReads() {
    return epochs.enter();
  }

  /** Ordinals handed out so far (live, and freed ones waiting to be handed out again). */
  public synchronized int ordinalCount() {
    return next;
  }

  /**
   * The live ordinals and the count handed out, copied now; freed ones are free again at once when
   * the image is loaded (no reader of the loaded index has seen them).
   */
  @Override
  public synchronized Image capture() {
    int n = next;
    long[] words = new long[(n + 63) >>> 6];
    for (int w = 0; w < words.length; w++) {
      AtomicLongArray page = pages[w / WORDS_PER_PAGE];
      words[w] = page.get(w % WORDS_PER_PAGE);
    }
    return new Image() {
      @Override
      public void writeTo(WritableByteChannel out) throws IOException {
        DataOutputStream d =
            new DataOutputStream(
                new java.io.BufferedOutputStream(Channels.newOutputStream(out), 1 << 16));
        d.writeInt(MAGIC);
        d.writeInt(VERSION);
        d.writeInt(n);
        for (long w : words) {
          d.writeLong(w);
        }
        d.flush();
      }

      @Override
      public void close() {}
    };
  }

  /** Reads an image written by {@link #capture}. */
  public static SlotIndex readFrom(ReadableByteChannel in) throws IOException {
    DataInputStream d =
        new DataInputStream(new java.io.BufferedInputStream(Channels.newInputStream(in), 1 << 16));
    if (d.readInt() != MAGIC) {
      throw new IOException("not an ordinal table image");
    }
    int version = d.readInt();
    if (version != VERSION) {
      throw new IOException("ordinal table image version " + version + ", expected " + VERSION);
    }
    int n = d.readInt();
    if (n < 0) {
      throw new IOException("ordinal table image: " + n + " ordinals");
    }
    SlotIndex out = new SlotIndex();
    synchronized (out) {
      out.next = n;
      int live = 0;
      for (int w = 0; w < (n + 63) >>> 6; w++) {
        long word = d.readLong();
        int base = w << 6;
        if (base + 64 > n && n - base < 64 && (word >>> (n - base)) != 0) {
          throw new IOException("ordinal table image: a live ordinal at or past " + n);
        }
        if (word != 0) {
          out.page(base, true).set(word(base), word);
        }
        live += Long.bitCount(word);
        for (int b = 0; b < 64 && base + b < n; b++) {
          if ((word & (1L << b)) == 0) {
            out.free.add(base + b);
          }
        }
      }
      out.size = live;
    }
    return out;
  }
}
