package io.vecdb.index;

import static io.vecdb.index.HnswTestData.unreachableLive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Overwrites (add a new node, remove the old one) pile up tombstones until compaction. With vector
 * norms spread over six orders of magnitude, large vectors each hang on one in-link from a small
 * hub; when tombstones kept their last in-link, hub lists grew with every round and inserts became
 * quadratic (0.5 s to 100 s per round of 8,000). Cost is counted in distances, not time: it may
 * grow with the tombstones' share (inserts walk through them), linearly, not more.
 */
class HnswOverwriteTest {
  private static final long SEED = HnswTestData.seed();

  @Test
  void insertCostStaysFlatAsTombstonesAccumulate() {
    Random random = new Random(SEED);
    int dim = 128;
    int live = 3000;
    int rounds = 6;
    HnswIndex index =
        new HnswIndex(
            dim,
            Distance.EUCLID,
            HnswConfig.DEFAULT.withFullScanThreshold(0).withSeed(random.nextLong()));
    String where = "seed " + SEED;
    int[] ords = new int[live];
    float[][] vectors = new float[live][];
    for (int i = 0; i < live; i++) {
      vectors[i] = scaled(random, dim);
      ords[i] = index.add(vectors[i]);
    }
    long firstRound = 0;
    int maxList = 0;
    for (int r = 1; r <= rounds; r++) {
      long before = index.distanceCount();
      for (int i = 0; i < live; i++) {
        vectors[i] = scaled(random, dim);
        int fresh = index.add(vectors[i]);
        index.remove(ords[i]);
        ords[i] = fresh;
      }
      long cost = index.distanceCount() - before;
      if (r == 1) {
        firstRound = cost;
      }
      maxList = 0;
      for (int o = 0; o < index.ordinalCount(); o++) {
        maxList = Math.max(maxList, index.neighbours(o, 0).length);
      }
      // Inserts walk through tombstones to fill ef_construct with live nodes (recall under
      // churn: HnswChurnRecallTest), so cost grows with the tombstones' share, r / (r + 1) after
      // r rounds: about linearly in r. What must not come back is the quadratic growth (two
      // orders of magnitude by round 6) of lists that kept tombstones' in-links.
      System.out.printf("overwrite round %d: %.2fx round 1%n", r, cost / (double) firstRound);
      assertTrue(
          cost <= (r + 1) * firstRound,
          "round " + r + " took " + cost + " distances, round 1 " + firstRound + ", " + where);
    }
    // Lists may exceed 2m only to keep live nodes' last in-links; tombstones must not pile up.
    assertTrue(
        maxList <= 16 * index.config().m(), "longest layer-0 list " + maxList + ", " + where);
    assertEquals(live, index.size(), where);
    int notFound = 0;
    for (int i = 0; i < live; i++) {
      Hits h = index.search(vectors[i], 1, new SearchParams(100, false), null);
      if (h.score(0) != 0f) {
        notFound++;
      }
    }
    // Before compaction, after 6 full rounds of overwrites (tombstones 6x the live points) on
    // this adversarial data (norms 1e-3..1e3), some live points sit in closed groups that a
    // search does not reach: measured up to 304 of 3,000 (seed 8201899614098). The server's
    // optimizer compacts at 20% tombstones, far below this churn. Known limitation.
    assertTrue(notFound <= live / 5, notFound + " live points not found, " + where);
    // Every live node keeps a live in-link, but small closed groups still form before compaction
    // (a few percent of live nodes on this data, as before the fix); compaction reconnects them.
    int unreachable = unreachableLive(index);
    assertTrue(unreachable <= live / 10, unreachable + " unreachable before compaction, " + where);
    // Overwrites displace protected neighbours often; each displacement is counted exactly once.
    assertEquals("", HnswTestData.inDegreeMismatches(index), "in-degrees, " + where);
    assertEquals(live * rounds, index.compact(), where);
    assertEquals(0, unreachableLive(index), where);
    assertEquals("", HnswTestData.inDegreeMismatches(index), "after compaction, " + where);
  }

  /**
   * The mechanism distilled: far-apart "spokes" (norm about 1000 in 128 dimensions, so two spokes
   * are sqrt(2) times farther apart than either is from the origin) each link only to one of a few
   * tiny "hub" vectors, and depend on that hub for their only in-link. Overwriting spokes used to
   * leave every tombstoned spoke protected in a hub list, so hub lists grew by the number of
   * overwrites. Now they hold at most the live spokes.
   */
  @Test
  void hubListsDoNotKeepTombstonedSpokes() {
    Random random = new Random(SEED);
    int dim = 128;
    int hubs = 16;
    int spokes = 400;
    int rounds = 10;
    HnswIndex index =
        new HnswIndex(
            dim,
            Distance.EUCLID,
            HnswConfig.DEFAULT.withFullScanThreshold(0).withSeed(random.nextLong()));
    String where = "seed " + SEED;
    for (int i = 0; i < hubs; i++) {
      index.add(gaussian(random, dim, 1e-3));
    }
    int[] ords = new int[spokes];
    for (int i = 0; i < spokes; i++) {
      ords[i] = index.add(gaussian(random, dim, 100));
    }
    long firstRound = 0;
    for (int r = 1; r <= rounds; r++) {
      long before = index.distanceCount();
      for (int i = 0; i < spokes; i++) {
        int fresh = index.add(gaussian(random, dim, 100));
        index.remove(ords[i]);
        ords[i] = fresh;
      }
      long cost = index.distanceCount() - before;
      firstRound = r == 1 ? cost : firstRound;
      // Inserts walk through tombstones to fill ef_construct with live nodes (recall under
      // churn: HnswChurnRecallTest), so cost grows with the tombstones' share, r / (r + 1) after
      // r rounds: about linearly in r. What must not come back is the quadratic growth (two
      // orders of magnitude by round 6) of lists that kept tombstones' in-links.
      System.out.printf("overwrite round %d: %.2fx round 1%n", r, cost / (double) firstRound);
      assertTrue(
          cost <= (r + 1) * firstRound,
          "round " + r + " took " + cost + " distances, round 1 " + firstRound + ", " + where);
      int longest = 0;
      for (int hub = 0; hub < hubs; hub++) {
        longest = Math.max(longest, index.neighbours(hub, 0).length);
      }
      // Live spokes and hubs may all hang on one hub, plus the 2m the heuristic picks (tombstones
      // among them); the r * spokes tombstones must not.
      assertTrue(
          longest <= spokes + hubs + index.maxLinks(0),
          "round " + r + ": a hub list holds " + longest + " nodes, " + where);
    }
    assertEquals(0, unreachableLive(index), where);
    assertEquals(spokes * rounds, index.compact(), where);
    assertEquals(0, unreachableLive(index), where);
    assertEquals("", HnswTestData.inDegreeMismatches(index), where);
  }

  private static float[] gaussian(Random random, int dim, double scale) {
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      v[i] = (float) (random.nextGaussian() * scale);
    }
    return v;
  }

  /** Gaussian direction, norm 10^-3 .. 10^3 in whole powers (the crash workload's vectors). */
  private static float[] scaled(Random random, int dim) {
    float[] v = new float[dim];
    double scale = Math.pow(10, random.nextInt(7) - 3);
    for (int i = 0; i < dim; i++) {
      v[i] = (float) (random.nextGaussian() * scale);
    }
    return v;
  }
}
