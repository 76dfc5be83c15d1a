package io.vecdb.snapshot;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The snapshots of one collection (or shard) in one directory, named {@code snapshot-<LSN, 20
 * digits>.vsnap} after the last WAL record they include. Listing skips temporary files and any file
 * that fails verification (with a warning), so a crash while writing a snapshot or a damaged file
 * falls back to the previous one.
 *
 * <p>Threading: stateless apart from the path; safe to share. Creating and deleting snapshots
 * concurrently for the same LSN is the caller's business (one snapshotter per collection).
 */
public final class SnapshotDirectory {
  private static final System.Logger LOG = System.getLogger(SnapshotDirectory.class.getName());

  /** Property every snapshot made here carries: the LSN in its file name. */
  public static final String LSN_PROPERTY = "vecdb.lsn";

  private static final Pattern NAME = Pattern.compile("snapshot-(\\d{20})\\.vsnap");

  private final Path dir;

  public SnapshotDirectory(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  public Path pathFor(long lsn) {
    if (lsn < 0) {
      throw new IllegalArgumentException("snapshot lsn: expected >= 0, got " + lsn);
    }
    return dir.resolve(String.format("snapshot-%020d.vsnap", lsn));
  }

  /** Starts a snapshot covering the log up to {@code lsn}; commit it to make it visible. */
  public SnapshotWriter create(long lsn, Map<String, String> properties) throws IOException {
    Map<String, String> props = new LinkedHashMap<>(properties);
    props.put(LSN_PROPERTY, Long.toString(lsn));
    return SnapshotWriter.create(pathFor(lsn), props);
  }

  /** Every valid snapshot, oldest (lowest LSN) first. Verifies each file completely. */
  public List<SnapshotInfo> listValid() throws IOException {
    List<SnapshotInfo> out = new ArrayList<>();
    for (Candidate c : candidates()) {
      SnapshotInfo info = verify(c);
      if (info != null) {
        out.add(info);
      }
    }
    return out;
  }

  /** The LSN in the newest snapshot file's name, unverified; 0 if there is none. */
  public long newestNamedLsn() throws IOException {
    List<Candidate> cs = candidates();
    return cs.isEmpty() ? 0 : cs.getLast().lsn();
  }

  /** The newest snapshot that verifies, trying older ones if newer ones are damaged. */
  public Optional<SnapshotInfo> newestValid() throws IOException {
    List<Candidate> cs = candidates();
    for (int i = cs.size() - 1; i >= 0; i--) {
      SnapshotInfo info = verify(cs.get(i));
      if (info != null) {
        return Optional.of(info);
      }
    }
    return Optional.empty();
  }

  /** Deletes snapshot files with an LSN below {@code lsn} and leftover temporary files. */
  public int deleteOlderThan(long lsn) throws IOException {
    int n = AtomicFileWriter.deleteTemporaries(dir);
    for (Candidate c : candidates()) {
      if (c.lsn < lsn && Files.deleteIfExists(c.path)) {
        n++;
      }
    }
    if (n > 0) {
      AtomicFileWriter.syncDirectory(dir);
    }
    return n;
  }

  private record Candidate(Path path, long lsn) {}

  private List<Candidate> candidates() throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<Candidate> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        if (m.matches() && Files.isRegularFile(p)) {
          out.add(new Candidate(p, Long.parseLong(m.group(1))));
        }
      }
    }
    out.sort(Comparator.comparingLong(Candidate::lsn));
    return out;
  }

  private static SnapshotInfo verify(Candidate c) {
    try (SnapshotReader r = SnapshotReader.open(c.path)) {
      String lsn = r.properties().get(LSN_PROPERTY);
      if (lsn != null && !lsn.equals(Long.toString(c.lsn))) {
        LOG.log(
            Level.WARNING,
            "skipping snapshot {0}: its {1} property is {2}, its name says {3}",
            c.path,
            LSN_PROPERTY,
            lsn,
            c.lsn);
        return null;
      }
      return new SnapshotInfo(c.path, c.lsn, Files.size(c.path), r.properties());
    } catch (IOException e) {
      LOG.log(Level.WARNING, "skipping invalid snapshot {0}: {1}", c.path, e.getMessage());
      return null;
    }
  }
}
