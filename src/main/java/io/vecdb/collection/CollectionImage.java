package io.vecdb.collection;

import io.vecdb.index.HnswIndex;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vecdb.snapshot.SnapshotReader;
import io.vecdb.snapshot.SnapshotWriter;
import io.vertx.core.json.JsonObject;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

/**
 * A collection's complete state as sections of a snapshot container ({@link SnapshotWriter}):
 *
 * <ul>
 *   <li>{@code collection}: UTF-8 JSON {@code {"image_version", "name", "config" (the create body),
 *       "payload_schema" {field: type}, "points"}}.
 *   <li>{@code points}: big-endian binary, per live point: ordinal (int), id kind (byte, 0 number
 *       then a long, 1 UUID then two longs), version (long, the sequence number of its last write),
 *       payload length (int, -1 for empty) and payload UTF-8 JSON. Together with the graph's
 *       ordinals this is the id map; ordinals absent here are tombstones.
 *   <li>{@code index}: the HNSW graph ({@link HnswIndex#writeTo}), vectors and tombstones included;
 *       loaded as stored, never rebuilt.
 * </ul>
 *
 * Payload-index postings are not stored: they are rebuilt from the payloads at load.
 *
 * <p>Threading: {@link #write} must run on the collection's apply lane (see {@link Applier#onLane})
 * so that no operation changes the collection while it is captured; searches go on. {@link #read}
 * builds a new collection that no other thread sees yet.
 */
public final class CollectionImage {
  static final int IMAGE_VERSION = 1;

  private CollectionImage() {}

  /** Appends {@code c}'s sections to {@code w}. Apply lane of {@code c} only. */
  public static void write(Collection c, SnapshotWriter w) throws IOException {
    write(c, w, false);
  }

  /**
   * As {@link #write}, unless the collection's graph is being compacted: then returns false, and
   * {@code w} must be discarded (a checkpoint then waits off the apply lane for the compaction and
   * tries again, rather than hold the lane: issue 12, item 5). Apply lane of {@code c} only.
   */
  public static boolean writeUnlessCompacting(Collection c, SnapshotWriter w) throws IOException {
    if (c.index instanceof HnswIndex graph && graph.compacting()) {
      return false;
    }
    try {
      write(c, w, true);
      return true;
    } catch (CompactionStarted e) {
      return false;
    }
  }

  /** Thrown through the snapshot writer when a compaction started after the check above. */
  private static final class CompactionStarted extends IOException {
    private static final long serialVersionUID = 1L;

    CompactionStarted() {
      super("a compaction started", null);
    }
  }

  private static void write(Collection c, SnapshotWriter w, boolean unlessCompacting)
      throws IOException {
    if (!(c.index instanceof HnswIndex graph)) {
      throw new IOException(
          "collection `" + c.name() + "`: only HNSW-indexed collections can be snapshotted");
    }
    JsonObject meta =
        new JsonObject()
            .put("image_version", IMAGE_VERSION)
            .put("name", c.name())
            .put("config", c.config().toCreateBody())
            .put("payload_schema", new JsonObject(Map.copyOf(c.payloadSchema())))
            .put("points", c.size());
    w.section(
        "collection",
        ch -> ch.write(java.nio.ByteBuffer.wrap(meta.encode().getBytes(StandardCharsets.UTF_8))));
    w.section(
        "points",
        ch -> {
          DataOutputStream out =
              new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16));
          for (Integer ord : c.ordinals.values()) {
            StoredPoint p = c.points.get(ord);
            if (p != null) {
              writePoint(out, ord, p);
            }
          }
          out.flush();
        });
    if (unlessCompacting) {
      w.section(
          "index",
          ch -> {
            if (!graph.tryWriteTo(ch)) {
              throw new CompactionStarted();
            }
          });
    } else {
      w.section("index", graph::writeTo);
    }
  }

  private static void writePoint(DataOutputStream out, int ord, StoredPoint p) throws IOException {
    out.writeInt(ord);
    switch (p.id()) {
      case PointId.Num n -> {
        out.writeByte(0);
        out.writeLong(n.value());
      }
      case PointId.Uuid u -> {
        out.writeByte(1);
        out.writeLong(u.value().getMostSignificantBits());
        out.writeLong(u.value().getLeastSignificantBits());
      }
    }
    out.writeLong(p.version());
    if (p.payload().isEmpty()) {
      out.writeInt(-1);
    } else {
      byte[] json = p.payload().json().toBuffer().getBytes();
      out.writeInt(json.length);
      out.write(json);
    }
  }

  /** Reads a collection written by {@link #write}; the reader has verified every checksum. */
  public static Collection read(SnapshotReader r) throws IOException {
    return read(r, null);
  }

  /** As {@link #read(SnapshotReader)}, naming the collection {@code name} (null: as stored). */
  public static Collection read(SnapshotReader r, String name) throws IOException {
    JsonObject meta;
    try (var in = Channels.newInputStream(r.section("collection"))) {
      meta = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    int version = meta.getInteger("image_version", -1);
    if (version != IMAGE_VERSION) {
      throw new IOException(
          r.path() + ": collection image version " + version + ", expected " + IMAGE_VERSION);
    }
    if (name == null) {
      name = meta.getString("name");
    }
    CollectionConfig config = CollectionConfig.parse(meta.getJsonObject("config"));
    HnswIndex graph;
    try (var ch = r.section("index")) {
      graph = HnswIndex.readFrom(ch);
    }
    if (graph.dimension() != config.size() || graph.distance() != config.distance()) {
      throw new IOException(
          r.path() + ": graph of dimension " + graph.dimension() + " does not match the config");
    }
    Collection c = new Collection(name, config, graph);
    long expected = meta.getLong("points", -1L);
    long n = 0;
    try (DataInputStream in =
        new DataInputStream(
            new BufferedInputStream(Channels.newInputStream(r.section("points")), 1 << 16))) {
      while (true) {
        int ord;
        try {
          ord = in.readInt();
        } catch (EOFException end) {
          break;
        }
        StoredPoint p = readPoint(in);
        if (!graph.isLive(ord)) {
          throw new IOException(r.path() + ": point " + p.id() + " has no live vector " + ord);
        }
        c.points.set(ord, p);
        c.ordinals.put(p.id(), ord);
        n++;
      }
    }
    if (n != expected) {
      throw new IOException(r.path() + ": " + n + " points, expected " + expected);
    }
    JsonObject schema = meta.getJsonObject("payload_schema", new JsonObject());
    for (String field : schema.fieldNames()) {
      c.payloadIndex.createField(field, schema.getString(field));
    }
    return c;
  }

  private static StoredPoint readPoint(DataInputStream in) throws IOException {
    byte kind = in.readByte();
    PointId id =
        switch (kind) {
          case 0 -> PointId.of(in.readLong());
          case 1 -> PointId.of(new UUID(in.readLong(), in.readLong()));
          default -> throw new IOException("bad point id kind " + kind);
        };
    long version = in.readLong();
    int len = in.readInt();
    Payload payload = Payload.EMPTY;
    if (len >= 0) {
      byte[] json = in.readNBytes(len);
      if (json.length != len) {
        throw new EOFException("payload of point " + id + " cut short");
      }
      payload = new Payload(new JsonObject(new String(json, StandardCharsets.UTF_8)));
    }
    return new StoredPoint(id, payload, version);
  }
}
