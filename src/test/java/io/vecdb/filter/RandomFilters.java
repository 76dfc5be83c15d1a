package io.vecdb.filter;

import io.vecdb.model.Payload;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Random;

/**
 * Seeded random payloads and filters over a small value domain, so that random filters match a
 * useful share of random payloads. Keys "k" (keyword), "i" (integer), "f" (float), "b" (bool),
 * "o.x" and "o[].x" (keyword) are the ones tests index; "z" never is.
 */
final class RandomFilters {
  static final String[] WORDS = {"a", "b", "c", "d", "e"};

  private RandomFilters() {}

  /** The ids tests give ordinal {@code o}: distinct, spread over the u64 range. */
  static io.vecdb.model.PointId idOf(int ordinal) {
    return io.vecdb.model.PointId.of(ordinal * 0x9E3779B97F4A7C15L);
  }

  static Payload payload(Random r) {
    JsonObject o = new JsonObject();
    switch (r.nextInt(7)) {
      case 0 -> {}
      case 1 -> o.putNull("k");
      case 2 -> o.put("k", new JsonArray().add(word(r)).add(word(r)));
      case 3 -> o.put("k", r.nextBoolean() ? new JsonArray() : 3);
      default -> o.put("k", word(r));
    }
    switch (r.nextInt(8)) {
      case 0 -> {}
      case 1 -> o.put("i", r.nextInt(10) + 0.5);
      case 2 -> o.put("i", new JsonArray().add(r.nextInt(10)).add(r.nextInt(10)));
      case 3 -> o.put("i", r.nextBoolean() ? "3" : (Object) true);
      case 4 -> o.putNull("i");
      default -> o.put("i", r.nextInt(10));
    }
    switch (r.nextInt(6)) {
      case 0 -> {}
      case 1 -> o.put("f", r.nextBoolean() ? -0.0 : 0.0);
      case 2 -> o.put("f", r.nextInt(10) - 5);
      case 3 -> o.put("f", new JsonArray().add(number(r)).add(number(r)));
      default -> o.put("f", number(r));
    }
    switch (r.nextInt(5)) {
      case 0 -> {}
      case 1 -> o.put("b", new JsonArray().add(r.nextBoolean()));
      case 2 -> o.put("b", "true");
      default -> o.put("b", r.nextBoolean());
    }
    switch (r.nextInt(4)) {
      case 0 -> {}
      case 1 -> o.put("o", new JsonObject().put("x", word(r)));
      default ->
          o.put(
              "o",
              new JsonArray()
                  .add(new JsonObject().put("x", word(r)).put("y", r.nextInt(3)))
                  .add(new JsonObject().put("x", word(r)).put("y", r.nextInt(3))));
    }
    if (r.nextInt(3) == 0) {
      o.put("z", word(r));
    }
    return new Payload(o);
  }

  private static String word(Random r) {
    return WORDS[r.nextInt(WORDS.length)];
  }

  private static double number(Random r) {
    return Math.round((r.nextDouble() * 10 - 5) * 10) / 10.0;
  }

  /** A random filter as JSON, up to {@code depth} levels of groups. */
  static JsonObject filter(Random r, int depth, int maxOrdinal) {
    JsonObject f = new JsonObject();
    String[] clauses = {"must", "should", "must_not", "min_should"};
    int n = 1 + r.nextInt(2);
    for (int c = 0; c < n; c++) {
      String clause = clauses[r.nextInt(10) < 6 ? 0 : 1 + r.nextInt(3)];
      JsonArray conds = new JsonArray();
      int m = r.nextInt(10) == 0 ? 0 : 1 + r.nextInt(3);
      for (int j = 0; j < m; j++) {
        conds.add(condition(r, depth, maxOrdinal));
      }
      if (clause.equals("min_should")) {
        f.put(clause, new JsonObject().put("conditions", conds).put("min_count", r.nextInt(3)));
      } else if (conds.size() == 1 && r.nextBoolean()) {
        f.put(clause, conds.getJsonObject(0));
      } else {
        f.put(clause, conds);
      }
    }
    return f;
  }

  private static JsonObject condition(Random r, int depth, int maxOrdinal) {
    int choice = r.nextInt(depth > 0 ? 15 : 14);
    String[] keywordKeys = {"k", "o.x", "o[].x", "z"};
    return switch (choice) {
      case 0, 1, 2 ->
          field(keywordKeys[r.nextInt(4)], "match", new JsonObject().put("value", word(r)));
      case 3 -> field("i", "match", new JsonObject().put("value", r.nextInt(11)));
      case 4 -> field("b", "match", new JsonObject().put("value", r.nextBoolean()));
      case 5 ->
          field(
              keywordKeys[r.nextInt(4)],
              "match",
              new JsonObject().put("any", new JsonArray().add(word(r)).add(word(r))));
      case 6 ->
          field(
              "i",
              "match",
              new JsonObject().put("any", new JsonArray().add(r.nextInt(10)).add(r.nextInt(10))));
      case 7 -> field("k", "match", new JsonObject().put("except", new JsonArray().add(word(r))));
      case 8, 9 -> field(r.nextBoolean() ? "i" : "f", "range", range(r));
      case 10 -> new JsonObject().put("is_empty", new JsonObject().put("key", "k"));
      case 11 -> new JsonObject().put("is_null", new JsonObject().put("key", "i"));
      case 12 -> {
        JsonArray ids = new JsonArray();
        for (int i = 0, n = r.nextInt(4); i < n; i++) {
          ids.add(idJson(r.nextInt(maxOrdinal)));
        }
        yield new JsonObject().put("has_id", ids);
      }
      case 13 -> field("k", "values_count", new JsonObject().put("gt", r.nextInt(2)));
      default -> filter(r, depth - 1, maxOrdinal);
    };
  }

  /** The JSON form of {@link #idOf}: a Long, or a BigInteger above Long.MAX_VALUE. */
  static Object idJson(int ordinal) {
    return idOf(ordinal).toJson();
  }

  private static JsonObject range(Random r) {
    JsonObject range = new JsonObject();
    String[] ops = {"gt", "gte", "lt", "lte"};
    for (int i = 0, n = 1 + r.nextInt(2); i < n; i++) {
      range.put(ops[r.nextInt(4)], r.nextBoolean() ? r.nextInt(12) - 2 : number(r));
    }
    return range;
  }

  private static JsonObject field(String key, String kind, JsonObject predicate) {
    return new JsonObject().put("key", key).put(kind, predicate);
  }
}
