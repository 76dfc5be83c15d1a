package io.vecdb.filter;

import io.vertx.core.json.JsonObject;

/** Parses Qdrant filter JSON into a {@link Filter}. */
public final class FilterParser {
  private FilterParser() {}

  /**
   * Parses {@code json} (the value of a request's {@code filter} field).
   *
   * @param field the JSON path for error messages, usually {@code "filter"}
   * @throws IllegalArgumentException naming the offending path (e.g. {@code
   *     filter.must[1].range.gt}) and what was expected
   */
  public static Filter parse(JsonObject json, String field) {
    throw new UnsupportedOperationException("filters: being implemented on branch 'filters'");
  }
}
