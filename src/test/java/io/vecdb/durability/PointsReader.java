package io.vecdb.durability;

import io.vecdb.durability.AckLedger.PointState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a collection's points back through the Qdrant API: all of them by scrolling ({@code POST
 * /collections/{c}/points/scroll} with the {@code next_page_offset} cursor), or given ids ({@code
 * POST /collections/{c}/points}). Called from the test thread only.
 */
final class PointsReader {

  private static final int PAGE = 500;

  private PointsReader() {}

  /** Every point of the collection, by numeric id. Fails on a repeated id or a stuck cursor. */
  static Map<Long, PointState> scrollAll(QdrantHttp http, String collection)
      throws IOException, InterruptedException {
    Map<Long, PointState> points = new HashMap<>();
    Object offset = null;
    for (int page = 0; ; page++) {
      JsonObject request =
          new JsonObject().put("limit", PAGE).put("with_payload", true).put("with_vector", true);
      if (offset != null) {
        request.put("offset", offset);
      }
      JsonObject result =
          http.expectOk("POST", "/collections/" + collection + "/points/scroll", request.encode())
              .getJsonObject("result");
      for (Object item : result.getJsonArray("points")) {
        JsonObject point = (JsonObject) item;
        long id = point.getLong("id");
        if (points.put(id, stateOf(point)) != null) {
          throw new AssertionError("scroll returned id " + id + " twice (page " + page + ")");
        }
      }
      offset = result.getValue("next_page_offset");
      if (offset == null) {
        return points;
      }
      if (page > 1_000_000 / PAGE) {
        throw new AssertionError("scroll did not end after " + page + " pages");
      }
    }
  }

  /** The given ids' points as {@code POST /collections/{c}/points} returns them. */
  static Map<Long, PointState> getByIds(QdrantHttp http, String collection, Collection<Long> ids)
      throws IOException, InterruptedException {
    Map<Long, PointState> points = new HashMap<>();
    List<Long> all = new ArrayList<>(ids);
    for (int from = 0; from < all.size(); from += PAGE) {
      JsonObject request =
          new JsonObject()
              .put(
                  "ids",
                  new JsonArray(
                      new ArrayList<>(all.subList(from, Math.min(all.size(), from + PAGE)))))
              .put("with_payload", true)
              .put("with_vector", true);
      JsonArray result =
          http.expectOk("POST", "/collections/" + collection + "/points", request.encode())
              .getJsonArray("result");
      for (Object item : result) {
        JsonObject point = (JsonObject) item;
        points.put(point.getLong("id"), stateOf(point));
      }
    }
    return points;
  }

  static PointState stateOf(JsonObject point) {
    Object raw = point.getValue("vector");
    if (raw instanceof JsonObject named && named.size() == 1) {
      raw = named.getValue(named.fieldNames().iterator().next()); // {"": [...]} form
    }
    if (!(raw instanceof JsonArray array)) {
      throw new AssertionError("point " + point.getValue("id") + " has no vector array: " + point);
    }
    float[] vector = new float[array.size()];
    for (int i = 0; i < vector.length; i++) {
      vector[i] = array.getNumber(i).floatValue();
    }
    JsonObject payload = point.getJsonObject("payload");
    return new PointState(vector, payload == null ? new JsonObject() : payload);
  }
}
