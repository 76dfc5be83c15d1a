package io.vecdb.filter;

import io.vecdb.model.PointId;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses Qdrant filter JSON into a {@link Filter}.
 *
 * <p>Accepted, with Qdrant 1.x semantics: {@code must}, {@code should}, {@code must_not} (each a
 * condition or an array of conditions) and {@code min_should} ({@code {conditions, min_count}});
 * conditions {@code {key, match}} ({@code value} string/integer/bool, {@code any}, {@code except},
 * {@code text}, {@code phrase}, {@code text_any}), {@code {key, range}} ({@code gt, gte, lt, lte}
 * numbers, or RFC 3339 datetimes), {@code {key, values_count}}, {@code {key, is_empty: bool}},
 * {@code {key, is_null: bool}}, {@code {key, geo_radius | geo_bounding_box | geo_polygon}}, {@code
 * {is_empty: {key}}}, {@code {is_null: {key}}}, {@code {has_id: [ids]}}, {@code {has_vector:
 * name}}, {@code {nested: {key, filter}}} and a nested filter object. Keys: {@code a}, {@code a.b},
 * {@code a[]}, {@code a[].b}, {@code a[0]}.
 *
 * <p>Differences from Qdrant, all rejected with a clear error rather than answered differently:
 * {@code has_id} and {@code has_vector} inside {@code nested}, and a field condition carrying more
 * than one predicate (Qdrant ORs them, which is rarely what the sender meant). On a key with a
 * full-text index {@code text} needs every token and {@code text_any} one of them, as the index
 * tokenizes; otherwise (and always for {@code phrase}, and inside {@code nested}) they are
 * case-sensitive substring matches, as in Qdrant on an unindexed field.
 */
public final class FilterParser {
  /** Deeper filters are rejected so evaluation can never overflow the stack. */
  static final int MAX_DEPTH = 32;

  private static final Set<String> FILTER_FIELDS =
      Set.of("must", "should", "must_not", "min_should");
  private static final List<String> FIELD_PREDICATES =
      List.of(
          "match",
          "range",
          "values_count",
          "is_empty",
          "is_null",
          "geo_radius",
          "geo_bounding_box",
          "geo_polygon");

  private FilterParser() {}

  /**
   * Parses {@code json} (the value of a request's {@code filter} field).
   *
   * @param field the JSON path for error messages, usually {@code "filter"}
   * @throws IllegalArgumentException naming the offending path (e.g. {@code
   *     filter.must[1].range.gt}) and what was expected
   */
  public static Filter parse(JsonObject json, String field) {
    return parse(json, field, Map.of());
  }

  /**
   * As {@link #parse(JsonObject, String)}, for a collection whose keys in {@code text} have a
   * full-text index: {@code match.text} and {@code match.text_any} on them match tokens (all, any)
   * as that index tokenizes them, not substrings. Accepts exactly what the two-argument form
   * accepts.
   */
  public static Filter parse(JsonObject json, String field, Map<JsonKey, TextIndex> text) {
    if (json == null) {
      throw new IllegalArgumentException(field + ": expected a filter object, got null");
    }
    return parseGroup(json, field, 1, false, new Ctx(text, null));
  }

  /**
   * Which points have a vector of a given name, for {@code has_vector}: the predicate for {@code
   * name}, or an {@link IllegalArgumentException} naming {@code path} if the collection has no
   * vector of that name.
   */
  public interface VectorPresence {
    java.util.function.Predicate<PointId> has(String name, String path);
  }

  /** What a parse threads through: the full-text indexes and the vector presence (null: none). */
  private record Ctx(Map<JsonKey, TextIndex> text, VectorPresence vectors) {}

  /**
   * As {@link #parse(JsonObject, String, Map)}, for a collection whose points' vectors {@code
   * has_vector} conditions test through {@code vectors}.
   */
  public static Filter parse(
      JsonObject json, String field, Map<JsonKey, TextIndex> text, VectorPresence vectors) {
    if (json == null) {
      throw new IllegalArgumentException(field + ": expected a filter object, got null");
    }
    return parseGroup(json, field, 1, false, new Ctx(text, vectors));
  }

  private static Condition.Group parseGroup(
      JsonObject json, String path, int depth, boolean inNested, Ctx text) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException(
          path + ": filter nested deeper than " + MAX_DEPTH + " levels");
    }
    for (String name : json.fieldNames()) {
      if (!FILTER_FIELDS.contains(name)) {
        throw new IllegalArgumentException(
            path
                + ": unknown field \""
                + name
                + "\", expected must, should, must_not or min_should");
      }
    }
    List<Condition> must = parseList(json.getValue("must"), path + ".must", depth, inNested, text);
    List<Condition> should =
        parseList(json.getValue("should"), path + ".should", depth, inNested, text);
    List<Condition> mustNot =
        parseList(json.getValue("must_not"), path + ".must_not", depth, inNested, text);
    List<Condition> minShould = null;
    int minCount = 0;
    Object ms = json.getValue("min_should");
    if (ms != null) {
      String msPath = path + ".min_should";
      JsonObject mso = object(ms, msPath, "an object {conditions, min_count}");
      for (String name : mso.fieldNames()) {
        if (!name.equals("conditions") && !name.equals("min_count")) {
          throw new IllegalArgumentException(
              msPath + ": unknown field \"" + name + "\", expected conditions and min_count");
        }
      }
      Object conds = mso.getValue("conditions");
      if (conds == null) {
        throw new IllegalArgumentException(msPath + ".conditions: required");
      }
      minShould = parseList(conds, msPath + ".conditions", depth, inNested, text);
      long count = nonNegativeInteger(mso.getValue("min_count"), msPath + ".min_count", true);
      minCount = (int) Math.min(count, Integer.MAX_VALUE);
    }
    return new Condition.Group(must, should, minShould, minCount, mustNot);
  }

  private static List<Condition> parseList(
      Object value, String path, int depth, boolean inNested, Ctx text) {
    if (value == null) {
      return null;
    }
    if (value instanceof JsonObject single) {
      return List.of(parseCondition(single, path, depth, inNested, text));
    }
    if (value instanceof JsonArray arr) {
      List<Condition> out = new ArrayList<>(arr.size());
      for (int i = 0; i < arr.size(); i++) {
        String p = path + "[" + i + "]";
        out.add(
            parseCondition(
                object(arr.getValue(i), p, "a condition object"), p, depth, inNested, text));
      }
      return List.copyOf(out);
    }
    throw expected(path, "a condition object or an array of conditions", value);
  }

  private static Condition parseCondition(
      JsonObject c, String path, int depth, boolean inNested, Ctx text) {
    if (c.containsKey("key")) {
      return parseField(c, path, text.text());
    }
    if (c.containsKey("is_empty")) {
      onlyFields(c, path, "is_empty");
      return new Condition.IsEmpty(keyObject(c.getValue("is_empty"), path + ".is_empty"));
    }
    if (c.containsKey("is_null")) {
      onlyFields(c, path, "is_null");
      return new Condition.IsNull(keyObject(c.getValue("is_null"), path + ".is_null"));
    }
    if (c.containsKey("has_id")) {
      onlyFields(c, path, "has_id");
      if (inNested) {
        throw new IllegalArgumentException(
            path + ".has_id: has_id is not supported inside a nested filter (as in Qdrant)");
      }
      return parseHasId(c.getValue("has_id"), path + ".has_id");
    }
    if (c.containsKey("nested")) {
      onlyFields(c, path, "nested");
      return parseNested(c.getValue("nested"), path + ".nested", depth);
    }
    if (c.containsKey("has_vector")) {
      onlyFields(c, path, "has_vector");
      if (inNested) {
        throw new IllegalArgumentException(
            path
                + ".has_vector: has_vector is not supported inside a nested filter (as in Qdrant)");
      }
      if (!(c.getValue("has_vector") instanceof String name)) {
        throw new IllegalArgumentException(
            path
                + ".has_vector: expected a vector name (a string), got "
                + c.getValue("has_vector"));
      }
      // Without a collection (a request checked before it is routed) the condition is parsed
      // only; a filter is always parsed again by the collection that runs it.
      java.util.function.Predicate<PointId> has =
          text.vectors() == null
              ? id -> {
                throw new IllegalStateException("has_vector parsed without its collection");
              }
              : text.vectors().has(name, path + ".has_vector");
      return new Condition.HasVector(name, has);
    }
    for (String name : c.fieldNames()) {
      if (!FILTER_FIELDS.contains(name)) {
        throw new IllegalArgumentException(
            path
                + ": unknown condition field \""
                + name
                + "\", expected a field condition {key, match|range|values_count|is_empty|is_null"
                + "|geo_radius|geo_bounding_box|geo_polygon},"
                + " is_empty, is_null, has_id, nested, or a filter (must, should, must_not,"
                + " min_should)");
      }
    }
    return parseGroup(c, path, depth + 1, inNested, text);
  }

  private static Condition parseField(JsonObject c, String path, Map<JsonKey, TextIndex> text) {
    Object keyValue = c.getValue("key");
    if (!(keyValue instanceof String keyText)) {
      throw expected(path + ".key", "a string", keyValue);
    }
    JsonKey key = JsonKey.parse(keyText, path + ".key");
    String predicateName = null;
    for (String name : c.fieldNames()) {
      if (name.equals("key")) {
        continue;
      }
      if (!FIELD_PREDICATES.contains(name)) {
        throw new IllegalArgumentException(
            path
                + ": unknown field \""
                + name
                + "\" in field condition, expected key and one of "
                + String.join(", ", FIELD_PREDICATES));
      }
      if (c.getValue(name) == null) {
        continue; // null means absent, as in Qdrant's Option fields
      }
      if (predicateName != null) {
        throw new IllegalArgumentException(
            path
                + ": field condition has both \""
                + predicateName
                + "\" and \""
                + name
                + "\", expected exactly one of "
                + String.join(", ", FIELD_PREDICATES));
      }
      predicateName = name;
    }
    if (predicateName == null) {
      throw new IllegalArgumentException(
          path
              + ": field condition on \""
              + keyText
              + "\" needs one of "
              + String.join(", ", FIELD_PREDICATES));
    }
    String p = path + "." + predicateName;
    Object v = c.getValue(predicateName);
    TextIndex index = text.get(key);
    if (index != null && predicateName.equals("match") && v instanceof JsonObject m) {
      Condition.ValuePredicate plain = parseMatch(m, p); // same checks as without the index
      if (plain instanceof Condition.MatchText && m.containsKey("text")) {
        return new Condition.TextMatch(key, index, index.queryTokens(m.getString("text")), true);
      }
      if (plain instanceof Condition.MatchTextAny) {
        return new Condition.TextMatch(
            key, index, index.queryTokens(m.getString("text_any")), false);
      }
    }
    Condition.ValuePredicate predicate =
        switch (predicateName) {
          case "match" -> parseMatch(object(v, p, "an object"), p);
          case "range" -> parseAnyRange(object(v, p, "an object {gt, gte, lt, lte}"), p);
          case "geo_radius" -> Geos.radius(object(v, p, "an object {center, radius}"), p);
          case "geo_bounding_box" ->
              Geos.box(object(v, p, "an object {top_left, bottom_right}"), p);
          case "geo_polygon" -> Geos.polygon(object(v, p, "an object {exterior, interiors}"), p);
          case "values_count" -> parseValuesCount(object(v, p, "an object {gt, gte, lt, lte}"), p);
          case "is_empty" -> new Condition.FieldIsEmpty(bool(v, p));
          case "is_null" -> new Condition.FieldIsNull(bool(v, p));
          default -> throw new AssertionError(predicateName);
        };
    return new Condition.Field(key, predicate);
  }

  private static Condition.ValuePredicate parseMatch(JsonObject m, String path) {
    if (m.size() != 1) {
      throw new IllegalArgumentException(
          path
              + ": expected exactly one of value, any, except, text, phrase, text_any, got "
              + (m.isEmpty() ? "none" : m.fieldNames()));
    }
    String name = m.fieldNames().iterator().next();
    String p = path + "." + name;
    Object v = m.getValue(name);
    return switch (name) {
      case "value" -> {
        if (v instanceof String s) {
          yield new Condition.MatchString(s);
        }
        if (v instanceof Boolean b) {
          yield new Condition.MatchBool(b);
        }
        Long l = Condition.asLong(v);
        if (l != null) {
          yield new Condition.MatchLong(l);
        }
        throw expected(p, "a string, an integer (64-bit signed) or a boolean", v);
      }
      case "any" -> {
        Object[] sets = parseValueList(v, p);
        @SuppressWarnings("unchecked")
        Set<String> strings = (Set<String>) sets[0];
        @SuppressWarnings("unchecked")
        Set<Long> longs = (Set<Long>) sets[1];
        yield new Condition.MatchAny(strings, longs);
      }
      case "except" -> {
        Object[] sets = parseValueList(v, p);
        @SuppressWarnings("unchecked")
        Set<String> strings = (Set<String>) sets[0];
        @SuppressWarnings("unchecked")
        Set<Long> longs = (Set<Long>) sets[1];
        yield new Condition.MatchExcept(strings, longs);
      }
      case "text", "phrase" -> {
        if (!(v instanceof String s)) {
          throw expected(p, "a string", v);
        }
        yield new Condition.MatchText(s);
      }
      case "text_any" -> {
        if (!(v instanceof String s)) {
          throw expected(p, "a string", v);
        }
        yield new Condition.MatchTextAny(
            Arrays.stream(s.trim().split("\\s+")).filter(t -> !t.isEmpty()).toList());
      }
      default ->
          throw new IllegalArgumentException(
              path
                  + ": unknown match \""
                  + name
                  + "\", expected one of value, any, except, text, phrase, text_any");
    };
  }

  /** [strings, longs]: exactly one non-null; an empty list is an empty string set (as Qdrant). */
  private static Object[] parseValueList(Object v, String path) {
    if (!(v instanceof JsonArray arr)) {
      throw expected(path, "an array of strings or of integers", v);
    }
    if (arr.isEmpty() || arr.getValue(0) instanceof String) {
      Set<String> strings = new HashSet<>();
      for (int i = 0; i < arr.size(); i++) {
        Object e = arr.getValue(i);
        if (!(e instanceof String s)) {
          throw expected(path + "[" + i + "]", "a string (all elements of the same type)", e);
        }
        strings.add(s);
      }
      return new Object[] {Set.copyOf(strings), null};
    }
    Set<Long> longs = new HashSet<>();
    for (int i = 0; i < arr.size(); i++) {
      Object e = arr.getValue(i);
      Long l = Condition.asLong(e);
      if (l == null) {
        throw expected(
            path + "[" + i + "]",
            i == 0
                ? "a string or an integer (64-bit signed)"
                : "an integer (all elements of the same type)",
            e);
      }
      longs.add(l);
    }
    return new Object[] {null, Set.copyOf(longs)};
  }

  /** A numeric range, or a datetime range when its bounds are strings (all of them). */
  private static Condition.ValuePredicate parseAnyRange(JsonObject r, String path) {
    boolean datetime = false;
    for (String name : r.fieldNames()) {
      datetime |= r.getValue(name) instanceof String;
    }
    if (!datetime) {
      return parseRange(r, path);
    }
    double[] bounds = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
    String[] names = {"gt", "gte", "lt", "lte"};
    for (String name : r.fieldNames()) {
      int i = Arrays.asList(names).indexOf(name);
      if (i < 0) {
        throw new IllegalArgumentException(
            path + ": unknown field \"" + name + "\", expected gt, gte, lt or lte");
      }
      Object v = r.getValue(name);
      if (v == null) {
        continue;
      }
      Long micros = v instanceof String s ? Datetimes.micros(s) : null;
      if (micros == null) {
        throw expected(
            path + "." + name,
            "an RFC 3339 datetime (as the range's other bounds are), e.g. \"2023-02-08T10:49:00Z\"",
            v);
      }
      bounds[i] = micros;
    }
    return new Condition.DatetimeRange(
        new Condition.Range(bounds[0], bounds[1], bounds[2], bounds[3]));
  }

  private static Condition.Range parseRange(JsonObject r, String path) {
    double[] bounds = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
    String[] names = {"gt", "gte", "lt", "lte"};
    for (String name : r.fieldNames()) {
      int i = Arrays.asList(names).indexOf(name);
      if (i < 0) {
        throw new IllegalArgumentException(
            path + ": unknown field \"" + name + "\", expected gt, gte, lt or lte");
      }
      Object v = r.getValue(name);
      if (v == null) {
        continue;
      }
      if (!(v instanceof Number n)) {
        throw expected(path + "." + name, "a number", v);
      }
      double d = n.doubleValue();
      if (!Double.isFinite(d)) {
        throw expected(path + "." + name, "a finite number", v);
      }
      bounds[i] = d;
    }
    return new Condition.Range(bounds[0], bounds[1], bounds[2], bounds[3]);
  }

  private static Condition.ValuesCount parseValuesCount(JsonObject r, String path) {
    long[] bounds = {-1, -1, -1, -1};
    String[] names = {"gt", "gte", "lt", "lte"};
    for (String name : r.fieldNames()) {
      int i = Arrays.asList(names).indexOf(name);
      if (i < 0) {
        throw new IllegalArgumentException(
            path + ": unknown field \"" + name + "\", expected gt, gte, lt or lte");
      }
      Object v = r.getValue(name);
      if (v != null) {
        bounds[i] = nonNegativeInteger(v, path + "." + name, false);
      }
    }
    return new Condition.ValuesCount(bounds[0], bounds[1], bounds[2], bounds[3]);
  }

  private static Condition.HasId parseHasId(Object v, String path) {
    if (!(v instanceof JsonArray arr)) {
      throw expected(path, "an array of point ids", v);
    }
    Set<PointId> ids = new LinkedHashSet<>();
    for (int i = 0; i < arr.size(); i++) {
      ids.add(PointId.parse(arr.getValue(i), path + "[" + i + "]"));
    }
    return new Condition.HasId(Set.copyOf(ids));
  }

  private static Condition.Nested parseNested(Object v, String path, int depth) {
    // Keys inside are relative to the array's elements: no full-text index applies there.
    JsonObject n = object(v, path, "an object {key, filter}");
    for (String name : n.fieldNames()) {
      if (!name.equals("key") && !name.equals("filter")) {
        throw new IllegalArgumentException(
            path + ": unknown field \"" + name + "\", expected key and filter");
      }
    }
    Object keyValue = n.getValue("key");
    if (!(keyValue instanceof String keyText)) {
      throw expected(path + ".key", "a string", keyValue);
    }
    JsonKey key = JsonKey.parse(keyText, path + ".key");
    JsonObject filter = object(n.getValue("filter"), path + ".filter", "a filter object");
    return new Condition.Nested(
        key.asArrayKey(),
        parseGroup(filter, path + ".filter", depth + 1, true, new Ctx(Map.of(), null)));
  }

  private static JsonKey keyObject(Object v, String path) {
    JsonObject o = object(v, path, "an object {key}");
    for (String name : o.fieldNames()) {
      if (!name.equals("key")) {
        throw new IllegalArgumentException(path + ": unknown field \"" + name + "\", expected key");
      }
    }
    Object k = o.getValue("key");
    if (!(k instanceof String s)) {
      throw expected(path + ".key", "a string", k);
    }
    return JsonKey.parse(s, path + ".key");
  }

  private static void onlyFields(JsonObject c, String path, String name) {
    for (String f : c.fieldNames()) {
      if (!f.equals(name)) {
        throw new IllegalArgumentException(
            path + ": unknown field \"" + f + "\" next to \"" + name + "\"");
      }
    }
  }

  private static JsonObject object(Object v, String path, String what) {
    if (v instanceof JsonObject o) {
      return o;
    }
    throw expected(path, what, v);
  }

  private static boolean bool(Object v, String path) {
    if (v instanceof Boolean b) {
      return b;
    }
    throw expected(path, "a boolean", v);
  }

  private static long nonNegativeInteger(Object v, String path, boolean required) {
    if (v == null && required) {
      throw new IllegalArgumentException(path + ": required, expected a non-negative integer");
    }
    Long l = Condition.asLong(v);
    if (l == null && v instanceof Number n && !(v instanceof java.math.BigInteger)) {
      // 2.0 is accepted as 2, as JSON does not distinguish them.
      try {
        l = new BigDecimal(n.toString()).longValueExact();
      } catch (ArithmeticException | NumberFormatException e) {
        l = null;
      }
    }
    if (l == null || l < 0) {
      throw expected(path, "a non-negative integer", v);
    }
    return l;
  }

  private static IllegalArgumentException expected(String path, String what, Object got) {
    return new IllegalArgumentException(path + ": expected " + what + ", got " + describe(got));
  }

  private static String describe(Object v) {
    String s;
    try {
      s = Json.encode(v);
    } catch (RuntimeException e) {
      s = String.valueOf(v);
    }
    return s.length() > 80 ? s.substring(0, 77) + "..." : s;
  }
}
