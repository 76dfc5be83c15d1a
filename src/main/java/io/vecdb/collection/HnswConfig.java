package io.vecdb.collection;

import io.vertx.core.json.JsonObject;

/** HNSW parameters of a collection, with Qdrant's names and defaults. */
public record HnswConfig(int m, int efConstruct, int fullScanThreshold) {
  public static final HnswConfig DEFAULT = new HnswConfig(16, 100, 10_000);

  /** Overlays the fields present in {@code json} ({@code hnsw_config}) on this config. */
  HnswConfig merge(JsonObject json, String path) {
    if (json == null) {
      return this;
    }
    return new HnswConfig(
        (int) JsonFields.integer(json, "m", path + ".m", 2, 512, m),
        (int)
            JsonFields.integer(json, "ef_construct", path + ".ef_construct", 4, 4096, efConstruct),
        (int)
            JsonFields.integer(
                json,
                "full_scan_threshold",
                path + ".full_scan_threshold",
                0,
                Integer.MAX_VALUE,
                fullScanThreshold));
  }

  /**
   * Refuses what a request's {@code hnsw_config} ({@code path}) may not hold: fields Qdrant does
   * not define, and those VecDB does not implement when set. Requests only: stored configs are
   * parsed by {@link #merge} as they were accepted.
   */
  static void checkRequest(JsonObject json, String path) {
    if (json == null) {
      return;
    }
    JsonFields.onlyKnown(
        json,
        path,
        java.util.Set.of(
            "m",
            "ef_construct",
            "full_scan_threshold",
            "max_indexing_threads",
            "on_disk",
            "payload_m",
            "inline_storage"));
    JsonFields.integer(json, "max_indexing_threads", path + ".max_indexing_threads", 0, 1024, 0);
    for (String flag : java.util.List.of("on_disk", "inline_storage")) {
      if (Boolean.TRUE.equals(JsonFields.bool(json, flag, path + "." + flag))) {
        throw new IllegalArgumentException(
            path + "." + flag + ": not supported by VecDB (the graph is kept in RAM)");
      }
    }
    JsonFields.notImplemented(json, "payload_m", path, "payload-aware graph links (payload_m)");
  }

  JsonObject toJson() {
    return new JsonObject()
        .put("m", m)
        .put("ef_construct", efConstruct)
        .put("full_scan_threshold", fullScanThreshold)
        .put("max_indexing_threads", 0)
        .put("on_disk", false);
  }
}
