package io.vecdb.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * On-disk layout of segments and records (big-endian).
 *
 * <pre>
 * segment file  wal-&lt;first LSN, 20 digits&gt;.log
 *   header      int magic "VWAL" | short version | short flags | long firstLsn | int crc32c(0..16)
 *   records...
 * record        int payloadLength | long lsn | byte type | byte flags | payload | int crc32c
 *               (the CRC covers header and payload)
 * </pre>
 *
 * Segment flag {@link #SEGMENT_BASE}: the log restarts at this segment (a prefix truncation past
 * the end of the log); recovery deletes any older segment left by a crash during that truncation.
 * Record flag {@link #RECORD_BATCH_CONTINUES}: more records of the same batch follow; recovery
 * drops a batch whose last record is missing. Record flag {@link #RECORD_PRIOR_SYNCED}: everything
 * before this record in its segment had been fsynced before this record was written. Recovery uses
 * it to tell a torn write (damage followed only by records of the same unsynced writes: pages of an
 * interrupted write reach the disk in any order) from corruption of durable data (damage followed
 * by a record written after an fsync that covered the damaged one).
 */
final class SegmentFormat {
  static final int MAGIC = 0x5657414C; // "VWAL"
  static final short VERSION = 1;
  static final int SEGMENT_HEADER_BYTES = 20;
  static final short SEGMENT_BASE = 1;

  static final int RECORD_HEADER_BYTES = 14;
  static final int RECORD_OVERHEAD = RECORD_HEADER_BYTES + 4;
  static final byte RECORD_BATCH_CONTINUES = 1;
  static final byte RECORD_PRIOR_SYNCED = 2;

  private static final Pattern NAME = Pattern.compile("wal-(\\d{20})\\.log");

  private SegmentFormat() {}

  static String fileName(long firstLsn) {
    return String.format("wal-%020d.log", firstLsn);
  }

  /** First LSN encoded in a segment file name, or -1 if the name is not a segment's. */
  static long parseFileName(Path file) {
    Matcher m = NAME.matcher(file.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  static ByteBuffer segmentHeader(long firstLsn, short flags) {
    ByteBuffer b = ByteBuffer.allocate(SEGMENT_HEADER_BYTES).order(ByteOrder.BIG_ENDIAN);
    b.putInt(MAGIC).putShort(VERSION).putShort(flags).putLong(firstLsn);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, 16);
    b.putInt((int) crc.getValue());
    return b.flip();
  }

  /** Empties {@code f} and writes a segment header at its start, then forces it to disk. */
  static void writeHeader(StorageFile f, long firstLsn, short flags) throws java.io.IOException {
    f.truncate(0);
    ByteBuffer h = segmentHeader(firstLsn, flags);
    long pos = 0;
    while (h.hasRemaining()) {
      pos += f.write(h, pos);
    }
    f.force(true);
  }

  /** A decoded segment header, or null if {@code b} (20 bytes) is not a valid header. */
  static Header parseHeader(ByteBuffer b) {
    if (b.remaining() < SEGMENT_HEADER_BYTES) {
      return null;
    }
    int p = b.position();
    CRC32C crc = new CRC32C();
    crc.update(b.slice(p, 16));
    if (b.getInt(p) != MAGIC || b.getInt(p + 16) != (int) crc.getValue()) {
      return null;
    }
    return new Header(b.getShort(p + 4), b.getShort(p + 6), b.getLong(p + 8));
  }

  record Header(short version, short flags, long firstLsn) {}
}
