package io.vecdb.snapshot;

/**
 * Layout of a snapshot container (big-endian).
 *
 * <pre>
 * header    8 bytes magic "VECDBSNP" | int formatVersion | int flags (0) | int crc32c(0..16)
 * section*  int "SECT" | short nameLength | name (UTF-8) | data
 * footer    int "FOOT"
 *           | int propertyCount | (short keyLen, key, int valueLen, value)*
 *           | int sectionCount  | (short nameLen, name, long dataOffset, long length, int crc32c)*
 *           | int crc32c(footer from "FOOT")
 * trailer   long footerOffset | 8 bytes magic "VECDBEND"
 * </pre>
 *
 * Section data is written as a stream, so lengths and CRCs live in the footer; the inline section
 * header lets a reader (or a human with a hex dump) check that a footer entry points where it
 * should.
 */
final class SnapshotFormat {
  static final long MAGIC = 0x5645434442534E50L; // "VECDBSNP"
  static final long END_MAGIC = 0x5645434442454E44L; // "VECDBEND"
  static final int CURRENT_VERSION = 1;
  static final int HEADER_BYTES = 20;
  static final int SECTION_MAGIC = 0x53454354; // "SECT"
  static final int FOOTER_MAGIC = 0x464F4F54; // "FOOT"
  static final int TRAILER_BYTES = 16;
  static final int MAX_NAME_BYTES = 255;

  private SnapshotFormat() {}
}
