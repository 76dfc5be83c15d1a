package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.config.VecdbOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Collection aliases (issue 9, item 4): {@code POST /collections/aliases} applies create, delete
 * and rename actions together or not at all, {@code GET /aliases} and {@code GET
 * /collections/{c}/aliases} list them, and an alias works wherever a collection name does (reads,
 * writes, info). Deleting a collection ends its aliases, which do not return with a new collection
 * of that name; aliases survive restarts.
 */
@ExtendWith(VertxExtension.class)
class AliasesTest {
  private static JsonObject create(String alias, String collection) {
    return new JsonObject()
        .put(
            "create_alias",
            new JsonObject().put("alias_name", alias).put("collection_name", collection));
  }

  private static JsonObject delete(String alias) {
    return new JsonObject().put("delete_alias", new JsonObject().put("alias_name", alias));
  }

  private static JsonObject rename(String from, String to) {
    return new JsonObject()
        .put(
            "rename_alias", new JsonObject().put("old_alias_name", from).put("new_alias_name", to));
  }

  private static TestNode.Reply change(TestNode t, JsonObject... actions) throws Exception {
    JsonArray a = new JsonArray();
    for (JsonObject x : actions) {
      a.add(x);
    }
    return t.post("/collections/aliases", new JsonObject().put("actions", a));
  }

  private static Map<String, String> aliases(TestNode t, String path) throws Exception {
    TestNode.Reply r = t.get(path);
    assertEquals(200, r.status(), r.text());
    Map<String, String> out = new TreeMap<>();
    JsonArray list = r.resultObject().getJsonArray("aliases");
    for (int i = 0; i < list.size(); i++) {
      JsonObject e = list.getJsonObject(i);
      out.put(e.getString("alias_name"), e.getString("collection_name"));
    }
    return out;
  }

  private static void collection(TestNode t, String name, double x) throws Exception {
    assertEquals(
        200,
        t.put(
                "/collections/" + name,
                new JsonObject()
                    .put("vectors", new JsonObject().put("size", 2).put("distance", "Dot")))
            .status());
    t.put(
        "/collections/" + name + "/points?wait=true",
        new JsonObject()
            .put(
                "points",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("id", 1)
                            .put("vector", new JsonArray().add(x).add(1))
                            .put("payload", new JsonObject().put("from", name)))));
  }

  private static String from(TestNode t, String name) throws Exception {
    TestNode.Reply r = t.get("/collections/" + name + "/points/1");
    return r.status() == 200 ? r.resultObject().getJsonObject("payload").getString("from") : null;
  }

  @Test
  void aliasesNameCollectionsEverywhereChangeAtomicallyAndSurviveRestarts(Vertx vertx)
      throws Exception {
    Path dir = Files.createTempDirectory("vecdb-aliases");
    VecdbOptions options = new VecdbOptions().setDataDir(dir.toString());
    TestNode t = TestNode.start(vertx, new VecdbOptions(options));
    try {
      collection(t, "a", 1);
      collection(t, "b", 2);
      TestNode.Reply r = change(t, create("prod", "a"), create("staging", "b"));
      assertEquals(200, r.status(), r.text());
      assertEquals(Boolean.TRUE, r.result());
      assertEquals(Map.of("prod", "a", "staging", "b"), aliases(t, "/aliases"));
      assertEquals(Map.of("prod", "a"), aliases(t, "/collections/a/aliases"));
      assertEquals(Map.of("prod", "a"), aliases(t, "/collections/prod/aliases"));

      // An alias works as the collection's name: reads, search, info, writes.
      assertEquals("a", from(t, "prod"));
      TestNode.Reply search =
          t.post(
              "/collections/prod/points/search",
              new JsonObject().put("vector", new JsonArray().add(1).add(0)).put("limit", 1));
      assertEquals(1, ((JsonArray) search.result()).getJsonObject(0).getInteger("id"));
      assertEquals(200, t.get("/collections/prod").status());
      t.put(
          "/collections/prod/points?wait=true",
          new JsonObject()
              .put(
                  "points",
                  new JsonArray()
                      .add(
                          new JsonObject()
                              .put("id", 2)
                              .put("vector", new JsonArray().add(3).add(3))
                              .put("payload", new JsonObject().put("from", "via-alias")))));
      assertEquals(
          "via-alias",
          t.get("/collections/a/points/2")
              .resultObject()
              .getJsonObject("payload")
              .getString("from"));

      // The usual switch: delete and create in one request; then a rename.
      assertEquals(200, change(t, delete("prod"), create("prod", "b")).status());
      assertEquals("b", from(t, "prod"));
      assertEquals(200, change(t, rename("staging", "old")).status());
      assertEquals(Map.of("prod", "b", "old", "b"), aliases(t, "/aliases"));

      // Refused requests change nothing, even when their first actions were valid.
      Map<String, String> before = aliases(t, "/aliases");
      Object[][] refused = {
        {new JsonObject[] {create("x", "b"), create("y", "missing")}, 404, "collection_name"},
        {new JsonObject[] {create("x", "b"), delete("nope")}, 404, "actions[1].delete_alias"},
        {new JsonObject[] {rename("nope", "z")}, 404, "old_alias_name"},
        {new JsonObject[] {create("a", "b")}, 409, "alias_name"},
        {new JsonObject[] {create("x", "b"), rename("x", "a")}, 409, "new_alias_name"},
        {
          new JsonObject[] {new JsonObject().put("switch_alias", new JsonObject())},
          400,
          "actions[0]"
        },
        {new JsonObject[] {create("bad/name", "b")}, 400, "alias_name"},
      };
      for (Object[] c : refused) {
        TestNode.Reply bad = change(t, (JsonObject[]) c[0]);
        assertEquals(c[1], bad.status(), bad.text());
        assertTrue(bad.error().contains((String) c[2]), bad.error());
        assertEquals(before, aliases(t, "/aliases"));
      }
      // A collection may not take an alias's name; deleting by an alias deletes nothing.
      TestNode.Reply clash =
          t.put(
              "/collections/prod",
              new JsonObject()
                  .put("vectors", new JsonObject().put("size", 2).put("distance", "Dot")));
      assertEquals(409, clash.status(), clash.text());
      TestNode.Reply byAlias = t.delete("/collections/prod");
      assertEquals(200, byAlias.status());
      assertEquals(Boolean.FALSE, byAlias.result());
      assertEquals("b", from(t, "prod"));

      // Snapshots by alias are the collection's.
      TestNode.Reply snap = t.post("/collections/prod/snapshots", null);
      assertEquals(200, snap.status(), snap.text());
      String snapName = snap.resultObject().getString("name");
      assertTrue(
          t.get("/collections/b/snapshots").text().contains(snapName),
          "listed under the collection");

      // Restart (a clean one: its final checkpoint cut the WAL, so they come from the alias file;
      // AliasDurabilityTest replays them from the log after a crash).
      t.close();
      t = TestNode.start(vertx, new VecdbOptions(options));
      assertEquals(Map.of("prod", "b", "old", "b"), aliases(t, "/aliases"));
      assertEquals("b", from(t, "prod"));

      // Deleting a collection ends its aliases; a new collection of that name does not get them.
      assertEquals(200, change(t, create("keep", "a")).status());
      assertEquals(Boolean.TRUE, t.delete("/collections/b").result());
      assertEquals(Map.of("keep", "a"), aliases(t, "/aliases"));
      assertEquals(404, t.get("/collections/prod/points/1").status());
      collection(t, "b", 5);
      assertEquals(Map.of("keep", "a"), aliases(t, "/aliases"));
      assertEquals(404, t.get("/collections/prod").status());
      assertFalse(aliases(t, "/collections/b/aliases").containsKey("prod"));

      assertEquals(200, change(t, rename("keep", "kept")).status());
      t.close();
      t = TestNode.start(vertx, new VecdbOptions(options));
      assertEquals(Map.of("kept", "a"), aliases(t, "/aliases"));
      assertEquals("a", from(t, "kept"));
    } finally {
      t.close();
    }
  }
}
