package io.vecdb.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeIdentityTest {
  @TempDir Path dir;

  @Test
  void theFirstIdStaysWithTheDataDirectory() throws Exception {
    Path data = dir.resolve("data");
    assertEquals("n1", NodeIdentity.establish(data, "n1"));
    assertEquals("n1\n", Files.readString(data.resolve("node-id")));
    assertEquals("n1", NodeIdentity.establish(data, "n1"));
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> NodeIdentity.establish(data, "n2"));
    assertTrue(e.getMessage().contains("belongs to node 'n1'"), e.getMessage());
    assertEquals("n1\n", Files.readString(data.resolve("node-id")));
  }
}
