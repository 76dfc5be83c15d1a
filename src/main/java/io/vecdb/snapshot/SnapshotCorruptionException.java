package io.vecdb.snapshot;

import java.io.IOException;
import java.nio.file.Path;

/** A snapshot file that fails a check; names the file, the section (if any) and the byte offset. */
public final class SnapshotCorruptionException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final String section;
  private final long offset;

  SnapshotCorruptionException(Path file, String section, long offset, String detail) {
    super(
        "invalid snapshot "
            + file
            + (section == null ? "" : " in section '" + section + "'")
            + " at byte offset "
            + offset
            + ": "
            + detail);
    this.file = file;
    this.section = section;
    this.offset = offset;
  }

  public Path file() {
    return file;
  }

  /** The damaged section, or null if the header or footer is damaged. */
  public String section() {
    return section;
  }

  public long offset() {
    return offset;
  }
}
