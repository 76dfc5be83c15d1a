package io.vecdb.collection;

import io.vecdb.index.Quantization;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * Qdrant's {@code quantization_config}, as VecDB implements it: {@code {"scalar": {"type": "int8",
 * "quantile": q, "always_ram": b}}} or {@code {"binary": {"always_ram": b, "encoding": "one_bit",
 * "query_encoding": "default"|"binary"}}}. Product quantization, the two- and 1.5-bit binary
 * encodings and the scalar query encodings are refused. {@code always_ram} is accepted and shown:
 * codes are always in RAM here (the float32 vectors too, unless the vector is {@code on_disk}).
 * Immutable.
 */
public record QuantizationConfig(
    Quantization.Kind kind,
    Float quantile,
    Boolean alwaysRam,
    String encoding,
    String queryEncoding) {

  private static final Set<String> KINDS = Set.of("scalar", "product", "binary");

  /**
   * Parses a create request's (or a stored config's) value at {@code path}; null when absent or
   * null.
   */
  static QuantizationConfig parse(Object value, String path) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject o) || o.size() != 1) {
      throw JsonFields.bad(
          path, "{\"scalar\": {\"type\": \"int8\", ...}} or {\"binary\": {...}}", value);
    }
    JsonFields.onlyKnown(o, path, KINDS);
    if (o.containsKey("product")) {
      throw new IllegalArgumentException(
          path
              + ".product: product quantization is not supported by VecDB (scalar and binary are)");
    }
    if (o.containsKey("scalar")) {
      String at = path + ".scalar";
      JsonObject s = JsonFields.object(o, "scalar", at);
      if (s == null) {
        throw JsonFields.bad(at, "{\"type\": \"int8\"}", null);
      }
      JsonFields.onlyKnown(s, at, Set.of("type", "quantile", "always_ram"));
      String type = JsonFields.string(s, "type", at + ".type");
      if (!"int8".equals(type)) {
        throw JsonFields.bad(at + ".type", "\"int8\"", type);
      }
      Float quantile = JsonFields.number(s, "quantile", at + ".quantile");
      if (quantile != null && !(quantile >= 0.5f && quantile <= 1f)) {
        throw JsonFields.bad(at + ".quantile", "a number in [0.5, 1]", quantile);
      }
      Boolean ram = JsonFields.bool(s, "always_ram", at + ".always_ram");
      return new QuantizationConfig(Quantization.Kind.INT8, quantile, ram, null, null);
    }
    String at = path + ".binary";
    JsonObject b = JsonFields.object(o, "binary", at);
    b = b == null ? new JsonObject() : b;
    JsonFields.onlyKnown(b, at, Set.of("always_ram", "encoding", "query_encoding"));
    Boolean ram = JsonFields.bool(b, "always_ram", at + ".always_ram");
    String encoding = JsonFields.string(b, "encoding", at + ".encoding");
    if (encoding != null && !encoding.equals("one_bit")) {
      throw new IllegalArgumentException(
          at
              + ".encoding: only \"one_bit\" is supported by VecDB, got \""
              + encoding
              + "\" (two_bits and one_and_half_bits are not)");
    }
    String query = JsonFields.string(b, "query_encoding", at + ".query_encoding");
    if (query != null && !query.equals("default") && !query.equals("binary")) {
      throw new IllegalArgumentException(
          at
              + ".query_encoding: only \"default\" and \"binary\" are supported by VecDB, got \""
              + query
              + "\"");
    }
    return new QuantizationConfig(Quantization.Kind.BINARY, null, ram, encoding, query);
  }

  /**
   * Parses a {@code PATCH}'s value (Qdrant's {@code QuantizationConfigDiff}): as {@link #parse}, or
   * the string {@code "Disabled"}, which gives {@link #DISABLED}; null when absent.
   */
  static QuantizationConfig parseDiff(Object value, String path) {
    if ("Disabled".equals(value)
        || (value instanceof JsonObject o
            && o.size() == 1
            && o.getValue("disabled") instanceof JsonObject d
            && d.isEmpty())) {
      return DISABLED; // REST's "Disabled", or gRPC's QuantizationConfigDiff.disabled as JSON
    }
    if (value instanceof String) {
      throw JsonFields.bad(path, "\"Disabled\", {\"scalar\": {...}} or {\"binary\": {...}}", value);
    }
    return parse(value, path);
  }

  /** A {@code PATCH} that turns quantization off (its JSON form in an operation is {@code {}}). */
  static final QuantizationConfig DISABLED = new QuantizationConfig(null, null, null, null, null);

  /** The diff an operation carries ({@link Operation.UpdateCollection}): {@code {}} for off. */
  static QuantizationConfig fromOperation(JsonObject json) {
    if (json == null) {
      return null;
    }
    return json.isEmpty() ? DISABLED : parse(json, "quantization_config");
  }

  /** The operation form of a diff: {@code {}} for {@link #DISABLED}. */
  JsonObject toOperation() {
    return this == DISABLED || kind == null ? new JsonObject() : toJson();
  }

  /** Qdrant's JSON form, with the fields that were given. */
  public JsonObject toJson() {
    JsonObject inner = new JsonObject();
    if (kind == Quantization.Kind.INT8) {
      inner.put("type", "int8");
      if (quantile != null) {
        inner.put("quantile", quantile);
      }
    }
    if (alwaysRam != null) {
      inner.put("always_ram", alwaysRam);
    }
    if (encoding != null) {
      inner.put("encoding", encoding);
    }
    if (queryEncoding != null) {
      inner.put("query_encoding", queryEncoding);
    }
    return new JsonObject().put(kind == Quantization.Kind.INT8 ? "scalar" : "binary", inner);
  }

  /** What the index is asked for: int8 over the given quantile (all values if none), or binary. */
  public Quantization toIndex() {
    return kind == Quantization.Kind.INT8
        ? Quantization.int8(quantile == null ? 1f : quantile)
        : Quantization.binary();
  }
}
