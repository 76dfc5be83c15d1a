package io.vecdb.durability;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The long crash run behind {@code ./vecdb test-slow}: more seeds ({@code -Dtests.crash.seeds},
 * default 10), more writers, larger vectors and batches, four SIGKILL cycles per seed, and later
 * kills (more data in the log when it dies).
 */
@Tag("slow")
class CrashRecoverySoakTest {

  static final CrashWorkload.Settings SOAK =
      new CrashWorkload.Settings(
          /* threads */ 8,
          /* idsPerThread */ 1_000,
          /* dim */ 128,
          /* maxBatch */ 64,
          /* deleteShare */ 0.15,
          /* waitShare */ 0.25,
          /* cycles */ 4,
          /* minAckedBeforeKill */ 1_000,
          /* maxExtraDelayMillis */ 3_000);

  @TempDir Path tmp;

  @Test
  void acknowledgedWritesSurviveRepeatedSigkill() throws Exception {
    int seeds = Integer.getInteger("tests.crash.seeds", 10);
    for (int run = 0; run < seeds; run++) {
      long seed = TestSeeds.seed(run);
      CrashScenario.run(SOAK, seed, tmp.resolve("seed-" + seed));
    }
  }
}
