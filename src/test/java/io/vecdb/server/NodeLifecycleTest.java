package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.config.VecdbOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NodeLifecycleTest {
  @Test
  void startsOnAFreePortAndClosesPromptly() throws Exception {
    Path dir = Files.createTempDirectory("vecdb-node");
    VecdbOptions options =
        new VecdbOptions()
            .setHttpPort(0)
            .setDataDir(dir.resolve("data").toString())
            .setSearchInstances(2);
    VecdbNode node =
        VecdbNode.start(options)
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    assertTrue(node.httpPort() > 0, "bound port");
    assertTrue(node.isReady());
    assertTrue(Files.isDirectory(dir.resolve("data")), "data dir created");
    long start = System.nanoTime();
    node.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(millis < 5000, "close took " + millis + " ms");
    assertEquals(false, node.isReady());
  }
}
