package io.vecdb.collection;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Streams an upsert body (Qdrant's list form {@code {"points": [...]}} or columnar form {@code
 * {"batch": {"ids", "vectors", "payloads"}}}) straight into {@link PointStruct}s: vectors go into
 * float arrays without building a JSON tree of boxed doubles (JSON decoding dominates ingest cost).
 * Only payloads become JSON objects. Error messages name the path ({@code points[3].vector[7]}).
 * Stateless and thread-safe (the factory is).
 */
final class UpsertParser {
  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();

  private final CollectionConfig config;
  private final JsonParser p;
  private Operation.UpdateMode mode = Operation.UpdateMode.UPSERT;
  private JsonObject updateFilter;

  private UpsertParser(CollectionConfig config, JsonParser parser) {
    this.config = config;
    this.p = parser;
  }

  /**
   * @throws IllegalArgumentException naming the offending path; "body: malformed JSON" for syntax
   */
  static List<PointStruct> parse(Buffer body, CollectionConfig config) {
    return parseRequest(body, config).points();
  }

  /** An upsert request: its points and Qdrant's {@code update_mode} and {@code update_filter}. */
  record Request(List<PointStruct> points, Operation.UpdateMode mode, JsonObject updateFilter) {}

  /**
   * As {@link #parse}, with the request's condition ({@code update_filter} validated as a filter).
   *
   * @throws IllegalArgumentException naming the offending path
   */
  static Request parseRequest(Buffer body, CollectionConfig config) {
    if (body == null || body.length() == 0) {
      throw new IllegalArgumentException("body: expected a JSON object");
    }
    try (JsonParser parser = FACTORY.createParser(body.getBytes())) {
      UpsertParser u = new UpsertParser(config, parser);
      List<PointStruct> points = u.body();
      return new Request(points, u.mode, u.updateFilter);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("body: malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException("body: unreadable: " + e.getMessage());
    }
  }

  /** A field VecDB does not know: refused, never skipped. */
  private static IllegalArgumentException unknown(String path, String field, String expected) {
    return new IllegalArgumentException(
        (path.isEmpty() ? "" : path + ".")
            + field
            + ": unknown field; expected one of "
            + expected);
  }

  private List<PointStruct> body() throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw new IllegalArgumentException("body: expected a JSON object");
    }
    List<PointStruct> points = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case "points" -> {
          if (points != null) {
            throw new IllegalArgumentException(
                "body: expected only one of \"points\" or \"batch\"");
          }
          points = list();
        }
        case "batch" -> {
          if (points != null) {
            throw new IllegalArgumentException(
                "body: expected only one of \"points\" or \"batch\"");
          }
          points = batch();
        }
        case "shard_key" -> {
          if (p.currentToken() != JsonToken.VALUE_NULL) {
            throw new IllegalArgumentException(
                "shard_key: custom sharding is not supported by VecDB");
          }
        }
        case "update_filter" -> {
          if (p.currentToken() != JsonToken.VALUE_NULL) {
            if (p.currentToken() != JsonToken.START_OBJECT) {
              throw JsonFields.bad("update_filter", "a filter object", token());
            }
            JsonObject f = payload("update_filter").json();
            Validation.filter(f, "update_filter"); // refused here, not when applied
            updateFilter = f;
          }
        }
        case "update_mode" -> {
          if (p.currentToken() != JsonToken.VALUE_NULL) {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
              throw JsonFields.bad("update_mode", "upsert, insert_only or update_only", token());
            }
            mode = Operation.UpdateMode.parse(p.getText());
          }
        }
        default -> throw unknown("", field, "points, batch, shard_key, update_filter, update_mode");
      }
    }
    if (p.nextToken() != null) {
      throw new IllegalArgumentException("body: malformed JSON: trailing content");
    }
    if (points == null) {
      throw new IllegalArgumentException(
          "body: expected \"points\" (a list) or \"batch\" (columns)");
    }
    Limits.count("points", points.size(), Limits.POINTS_PER_REQUEST, "points");
    return points;
  }

  private List<PointStruct> list() throws IOException {
    expect(JsonToken.START_ARRAY, "points", "a list of points");
    List<PointStruct> out = new ArrayList<>();
    for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) {
      String path = "points[" + i + "]";
      expect(JsonToken.START_OBJECT, path, "a point object {id, vector, payload}");
      PointId id = null;
      Vectors vector = null;
      Payload payload = Payload.EMPTY;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "id" -> id = id(path + ".id");
          case "vector" -> vector = vectors(path + ".vector");
          case "payload" -> payload = payload(path + ".payload");
          default -> throw unknown(path, field, "id, vector, payload");
        }
      }
      out.add(point(path, id, vector, payload));
    }
    return out;
  }

  private List<PointStruct> batch() throws IOException {
    expect(JsonToken.START_OBJECT, "batch", "an object {ids, vectors, payloads}");
    List<PointId> ids = null;
    List<Vectors> vectors = null;
    List<Payload> payloads = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case "ids" -> {
          expect(JsonToken.START_ARRAY, "batch.ids", "a list of ids");
          ids = new ArrayList<>();
          for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) {
            ids.add(id("batch.ids[" + i + "]"));
          }
        }
        case "vectors" -> vectors = columns();
        case "payloads" -> {
          if (p.currentToken() == JsonToken.VALUE_NULL) {
            break;
          }
          expect(JsonToken.START_ARRAY, "batch.payloads", "a list of payloads");
          payloads = new ArrayList<>();
          for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) {
            payloads.add(payload("batch.payloads[" + i + "]"));
          }
        }
        default -> throw unknown("batch", field, "ids, vectors, payloads");
      }
    }
    if (ids == null || vectors == null) {
      throw new IllegalArgumentException("batch: expected \"ids\" and \"vectors\" arrays");
    }
    if (vectors.size() != ids.size() || (payloads != null && payloads.size() != ids.size())) {
      throw new IllegalArgumentException(
          "batch: expected ids, vectors and payloads of equal length, got "
              + ids.size()
              + ", "
              + vectors.size()
              + ", "
              + (payloads == null ? "none" : payloads.size()));
    }
    List<PointStruct> out = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      out.add(
          point(
              "batch[" + i + "]",
              ids.get(i),
              vectors.get(i),
              payloads == null ? Payload.EMPTY : payloads.get(i)));
    }
    return out;
  }

  /** A point's vectors: its dense ones and its sparse ones, by name. */
  private record Vectors(
      java.util.Map<String, float[]> dense,
      java.util.Map<String, io.vecdb.model.SparseVector> sparse) {}

  private PointStruct point(String path, PointId id, Vectors vectors, Payload payload) {
    if (id == null) {
      throw new IllegalArgumentException(path + ".id: expected a point id");
    }
    if (config.namedDense()) {
      // Named vectors, each optional (a point may have none): all of them by name.
      if (vectors == null) {
        throw new IllegalArgumentException(
            path + ".vector: expected an object of named vectors ({} for none)");
      }
      for (var e : vectors.dense().entrySet()) {
        Validation.checkVector(
            e.getValue(), config.dense(e.getKey()), path + ".vector." + display(e.getKey()));
      }
      return new PointStruct(id, new float[0], payload, vectors.sparse(), vectors.dense());
    }
    float[] first = vectors == null ? null : vectors.dense().get("");
    if (first == null) {
      throw new IllegalArgumentException(
          path
              + ".vector: expected a vector of "
              + config.size()
              + " numbers (every point has the collection's dense vector)");
    }
    Validation.checkVector(first, config, path + ".vector");
    return new PointStruct(id, first, payload, vectors.sparse());
  }

  private static String display(String name) {
    return name.isEmpty() ? "\"\"" : name;
  }

  /** The error for a vector name the collection does not have. */
  private IllegalArgumentException unknownVector(String at) {
    return new IllegalArgumentException(
        at
            + ": this collection has no vector of that name; its dense vectors are "
            + config.denseNames()
            + (config.sparseVectors().isEmpty()
                ? " and it has no sparse vectors"
                : ", its sparse vectors " + config.sparseVectors().keySet()));
  }

  /**
   * A point's {@code vector}: an array (the vector named {@code ""}), or an object of named
   * vectors: dense ones (arrays; null or absent for a vector the point lacks) and sparse ones
   * ({@code {indices, values}}).
   */
  private Vectors vectors(String path) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      if (config.dense("") == null) {
        throw new IllegalArgumentException(
            path
                + ": expected named vectors {name: vector}; this collection's dense vectors are "
                + config.denseNames());
      }
      return new Vectors(java.util.Map.of("", vector(path, config.size())), java.util.Map.of());
    }
    java.util.Map<String, float[]> dense = new java.util.HashMap<>();
    java.util.Map<String, io.vecdb.model.SparseVector> sparse = new java.util.HashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      String at = path + "." + display(name);
      CollectionConfig.DenseParams params = config.dense(name);
      if (params != null) {
        if (p.currentToken() != JsonToken.VALUE_NULL) {
          dense.put(name, vector(at, params.size()));
        }
      } else if (config.sparse(name) != null) {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
          continue;
        }
        sparse.put(name, sparse(at));
      } else {
        throw unknownVector(at);
      }
    }
    return new Vectors(dense, sparse);
  }

  private io.vecdb.model.SparseVector sparse(String path) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw JsonFields.bad(path, "a sparse vector {indices, values}", token());
    }
    Object value = JacksonCodec.parseValue(p);
    @SuppressWarnings("unchecked")
    JsonObject json =
        value instanceof JsonObject o ? o : new JsonObject((java.util.Map<String, Object>) value);
    return io.vecdb.model.SparseVector.parse(json, path);
  }

  /**
   * The columnar form's {@code vectors}: a list of vectors (named {@code ""}), or an object of
   * named columns (a dense name: a list of vectors; a sparse name: a list of sparse vectors; null
   * entries for points without one). The primary vector's column is required.
   */
  private List<Vectors> columns() throws IOException {
    if (p.currentToken() == JsonToken.START_ARRAY) {
      if (config.dense("") == null) {
        throw new IllegalArgumentException(
            "batch.vectors: expected named columns {name: [vectors]}; this collection's dense"
                + " vectors are "
                + config.denseNames());
      }
      List<Vectors> out = new ArrayList<>();
      for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) {
        out.add(
            new Vectors(
                java.util.Map.of("", vector("batch.vectors[" + i + "]", config.size())),
                java.util.Map.of()));
      }
      return out;
    }
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw JsonFields.bad(
          "batch.vectors", "a list of vectors or an object of named columns", token());
    }
    java.util.Map<String, List<float[]>> dense = new java.util.TreeMap<>();
    java.util.Map<String, List<io.vecdb.model.SparseVector>> named = new java.util.TreeMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      String at = "batch.vectors." + display(name);
      expect(JsonToken.START_ARRAY, at, "a list of vectors");
      CollectionConfig.DenseParams params = config.dense(name);
      if (params != null) {
        List<float[]> column = new ArrayList<>();
        for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) {
          column.add(
              p.currentToken() == JsonToken.VALUE_NULL
                  ? null
                  : vector(at + "[" + i + "]", params.size()));
        }
        dense.put(name, column);
      } else if (config.sparse(name) != null) {
        List<io.vecdb.model.SparseVector> column = new ArrayList<>();
        for (int i = 0; p.nextToken() != JsonToken.END_ARRAY; i++) {
          column.add(p.currentToken() == JsonToken.VALUE_NULL ? null : sparse(at + "[" + i + "]"));
        }
        named.put(name, column);
      } else {
        throw unknownVector(at);
      }
    }
    java.util.Map<String, List<?>> all = new java.util.TreeMap<>(dense);
    all.putAll(named);
    if (!config.namedDense() && !dense.containsKey("")) {
      throw new IllegalArgumentException(
          "batch.vectors.\"\": expected the dense vectors' column (every point has one)");
    }
    if (all.isEmpty()) {
      throw new IllegalArgumentException("batch.vectors: expected at least one column of vectors");
    }
    int n = (config.namedDense() ? all.values().iterator().next() : dense.get("")).size();
    for (var e : all.entrySet()) {
      if (e.getValue().size() != n) {
        throw new IllegalArgumentException(
            "batch.vectors."
                + display(e.getKey())
                + ": expected "
                + n
                + " entries (one per point), got "
                + e.getValue().size());
      }
    }
    List<Vectors> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      java.util.Map<String, io.vecdb.model.SparseVector> s = new java.util.HashMap<>();
      for (var e : named.entrySet()) {
        if (e.getValue().get(i) != null) {
          s.put(e.getKey(), e.getValue().get(i));
        }
      }
      java.util.Map<String, float[]> d = new java.util.HashMap<>();
      for (var e : dense.entrySet()) {
        if (e.getValue().get(i) != null) {
          d.put(e.getKey(), e.getValue().get(i));
        }
      }
      out.add(new Vectors(d, s));
    }
    return out;
  }

  private PointId id(String path) throws IOException {
    return switch (p.currentToken()) {
      case VALUE_NUMBER_INT ->
          PointId.parse(
              p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                  ? (Object) p.getBigIntegerValue()
                  : (Object) p.getLongValue(),
              path);
      case VALUE_NUMBER_FLOAT -> PointId.parse(p.getDoubleValue(), path);
      case VALUE_STRING -> PointId.parse(p.getText(), path);
      default -> PointId.parse(token(), path);
    };
  }

  private float[] vector(String path, int size) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_OBJECT) {
      // {"": [...]}: the unnamed vector in the named form.
      if (p.nextToken() == JsonToken.FIELD_NAME && p.currentName().isEmpty()) {
        p.nextToken();
        float[] v = vector(path, size);
        if (p.nextToken() == JsonToken.END_OBJECT) {
          return v;
        }
      }
      throw new IllegalArgumentException(
          path + ": named vectors are not supported, expected an array of numbers");
    }
    if (t != JsonToken.START_ARRAY) {
      throw JsonFields.bad(path, "an array of " + size + " numbers", token());
    }
    float[] v = new float[size];
    int n = 0;
    while (p.nextToken() != JsonToken.END_ARRAY) {
      JsonToken x = p.currentToken();
      if (x != JsonToken.VALUE_NUMBER_INT && x != JsonToken.VALUE_NUMBER_FLOAT) {
        throw JsonFields.bad(path + "[" + n + "]", "a finite number", token());
      }
      float f = p.getFloatValue();
      if (!Float.isFinite(f)) {
        throw JsonFields.bad(path + "[" + n + "]", "a finite float32 number", p.getText());
      }
      if (n < v.length) {
        v[n] = f;
      }
      n++;
    }
    if (n != v.length) {
      throw new IllegalArgumentException(
          path + ": expected a vector of " + size + " numbers, got " + n);
    }
    return v;
  }

  @SuppressWarnings("unchecked")
  private Payload payload(String path) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return Payload.EMPTY;
    }
    if (t != JsonToken.START_OBJECT) {
      throw JsonFields.bad(path, "an object", token());
    }
    Object value = JacksonCodec.parseValue(p);
    JsonObject json =
        value instanceof JsonObject o ? o : new JsonObject((Map<String, Object>) value);
    return new Payload(json);
  }

  private void expect(JsonToken token, String path, String what) throws IOException {
    if (p.currentToken() != token) {
      throw JsonFields.bad(path, what, token());
    }
  }

  /** The current value as an object, for messages ("true", a number, a string, ...). */
  private Object token() throws IOException {
    JsonToken t = p.currentToken();
    if (t == null) {
      return "end of input";
    }
    return switch (t) {
      case START_ARRAY -> "an array";
      case START_OBJECT -> "an object";
      case VALUE_STRING -> p.getText();
      case VALUE_NUMBER_INT ->
          p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
              ? (Object) new BigInteger(p.getText())
              : (Object) p.getLongValue();
      case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
      case VALUE_TRUE -> true;
      case VALUE_FALSE -> false;
      case VALUE_NULL -> "null";
      default -> t.asString();
    };
  }
}
