package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Compares two lists of hits that the same search produced twice: the same points in the same order
 * with the same fields, scores equal to float precision. The SIMD distance kernels sum their lanes
 * in an order the JDK leaves open (the Vector API's floating-point {@code reduceLanes(ADD)} differs
 * between interpreted and compiled code), so a score may differ in its last bits between two calls.
 */
final class SameHits {
  private SameHits() {}

  static void assertSame(JsonArray expected, JsonArray actual, String message) {
    assertEquals(expected.size(), actual.size(), message + ": " + expected + " vs " + actual);
    for (int i = 0; i < expected.size(); i++) {
      JsonObject e = expected.getJsonObject(i).copy();
      JsonObject a = actual.getJsonObject(i).copy();
      Object es = e.remove("score");
      Object as = a.remove("score");
      assertEquals(e, a, message + ", hit " + i + ": " + expected + " vs " + actual);
      if (es != null || as != null) {
        double x = ((Number) es).doubleValue();
        double y = ((Number) as).doubleValue();
        assertEquals(x, y, 1e-5 * Math.max(1, Math.abs(x)), message + ", score of hit " + i);
      }
    }
  }
}
