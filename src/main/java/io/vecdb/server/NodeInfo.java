package io.vecdb.server;

import io.vertx.core.json.JsonObject;

/** What {@code GET /} reports: name, version, vector math implementation and network transport. */
record NodeInfo(String version, String vectorMath, String transport) {
  static final String TITLE = "vecdb - vector search engine";

  JsonObject toJson() {
    return new JsonObject()
        .put("title", TITLE)
        .put("version", version)
        .put("vector_math", vectorMath)
        .put("transport", transport);
  }
}
