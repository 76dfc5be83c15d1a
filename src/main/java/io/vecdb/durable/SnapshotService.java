package io.vecdb.durable;

import io.vecdb.collection.Collection;
import io.vecdb.collection.CollectionImage;
import io.vecdb.collection.Collections;
import io.vecdb.collection.ErrorCode;
import io.vecdb.collection.Validation;
import io.vecdb.collection.VecdbException;
import io.vecdb.snapshot.SnapshotReader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Qdrant's collection snapshot API: downloadable snapshot files under {@code
 * <data>/collection-snapshots/<collection>/<name>.snapshot} (the checkpoint container format, see
 * {@link CollectionImage}) with a SHA-256 sidecar {@code <name>.snapshot.checksum}, and recovery of
 * a collection from such a file.
 *
 * <p>Recovery is durable without a new WAL record type: on the collection's apply lane the restored
 * collection replaces the old one and a checkpoint of it is committed at that lane's cut {@code L}
 * before any later operation applies; a restart loads that checkpoint and replays only WAL records
 * after {@code L}. The call returns after that commit, so an acknowledged recovery survives a
 * crash, and one that crashes before it leaves the old state.
 *
 * <p>Concurrency: every method may be called from an event loop; blocking work (file I/O, waiting
 * for the apply lane) runs on Vert.x worker threads via {@code executeBlocking}. Creating and
 * deleting snapshot files of one collection concurrently is safe: names carry the LSN and a
 * timestamp, files appear by atomic rename.
 */
public final class SnapshotService {
  private static final Logger LOG = Logger.getLogger(SnapshotService.class.getName());
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,200}\\.snapshot");
  private static final Pattern SAFE_COLLECTION = Pattern.compile("[A-Za-z0-9_-]{1,100}");
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss");
  private static final String CHECKSUM_SUFFIX = ".checksum";

  /** Qdrant's SnapshotDescription. */
  public record Description(String name, String creationTime, long size, String checksum) {
    public JsonObject toJson() {
      return new JsonObject()
          .put("name", name)
          .put("creation_time", creationTime)
          .put("size", size)
          .put("checksum", checksum);
    }
  }

  private final Vertx vertx;
  private final Path root;
  private final Collections collections;
  private final Checkpointer checkpointer;
  private final java.util.function.Consumer<String> installed;

  SnapshotService(
      Vertx vertx,
      Path root,
      Collections collections,
      Checkpointer checkpointer,
      java.util.function.Consumer<String> installed) {
    this.installed = installed;
    this.vertx = vertx;
    this.root = root;
    this.collections = collections;
    this.checkpointer = checkpointer;
  }

  /** {@code POST /collections/{c}/snapshots}: a consistent snapshot of the collection now. */
  public Future<Description> create(String collection) {
    return blocking(
        () -> {
          collections.require(collection);
          Path dir = dirOf(collection);
          io.vecdb.wal.WalStorage.files().createDirectories(dir);
          LocalDateTime now = LocalDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);
          String prefix = SAFE_COLLECTION.matcher(collection).matches() ? collection : "collection";
          // The LSN is not known before the cut; a temporary name is renamed once it is.
          Path tmp = dir.resolve(prefix + "-pending-" + System.nanoTime() + ".snapshot");
          long lsn = checkpointer.export(collection, tmp);
          if (lsn < 0) {
            throw VecdbException.notFound("Collection `" + collection + "` doesn't exist!");
          }
          String name = prefix + "-" + lsn + "-" + STAMP.format(now) + ".snapshot";
          Path file = dir.resolve(name);
          Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
          String checksum = sha256(file);
          Files.writeString(dir.resolve(name + CHECKSUM_SUFFIX), checksum);
          io.vecdb.snapshot.AtomicFileWriter.syncDirectory(dir);
          LOG.info("snapshot " + name + " of collection `" + collection + "` at LSN " + lsn);
          return describe(file, now.toString());
        });
  }

  /** {@code GET /collections/{c}/snapshots}. */
  public Future<List<Description>> list(String collection) {
    return blocking(
        () -> {
          Validation.checkCollectionName(collection);
          Path dir = dirOf(collection);
          List<Description> out = new ArrayList<>();
          if (!Files.isDirectory(dir)) {
            collections.require(collection); // 404 for an unknown collection without snapshots
            return out;
          }
          // Snapshots outlive their collection (deleting a collection keeps them), so they can be
          // listed, downloaded and recovered after a delete.
          try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
              String n = f.getFileName().toString();
              if (NAME.matcher(n).matches() && !n.contains("-pending-")) {
                out.add(describe(f, null));
              }
            }
          }
          return out;
        });
  }

  /** The file of snapshot {@code name} (for a streamed download), or NOT_FOUND. */
  public Future<Path> file(String collection, String name) {
    return blocking(() -> existing(collection, name));
  }

  /** {@code DELETE /collections/{c}/snapshots/{name}}. */
  public Future<Boolean> delete(String collection, String name) {
    return blocking(
        () -> {
          Path f = existing(collection, name);
          Files.deleteIfExists(f.resolveSibling(name + CHECKSUM_SUFFIX));
          Files.delete(f);
          io.vecdb.snapshot.AtomicFileWriter.syncDirectory(f.getParent());
          return true;
        });
  }

  /**
   * {@code PUT /collections/{c}/snapshots/recover}: {@code location} is a {@code file://} URI or a
   * path on this node; {@code checksum} (SHA-256 hex) is verified when given.
   */
  public Future<Boolean> recover(String collection, String location, String checksum) {
    if (location == null || location.isBlank()) {
      return Future.failedFuture(
          VecdbException.badRequest("location: expected a file:// URI or a path, got nothing"));
    }
    Path source;
    try {
      if (location.startsWith("file:")) {
        source = Path.of(URI.create(location));
      } else if (location.contains("://")) {
        return Future.failedFuture(
            VecdbException.badRequest(
                "location: only file:// URIs and local paths are supported, got '"
                    + location
                    + "'; download the snapshot and use the upload endpoint"));
      } else {
        source = Path.of(location);
      }
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(
          VecdbException.badRequest("location: not a valid file URI or path: " + location));
    }
    return recoverFile(collection, source, checksum);
  }

  /** Recovery from an uploaded file ({@code POST /collections/{c}/snapshots/upload}). */
  public Future<Boolean> recoverFile(String collection, Path source, String checksum) {
    return blocking(
        () -> {
          Validation.checkCollectionName(collection);
          if (!Files.isRegularFile(source)) {
            throw VecdbException.badRequest("location: no snapshot file at '" + source + "'");
          }
          if (checksum != null && !checksum.equalsIgnoreCase(sha256(source))) {
            throw VecdbException.badRequest(
                "checksum: the snapshot's SHA-256 does not match '" + checksum + "'");
          }
          Collection restored;
          try (SnapshotReader r = SnapshotReader.open(source)) {
            restored = CollectionImage.read(r, collection);
          } catch (IOException | RuntimeException e) {
            throw VecdbException.badRequest(
                "snapshot: '" + source + "' is not a valid VecDB collection snapshot: " + e);
          }
          long lsn = checkpointer.restore(collection, restored);
          installed.accept(collection);
          LOG.info(
              "collection `"
                  + collection
                  + "` recovered from "
                  + source
                  + " ("
                  + restored.size()
                  + " points), checkpointed at LSN "
                  + lsn);
          return true;
        });
  }

  private Path existing(String collection, String name) {
    Validation.checkCollectionName(collection);
    if (name == null || !NAME.matcher(name).matches() || name.contains("..")) {
      throw VecdbException.badRequest(
          "snapshot name: expected a name ending in .snapshot, got '" + name + "'");
    }
    Path f = dirOf(collection).resolve(name);
    if (!Files.isRegularFile(f)) {
      throw VecdbException.notFound(
          "Snapshot `" + name + "` of collection `" + collection + "` doesn't exist!");
    }
    return f;
  }

  /** The collection's own name when {@code name} is one of its aliases, else {@code name}. */
  public String canonical(String name) {
    io.vecdb.collection.Collection c = collections.get(name);
    return c == null ? name : c.name();
  }

  private Path dirOf(String collection) {
    return root.resolve(SnapshotStore.dirName(collection));
  }

  private static Description describe(Path f, String created) throws IOException {
    String name = f.getFileName().toString();
    Path sidecar = f.resolveSibling(name + CHECKSUM_SUFFIX);
    String checksum =
        Files.isRegularFile(sidecar)
            ? Files.readString(sidecar, StandardCharsets.UTF_8).trim()
            : sha256(f);
    if (created == null) {
      created =
          LocalDateTime.ofInstant(Files.getLastModifiedTime(f).toInstant(), ZoneOffset.UTC)
              .truncatedTo(ChronoUnit.SECONDS)
              .toString();
    }
    return new Description(name, created, Files.size(f), checksum);
  }

  static String sha256(Path f) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(f)) {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private interface Work<T> {
    T run() throws Exception;
  }

  private <T> Future<T> blocking(Work<T> work) {
    return vertx.executeBlocking(
        () -> {
          try {
            return work.run();
          } catch (VecdbException e) {
            throw e;
          } catch (IllegalArgumentException e) {
            throw VecdbException.badRequest(e.getMessage());
          } catch (Exception e) {
            throw new VecdbException(ErrorCode.INTERNAL, "snapshot: " + e);
          }
        },
        false);
  }
}
