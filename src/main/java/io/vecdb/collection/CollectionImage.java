package io.vecdb.collection;

import io.vecdb.index.HnswIndex;
import io.vecdb.index.VectorIndex;
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
 * <p>Threading: {@link #capture} (and {@link #write}, a capture written at once) must run on the
 * collection's apply lane (see {@link Applier#onLane}) so that no operation is half applied when it
 * is captured; searches go on. A {@link Captured} is written on any thread, while the collection
 * changes. {@link #read} builds a new collection that no other thread sees yet.
 */
public final class CollectionImage {
  static final int IMAGE_VERSION = 1;

  /**
   * Version 2 adds the {@code sparse} section (per point with sparse vectors: ordinal, count, and
   * per vector its name, n, n int indices, n float values). Written only for a collection with
   * sparse vectors, so images of others stay readable by releases that know version 1 only.
   */
  static final int SPARSE_IMAGE_VERSION = 2;

  /**
   * Version 3 adds, for a collection with several dense vectors, the {@code named} section (per
   * point with another dense vector: ordinal, then its ordinal in each other vector's graph, -1 for
   * none, in {@link CollectionConfig#namedGraphNames} order) and each other vector's graph as
   * section {@code index.<i>}; the {@code sparse} section is always there (empty without sparse
   * vectors). Written only for such a collection.
   */
  static final int NAMED_IMAGE_VERSION = 3;

  private CollectionImage() {}

  /** Appends {@code c}'s sections to {@code w}. Apply lane of {@code c} only. */
  public static void write(Collection c, SnapshotWriter w) throws IOException {
    try (Captured captured = capture(c)) {
      captured.writeTo(w);
    }
  }

  /**
   * Captures {@code c} as it is now, to write out later on any thread ({@link Captured#writeTo})
   * while the collection goes on changing. Apply lane of {@code c} only, so that no operation is
   * half applied; it takes reference copies of the point table and of the graph's pages ({@link
   * HnswIndex#capture}): milliseconds per million points, where writing the sections on the lane
   * held that collection's writes for as long as the file took (issue 12, item 5).
   */
  public static Captured capture(Collection c) throws IOException {
    JsonObject meta =
        new JsonObject()
            .put(
                "image_version",
                !c.named.isEmpty()
                    ? NAMED_IMAGE_VERSION
                    : c.config().sparseVectors().isEmpty() ? IMAGE_VERSION : SPARSE_IMAGE_VERSION)
            .put("name", c.name())
            .put("config", c.config().toCreateBody())
            .put("payload_schema", new JsonObject(Map.copyOf(c.payloadSchema())))
            .put("incarnation", c.incarnation())
            .put("points", c.size());
    Object[][] points = c.points.copy();
    VectorIndex.Image graph;
    java.util.List<VectorIndex.Image> namedGraphs = new java.util.ArrayList<>();
    try {
      graph = c.index.capture();
      try {
        for (Collection.NamedVector v : c.named) {
          namedGraphs.add(v.index.capture());
        }
      } catch (IOException | RuntimeException e) {
        graph.close();
        namedGraphs.forEach(VectorIndex.Image::close);
        throw e;
      }
    } catch (IOException e) {
      throw new IOException(
          "collection `" + c.name() + "` cannot be snapshotted: " + e.getMessage(), e);
    }
    return new Captured(meta, points, graph, namedGraphs);
  }

  /**
   * A collection captured by {@link #capture}: its metadata, its point records by ordinal (records
   * are immutable: an edit stores a new one) and its graph image. Written once, by one thread;
   * {@link #close} releases the graph image (idempotent, any thread).
   */
  public static final class Captured implements AutoCloseable {
    private final JsonObject meta;
    private final Object[][] points;
    private final VectorIndex.Image graph;
    private final java.util.List<VectorIndex.Image> namedGraphs;

    private Captured(
        JsonObject meta,
        Object[][] points,
        VectorIndex.Image graph,
        java.util.List<VectorIndex.Image> namedGraphs) {
      this.meta = meta;
      this.points = points;
      this.graph = graph;
      this.namedGraphs = namedGraphs;
    }

    /** Appends the collection's sections to {@code w}. */
    public void writeTo(SnapshotWriter w) throws IOException {
      w.section(
          "collection",
          ch -> ch.write(java.nio.ByteBuffer.wrap(meta.encode().getBytes(StandardCharsets.UTF_8))));
      perPoint(w, "points", (out, ord, p) -> writePoint(out, ord, p));
      int version = meta.getInteger("image_version");
      if (version >= SPARSE_IMAGE_VERSION) {
        perPoint(
            w,
            "sparse",
            (out, ord, p) -> {
              if (p.sparse().isEmpty()) {
                return;
              }
              out.writeInt(ord);
              out.writeInt(p.sparse().size());
              for (var e : new java.util.TreeMap<>(p.sparse()).entrySet()) {
                out.writeUTF(e.getKey());
                io.vecdb.model.SparseVector v = e.getValue();
                out.writeInt(v.size());
                for (int i = 0; i < v.size(); i++) {
                  out.writeInt(v.index(i));
                }
                for (int i = 0; i < v.size(); i++) {
                  out.writeFloat(v.value(i));
                }
              }
            });
      }
      if (version >= NAMED_IMAGE_VERSION) {
        perPoint(
            w,
            "named",
            (out, ord, p) -> {
              if (p.named() == null) {
                return;
              }
              out.writeInt(ord);
              for (int n : p.named()) {
                out.writeInt(n);
              }
            });
        for (int i = 0; i < namedGraphs.size(); i++) {
          w.section("index." + i, namedGraphs.get(i)::writeTo);
        }
      }
      w.section("index", graph::writeTo);
    }

    /** What a per-point section writes of one point (possibly nothing). */
    @FunctionalInterface
    private interface PointWriter {
      void write(DataOutputStream out, int ordinal, StoredPoint p) throws IOException;
    }

    /** A section of {@code writer}'s output for each point record, in ordinal order. */
    private void perPoint(SnapshotWriter w, String section, PointWriter writer) throws IOException {
      w.section(
          section,
          ch -> {
            DataOutputStream out =
                new DataOutputStream(
                    new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16));
            for (int page = 0; page < points.length; page++) {
              Object[] entries = points[page];
              for (int slot = 0; slot < entries.length; slot++) {
                if (entries[slot] instanceof StoredPoint p) {
                  writer.write(out, OrdinalTable.ordinal(page, slot), p);
                }
              }
            }
            out.flush();
          });
    }

    @Override
    public void close() {
      graph.close();
      namedGraphs.forEach(VectorIndex.Image::close);
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
    if (version < IMAGE_VERSION || version > NAMED_IMAGE_VERSION) {
      throw new IOException(
          r.path()
              + ": collection image version "
              + version
              + ", expected "
              + IMAGE_VERSION
              + " to "
              + NAMED_IMAGE_VERSION);
    }
    if (name == null) {
      name = meta.getString("name");
    }
    CollectionConfig config = CollectionConfig.parse(meta.getJsonObject("config"));
    VectorIndex graph;
    try (var ch = r.section("index")) {
      // Named vectors: the points' ordinals, without vectors (IndexFactory); else the graph.
      graph =
          config.namedDense()
              ? io.vecdb.index.SlotIndex.readFrom(ch)
              : IndexFactory.read(ch, config.dense(config.primaryName()));
    }
    if (!config.namedDense()
        && (graph.dimension() != config.size() || graph.distance() != config.distance())) {
      throw new IOException(
          r.path() + ": graph of dimension " + graph.dimension() + " does not match the config");
    }
    java.util.List<String> namedGraphNames = config.namedGraphNames();
    if (!namedGraphNames.isEmpty() && version < NAMED_IMAGE_VERSION) {
      throw new IOException(
          r.path() + ": image version " + version + " cannot hold several dense vectors");
    }
    java.util.List<VectorIndex> secondaries = new java.util.ArrayList<>();
    for (int i = 0; i < namedGraphNames.size(); i++) {
      CollectionConfig.DenseParams params = config.dense(namedGraphNames.get(i));
      HnswIndex g;
      try (var ch = r.section("index." + i)) {
        g = IndexFactory.read(ch, params);
      }
      if (g.dimension() != params.size() || g.distance() != params.distance()) {
        throw new IOException(
            r.path()
                + ": graph of vector \""
                + namedGraphNames.get(i)
                + "\" does not match the config");
      }
      secondaries.add(g);
    }
    Collection c = new Collection(name, config, graph, secondaries);
    c.incarnation(meta.getLong("incarnation", 0L));
    long expected = meta.getLong("points", -1L);
    long[] n = {0};
    records(
        r,
        "points",
        (in, ord) -> {
          StoredPoint p = readPoint(in);
          if (!graph.isLive(ord)) {
            throw new IOException(r.path() + ": point " + p.id() + " has no live vector " + ord);
          }
          c.points.set(ord, p);
          c.ordinals.put(p.id(), ord);
          n[0]++;
        });
    if (n[0] != expected) {
      throw new IOException(r.path() + ": " + n[0] + " points, expected " + expected);
    }
    if (version >= SPARSE_IMAGE_VERSION) {
      records(
          r,
          "sparse",
          (in, ord) -> {
            int names = in.readInt();
            java.util.Map<String, io.vecdb.model.SparseVector> sparse = new java.util.HashMap<>();
            for (int k = 0; k < names; k++) {
              String vname = in.readUTF();
              int nnz = in.readInt();
              int[] idx = new int[nnz];
              float[] val = new float[nnz];
              for (int j = 0; j < nnz; j++) {
                idx[j] = in.readInt();
              }
              for (int j = 0; j < nnz; j++) {
                val[j] = in.readFloat();
              }
              sparse.put(vname, io.vecdb.model.SparseVector.of(idx, val, "sparse vector " + vname));
            }
            StoredPoint p = c.points.get(ord);
            if (p == null) {
              throw new IOException(
                  r.path() + ": sparse vectors for ordinal " + ord + " without a point");
            }
            c.points.set(ord, new StoredPoint(p.id(), p.payload(), p.version(), sparse));
            SparseIndex.onUpsert(c.sparse, ord, sparse);
          });
    }
    if (version >= NAMED_IMAGE_VERSION) {
      int[] mapped = new int[secondaries.size()];
      records(
          r,
          "named",
          (in, ord) -> {
            int[] nords = new int[secondaries.size()];
            for (int i = 0; i < nords.length; i++) {
              nords[i] = in.readInt();
              if (nords[i] >= 0) {
                if (!secondaries.get(i).isLive(nords[i])) {
                  throw new IOException(
                      r.path()
                          + ": ordinal "
                          + ord
                          + " names vector "
                          + nords[i]
                          + " of \""
                          + namedGraphNames.get(i)
                          + "\", which is not live");
                }
                c.named.get(i).owners.set(nords[i], ord);
                mapped[i]++;
              }
            }
            StoredPoint p = c.points.get(ord);
            if (p == null) {
              throw new IOException(
                  r.path() + ": named vectors for ordinal " + ord + " without a point");
            }
            c.points.set(ord, new StoredPoint(p.id(), p.payload(), p.version(), p.sparse(), nords));
          });
      for (int i = 0; i < mapped.length; i++) {
        if (mapped[i] != secondaries.get(i).size()) {
          throw new IOException(
              r.path()
                  + ": "
                  + mapped[i]
                  + " points name a vector of \""
                  + namedGraphNames.get(i)
                  + "\", its graph has "
                  + secondaries.get(i).size());
        }
      }
      // A point without a "named" entry holds none of the other vectors.
      int[] none = new int[secondaries.size()];
      java.util.Arrays.fill(none, -1);
      for (int ord : c.ordinals.values()) {
        StoredPoint p = c.points.get(ord);
        if (p.named() == null) {
          c.points.set(ord, new StoredPoint(p.id(), p.payload(), p.version(), p.sparse(), none));
        }
      }
    }
    JsonObject schema = meta.getJsonObject("payload_schema", new JsonObject());
    for (String field : schema.fieldNames()) {
      c.payloadIndex.createField(field, schema.getString(field));
    }
    return c;
  }

  /** How a section's record is read after its leading ordinal. */
  @FunctionalInterface
  private interface RecordReader {
    void read(DataInputStream in, int ordinal) throws IOException;
  }

  /** Reads {@code section}'s records, each an ordinal then what {@code body} reads, to its end. */
  private static void records(SnapshotReader r, String section, RecordReader body)
      throws IOException {
    try (DataInputStream in =
        new DataInputStream(
            new BufferedInputStream(Channels.newInputStream(r.section(section)), 1 << 16))) {
      while (true) {
        int ord;
        try {
          ord = in.readInt();
        } catch (EOFException end) {
          return;
        }
        body.read(in, ord);
      }
    }
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
