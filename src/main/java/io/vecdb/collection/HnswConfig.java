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

  JsonObject toJson() {
    return new JsonObject()
        .put("m", m)
        .put("ef_construct", efConstruct)
        .put("full_scan_threshold", fullScanThreshold)
        .put("max_indexing_threads", 0)
        .put("on_disk", false);
  }
}
