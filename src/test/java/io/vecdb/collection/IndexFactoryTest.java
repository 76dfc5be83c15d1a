package io.vecdb.collection;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.filter.FilteredSearchScenario;
import io.vecdb.index.Distance;
import io.vecdb.index.HnswIndex;
import io.vecdb.index.SearchParams;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The server's collections run on the HNSW graph, with the collection's hnsw_config, and keep the
 * filtered-search promises (recall >= 0.95 at filters matching 1%, 10% and 50% of points).
 */
class IndexFactoryTest {
  static final long SEED = Long.getLong("tests.seed", System.nanoTime());

  private static CollectionConfig config(int dim, Distance distance) {
    return CollectionConfig.parse(
        new JsonObject()
            .put(
                "vectors", new JsonObject().put("size", dim).put("distance", distance.qdrantName()))
            .put(
                "hnsw_config",
                new JsonObject()
                    .put("m", 12)
                    .put("ef_construct", 80)
                    .put("full_scan_threshold", 50)));
  }

  @Test
  void createsAnHnswGraphWithTheCollectionsParameters() {
    var index = IndexFactory.create(config(8, Distance.DOT));
    assertTrue(index instanceof HnswIndex, "index " + index);
    HnswIndex h = (HnswIndex) index;
    assertTrue(
        h.config().m() == 12
            && h.config().efConstruct() == 80
            && h.config().fullScanThreshold() == 50,
        "config " + h.config());
  }

  @Test
  void filteredSearchScenarioOnTheServersIndex() {
    for (Distance d : new Distance[] {Distance.COSINE, Distance.EUCLID}) {
      Map<String, Double> recall =
          FilteredSearchScenario.run(
              (dim, distance) -> IndexFactory.create(config(dim, distance)),
              d,
              4_000,
              24,
              20,
              10,
              SearchParams.DEFAULT,
              0.95,
              SEED);
      assertTrue(!recall.isEmpty(), d + " seed " + SEED);
    }
  }
}
