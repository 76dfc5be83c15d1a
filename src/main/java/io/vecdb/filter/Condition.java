package io.vecdb.filter;

import io.vecdb.model.PointId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.util.List;
import java.util.Set;

/**
 * The parsed form of one Qdrant filter condition. Every implementation is an immutable record, so a
 * parsed filter may be evaluated by any number of threads at once. Evaluation follows Qdrant's
 * {@code query_checker.rs} / {@code condition_checker.rs}: see each record.
 *
 * <p>{@code id} is null inside a {@code nested} filter (Qdrant does not support {@code has_id}
 * there; the parser rejects it).
 */
sealed interface Condition {

  boolean test(PointId id, JsonObject object);

  /**
   * {@code must} (all), {@code should} (at least one; an empty list matches nothing, as in Qdrant),
   * {@code min_should} (at least {@code minCount} of its conditions) and {@code must_not} (none). A
   * null list is an absent clause.
   */
  record Group(
      List<Condition> must,
      List<Condition> should,
      List<Condition> minShould,
      int minCount,
      List<Condition> mustNot)
      implements Condition, Filter {

    @Override
    public boolean test(PointId id, JsonObject object) {
      if (should != null && !anyMatch(should, id, object)) {
        return false;
      }
      if (minShould != null) {
        int matched = 0;
        for (Condition c : minShould) {
          if (matched >= minCount) {
            break;
          }
          if (c.test(id, object)) {
            matched++;
          }
        }
        if (matched < minCount) {
          return false;
        }
      }
      if (must != null) {
        for (Condition c : must) {
          if (!c.test(id, object)) {
            return false;
          }
        }
      }
      return mustNot == null || !anyMatch(mustNot, id, object);
    }

    private static boolean anyMatch(List<Condition> cs, PointId id, JsonObject object) {
      for (Condition c : cs) {
        if (c.test(id, object)) {
          return true;
        }
      }
      return false;
    }

    @Override
    public boolean test(PointId id, io.vecdb.model.Payload payload) {
      return test(id, payload == null ? EMPTY : payload.json());
    }

    private static final JsonObject EMPTY = new JsonObject();
  }

  /** A per-value predicate on a key: true if any selected value (or leaf array element) passes. */
  sealed interface ValuePredicate {
    boolean testElement(Object element);

    /** The outcome when the key selects no value at all (Qdrant's {@code check_empty}). */
    default boolean whenMissing() {
      return false;
    }
  }

  /** {@code {key, match|range|values_count|is_empty|is_null}}. */
  record Field(JsonKey key, ValuePredicate predicate) implements Condition {
    @Override
    public boolean test(PointId id, JsonObject object) {
      List<Object> values = key.values(object);
      if (values.isEmpty()) {
        return predicate.whenMissing();
      }
      for (Object v : values) {
        if (predicate instanceof WholeValuePredicate whole) {
          if (whole.testValue(v)) {
            return true;
          }
        } else if (v instanceof JsonArray arr) {
          for (int i = 0; i < arr.size(); i++) {
            if (predicate.testElement(arr.getValue(i))) {
              return true;
            }
          }
        } else if (predicate.testElement(v)) {
          return true;
        }
      }
      return false;
    }
  }

  /** A predicate that looks at a selected value as a whole (arrays not unpacked). */
  sealed interface WholeValuePredicate extends ValuePredicate {
    boolean testValue(Object value);

    @Override
    default boolean testElement(Object element) {
      return testValue(element);
    }
  }

  record MatchString(String value) implements ValuePredicate {
    @Override
    public boolean testElement(Object e) {
      return e instanceof String s && s.equals(value);
    }
  }

  record MatchLong(long value) implements ValuePredicate {
    @Override
    public boolean testElement(Object e) {
      Long l = asLong(e);
      return l != null && l == value;
    }
  }

  record MatchBool(boolean value) implements ValuePredicate {
    @Override
    public boolean testElement(Object e) {
      return e instanceof Boolean b && b == value;
    }
  }

  /** {@code match.any}: strings or integers (Qdrant accepts no other element type). */
  record MatchAny(Set<String> strings, Set<Long> longs) implements ValuePredicate {
    @Override
    public boolean testElement(Object e) {
      if (strings != null) {
        return e instanceof String s && strings.contains(s);
      }
      Long l = asLong(e);
      return l != null && longs.contains(l);
    }
  }

  /**
   * {@code match.except}: a value that is not in the list. As in Qdrant: null never passes; a
   * string passes an integer list and vice versa; a bool, an object or a nested array passes; a
   * missing key does not pass.
   */
  record MatchExcept(Set<String> strings, Set<Long> longs) implements ValuePredicate {
    @Override
    public boolean testElement(Object e) {
      if (e == null) {
        return false;
      }
      if (strings != null && e instanceof String s) {
        return !strings.contains(s);
      }
      if (longs != null && isNumber(e)) {
        Long l = asLong(e);
        return l == null || !longs.contains(l);
      }
      return true;
    }
  }

  /**
   * {@code match.text} and {@code match.phrase}: VecDB has no full-text index, so (as Qdrant does
   * on a field without one) the value must contain the text as a substring, case-sensitively.
   */
  record MatchText(String text) implements ValuePredicate {
    @Override
    public boolean testElement(Object e) {
      return e instanceof String s && s.contains(text);
    }
  }

  /** {@code match.text_any}: contains any whitespace-separated token of the text. */
  record MatchTextAny(List<String> tokens) implements ValuePredicate {
    @Override
    public boolean testElement(Object e) {
      if (e instanceof String s) {
        for (String t : tokens) {
          if (s.contains(t)) {
            return true;
          }
        }
      }
      return false;
    }
  }

  /** {@code range}: numbers (integers compared as doubles, as Qdrant does); NaN bounds absent. */
  record Range(double gt, double gte, double lt, double lte) implements ValuePredicate {
    @Override
    public boolean testElement(Object e) {
      return isNumber(e) && contains(((Number) e).doubleValue());
    }

    boolean contains(double x) {
      return (Double.isNaN(gt) || x > gt)
          && (Double.isNaN(gte) || x >= gte)
          && (Double.isNaN(lt) || x < lt)
          && (Double.isNaN(lte) || x <= lte);
    }
  }

  /**
   * {@code values_count}: the number of values (an array counts its elements, null counts 0, any
   * other value 1); a missing key counts 0. Bounds of -1 are absent.
   */
  record ValuesCount(long gt, long gte, long lt, long lte) implements WholeValuePredicate {
    @Override
    public boolean testValue(Object v) {
      long n = v == null ? 0 : v instanceof JsonArray a ? a.size() : 1;
      return check(n);
    }

    @Override
    public boolean whenMissing() {
      return check(0);
    }

    private boolean check(long n) {
      return (gt < 0 || n > gt)
          && (gte < 0 || n >= gte)
          && (lt < 0 || n < lt)
          && (lte < 0 || n <= lte);
    }
  }

  /**
   * The field-condition form {@code {key, is_empty: bool}}: a value is empty if null or {@code []};
   * a missing key is empty.
   */
  record FieldIsEmpty(boolean expected) implements WholeValuePredicate {
    @Override
    public boolean testValue(Object v) {
      boolean empty = v == null || (v instanceof JsonArray a && a.isEmpty());
      return empty == expected;
    }

    @Override
    public boolean whenMissing() {
      return expected;
    }
  }

  /**
   * The field-condition form {@code {key, is_null: bool}}: a value is null if it is null or an
   * array holding a null; a missing key is not null.
   */
  record FieldIsNull(boolean expected) implements WholeValuePredicate {
    @Override
    public boolean testValue(Object v) {
      boolean isNull = v == null || (v instanceof JsonArray a && a.contains(null));
      return isNull == expected;
    }

    @Override
    public boolean whenMissing() {
      return !expected;
    }
  }

  /** {@code {is_empty: {key}}}: true if every selected value is null or {@code []} (or none). */
  record IsEmpty(JsonKey key) implements Condition {
    @Override
    public boolean test(PointId id, JsonObject object) {
      for (Object v : key.values(object)) {
        if (!(v == null || (v instanceof JsonArray a && a.isEmpty()))) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * {@code {is_null: {key}}}: true if some selected value is JSON null. A missing key, {@code []}
   * and {@code [null]} are not null (Qdrant's rule).
   */
  record IsNull(JsonKey key) implements Condition {
    @Override
    public boolean test(PointId id, JsonObject object) {
      for (Object v : key.values(object)) {
        if (v == null) {
          return true;
        }
      }
      return false;
    }
  }

  /** {@code {has_id: [...]}}. */
  record HasId(Set<PointId> ids) implements Condition {
    @Override
    public boolean test(PointId id, JsonObject object) {
      return id != null && ids.contains(id);
    }
  }

  /**
   * {@code {has_vector: name}}: true if the point has a vector of that name, as the collection's
   * {@code has} tells (a point lookup; never inside nested filters, where there is no point).
   */
  record HasVector(String name, java.util.function.Predicate<PointId> has) implements Condition {
    @Override
    public boolean test(PointId id, JsonObject object) {
      return id != null && has.test(id);
    }
  }

  /**
   * {@code {nested: {key, filter}}}: true if some object element of the array at {@code key[]}
   * matches {@code filter} on its own (conditions are not mixed across elements).
   */
  record Nested(JsonKey arrayKey, Group filter) implements Condition {
    @Override
    public boolean test(PointId id, JsonObject object) {
      for (Object v : arrayKey.values(object)) {
        if (v instanceof JsonObject element && filter.test(null, element)) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * {@code match.text} ({@code all}) or {@code match.text_any} on a key with a full-text index: the
   * point's text is the union of the tokens of every string value under the key (arrays unpacked),
   * and it matches if it holds every query token ({@code text}; an empty query matches nothing) or
   * any of them ({@code text_any}), as in Qdrant's full-text index.
   */
  record TextMatch(JsonKey key, TextIndex index, List<String> tokens, boolean all)
      implements Condition {
    @Override
    public boolean test(PointId id, JsonObject object) {
      if (tokens.isEmpty()) {
        return false;
      }
      Set<String> doc = new java.util.HashSet<>();
      for (Object v : key.values(object)) {
        if (v instanceof JsonArray arr) {
          for (int i = 0; i < arr.size(); i++) {
            if (arr.getValue(i) instanceof String s) {
              doc.addAll(index.documentTokens(s));
            }
          }
        } else if (v instanceof String s) {
          doc.addAll(index.documentTokens(s));
        }
      }
      if (all) {
        return doc.containsAll(tokens);
      }
      for (String t : tokens) {
        if (doc.contains(t)) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * {@code range} with RFC 3339 bounds (Qdrant's {@code DatetimeRange}): string values that parse
   * as a datetime ({@link Datetimes}), compared in microseconds since the epoch.
   */
  record DatetimeRange(Range micros) implements ValuePredicate {
    @Override
    public boolean testElement(Object e) {
      Long t = e instanceof String s ? Datetimes.micros(s) : null;
      return t != null && micros.contains(t);
    }
  }

  /** {@code geo_radius}: within {@code meters} (great-circle, haversine) of the center. */
  record GeoRadius(double lat, double lon, double meters) implements ValuePredicate {
    @Override
    public boolean testElement(Object e) {
      double[] p = Geo.point(e);
      return p != null && Geo.meters(lat, lon, p[0], p[1]) <= meters;
    }
  }

  /**
   * {@code geo_bounding_box}: latitude between bottom and top, longitude between left and right
   * (across the antimeridian when left is east of right), edges included.
   */
  record GeoBox(double top, double left, double bottom, double right) implements ValuePredicate {
    @Override
    public boolean testElement(Object e) {
      double[] p = Geo.point(e);
      if (p == null || p[0] > top || p[0] < bottom) {
        return false;
      }
      return left <= right ? p[1] >= left && p[1] <= right : p[1] >= left || p[1] <= right;
    }
  }

  /**
   * {@code geo_polygon}: inside the exterior ring and outside every interior one (each ring a
   * closed list of {lat, lon}; planar point-in-polygon on longitude/latitude, as in Qdrant).
   */
  record GeoPolygon(List<double[]> exterior, List<List<double[]>> interiors)
      implements ValuePredicate {
    @Override
    public boolean testElement(Object e) {
      double[] p = Geo.point(e);
      if (p == null || !Geo.inside(exterior, p)) {
        return false;
      }
      for (List<double[]> hole : interiors) {
        if (Geo.inside(hole, p)) {
          return false;
        }
      }
      return true;
    }
  }

  /** True for JSON numbers (as Vert.x/Jackson represent them). */
  static boolean isNumber(Object e) {
    return e instanceof Number;
  }

  /**
   * The value as a signed 64-bit integer if it is a JSON integer that fits (Qdrant's {@code
   * as_i64}); null for floats, larger integers and non-numbers.
   */
  static Long asLong(Object e) {
    if (e instanceof Integer || e instanceof Long || e instanceof Short || e instanceof Byte) {
      return ((Number) e).longValue();
    }
    if (e instanceof BigInteger b && b.bitLength() < 64) {
      return b.longValue();
    }
    return null;
  }
}
