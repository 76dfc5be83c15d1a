package io.vecdb.snapshot;

/** A section of a snapshot: its name, where its data starts, how long it is and its CRC32C. */
public record SectionInfo(String name, long offset, long length, int crc32c) {}
