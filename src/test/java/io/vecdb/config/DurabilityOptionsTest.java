package io.vecdb.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code wal}/{@code snapshots} settings: config file, env vars and flags, and their errors. */
class DurabilityOptionsTest {

  private static Path config(JsonObject json) throws Exception {
    Path f = Files.createTempFile("vecdb-conf", ".json");
    Files.writeString(f, json.encode());
    return f;
  }

  @Test
  void defaultsAndConfigFile() throws Exception {
    DurabilityOptions d = new VecdbOptions().getDurability();
    assertEquals("always", d.getWalSync());
    assertFalse(d.isWalTruncateCorrupt());
    Path f =
        config(
            new JsonObject()
                .put("wal", new JsonObject().put("sync", "interval").put("sync_interval_ms", 50))
                .put("snapshots", new JsonObject().put("wal_mb", 8).put("interval_minutes", 0)));
    VecdbOptions o = ServeArguments.parse(new String[] {"--config", f.toString()}, Map.of());
    assertEquals("interval", o.getDurability().getWalSync());
    assertEquals(50, o.getDurability().getWalSyncIntervalMs());
    assertEquals(8, o.getDurability().getSnapshotWalMb());
    assertEquals(0, o.getDurability().getSnapshotIntervalMinutes());
    // Round trip through JSON (VecdbOptions copies itself that way).
    assertEquals("interval", new VecdbOptions(o).getDurability().getWalSync());
  }

  @Test
  void flagsOverrideEnvOverrideFile() throws Exception {
    Path f = config(new JsonObject().put("wal", new JsonObject().put("sync", "never")));
    Map<String, String> env =
        Map.of(
            "VECDB_CONFIG", f.toString(),
            "VECDB_WAL_SYNC", "interval",
            "VECDB_WAL_TRUNCATE_CORRUPT", "true");
    VecdbOptions fromEnv = ServeArguments.parse(new String[] {}, env);
    assertEquals("interval", fromEnv.getDurability().getWalSync());
    assertTrue(fromEnv.getDurability().isWalTruncateCorrupt());
    VecdbOptions fromFlags =
        ServeArguments.parse(
            new String[] {"--wal-sync=always", "--wal-truncate-corrupt=false"}, env);
    assertEquals("always", fromFlags.getDurability().getWalSync());
    assertFalse(fromFlags.getDurability().isWalTruncateCorrupt());
    VecdbOptions bare =
        ServeArguments.parse(
            new String[] {"--wal-truncate-corrupt", "--wal-sync", "never"},
            Map.of("VECDB_CONFIG", f.toString()));
    assertTrue(bare.getDurability().isWalTruncateCorrupt());
    assertEquals("never", bare.getDurability().getWalSync());
  }

  @Test
  void badValuesNameTheFlagOrKey() throws Exception {
    UsageException flag =
        assertThrows(
            UsageException.class,
            () -> ServeArguments.parse(new String[] {"--wal-sync", "sometimes"}, Map.of()));
    assertTrue(flag.getMessage().startsWith("--wal-sync:"), flag.getMessage());
    UsageException env =
        assertThrows(
            UsageException.class,
            () ->
                ServeArguments.parse(new String[] {}, Map.of("VECDB_WAL_TRUNCATE_CORRUPT", "yes")));
    assertTrue(env.getMessage().startsWith("VECDB_WAL_TRUNCATE_CORRUPT:"), env.getMessage());
    Path f = config(new JsonObject().put("wal", new JsonObject().put("fsync", "always")));
    UsageException key =
        assertThrows(
            UsageException.class,
            () -> ServeArguments.parse(new String[] {"--config", f.toString()}, Map.of()));
    assertTrue(key.getMessage().contains("wal.fsync"), key.getMessage());
    Path g = config(new JsonObject().put("wal", new JsonObject().put("sync_interval_ms", 0)));
    UsageException range =
        assertThrows(
            UsageException.class,
            () -> ServeArguments.parse(new String[] {"--config", g.toString()}, Map.of()));
    assertTrue(range.getMessage().contains("wal.sync_interval_ms"), range.getMessage());
  }
}
