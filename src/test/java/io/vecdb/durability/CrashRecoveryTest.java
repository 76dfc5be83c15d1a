package io.vecdb.durability;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 4, item 5, at CI size: a real server process takes concurrent upserts and deletes (some
 * with {@code wait=true}), is SIGKILLed at a random moment with requests in flight, restarts on the
 * same data dir, and must still hold every acknowledged write exactly (vector bits and payload) and
 * none of the acknowledged deletes. Three seeds, two crash cycles each. {@link
 * CrashRecoverySoakTest} is the long multi-seed run.
 *
 * <p>Against a server without a durable operation log this test fails, as it must.
 */
class CrashRecoveryTest {

  static final CrashWorkload.Settings CI =
      new CrashWorkload.Settings(
          /* threads */ 4,
          /* idsPerThread */ 150,
          /* dim */ 16,
          /* maxBatch */ 8,
          /* deleteShare */ 0.2,
          /* waitShare */ 0.2,
          /* cycles */ 2,
          /* minAckedBeforeKill */ 150,
          /* maxExtraDelayMillis */ 400);

  @TempDir Path tmp;

  @ParameterizedTest(name = "run {0}")
  @ValueSource(ints = {0, 1, 2})
  void acknowledgedWritesSurviveSigkill(int run) throws Exception {
    long seed = TestSeeds.seed(run);
    CrashScenario.run(CI, seed, tmp.resolve("seed-" + seed));
  }

  /** The harness itself accepts a correct server: same workload and checks, no crash. */
  @Test
  void checkerAcceptsEveryAcknowledgedWriteOnALiveServer() throws Exception {
    long seed = TestSeeds.seed(0);
    CrashScenario.runWithoutCrash(CI, seed, tmp.resolve("live-" + seed));
  }
}
