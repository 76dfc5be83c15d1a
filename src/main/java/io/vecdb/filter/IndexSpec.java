package io.vecdb.filter;

import io.vertx.core.json.JsonObject;

/**
 * What a payload index is: its schema and, for a full-text index, its tokenizer. Stored in logs and
 * snapshots as its {@link #encode} string: the schema's name ({@code keyword}), or for a text index
 * with parameters their JSON ({@code {"type":"text","tokenizer":"prefix",...}}); a plain name is
 * what older logs hold, so they load unchanged. Immutable.
 */
public record IndexSpec(PayloadSchema schema, TextIndex text) {
  /** Parses an {@link #encode} string (or a bare Qdrant schema name). */
  public static IndexSpec parse(String spec) {
    String s = spec == null ? "" : spec.trim();
    if (s.startsWith("{")) {
      JsonObject o = new JsonObject(s);
      PayloadSchema schema = PayloadSchema.parse(o.getString("type"));
      return new IndexSpec(
          schema, schema == PayloadSchema.TEXT ? TextIndex.parse(o, "field_schema") : null);
    }
    PayloadSchema schema = PayloadSchema.parse(s);
    return new IndexSpec(schema, schema == PayloadSchema.TEXT ? TextIndex.DEFAULT : null);
  }

  /** The string that {@link #parse} reads back. */
  public String encode() {
    return text == null || text.equals(TextIndex.DEFAULT)
        ? schema.qdrantName()
        : text.toJson().encode();
  }

  /** Qdrant's typed index params ({@code {"type": "keyword"}}, text with its tokenizer). */
  public JsonObject params() {
    return text != null ? text.toJson() : new JsonObject().put("type", schema.qdrantName());
  }
}
