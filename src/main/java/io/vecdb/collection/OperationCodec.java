package io.vecdb.collection;

import io.vecdb.collection.Operation.ClearPayload;
import io.vecdb.collection.Operation.CreateCollection;
import io.vecdb.collection.Operation.CreateFieldIndex;
import io.vecdb.collection.Operation.DeleteCollection;
import io.vecdb.collection.Operation.DeleteFieldIndex;
import io.vecdb.collection.Operation.DeletePayloadKeys;
import io.vecdb.collection.Operation.DeletePoints;
import io.vecdb.collection.Operation.OverwritePayload;
import io.vecdb.collection.Operation.SetPayload;
import io.vecdb.collection.Operation.UpdateCollection;
import io.vecdb.collection.Operation.UpsertPoints;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The compact binary form of an {@link Operation}, used by the WAL and as the event-bus wire codec.
 * Layout: a type byte, the collection name, then the type's fields. Strings are an int length and
 * UTF-8 bytes (length -1: null); JSON is the same with its UTF-8 encoding; vectors are an int
 * dimension and raw little-endian float32; ids a kind byte (0 number, 1 UUID) and 8 or 16 bytes.
 * All ints are little-endian. Stateless and thread-safe.
 */
public final class OperationCodec {
  /**
   * The format of an operation's bytes. A WAL record of an operation has this number as its record
   * type ({@code WalOperationLog.OPERATION_RECORD}), so a release that changes the format writes a
   * new record type and still reads every older one ({@link #decode(int, Buffer)}); {@code
   * WalFormatV1Test} reads a checked-in WAL of format 1.
   */
  public static final int VERSION = 4;

  /**
   * Decodes an operation written in format {@code version}. Format 2 is format 1 plus the
   * conditional upsert ({@code update_mode}, {@code update_filter}) and the batch of point
   * operations; format 3 adds alias changes, named and sparse vectors; format 4 the collection
   * update that changes quantization (tag 18). Every other operation is written as in format 1.
   */
  public static Operation decode(int version, Buffer in) {
    if (version >= 1 && version <= VERSION) {
      return decode(in);
    }
    throw new IllegalArgumentException(
        "operation format "
            + version
            + " is not known to this VecDB (it reads formats 1 to "
            + VERSION
            + "): written by a newer release?");
  }

  private static final byte CREATE_COLLECTION = 1;
  private static final byte DELETE_COLLECTION = 2;
  private static final byte UPDATE_COLLECTION = 3;
  private static final byte UPSERT_POINTS = 4;
  private static final byte DELETE_POINTS = 5;
  private static final byte SET_PAYLOAD = 6;
  private static final byte OVERWRITE_PAYLOAD = 7;
  private static final byte DELETE_PAYLOAD_KEYS = 8;
  private static final byte CLEAR_PAYLOAD = 9;
  private static final byte CREATE_FIELD_INDEX = 10;
  private static final byte DELETE_FIELD_INDEX = 11;
  private static final byte CONDITIONAL_UPSERT = 12; // format 2
  private static final byte BATCH = 13; // format 2
  private static final byte CHANGE_ALIASES = 14; // format 3
  // format 3: an upsert whose points may carry sparse vectors and other named dense vectors (mode
  // and filter as in 12, then after each point's payload: its sparse vectors, a count and per
  // vector name, n, n int indices, n float values; then its other dense vectors, a count and per
  // vector name and vector). Written only when some point has one.
  private static final byte NAMED_UPSERT = 15;
  // format 3: PUT /points/vectors: update filter, count, per point id, dense vectors (count, name,
  // vector), sparse vectors (as in 15).
  private static final byte UPDATE_VECTORS = 16;
  // format 3: POST /points/vectors/delete: selector, count, names.
  private static final byte DELETE_VECTORS = 17;
  // format 4: PATCH /collections/{name} with quantization_config: as 3, then the quantization JSON
  // (Operation.UpdateCollection's form). Written only when it is set, else tag 3.
  private static final byte QUANTIZING_UPDATE = 18;

  private OperationCodec() {}

  public static Buffer encode(Operation op) {
    Buffer out = Buffer.buffer(estimate(op));
    encode(out, op);
    return out;
  }

  /** Appends the encoding of {@code op} to {@code out}. */
  public static void encode(Buffer out, Operation op) {
    switch (op) {
      case CreateCollection c -> {
        header(out, CREATE_COLLECTION, c);
        json(out, c.config().toCreateBody());
      }
      case DeleteCollection c -> header(out, DELETE_COLLECTION, c);
      case Operation.Batch b -> {
        header(out, BATCH, b);
        out.appendIntLE(b.operations().size());
        for (Operation sub : b.operations()) {
          encode(out, sub);
        }
      }
      case UpdateCollection c -> {
        // Without a quantization change, the same bytes as before tag 18 existed.
        header(out, c.quantization() == null ? UPDATE_COLLECTION : QUANTIZING_UPDATE, c);
        json(out, c.hnsw());
        json(out, c.optimizers());
        if (c.quantization() != null) {
          json(out, c.quantization());
        }
      }
      case UpsertPoints u -> {
        boolean sparse =
            u.points().stream().anyMatch(p -> !p.sparse().isEmpty() || !p.named().isEmpty());
        if (sparse) {
          header(out, NAMED_UPSERT, u);
          out.appendByte((byte) u.mode().ordinal());
          json(out, u.updateFilter());
        } else if (u.conditional()) {
          header(out, CONDITIONAL_UPSERT, u);
          out.appendByte((byte) u.mode().ordinal());
          json(out, u.updateFilter());
        } else {
          header(out, UPSERT_POINTS, u);
        }
        out.appendIntLE(u.points().size());
        for (PointStruct p : u.points()) {
          id(out, p.id());
          out.appendIntLE(p.vector().length);
          for (float f : p.vector()) {
            out.appendFloatLE(f);
          }
          json(out, p.payload().isEmpty() ? null : p.payload().json());
          if (sparse) {
            sparse(out, p.sparse());
            dense(out, p.named());
          }
        }
      }
      case Operation.UpdateVectors u -> {
        header(out, UPDATE_VECTORS, u);
        json(out, u.updateFilter());
        out.appendIntLE(u.points().size());
        for (Operation.VectorUpdate p : u.points()) {
          id(out, p.id());
          dense(out, p.dense());
          sparse(out, p.sparse());
        }
      }
      case Operation.DeleteVectors d -> {
        header(out, DELETE_VECTORS, d);
        selector(out, d.selector());
        out.appendIntLE(d.vectors().size());
        for (String n : d.vectors()) {
          string(out, n);
        }
      }
      case DeletePoints d -> {
        header(out, DELETE_POINTS, d);
        selector(out, d.selector());
      }
      case SetPayload s -> {
        header(out, SET_PAYLOAD, s);
        selector(out, s.selector());
        json(out, s.payload());
        string(out, s.key());
      }
      case OverwritePayload s -> {
        header(out, OVERWRITE_PAYLOAD, s);
        selector(out, s.selector());
        json(out, s.payload());
      }
      case DeletePayloadKeys d -> {
        header(out, DELETE_PAYLOAD_KEYS, d);
        selector(out, d.selector());
        out.appendIntLE(d.keys().size());
        for (String k : d.keys()) {
          string(out, k);
        }
      }
      case ClearPayload c -> {
        header(out, CLEAR_PAYLOAD, c);
        selector(out, c.selector());
      }
      case CreateFieldIndex c -> {
        header(out, CREATE_FIELD_INDEX, c);
        string(out, c.field());
        string(out, c.schemaType());
      }
      case DeleteFieldIndex c -> {
        header(out, DELETE_FIELD_INDEX, c);
        string(out, c.field());
      }
      case Operation.ChangeAliases a -> {
        header(out, CHANGE_ALIASES, a);
        out.appendIntLE(a.actions().size());
        for (Operation.AliasAction x : a.actions()) {
          out.appendByte((byte) x.kind().ordinal());
          string(out, x.alias());
          string(out, x.collection());
          out.appendLongLE(x.incarnation());
          string(out, x.newAlias());
        }
      }
    }
  }

  /** Decodes the operation starting at {@code pos}. */
  public static Operation decode(Buffer in, int pos) {
    Reader r = new Reader(in, pos);
    return r.operation();
  }

  public static Operation decode(Buffer in) {
    return decode(in, 0);
  }

  /** Bytes the encoding of {@code op} takes at {@code pos} of {@code in}. */
  public static int encodedLength(Buffer in, int pos) {
    Reader r = new Reader(in, pos);
    r.operation();
    return r.pos - pos;
  }

  private static int estimate(Operation op) {
    if (op instanceof UpsertPoints u && !u.points().isEmpty()) {
      return 64 + u.points().size() * (32 + 4 * u.points().getFirst().vector().length);
    }
    if (op instanceof Operation.Batch b) {
      int n = 64;
      for (Operation sub : b.operations()) {
        n += estimate(sub);
      }
      return n;
    }
    return 128;
  }

  private static void sparse(Buffer out, java.util.Map<String, io.vecdb.model.SparseVector> m) {
    out.appendIntLE(m.size());
    for (var e : new java.util.TreeMap<>(m).entrySet()) {
      string(out, e.getKey());
      io.vecdb.model.SparseVector v = e.getValue();
      out.appendIntLE(v.size());
      for (int i = 0; i < v.size(); i++) {
        out.appendIntLE(v.index(i));
      }
      for (int i = 0; i < v.size(); i++) {
        out.appendFloatLE(v.value(i));
      }
    }
  }

  private static void dense(Buffer out, java.util.Map<String, float[]> m) {
    out.appendIntLE(m.size());
    for (var e : new java.util.TreeMap<>(m).entrySet()) {
      string(out, e.getKey());
      vector(out, e.getValue());
    }
  }

  private static void vector(Buffer out, float[] v) {
    out.appendIntLE(v.length);
    for (float f : v) {
      out.appendFloatLE(f);
    }
  }

  private static void header(Buffer out, byte type, Operation op) {
    out.appendByte(type);
    string(out, op.collection());
  }

  private static void selector(Buffer out, PointSelector s) {
    if (s.ids() != null) {
      out.appendByte((byte) 0);
      out.appendIntLE(s.ids().size());
      for (PointId id : s.ids()) {
        id(out, id);
      }
    } else {
      out.appendByte((byte) 1);
      json(out, s.filter());
    }
  }

  private static void id(Buffer out, PointId id) {
    switch (id) {
      case PointId.Num n -> {
        out.appendByte((byte) 0);
        out.appendLongLE(n.value());
      }
      case PointId.Uuid u -> {
        out.appendByte((byte) 1);
        out.appendLongLE(u.value().getMostSignificantBits());
        out.appendLongLE(u.value().getLeastSignificantBits());
      }
    }
  }

  private static void string(Buffer out, String s) {
    if (s == null) {
      out.appendIntLE(-1);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.appendIntLE(b.length);
    out.appendBytes(b);
  }

  private static void json(Buffer out, JsonObject json) {
    if (json == null) {
      out.appendIntLE(-1);
      return;
    }
    Buffer b = json.toBuffer();
    out.appendIntLE(b.length());
    out.appendBuffer(b);
  }

  /** A cursor over one encoded operation. */
  private static final class Reader {
    private final Buffer in;
    private int pos;

    Reader(Buffer in, int pos) {
      this.in = in;
      this.pos = pos;
    }

    Operation operation() {
      byte type = in.getByte(pos++);
      String c = string();
      return switch (type) {
        case CREATE_COLLECTION -> new CreateCollection(c, CollectionConfig.parse(json()));
        case DELETE_COLLECTION -> new DeleteCollection(c);
        case BATCH -> {
          int n = integer();
          List<Operation> ops = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            ops.add(operation());
          }
          yield new Operation.Batch(c, ops);
        }
        case UPDATE_COLLECTION -> new UpdateCollection(c, json(), json());
        case QUANTIZING_UPDATE -> new UpdateCollection(c, json(), json(), json());
        case UPSERT_POINTS, CONDITIONAL_UPSERT, NAMED_UPSERT -> {
          Operation.UpdateMode mode = Operation.UpdateMode.UPSERT;
          JsonObject filter = null;
          if (type == CONDITIONAL_UPSERT || type == NAMED_UPSERT) {
            int m = in.getByte(pos++);
            if (m < 0 || m >= Operation.UpdateMode.values().length) {
              throw new IllegalArgumentException("update mode " + m + " is not known");
            }
            mode = Operation.UpdateMode.values()[m];
            filter = json();
          }
          int n = integer();
          List<PointStruct> points = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            PointId id = id();
            float[] v = vector();
            JsonObject p = json();
            java.util.Map<String, io.vecdb.model.SparseVector> sparse = java.util.Map.of();
            java.util.Map<String, float[]> named = java.util.Map.of();
            if (type == NAMED_UPSERT) {
              sparse = sparse();
              named = dense();
            }
            points.add(
                new PointStruct(id, v, p == null ? Payload.EMPTY : new Payload(p), sparse, named));
          }
          yield new UpsertPoints(c, points, mode, filter);
        }
        case UPDATE_VECTORS -> {
          JsonObject filter = json();
          int n = integer();
          List<Operation.VectorUpdate> updates = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            PointId id = id();
            java.util.Map<String, float[]> dense = dense();
            updates.add(new Operation.VectorUpdate(id, dense, sparse()));
          }
          yield new Operation.UpdateVectors(c, updates, filter);
        }
        case DELETE_VECTORS -> {
          PointSelector s = selector();
          int n = integer();
          List<String> names = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            names.add(string());
          }
          yield new Operation.DeleteVectors(c, s, names);
        }
        case DELETE_POINTS -> new DeletePoints(c, selector());
        case SET_PAYLOAD -> new SetPayload(c, selector(), json(), string());
        case OVERWRITE_PAYLOAD -> new OverwritePayload(c, selector(), json());
        case DELETE_PAYLOAD_KEYS -> {
          PointSelector s = selector();
          int n = integer();
          List<String> keys = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            keys.add(string());
          }
          yield new DeletePayloadKeys(c, s, keys);
        }
        case CLEAR_PAYLOAD -> new ClearPayload(c, selector());
        case CREATE_FIELD_INDEX -> new CreateFieldIndex(c, string(), string());
        case DELETE_FIELD_INDEX -> new DeleteFieldIndex(c, string());
        case CHANGE_ALIASES -> {
          int n = integer();
          List<Operation.AliasAction> actions = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            int kind = in.getByte(pos++);
            if (kind < 0 || kind >= Operation.AliasAction.Kind.values().length) {
              throw new IllegalArgumentException("alias action " + kind + " is not known");
            }
            String alias = string();
            String collection = string();
            long incarnation = in.getLongLE(pos);
            pos += 8;
            actions.add(
                new Operation.AliasAction(
                    Operation.AliasAction.Kind.values()[kind],
                    alias,
                    collection,
                    incarnation,
                    string()));
          }
          yield new Operation.ChangeAliases(actions);
        }
        default ->
            throw new IllegalArgumentException(
                "unknown operation type " + type + " at offset " + (pos - 1));
      };
    }

    private float[] vector() {
      float[] v = new float[integer()];
      for (int j = 0; j < v.length; j++) {
        v[j] = in.getFloatLE(pos);
        pos += 4;
      }
      return v;
    }

    private java.util.Map<String, float[]> dense() {
      int names = integer();
      java.util.Map<String, float[]> out = new java.util.HashMap<>();
      for (int k = 0; k < names; k++) {
        String name = string();
        out.put(name, vector());
      }
      return out;
    }

    private java.util.Map<String, io.vecdb.model.SparseVector> sparse() {
      int names = integer();
      java.util.Map<String, io.vecdb.model.SparseVector> out = new java.util.HashMap<>();
      for (int k = 0; k < names; k++) {
        String name = string();
        int nnz = integer();
        int[] idx = new int[nnz];
        float[] val = new float[nnz];
        for (int j = 0; j < nnz; j++) {
          idx[j] = integer();
        }
        for (int j = 0; j < nnz; j++) {
          val[j] = in.getFloatLE(pos);
          pos += 4;
        }
        out.put(name, io.vecdb.model.SparseVector.of(idx, val, "sparse vector " + name));
      }
      return out;
    }

    private PointSelector selector() {
      byte kind = in.getByte(pos++);
      if (kind == 1) {
        return PointSelector.filter(json());
      }
      int n = integer();
      List<PointId> ids = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        ids.add(id());
      }
      return PointSelector.ids(ids);
    }

    private PointId id() {
      byte kind = in.getByte(pos++);
      long a = in.getLongLE(pos);
      pos += 8;
      if (kind == 0) {
        return PointId.of(a);
      }
      long b = in.getLongLE(pos);
      pos += 8;
      return PointId.of(new UUID(a, b));
    }

    private int integer() {
      int v = in.getIntLE(pos);
      pos += 4;
      return v;
    }

    private String string() {
      int n = integer();
      if (n < 0) {
        return null;
      }
      String s = in.getString(pos, pos + n, "UTF-8");
      pos += n;
      return s;
    }

    private JsonObject json() {
      int n = integer();
      if (n < 0) {
        return null;
      }
      JsonObject o = new JsonObject(in.getBuffer(pos, pos + n));
      pos += n;
      return o;
    }
  }
}
