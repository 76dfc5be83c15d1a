package io.vecdb.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The {@code optimizer} and {@code write_backlog} sections and {@code index_threads}: defaults,
 * round trip, bad values.
 */
class MaintenanceOptionsTest {
  @Test
  void shippedConfigHoldsTheDefaults() throws Exception {
    VecdbOptions o = new VecdbOptions(new JsonObject(Files.readString(Path.of("conf/vecdb.json"))));
    assertEquals(0.2, o.getOptimizer().getDeletedThreshold());
    assertEquals(OptimizerOptions.DEFAULT_MIN_DELETED, o.getOptimizer().getMinDeleted());
    assertEquals(OptimizerOptions.DEFAULT_CHECK_INTERVAL_MS, o.getOptimizer().getCheckIntervalMs());
    assertEquals(
        OptimizerOptions.DEFAULT_REPAIR_AFTER_INSERTS, o.getOptimizer().getRepairAfterInserts());
    assertEquals(
        WriteBacklogOptions.DEFAULT_MAX_OPERATIONS, o.getWriteBacklog().getMaxOperations());
    assertEquals(
        (long) WriteBacklogOptions.DEFAULT_MAX_MB << 20, o.getWriteBacklog().getMaxBytes());
    assertEquals(WriteBacklogOptions.DEFAULT_TIMEOUT_MS, o.getWriteBacklog().getTimeoutMs());
  }

  @Test
  void copiesKeepEverySetting() {
    VecdbOptions o = new VecdbOptions();
    o.getOptimizer().setDeletedThreshold(0.5).setMinDeleted(7).setCheckIntervalMs(0);
    o.getWriteBacklog().setMaxOperations(3).setMaxBytes(1000).setTimeoutMs(5);
    VecdbOptions copy = new VecdbOptions(o);
    assertEquals(o.toJson(), copy.toJson());
    assertEquals(1000, copy.getWriteBacklog().getMaxBytes());
    assertEquals(0, copy.getOptimizer().getCheckIntervalMs());
  }

  @Test
  void badValuesNameTheSetting() {
    assertMessage(
        "{\"optimizer\": {\"deleted_threshold\": 1.5}}", "optimizer.deleted_threshold: expected");
    assertMessage(
        "{\"optimizer\": {\"deleted_threshold\": \"x\"}}", "optimizer.deleted_threshold: expected");
    assertMessage("{\"optimizer\": {\"min_deleted\": 0}}", "optimizer.min_deleted: expected");
    assertMessage(
        "{\"optimizer\": {\"check_interval_ms\": -1}}", "optimizer.check_interval_ms: expected");
    assertMessage(
        "{\"optimizer\": {\"repair_after_inserts\": 1.5}}",
        "optimizer.repair_after_inserts: expected an integer");
    assertMessage("{\"optimizer\": {\"threshold\": 1}}", "unknown setting 'optimizer.threshold'");
    assertMessage("{\"optimizer\": 3}", "optimizer: expected a JSON object");
    assertMessage(
        "{\"write_backlog\": {\"max_operations\": 0}}", "write_backlog.max_operations: expected");
    assertMessage("{\"write_backlog\": {\"max_mb\": 0}}", "write_backlog.max_mb: expected");
    assertMessage(
        "{\"write_backlog\": {\"timeout_ms\": 300000}}", "write_backlog.timeout_ms: expected");
    assertMessage("{\"write_backlog\": {\"max\": 1}}", "unknown setting 'write_backlog.max'");
    assertMessage("{\"index_threads\": 0}", "index_threads: expected 1..256, got 0");
    assertMessage("{\"index_threads\": 1.5}", "index_threads: expected an integer");
    // Larger than an int: refused, not wrapped round to a valid-looking 1.
    assertMessage("{\"index_threads\": 4294967297}", "index_threads: expected");
    assertMessage("{\"wal\": {\"segment_mb\": 4294967297}}", "wal.segment_mb: expected 1..1024");
  }

  @Test
  void indexThreadsRoundTrip() {
    VecdbOptions o = new VecdbOptions(new JsonObject().put("index_threads", 3));
    assertEquals(3, o.getIndexThreads());
    assertEquals(3, new VecdbOptions(o).getIndexThreads());
    assertEquals(VecdbOptions.DEFAULT_INDEX_THREADS, new VecdbOptions().getIndexThreads());
  }

  private static void assertMessage(String json, String expected) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new VecdbOptions(new JsonObject(json)));
    assertTrue(e.getMessage().startsWith(expected), json + " -> " + e.getMessage());
  }
}
