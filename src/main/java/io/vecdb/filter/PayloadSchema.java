package io.vecdb.filter;

import java.util.Locale;

/** The payload index types VecDB builds, with Qdrant's names. */
public enum PayloadSchema {
  /** Exact string values: serves {@code match.value} / {@code match.any} on strings. */
  KEYWORD("keyword"),
  /** 64-bit integers: serves integer {@code match} and numeric {@code range}. */
  INTEGER("integer"),
  /** Numbers: serves {@code range}. */
  FLOAT("float"),
  /** Booleans: serves {@code match.value} true/false. */
  BOOL("bool"),
  /** Full-text: tokens ({@link TextIndex}); serves {@code match.text} and {@code text_any}. */
  TEXT("text"),
  /** UUID strings: serves {@code match.value} / {@code match.any} on them. */
  UUID("uuid"),
  /** RFC 3339 datetimes ({@link Datetimes}): serves {@code range} with datetime bounds. */
  DATETIME("datetime"),
  /** Geo points {lon, lat}: narrows geo conditions by latitude band. */
  GEO("geo");

  private final String qdrantName;

  PayloadSchema(String qdrantName) {
    this.qdrantName = qdrantName;
  }

  public String qdrantName() {
    return qdrantName;
  }

  /**
   * Parses a Qdrant {@code field_schema} name, case-insensitively.
   *
   * @throws IllegalArgumentException naming the schema and the supported ones
   */
  public static PayloadSchema parse(String name) {
    if (name != null) {
      String n = name.trim().toLowerCase(Locale.ROOT);
      for (PayloadSchema s : values()) {
        if (s.qdrantName.equals(n)) {
          return s;
        }
      }
    }
    throw new IllegalArgumentException(
        "unsupported payload index schema \""
            + name
            + "\": expected one of keyword, integer, float, bool, text, uuid, datetime, geo");
  }
}
