package io.vecdb.snapshot;

import java.nio.file.Path;
import java.util.Map;

/**
 * A valid snapshot in a {@link SnapshotDirectory}: its file, the LSN it covers, size, properties.
 */
public record SnapshotInfo(Path path, long lsn, long sizeBytes, Map<String, String> properties) {}
