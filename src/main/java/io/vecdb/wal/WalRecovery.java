package io.vecdb.wal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Scans the segments of a WAL directory on open: checks every header and record CRC and the LSN
 * chain, truncates a torn tail, and fails with {@link WalCorruptionException} on damage that has
 * valid data after it (unless the options allow truncating there). Runs on the opening thread
 * before the writer thread exists; not thread-safe.
 */
final class WalRecovery {
  private static final System.Logger LOG = System.getLogger(SegmentedWal.class.getName());

  /** Segments that survived, the valid end of the last one and the next LSN to assign. */
  record Result(List<Segment> segments, long lastSegmentEnd, long nextLsn, RecoveryStats stats) {}

  private final WalOptions options;
  private final WalStorage storage;

  /**
   * The last LSN the {@link SyncMarker} says was fsynced (0 without one): damage at or before it,
   * or a log that ends before it, is loss of acknowledged records, never a torn tail.
   */
  private final long syncedLsn;

  /**
   * After a fail-stop, the same LSN (Long.MAX_VALUE otherwise): records after it were never
   * confirmed durable, so recovery drops them instead of trusting what the page cache kept.
   */
  private final long trustedLsn;

  /** See {@link WalOptions#coveredLsn}. */
  private final long coveredLsn;

  private long records;
  private long bytes;
  private long truncatedBytes;
  private boolean corruptionTruncated;

  private WalRecovery(WalOptions options, SyncMarker.State marker) {
    this.options = options;
    this.storage = options.storage();
    // Records the caller holds elsewhere (checkpoints) are no loss: only synced ones beyond count.
    long synced = marker == null ? 0 : marker.lsn();
    this.syncedLsn = synced > options.coveredLsn() ? synced : 0;
    this.coveredLsn = options.coveredLsn();
    this.trustedLsn = marker != null && marker.failed() ? marker.lsn() : Long.MAX_VALUE;
  }

  static Result recover(WalOptions options) throws IOException {
    return recover(options, null);
  }

  /** Recovers checking the log against {@code marker} (null: none; see {@link SyncMarker}). */
  static Result recover(WalOptions options, SyncMarker.State marker) throws IOException {
    return new WalRecovery(options, marker).run();
  }

  private Result run() throws IOException {
    long start = System.nanoTime();
    Path dir = options.dir();
    storage.createDirectories(dir);
    TreeMap<Long, Path> files = new TreeMap<>();
    for (Path p : storage.list(dir)) {
      long lsn = SegmentFormat.parseFileName(p);
      if (lsn > 0) {
        files.put(lsn, p);
      }
    }
    List<Path> paths = new ArrayList<>(files.values());
    List<SegmentFormat.Header> headers = new ArrayList<>();
    boolean dirChanged = false;
    for (int i = 0; i < paths.size(); i++) {
      Path path = paths.get(i);
      long nameLsn = SegmentFormat.parseFileName(path);
      boolean last = i == paths.size() - 1;
      SegmentFormat.Header h;
      long size;
      try (StorageFile f = storage.openRead(path)) {
        size = f.size();
        ByteBuffer b = ByteBuffer.allocate(SegmentFormat.SEGMENT_HEADER_BYTES);
        while (b.hasRemaining() && f.read(b, b.position()) >= 0) {}
        h = SegmentFormat.parseHeader(b.flip());
      }
      if (h == null && last && size <= SegmentFormat.SEGMENT_HEADER_BYTES) {
        // A crash while creating the segment: it holds no records.
        truncatedBytes += size;
        if (i > 0) {
          LOG.log(Level.WARNING, "WAL: removing incompletely created segment {0}", path);
          storage.delete(path);
          paths.remove(i);
          dirChanged = true;
        } else {
          LOG.log(Level.WARNING, "WAL: rewriting the incompletely written header of {0}", path);
          writeHeader(path, nameLsn, SegmentFormat.SEGMENT_BASE);
          headers.add(
              new SegmentFormat.Header(SegmentFormat.VERSION, SegmentFormat.SEGMENT_BASE, nameLsn));
        }
        break;
      }
      String problem =
          h == null
              ? "bad segment header (magic or CRC)"
              : h.version() != SegmentFormat.VERSION
                  ? "unsupported segment format version " + h.version()
                  : h.firstLsn() != nameLsn
                      ? "segment header says first LSN "
                          + h.firstLsn()
                          + ", file name says "
                          + nameLsn
                      : null;
      if (problem != null) {
        if (h != null && h.version() != SegmentFormat.VERSION) {
          throw new WalException(WalException.Code.CORRUPT, path + ": " + problem);
        }
        corruptAt(path, 0, nameLsn, problem);
        dirChanged |= dropFrom(paths, i);
        break;
      }
      headers.add(h);
    }
    // A prefix truncation past the end of the log writes a BASE segment first and then deletes the
    // older ones; finish that deletion if a crash interrupted it.
    int base = 0;
    for (int i = headers.size() - 1; i > 0; i--) {
      if ((headers.get(i).flags() & SegmentFormat.SEGMENT_BASE) != 0) {
        base = i;
        break;
      }
    }
    for (int i = 0; i < base; i++) {
      LOG.log(
          Level.INFO, "WAL: deleting {0}, left over from an interrupted truncation", paths.get(i));
      storage.delete(paths.get(i));
      dirChanged = true;
    }
    paths = new ArrayList<>(paths.subList(base, headers.size()));

    List<Segment> segments = new ArrayList<>();
    long expected = paths.isEmpty() ? 1 : SegmentFormat.parseFileName(paths.get(0));
    long firstLsn = expected;
    long lastEnd = SegmentFormat.SEGMENT_HEADER_BYTES;
    for (int i = 0; i < paths.size(); i++) {
      Path path = paths.get(i);
      long first = SegmentFormat.parseFileName(path);
      if (first != expected) {
        corruptAt(
            path,
            0,
            expected,
            "segment starts at LSN " + first + " but the previous segment ends before " + expected);
        dirChanged |= dropFrom(paths, i);
        break;
      }
      Segment seg = new Segment(path, first);
      segments.add(seg);
      boolean last = i == paths.size() - 1;
      ScanEnd end = scan(seg, last);
      expected = end.nextLsn;
      lastEnd = end.validEnd;
      if (end.stop) {
        dirChanged |= dropFrom(paths, i + 1);
        break;
      }
    }
    if (expected - 1 < syncedLsn) {
      // The marker was written after an fsync covered syncedLsn: those records were acknowledged.
      corruptAt(
          paths.isEmpty() ? options.dir() : paths.get(paths.size() - 1),
          lastEnd,
          expected,
          "the log ends at LSN "
              + (expected - 1)
              + ", but LSNs up to "
              + syncedLsn
              + " were fsynced (sync marker)");
    }
    if (dirChanged) {
      storage.syncDirectory(options.dir());
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    RecoveryStats stats =
        new RecoveryStats(
            segments.size(),
            records,
            bytes,
            millis,
            firstLsn,
            expected - 1,
            truncatedBytes,
            corruptionTruncated);
    LOG.log(
        Level.INFO,
        "WAL {0}: replayed {1} records ({2} bytes) from {3} segments in {4} ms, LSNs {5}..{6}",
        options.dir(),
        records,
        bytes,
        segments.size(),
        millis,
        firstLsn,
        expected - 1);
    return new Result(segments, lastEnd, expected, stats);
  }

  private record ScanEnd(long validEnd, long nextLsn, boolean stop) {}

  private ScanEnd scan(Segment seg, boolean last) throws IOException {
    long expected = seg.firstLsn;
    long pos = SegmentFormat.SEGMENT_HEADER_BYTES;
    long batchStartPos = -1;
    long batchStartLsn = 0;
    long cutAt = -1;
    boolean stop = false;
    long size;
    try (StorageFile f = storage.openRead(seg.path)) {
      size = f.size();
      RecordReader r = new RecordReader(f, options.maxRecordBytes());
      while (true) {
        RecordReader.Status st = r.decode(pos, size, expected);
        if (st == RecordReader.Status.END) {
          break;
        }
        if (expected > trustedLsn) {
          // Written after the last fsync that succeeded before a fail-stop: never acknowledged as
          // durable (its writer was answered with an error), and possibly only in the page cache.
          LOG.log(
              Level.WARNING,
              "WAL: dropping {0} bytes of {1} from LSN {2} on: written after the last successful"
                  + " fsync before the WAL failed (sync marker); their writes were answered"
                  + " with an error",
              size - pos,
              seg.path,
              expected);
          cutAt = pos;
          stop = true;
          break;
        }
        if (st == RecordReader.Status.OK) {
          seg.noteRecord(expected, pos);
          if ((r.flags & SegmentFormat.RECORD_BATCH_CONTINUES) != 0) {
            if (batchStartPos < 0) {
              batchStartPos = pos;
              batchStartLsn = expected;
            }
          } else {
            batchStartPos = -1;
          }
          records++;
          bytes += r.recordBytes();
          pos += r.recordBytes();
          expected++;
          continue;
        }
        String what = describe(st, r);
        boolean vouched = expected <= syncedLsn && expected > coveredLsn;
        if (last && !vouched && !r.syncedRecordAfter(pos, size, expected - 1)) {
          LOG.log(
              Level.WARNING,
              "WAL: torn tail in {0} at byte offset {1} (LSN {2}: {3}); truncating {4} bytes",
              seg.path,
              pos,
              expected,
              what,
              size - pos);
        } else {
          corruptAt(seg.path, pos, expected, what);
          stop = true;
        }
        cutAt = pos;
        break;
      }
    }
    if (batchStartPos >= 0) {
      // The last records belong to a batch whose final record is missing.
      if ((!last && !stop) || (batchStartLsn <= syncedLsn && batchStartLsn > coveredLsn)) {
        corruptAt(
            seg.path,
            pos,
            expected,
            "segment ends inside a batch that began at LSN "
                + batchStartLsn
                + (batchStartLsn <= syncedLsn
                    ? " (fsynced: up to LSN " + syncedLsn + " by the sync marker)"
                    : ""));
        stop = true;
      } else {
        LOG.log(
            Level.WARNING,
            "WAL: dropping incomplete batch at the tail of {0} (LSNs {1}..{2})",
            seg.path,
            batchStartLsn,
            expected - 1);
      }
      records -= expected - batchStartLsn;
      bytes -= pos - batchStartPos;
      seg.cutIndex(batchStartLsn);
      cutAt = batchStartPos;
      expected = batchStartLsn;
    }
    if (cutAt >= 0) {
      truncatedBytes += size - cutAt;
      try (StorageFile f = storage.openWrite(seg.path)) {
        f.truncate(cutAt);
        f.force(true);
      }
      return new ScanEnd(cutAt, expected, stop);
    }
    return new ScanEnd(pos, expected, stop);
  }

  private static String describe(RecordReader.Status st, RecordReader r) {
    return switch (st) {
      case PARTIAL -> "record extends past the end of the file";
      case BAD_LENGTH -> "invalid record length";
      case BAD_CRC -> "CRC32C mismatch";
      case BAD_LSN -> "record carries LSN " + r.lsn;
      default -> st.toString();
    };
  }

  /** Damage with data after it: fail, or with the operator's option, note and truncate there. */
  private void corruptAt(Path file, long offset, long lsn, String detail) {
    WalCorruptionException e = new WalCorruptionException(file, offset, lsn, detail);
    if (!options.truncateCorruptTail()) {
      throw e;
    }
    LOG.log(
        Level.WARNING,
        "WAL: truncating at corrupt record as requested (truncateCorruptTail): {0}",
        e.getMessage());
    corruptionTruncated = true;
  }

  /** Deletes segment files from index {@code from} on (newest first); true if any. */
  private boolean dropFrom(List<Path> paths, int from) throws IOException {
    boolean any = false;
    for (int i = paths.size() - 1; i >= from; i--) {
      Path p = paths.remove(i);
      try (StorageFile f = storage.openRead(p)) {
        truncatedBytes += f.size();
      }
      LOG.log(Level.WARNING, "WAL: deleting segment {0} after the truncation point", p);
      storage.delete(p);
      any = true;
    }
    return any;
  }

  private void writeHeader(Path path, long firstLsn, short flags) throws IOException {
    try (StorageFile f = storage.openWrite(path)) {
      SegmentFormat.writeHeader(f, firstLsn, flags);
    }
  }
}
