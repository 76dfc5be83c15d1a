package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The response validator of {@link QdrantResponseShapesTest} refuses what Qdrant's schema does. */
class QdrantOpenApiTest {
  @Test
  void refusesResponsesOutsideTheSchema() throws Exception {
    Assumptions.assumeTrue(
        Files.isRegularFile(QdrantOpenApi.DOCUMENT), "no Qdrant OpenAPI document");
    QdrantOpenApi api = new QdrantOpenApi(QdrantOpenApi.DOCUMENT);
    String search = "/collections/c/points/search";
    JsonObject hit =
        new JsonObject().put("id", 1).put("version", 3).put("score", 0.5).putNull("payload");
    JsonObject ok = new JsonObject().put("result", new JsonArray().add(hit)).put("status", "ok");
    assertEquals(List.of(), api.check("POST", search, 200, ok));
    // A point id that is neither an unsigned integer nor a UUID.
    assertFalse(
        api.check(
                "POST",
                search,
                200,
                ok.copy().put("result", new JsonArray().add(hit.copy().put("id", "x"))))
            .isEmpty());
    assertFalse(
        api.check(
                "POST",
                search,
                200,
                ok.copy().put("result", new JsonArray().add(hit.copy().put("id", -1))))
            .isEmpty());
    // A missing required field, a wrong type, a value outside an enum.
    assertFalse(
        api.check(
                "POST",
                search,
                200,
                ok.copy().put("result", new JsonArray().add(hit.copy().put("score", "high"))))
            .isEmpty());
    JsonObject noVersion = hit.copy();
    noVersion.remove("version");
    assertFalse(
        api.check("POST", search, 200, ok.copy().put("result", new JsonArray().add(noVersion)))
            .isEmpty());
    String upsert = "/collections/c/points";
    JsonObject update =
        new JsonObject()
            .put("result", new JsonObject().put("operation_id", 1).put("status", "completed"))
            .put("status", "ok");
    assertEquals(List.of(), api.check("PUT", upsert, 200, update));
    update.getJsonObject("result").put("status", "done");
    assertFalse(api.check("PUT", upsert, 200, update).isEmpty());
    // Errors: Qdrant's ErrorResponse for 4XX.
    JsonObject error = new JsonObject().put("status", new JsonObject().put("error", "bad"));
    assertEquals(List.of(), api.check("POST", search, 400, error));
    assertFalse(
        api.check(
                "POST",
                search,
                400,
                new JsonObject().put("status", new JsonObject().put("error", 3)))
            .isEmpty());
    // Paths: a fixed segment beats a parameter.
    assertEquals(
        "/collections/{collection_name}/points/scroll",
        api.template("/collections/c/points/scroll"));
    assertEquals(
        "/collections/{collection_name}/points/{id}", api.template("/collections/c/points/7"));
    assertTrue(api.operations().contains("POST /collections/{collection_name}/points/search"));
  }
}
