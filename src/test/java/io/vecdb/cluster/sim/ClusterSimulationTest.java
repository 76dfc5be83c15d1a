package io.vecdb.cluster.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The deterministic simulation of a collection's shard groups (see {@link ClusterSimulation}). Runs
 * {@code sim.seeds} seeds (default 600, about 10 s) from {@code tests.seed} (default: the clock); a
 * failure names its seed, and {@code -Dsim.seed=N} replays exactly that one ({@code
 * -Dsim.trace=true} prints the nemesis's actions with each node's role and term, and the Raft
 * reports at the end).
 */
class ClusterSimulationTest {
  private static final long BASE = Long.getLong("tests.seed", System.nanoTime());
  private static final int SEEDS = Integer.getInteger("sim.seeds", 600);
  private static final Long ONE = Long.getLong("sim.seed");

  /** -Dsim.snapshotFix=false runs MicroRaft 0.7 without SnapshotPrevLogFix (to find its bug). */
  private static final boolean FIX =
      Boolean.parseBoolean(System.getProperty("sim.snapshotFix", "true"));

  @BeforeAll
  static void quietRaft() {
    // Crashes and partitions make MicroRaft log errors by design; the verdicts are what count.
    Logger.getLogger("io.microraft").setLevel(Level.OFF);
    Logger.getLogger("io.vecdb.cluster").setLevel(Level.WARNING);
  }

  @Test
  void historiesAreLinearizableAndReplicasConverge() {
    int seeds = ONE != null ? 1 : SEEDS;
    long committed = 0;
    long unknown = 0;
    long failed = 0;
    long strong = 0;
    long other = 0;
    int[] byShards = new int[4];
    long started = System.nanoTime();
    for (int i = 0; i < seeds; i++) {
      long seed = ONE != null ? ONE : BASE + i;
      ClusterSimulation.Result r = new ClusterSimulation(seed, false, FIX).run();
      assertNull(
          r.failure(), "seed " + seed + " (replay: -Dsim.seed=" + seed + "): " + r.failure());
      committed += r.committed();
      unknown += r.unknown();
      failed += r.failed();
      strong += r.strongReads();
      other += r.otherReads();
      byShards[r.shards()]++;
    }
    System.out.printf(
        "simulation: %d seeds from %d in %.1f s (1, 2, 3 shards: %d, %d, %d): %d writes"
            + " committed, %d unknown, %d failed; %d strong reads, %d other reads%n",
        seeds,
        BASE,
        (System.nanoTime() - started) / 1e9,
        byShards[1],
        byShards[2],
        byShards[3],
        committed,
        unknown,
        failed,
        strong,
        other);
    // The faults must leave the group live enough to test something.
    assertTrue(committed > seeds * 50L, "only " + committed + " writes committed");
    assertTrue(strong > seeds * 20L, "only " + strong + " strong reads");
  }

  @Test
  void aSeedReplaysExactly() {
    long seed = BASE ^ 0x5eed;
    ClusterSimulation.Result a = new ClusterSimulation(seed, false).run();
    ClusterSimulation.Result b = new ClusterSimulation(seed, false).run();
    assertEquals(a, b, "seed " + seed);
  }

  /**
   * Seeds on which MicroRaft 0.7 as it is leaves a follower behind for good after healing (its
   * snapshot covers the leader's previous index; see SnapshotPrevLogFix) fail without the fix and
   * pass with it. Which seeds reproduce it moves with every change to what the simulation draws or
   * schedules, so the test looks for them: seeds from a fixed sequence are run without the fix
   * until two end with a stuck follower (about one in 50 does), and each must pass with the fix.
   * The seeds found are printed (replay one with {@code -Dsim.seed=N}).
   */
  @Test
  void followersWhoseSnapshotCoversThePreviousEntryCatchUp() {
    java.util.Random r = new java.util.Random(2026);
    List<Long> found = new java.util.ArrayList<>();
    int tried = 0;
    while (found.size() < 2 && tried < 3_000) {
      long seed = Math.floorMod(r.nextLong(), 10_000_000_000_000L);
      tried++;
      ClusterSimulation.Result without = new ClusterSimulation(seed, false, false).run();
      if (without.failure() != null && without.failure().contains("no convergence")) {
        found.add(seed);
        ClusterSimulation.Result with = new ClusterSimulation(seed, false, true).run();
        assertNull(with.failure(), "seed " + seed + " with the fix: " + with.failure());
      }
    }
    System.out.println("snapshot-fix seeds (stuck without the fix): " + found + " of " + tried);
    assertEquals(2, found.size(), "the stuck follower no longer shows in " + tried + " seeds");
  }

  /**
   * The same runs with each node's Raft log in a real {@link io.vecdb.cluster.raft.RaftLogStore}
   * (on tmpfs when there is one: fsync cost is not what this checks): every restart reads the log
   * back, and snapshots truncate its prefix (64 KiB segments).
   */
  @Test
  void durableRaftLogsRecoverEveryRestart(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
      throws java.io.IOException {
    java.nio.file.Path shm = java.nio.file.Path.of("/dev/shm");
    java.nio.file.Path root =
        java.nio.file.Files.isDirectory(shm) && java.nio.file.Files.isWritable(shm)
            ? java.nio.file.Files.createTempDirectory(shm, "vecdb-sim")
            : tmp;
    try {
      int seeds = ONE != null ? 1 : Integer.getInteger("sim.durableSeeds", 12);
      long committed = 0;
      for (int i = 0; i < seeds; i++) {
        long seed = ONE != null ? ONE : BASE + 7_000 + i;
        java.nio.file.Path dir = java.nio.file.Files.createDirectories(root.resolve("s" + i));
        ClusterSimulation.Result r = new ClusterSimulation(seed, false, true, dir).run();
        assertNull(
            r.failure(),
            "durable seed " + seed + " (replay: -Dsim.seed=" + seed + "): " + r.failure());
        committed += r.committed();
      }
      // Some seeds keep a majority down or cut off for most of the run; on average writes flow.
      assertTrue(committed > seeds * 50L, "only " + committed + " writes committed");
    } finally {
      if (!root.equals(tmp)) {
        try (var files = java.nio.file.Files.walk(root)) {
          files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  /** Strong reads served by any replica (no ReadIndex round) must be caught. */
  @Test
  void theCheckerCatchesStaleStrongReads() {
    int caught = 0;
    int tried = 0;
    for (int i = 0; i < 40 && caught == 0; i++) {
      tried++;
      ClusterSimulation.Result r = new ClusterSimulation(BASE + 1_000 + i, true).run();
      if (r.failure() != null) {
        caught++;
      }
    }
    assertTrue(caught > 0, "broken strong reads passed " + tried + " seeds");
    System.out.println("broken strong reads caught after " + tried + " seed(s)");
  }
}
