package io.vecdb.wal;

import java.nio.file.Path;

/**
 * One segment file and a sparse LSN-to-offset index of it, so a cursor can start at any LSN without
 * scanning the whole segment.
 *
 * <p>Threading: the WAL writer thread is the only one that adds or cuts index entries; cursor
 * threads call {@link #floorOffset} concurrently without locks. Entries are published by the
 * volatile write of {@code size}; arrays are replaced (never shrunk in place) on growth, and a
 * reader reads {@code size} before the arrays, so it always sees at least {@code size} valid
 * entries.
 */
final class Segment {
  /** An index entry roughly every this many bytes. */
  static final long INDEX_INTERVAL = 256 << 10;

  final Path path;
  final long firstLsn;

  private volatile long[] lsns = new long[16];
  private volatile long[] offsets = new long[16];
  private volatile int size;
  private long lastIndexedOffset = -INDEX_INTERVAL; // writer thread only

  Segment(Path path, long firstLsn) {
    this.path = path;
    this.firstLsn = firstLsn;
  }

  /** Writer thread: notes that the record {@code lsn} starts at {@code offset}. */
  void noteRecord(long lsn, long offset) {
    if (offset - lastIndexedOffset < INDEX_INTERVAL) {
      return;
    }
    lastIndexedOffset = offset;
    int n = size;
    if (n == lsns.length) {
      long[] nl = java.util.Arrays.copyOf(lsns, n * 2);
      long[] no = java.util.Arrays.copyOf(offsets, n * 2);
      offsets = no;
      lsns = nl;
    }
    offsets[n] = offset;
    lsns[n] = lsn;
    size = n + 1;
  }

  /** Writer thread: forgets entries for LSNs >= {@code fromLsn}. */
  void cutIndex(long fromLsn) {
    int n = size;
    while (n > 0 && lsns[n - 1] >= fromLsn) {
      n--;
    }
    size = n;
    lastIndexedOffset = n == 0 ? -INDEX_INTERVAL : offsets[n - 1];
  }

  /**
   * Any thread: offset of an indexed record with LSN <= {@code lsn} (the greatest such), or the
   * header end; scanning forward from it reaches {@code lsn}.
   */
  long[] floorOffset(long lsn) {
    int n = size;
    long[] l = lsns;
    long[] o = offsets;
    int lo = 0;
    int hi = n - 1;
    int best = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (l[mid] <= lsn) {
        best = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return best < 0
        ? new long[] {firstLsn, SegmentFormat.SEGMENT_HEADER_BYTES}
        : new long[] {l[best], o[best]};
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
