package io.vecdb.durability;

/**
 * The base seed of a test run: {@code -Dtests.seed=N} or, when absent, the clock. Run {@code i} of
 * a multi-seed test uses {@code base + i}, so passing a failing run's seed back replays that run
 * first.
 */
final class TestSeeds {

  static final long BASE = Long.getLong("tests.seed", System.nanoTime());

  private TestSeeds() {}

  static long seed(int run) {
    return BASE + run;
  }
}
