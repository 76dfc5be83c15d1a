package io.vecdb.durable;

import io.vecdb.collection.Collection;
import io.vecdb.collection.CollectionImage;
import io.vecdb.collection.Collections;
import io.vecdb.collection.Operation;
import io.vecdb.collection.OperationCodec;
import io.vecdb.collection.VecdbException;
import io.vecdb.snapshot.SnapshotCorruptionException;
import io.vecdb.snapshot.SnapshotDirectory;
import io.vecdb.snapshot.SnapshotReader;
import io.vecdb.wal.Wal;
import io.vecdb.wal.WalCursor;
import io.vecdb.wal.WalRecord;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Rebuilds a node's collections on start: loads each collection's newest valid snapshot, then
 * replays every WAL record after that snapshot's LSN through {@link Collections#apply} — the same
 * deterministic state machine the live applier uses, so a rejected operation is rejected again and
 * changes nothing. Runs once, on one (worker) thread, before anything is served.
 */
final class Recovery {
  private static final Logger LOG = Logger.getLogger(Recovery.class.getName());

  /**
   * What recovery found: per collection the LSN its snapshot covers and the last LSN replayed on
   * it, and counts for the log.
   */
  record Result(
      Map<String, Long> snapshotLsn,
      Map<String, Long> lastApplied,
      int snapshots,
      long replayed,
      long rejected,
      long skipped,
      long maxSnapshotLsn,
      long millis) {}

  private Recovery() {}

  private static final Pattern SNAPSHOT_NAME = Pattern.compile("snapshot-(\\d{20})\\.vsnap");

  private record Loaded(Collection collection, long lsn, long bytes) {}

  /**
   * The newest checkpoint in {@code dir} that verifies, loaded; null if none does. Each file is
   * read once to verify its checksums (on open) and once to load it; a damaged file is skipped with
   * a warning and the next older one tried ({@link SnapshotDirectory} naming).
   */
  private static Loaded loadNewest(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files =
          s.filter(p -> SNAPSHOT_NAME.matcher(p.getFileName().toString()).matches())
              .sorted(Comparator.reverseOrder()) // 20-digit LSNs: name order is LSN order
              .toList();
    }
    for (Path f : files) {
      Matcher m = SNAPSHOT_NAME.matcher(f.getFileName().toString());
      m.matches();
      long lsn = Long.parseLong(m.group(1));
      try (SnapshotReader r = SnapshotReader.open(f)) {
        String prop = r.properties().get(SnapshotDirectory.LSN_PROPERTY);
        if (prop != null && !prop.equals(Long.toString(lsn))) {
          LOG.warning("skipping checkpoint " + f + ": its LSN property is " + prop);
          continue;
        }
        return new Loaded(CollectionImage.read(r), lsn, Files.size(f));
      } catch (SnapshotCorruptionException e) {
        LOG.warning("skipping damaged checkpoint " + f + ": " + e.getMessage());
      }
    }
    return null;
  }

  /**
   * A checkpoint directory with snapshot files of which none verifies: the collection can only be
   * rebuilt from the WAL if the WAL still starts at LSN 1; otherwise refuse to start rather than
   * silently come up without (or with part of) the collection.
   */
  private static void checkRebuildable(Path dir, Wal wal) throws IOException {
    boolean hadSnapshots;
    try (Stream<Path> s = Files.list(dir)) {
      hadSnapshots = s.anyMatch(p -> p.getFileName().toString().endsWith(".vsnap"));
    }
    if (!hadSnapshots) {
      return;
    }
    if (wal.firstLsn() > 1) {
      throw new IOException(
          "no valid checkpoint in "
              + dir
              + " (every snapshot file failed verification) and the WAL starts at LSN "
              + wal.firstLsn()
              + ", so this collection cannot be rebuilt; restore the directory from a backup, or"
              + " move it away to start without this collection");
    }
    LOG.warning("no valid checkpoint in " + dir + "; rebuilding it from the whole WAL");
  }

  static Result run(Wal wal, SnapshotStore store, Collections collections) throws IOException {
    long start = System.nanoTime();
    Map<String, Long> snapshotLsn = new HashMap<>();
    Map<String, Long> lastApplied = new HashMap<>();
    long maxSnapshot = 0;
    // Aliases: as last saved, then the alias changes logged after that (the alias lane's
    // "snapshot").
    AliasFile aliasFile = new AliasFile(store.root().toAbsolutePath().getParent());
    AliasFile.Saved aliases = aliasFile.load();
    collections.restoreAliases(aliases.aliases());
    collections.aliasStore(aliasFile);
    // So no new operation reuses an LSN the file covers (its record may be lost with the tail).
    maxSnapshot = aliases.lsn();
    if (Files.isDirectory(store.root())) {
      List<Path> dirs;
      try (Stream<Path> s = Files.list(store.root())) {
        dirs = s.filter(Files::isDirectory).sorted().toList();
      }
      for (Path dir : dirs) {
        Loaded loaded = loadNewest(dir);
        if (loaded == null) {
          checkRebuildable(dir, wal);
          continue;
        }
        Collection c = loaded.collection();
        collections.install(c);
        snapshotLsn.put(c.name(), loaded.lsn());
        maxSnapshot = Math.max(maxSnapshot, loaded.lsn());
        LOG.info(
            "loaded snapshot of collection `"
                + c.name()
                + "` at LSN "
                + loaded.lsn()
                + " ("
                + c.size()
                + " points, "
                + loaded.bytes()
                + " bytes, graph loaded, not rebuilt)");
      }
    }
    long replayed = 0;
    long rejected = 0;
    long skipped = 0;
    try (WalCursor cursor = wal.read(wal.firstLsn())) {
      for (WalRecord rec = cursor.next(); rec != null; rec = cursor.next()) {
        // The record type is the operation's format version (OperationCodec.VERSION).
        if (rec.type() < 1 || rec.type() > OperationCodec.VERSION) {
          throw new IOException(
              "WAL record "
                  + rec.lsn()
                  + " holds an operation of format "
                  + rec.type()
                  + "; this VecDB reads formats 1 to "
                  + OperationCodec.VERSION
                  + " (written by a newer release?)");
        }
        Operation op;
        try {
          op = OperationCodec.decode(rec.type(), Buffer.buffer(rec.payload()));
        } catch (RuntimeException e) {
          throw new IOException(
              "WAL record " + rec.lsn() + " passed its CRC but does not decode: " + e, e);
        }
        long covered =
            op instanceof io.vecdb.collection.Operation.ChangeAliases
                ? aliases.lsn()
                : snapshotLsn.getOrDefault(op.collection(), 0L);
        if (rec.lsn() <= covered) {
          skipped++;
          continue;
        }
        try {
          collections.apply(rec.lsn(), op);
          lastApplied.put(op.collection(), rec.lsn());
          replayed++;
        } catch (VecdbException e) {
          rejected++; // rejected live too, with the same state: changes nothing
        }
      }
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    return new Result(
        snapshotLsn,
        lastApplied,
        snapshotLsn.size(),
        replayed,
        rejected,
        skipped,
        maxSnapshot,
        millis);
  }
}
