package io.vecdb.filter;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The set of ordinals holding one indexed value, with a member count. Sparse sets are a sorted int
 * array; once the members outnumber 1/32 of the largest ordinal seen (so a bitset is no bigger) the
 * set becomes a flat bitset and stays one. Memory is thus about min(4 bytes per member, 1 bit per
 * ordinal), whatever the number of distinct values.
 *
 * <p>Concurrency: one writer ({@link PayloadIndex}'s writer, holding its monitor) calls {@link
 * #add} and {@link #remove}; any number of readers call {@link #size}, {@link #contains} and {@link
 * #orInto} without locks. The representation is an immutable-looking record published through the
 * volatile {@link #rep}: a reader reads it once and uses only that. A sorted array's first {@code
 * length} slots never change once published: the writer appends in place past {@code length} and
 * then publishes a longer record, and copies the array for any other change. Bitset words are
 * {@link AtomicLongArray} elements (atomic 64-bit reads and writes); growing copies into a larger
 * array. A member that is neither added nor removed during a read is always seen by it.
 */
final class Posting {
  private static final int MIN_SPARSE = 64;

  private sealed interface Rep permits Sorted, Bits {}

  /** {@code ords[0..length)} ascending. */
  private record Sorted(int[] ords, int length) implements Rep {}

  private record Bits(AtomicLongArray words) implements Rep {}

  private volatile Rep rep = new Sorted(new int[4], 0);
  private volatile int size;

  /** Writer only. True if {@code ordinal} was not a member. */
  boolean add(int ordinal) {
    switch (rep) {
      case Sorted s -> {
        int at = Arrays.binarySearch(s.ords, 0, s.length, ordinal);
        if (at >= 0) {
          return false;
        }
        int insert = -at - 1;
        int n = s.length + 1;
        if (n > MIN_SPARSE && (long) n * 32 > (long) ordinal + 1) {
          AtomicLongArray words = new AtomicLongArray(wordsFor(ordinal, s));
          for (int i = 0; i < s.length; i++) {
            setBit(words, s.ords[i]);
          }
          setBit(words, ordinal);
          rep = new Bits(words);
        } else if (insert == s.length && s.length < s.ords.length) {
          s.ords[s.length] = ordinal; // past every published length: invisible until published
          rep = new Sorted(s.ords, n);
        } else {
          int[] next = new int[Math.max(4, n + (n >> 1))];
          System.arraycopy(s.ords, 0, next, 0, insert);
          next[insert] = ordinal;
          System.arraycopy(s.ords, insert, next, insert + 1, s.length - insert);
          rep = new Sorted(next, n);
        }
      }
      case Bits b -> {
        AtomicLongArray words = b.words;
        int w = ordinal >>> 6;
        if (w >= words.length()) {
          AtomicLongArray grown = new AtomicLongArray(Math.max(w + 1, words.length() * 2));
          for (int i = 0; i < words.length(); i++) {
            grown.set(i, words.get(i));
          }
          grown.set(w, 1L << ordinal);
          rep = new Bits(grown);
        } else {
          long old = words.get(w);
          if ((old & (1L << ordinal)) != 0) {
            return false;
          }
          words.set(w, old | (1L << ordinal));
        }
      }
    }
    size = size + 1; // single writer: no lost update
    return true;
  }

  /** Writer only. True if {@code ordinal} was a member. */
  boolean remove(int ordinal) {
    switch (rep) {
      case Sorted s -> {
        int at = Arrays.binarySearch(s.ords, 0, s.length, ordinal);
        if (at < 0) {
          return false;
        }
        int[] next = new int[Math.max(4, s.length)];
        System.arraycopy(s.ords, 0, next, 0, at);
        System.arraycopy(s.ords, at + 1, next, at, s.length - at - 1);
        rep = new Sorted(next, s.length - 1);
      }
      case Bits b -> {
        int w = ordinal >>> 6;
        if (w >= b.words.length()) {
          return false;
        }
        long old = b.words.get(w);
        if ((old & (1L << ordinal)) == 0) {
          return false;
        }
        b.words.set(w, old & ~(1L << ordinal));
      }
    }
    size = size - 1;
    return true;
  }

  private static int wordsFor(int ordinal, Sorted s) {
    int max = Math.max(ordinal, s.length == 0 ? 0 : s.ords[s.length - 1]);
    return (max >>> 6) + 1 + ((max >>> 6) >> 2); // 25% headroom for later ordinals
  }

  private static void setBit(AtomicLongArray words, int ordinal) {
    int w = ordinal >>> 6;
    words.set(w, words.get(w) | (1L << ordinal));
  }

  int size() {
    return size;
  }

  boolean contains(int ordinal) {
    return switch (rep) {
      case Sorted s -> Arrays.binarySearch(s.ords, 0, s.length, ordinal) >= 0;
      case Bits b -> {
        int w = ordinal >>> 6;
        yield w < b.words.length() && (b.words.get(w) & (1L << ordinal)) != 0;
      }
    };
  }

  /** ORs the members into {@code words} (a bitset by ordinal), growing it if needed. */
  long[] orInto(long[] words) {
    switch (rep) {
      case Sorted s -> {
        if (s.length > 0) {
          int last = s.ords[s.length - 1] >>> 6;
          if (last >= words.length) {
            words = Arrays.copyOf(words, Math.max(last + 1, words.length * 2));
          }
          for (int i = 0; i < s.length; i++) {
            int o = s.ords[i];
            words[o >>> 6] |= 1L << o;
          }
        }
      }
      case Bits b -> {
        int n = b.words.length();
        if (n > words.length) {
          words = Arrays.copyOf(words, n);
        }
        for (int i = 0; i < n; i++) {
          words[i] |= b.words.get(i);
        }
      }
    }
    return words;
  }

  /** Approximate heap bytes held. */
  long ramBytesUsed() {
    return switch (rep) {
      case Sorted s -> 48L + 4L * s.ords.length;
      case Bits b -> 48L + 8L * b.words.length();
    };
  }
}
