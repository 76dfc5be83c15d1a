package io.vecdb.cluster.raft;

import io.vecdb.collection.Collection;
import io.vecdb.collection.CollectionImage;
import io.vecdb.collection.Collections;
import io.vecdb.snapshot.SnapshotReader;
import io.vecdb.snapshot.SnapshotWriter;
import io.vecdb.wal.WalStorage;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The checkpoint files of one shard replica ({@code <data>/shards/<group>/<index>.ckpt}): the state
 * at a Raft index, written by the replica's apply lane when MicroRaft takes a snapshot, so that the
 * snapshot MicroRaft keeps and sends is only a {@link CheckpointRef}. A file is the snapshot
 * container of the single-node snapshots ({@link SnapshotWriter}: sections with checksums, written
 * to a temporary file, fsynced, renamed, directory fsynced) holding the shard's collection as
 * {@link CollectionImage} writes it (points, payloads and the HNSW graph itself, loaded without a
 * rebuild) and a {@code sessions} section (the idempotency sessions).
 *
 * <p>A replica that installs a snapshot it does not have fetches the file from the node named in
 * the ref (or another member) through {@link Fetcher}, into a temporary file that replaces nothing
 * until it is complete and verified.
 *
 * <p>Retention: files are deleted once two newer snapshots are durable in the Raft WAL ({@link
 * #snapshotDurable}): the newest durable one is what a restart restores, the one before it may
 * still be being fetched by a lagging replica.
 *
 * <p>Concurrency: written and loaded on the replica's apply lane; {@link #file} and {@link
 * #snapshotDurable} from any thread (file names are immutable once renamed into place; deletion
 * races with a fetch are answered as "absent" and the fetch is retried elsewhere).
 */
public final class ShardCheckpoints {
  private static final Logger LOG = Logger.getLogger(ShardCheckpoints.class.getName());
  private static final String SUFFIX = ".ckpt";

  /** Copies checkpoint {@code index} of this shard from {@code node} into {@code target}. */
  public interface Fetcher {
    /** Returns false if {@code node} does not have it; throws if it could not be asked. */
    boolean fetch(String node, long index, Path target) throws IOException;
  }

  private final Path dir;
  private final String nodeId;
  private final List<String> members;
  private final Fetcher fetcher;
  private volatile long durable; // the newest snapshot durable in the Raft WAL

  /**
   * @param members the group's members, asked in turn when the ref's node does not have the file
   */
  public ShardCheckpoints(Path dir, String nodeId, List<String> members, Fetcher fetcher) {
    this.dir = dir;
    this.nodeId = nodeId;
    this.members = List.copyOf(members);
    this.fetcher = fetcher;
  }

  public String nodeId() {
    return nodeId;
  }

  /** The file of checkpoint {@code index} (it may not exist). Any thread. */
  public Path file(long index) {
    return dir.resolve(index + SUFFIX);
  }

  /**
   * Captures the state at {@code index} ({@link CollectionImage#capture}: reference copies), to
   * write with {@link Capture#write}. Apply lane, with no apply running.
   */
  Capture capture(long index, Collections state, Sessions sessions) throws IOException {
    List<String> names = state.names();
    if (names.size() > 1) {
      throw new IOException("shard checkpoint: expected one collection, got " + names);
    }
    Buffer b = Buffer.buffer();
    RaftCodec.writeOperation(b, sessions);
    List<CollectionImage.Captured> images = new java.util.ArrayList<>();
    try {
      for (String name : names) {
        images.add(CollectionImage.capture(state.get(name)));
      }
    } catch (IOException | RuntimeException e) {
      images.forEach(CollectionImage.Captured::close);
      throw e;
    }
    return new Capture(index, images, b.getBytes());
  }

  /** A shard's state captured at {@code index}, written once by {@link #write}; then closed. */
  final class Capture implements AutoCloseable {
    private final long index;
    private final List<CollectionImage.Captured> images;
    private final byte[] sessions;

    private Capture(long index, List<CollectionImage.Captured> images, byte[] sessions) {
      this.index = index;
      this.images = images;
      this.sessions = sessions;
    }

    /** Writes the checkpoint file of {@code index} durably. Any thread. */
    void write() throws IOException {
      WalStorage.files().createDirectories(dir);
      try (SnapshotWriter w =
          SnapshotWriter.create(file(index), Map.of("raft_index", String.valueOf(index)))) {
        for (CollectionImage.Captured image : images) {
          image.writeTo(w);
        }
        w.section("sessions", ch -> ch.write(ByteBuffer.wrap(sessions)));
        w.commit();
      }
    }

    @Override
    public void close() {
      images.forEach(CollectionImage.Captured::close);
    }
  }

  /** A loaded checkpoint. */
  record Loaded(Collections state, Sessions sessions) {}

  /** Reads checkpoint {@code index} into a fresh state from {@code empty}. */
  Loaded load(long index, Supplier<Collections> empty) throws IOException {
    Collections state = empty.get();
    Sessions sessions;
    try (SnapshotReader r = SnapshotReader.open(file(index))) {
      if (r.hasSection("collection")) {
        Collection c = CollectionImage.read(r);
        state.install(c);
      }
      byte[] bytes;
      try (var in = Channels.newInputStream(r.section("sessions"))) {
        bytes = in.readAllBytes();
      }
      Object decoded = RaftCodec.readOperation(new RaftCodec.Reader(Buffer.buffer(bytes)));
      if (!(decoded instanceof Sessions s)) {
        throw new IOException(file(index) + ": sessions section holds " + decoded);
      }
      sessions = s;
    }
    return new Loaded(state, sessions);
  }

  /**
   * Makes sure checkpoint {@code ref.index()} is here: if not, fetches it from {@code ref.node()},
   * then from the other members, retrying for up to {@code waitMillis} (the writer may still be
   * writing it). Apply lane.
   */
  void obtain(CheckpointRef ref, long waitMillis) throws IOException {
    Path target = file(ref.index());
    if (Files.exists(target)) {
      return;
    }
    WalStorage.files().createDirectories(dir);
    Path tmp = dir.resolve("." + ref.index() + SUFFIX + ".fetch");
    long deadline = System.nanoTime() + waitMillis * 1_000_000L;
    IOException last = null;
    while (true) {
      for (String node :
          Stream.concat(Stream.of(ref.node()), members.stream()).distinct().toList()) {
        if (node.equals(nodeId)) {
          continue;
        }
        try {
          Files.deleteIfExists(tmp);
          if (fetcher.fetch(node, ref.index(), tmp)) {
            try (SnapshotReader check = SnapshotReader.open(tmp)) {
              check.sections(); // opening verifies the footer and every section's checksum
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            WalStorage.files().syncDirectory(dir);
            LOG.info("fetched checkpoint " + target + " from " + node);
            return;
          }
        } catch (IOException e) {
          last = e;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(
            "checkpoint " + ref.index() + " of " + dir.getFileName() + ": no member had it", last);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while fetching checkpoint " + ref.index(), e);
      }
    }
  }

  /**
   * Snapshot {@code index} is durable in the Raft WAL: checkpoints older than the previous durable
   * one are deleted. Any thread.
   */
  void snapshotDurable(long index) {
    long previous;
    synchronized (this) {
      if (index <= durable) {
        return;
      }
      previous = durable;
      durable = index;
    }
    TreeMap<Long, Path> files = list();
    for (Map.Entry<Long, Path> e : files.headMap(previous, false).entrySet()) {
      try {
        Files.deleteIfExists(e.getValue());
      } catch (IOException ex) {
        LOG.warning("could not delete old checkpoint " + e.getValue() + ": " + ex);
      }
    }
  }

  /** The checkpoint files here, by index. */
  TreeMap<Long, Path> list() {
    TreeMap<Long, Path> out = new TreeMap<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> s = Files.list(dir)) {
      s.forEach(
          p -> {
            String n = p.getFileName().toString();
            if (n.endsWith(SUFFIX) && !n.startsWith(".")) {
              try {
                out.put(Long.parseLong(n.substring(0, n.length() - SUFFIX.length())), p);
              } catch (NumberFormatException e) {
                // not ours
              }
            }
          });
    } catch (IOException e) {
      LOG.warning("could not list " + dir + ": " + e);
    }
    return out;
  }

  /** Deletes every checkpoint of this replica (its collection was deleted). */
  public void deleteAll() {
    for (Path p : list().values()) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        LOG.warning("could not delete " + p + ": " + e);
      }
    }
    try {
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // not empty (a fetch in progress): left
    }
  }
}
