package io.vecdb.wal;

import java.io.IOException;
import java.util.Map;

/**
 * {@link WalCursor} over a {@link SegmentedWal}. Reads through its own file handle (so an interrupt
 * of the reading thread closes only that handle, never the writer's) and never reads past the tail
 * the writer published. Owned by one thread at a time.
 */
final class SegmentCursor implements WalCursor {
  private final SegmentedWal wal;
  private long next;
  private Segment seg;
  private StorageFile file;
  private RecordReader reader;
  private long pos;

  SegmentCursor(SegmentedWal wal, long fromLsn) {
    this.wal = wal;
    this.next = fromLsn;
  }

  @Override
  public long nextLsn() {
    return next;
  }

  @Override
  public WalRecord next() {
    SegmentedWal.Tail tail = wal.tail();
    if (next > tail.lastLsn()) {
      return null;
    }
    Map.Entry<Long, Segment> e = wal.segments.floorEntry(next);
    if (e == null || next < wal.firstLsn()) {
      throw new WalException(
          WalException.Code.TRUNCATED,
          "LSN " + next + " was truncated from the WAL (first LSN is " + wal.firstLsn() + ")");
    }
    try {
      Segment s = e.getValue();
      long limit;
      if (s != seg) {
        open(s, tail);
      }
      limit = s == tail.segment() ? tail.endOffset() : file.size();
      RecordReader.Status st = reader.decode(pos, limit, next);
      if (st != RecordReader.Status.OK) {
        throw new WalException(
            WalException.Code.TRUNCATED,
            "cannot read LSN "
                + next
                + " from "
                + s.path
                + " at byte offset "
                + pos
                + " ("
                + st
                + "); the log was truncated or damaged under this cursor");
      }
      WalRecord rec = new WalRecord(next, reader.type, reader.payload(pos));
      pos += reader.recordBytes();
      next++;
      return rec;
    } catch (IOException ex) {
      throw new WalException(
          WalException.Code.IO_FAILED, "reading WAL at LSN " + next + ": " + ex, ex);
    }
  }

  /** Switches to segment {@code s} and positions at {@link #next} via its sparse index. */
  private void open(Segment s, SegmentedWal.Tail tail) throws IOException {
    close();
    seg = s;
    file = wal.storage().openRead(s.path);
    reader = new RecordReader(file, wal.maxRecordBytes());
    long[] start = s.floorOffset(next);
    long cur = start[0];
    pos = start[1];
    long limit = s == tail.segment() ? tail.endOffset() : file.size();
    while (cur < next) {
      if (reader.decode(pos, limit, cur) != RecordReader.Status.OK) {
        throw new WalException(
            WalException.Code.TRUNCATED,
            "cannot position at LSN " + next + " in " + s.path + " (" + reader.status + ")");
      }
      pos += reader.recordBytes();
      cur++;
    }
  }

  @Override
  public void close() {
    if (file != null) {
      try {
        file.close();
      } catch (IOException ignored) {
        // read-only handle: nothing to lose
      }
      file = null;
      seg = null;
    }
  }
}
