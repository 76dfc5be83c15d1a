package io.vecdb.durable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Aliases after a crash (a copy of the data directory of a running node, as kill -9 leaves it):
 * from the alias file, from the WAL alone when the file is missing (the alias lane's records after
 * the file's LSN replay on top of it), and from the file alone once a checkpoint has cut the WAL. A
 * deleted collection's aliases stay ended across the crash.
 */
class AliasDurabilityTest {
  private static JsonObject actions(JsonObject... actions) {
    JsonArray a = new JsonArray();
    for (JsonObject x : actions) {
      a.add(x);
    }
    return new JsonObject().put("actions", a);
  }

  private static JsonObject create(String alias, String collection) {
    return new JsonObject()
        .put(
            "create_alias",
            new JsonObject().put("alias_name", alias).put("collection_name", collection));
  }

  private static Map<String, String> aliases(DurableTestNode n) throws Exception {
    JsonArray list = ((JsonObject) n.ok("GET", "/aliases", null)).getJsonArray("aliases");
    Map<String, String> out = new TreeMap<>();
    for (int i = 0; i < list.size(); i++) {
      out.put(
          list.getJsonObject(i).getString("alias_name"),
          list.getJsonObject(i).getString("collection_name"));
    }
    return out;
  }

  private static void collection(DurableTestNode n, String name) throws Exception {
    n.ok(
        "PUT",
        "/collections/" + name,
        new JsonObject().put("vectors", new JsonObject().put("size", 2).put("distance", "Dot")));
  }

  @Test
  void aliasesComeBackFromTheFileAndTheLog() throws Exception {
    Path dir = DurableTestNode.tempDir("vecdb-alias-crash");
    Map<String, String> expected = Map.of("p", "a", "q", "b");
    Path withFile;
    Path withoutFile;
    Path checkpointed;
    try (DurableTestNode n = DurableTestNode.start(dir)) {
      collection(n, "a");
      collection(n, "b");
      collection(n, "c");
      n.ok("POST", "/collections/aliases", actions(create("p", "a"), create("q", "b")));
      n.ok("POST", "/collections/aliases", actions(create("r", "c")));
      n.ok("DELETE", "/collections/c", null);
      assertEquals(expected, aliases(n));
      withFile = n.crashImage();
      withoutFile = n.crashImage();
      Files.delete(withoutFile.resolve("aliases.json"));
      DurableTestNode.await(n.node.storage().checkpoint());
      checkpointed = n.crashImage();
    }
    for (Path image : new Path[] {withFile, withoutFile, checkpointed}) {
      try (DurableTestNode n = DurableTestNode.start(image)) {
        assertEquals(expected, aliases(n), image.toString());
        JsonObject info = (JsonObject) n.ok("GET", "/collections/p", null);
        assertTrue(info.containsKey("config"));
        assertEquals(404, n.call("GET", "/collections/r", null).status());
      }
    }
  }
}
