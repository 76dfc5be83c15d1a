package io.vecdb.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Decodes records from one segment file through a read-ahead buffer. Used by recovery, by the
 * writer (to find offsets for truncation) and by cursors. Not thread-safe: one per user.
 */
final class RecordReader {
  /** Outcome of decoding at an offset. */
  enum Status {
    OK,
    /** Clean end: the offset is exactly the end of the file. */
    END,
    /** The file ends inside the record. */
    PARTIAL,
    BAD_LENGTH,
    BAD_CRC,
    BAD_LSN
  }

  private static final int DEFAULT_BUFFER = 1 << 20;

  private final StorageFile file;
  private final int maxRecordBytes;
  private final CRC32C crc = new CRC32C();
  private ByteBuffer buf = ByteBuffer.allocate(DEFAULT_BUFFER);
  private long bufStart = -1; // file offset of buf[0]; buf.limit() = valid bytes

  // Results of the last successful decode.
  Status status;
  long lsn;
  byte type;
  byte flags;
  int payloadLength;

  RecordReader(StorageFile file, int maxRecordBytes) {
    this.file = file;
    this.maxRecordBytes = maxRecordBytes;
  }

  int recordBytes() {
    return SegmentFormat.RECORD_OVERHEAD + payloadLength;
  }

  /** Forgets buffered bytes (after the file changed under the same offsets). */
  void invalidate() {
    bufStart = -1;
    buf.clear().limit(0);
  }

  /**
   * Decodes the record at {@code offset} of a file of {@code fileSize} bytes; {@code expectedLsn}
   * <= 0 accepts any LSN. Sets {@link #status} and, when OK, the record fields.
   */
  Status decode(long offset, long fileSize, long expectedLsn) throws IOException {
    if (offset >= fileSize) {
      return status = offset == fileSize ? Status.END : Status.PARTIAL;
    }
    if (offset + SegmentFormat.RECORD_HEADER_BYTES > fileSize) {
      return status = Status.PARTIAL;
    }
    ensure(offset, SegmentFormat.RECORD_HEADER_BYTES, fileSize);
    int p = (int) (offset - bufStart);
    int len = buf.getInt(p);
    if (len < 0 || len > maxRecordBytes) {
      return status = Status.BAD_LENGTH;
    }
    long recLsn = buf.getLong(p + 4);
    long total = (long) SegmentFormat.RECORD_OVERHEAD + len;
    if (offset + total > fileSize) {
      return status = Status.PARTIAL;
    }
    ensure(offset, (int) total, fileSize);
    p = (int) (offset - bufStart);
    crc.reset();
    crc.update(buf.slice(p, SegmentFormat.RECORD_HEADER_BYTES + len));
    if (buf.getInt(p + SegmentFormat.RECORD_HEADER_BYTES + len) != (int) crc.getValue()) {
      return status = Status.BAD_CRC;
    }
    if (expectedLsn > 0 && recLsn != expectedLsn) {
      lsn = recLsn;
      return status = Status.BAD_LSN;
    }
    lsn = recLsn;
    type = buf.get(p + 12);
    flags = buf.get(p + 13);
    payloadLength = len;
    return status = Status.OK;
  }

  /** Copy of the payload of the record last decoded OK at {@code offset}. */
  byte[] payload(long offset) {
    byte[] out = new byte[payloadLength];
    buf.get((int) (offset - bufStart) + SegmentFormat.RECORD_HEADER_BYTES, out);
    return out;
  }

  /**
   * Makes bytes [offset, offset+n) available in the buffer, reading ahead but never at or beyond
   * {@code fileSize}: for the active segment that is the end the writer published, so the buffer
   * never holds bytes a concurrent write is still producing.
   */
  private void ensure(long offset, int n, long fileSize) throws IOException {
    if (bufStart >= 0 && offset >= bufStart && offset + n <= bufStart + buf.limit()) {
      return;
    }
    if (buf.capacity() < n) {
      buf = ByteBuffer.allocate(Math.max(n, buf.capacity() * 2));
    }
    buf.clear();
    buf.limit((int) Math.min(buf.capacity(), Math.max(n, fileSize - offset)));
    bufStart = offset;
    while (buf.hasRemaining()) {
      int r = file.read(buf, offset + buf.position());
      if (r < 0) {
        break;
      }
    }
    buf.flip();
    if (buf.limit() < n) {
      bufStart = -1;
      buf.limit(0);
      throw new IOException("file shorter than expected: wanted " + n + " bytes at " + offset);
    }
  }

  /**
   * True if a record with a valid CRC, an LSN in (afterLsn, afterLsn + bound] and the {@link
   * SegmentFormat#RECORD_PRIOR_SYNCED} flag starts anywhere in (from, fileSize): then the damage at
   * {@code from} had been fsynced before that record was written, so it is not a torn write.
   */
  boolean syncedRecordAfter(long from, long fileSize, long afterLsn) throws IOException {
    long bound = Math.max(1, (fileSize - from) / SegmentFormat.RECORD_OVERHEAD + 1);
    for (long p = from + 1; p + SegmentFormat.RECORD_OVERHEAD <= fileSize; p++) {
      ensure(p, SegmentFormat.RECORD_HEADER_BYTES, fileSize);
      int q = (int) (p - bufStart);
      long l = buf.getLong(q + 4);
      if (l > afterLsn && l <= afterLsn + bound) {
        if (decode(p, fileSize, l) == Status.OK
            && (flags & SegmentFormat.RECORD_PRIOR_SYNCED) != 0) {
          return true;
        }
      }
    }
    return false;
  }
}
