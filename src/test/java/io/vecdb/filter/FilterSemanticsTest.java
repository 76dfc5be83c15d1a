package io.vecdb.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.json.JsonObject;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Filter semantics, condition by condition, against Qdrant's documented and coded behaviour. */
class FilterSemanticsTest {
  private static final PointId ID = PointId.of(7);

  private static final String DOC =
      """
      {
        "city": "London", "count": 10, "price": 11.5, "big": 18446744073709551615,
        "flag": true, "nothing": null, "empty": [], "nulls": [null], "mixed": [1, null],
        "tags": ["red", "green"], "nums": [1, 5, 9], "floats": [1.5, 2.5],
        "obj": {"a": {"b": 3}, "list": [1, 2]},
        "country": {"name": "Germany", "cities": [
          {"name": "Berlin", "population": 3.7, "sightseeing": ["Brandenburg Gate", "Reichstag"]},
          {"name": "Munich", "population": 1.5, "sightseeing": ["Marienplatz"]}]},
        "diet": [{"food": "meat", "likes": true}, {"food": "leaves", "likes": false}],
        "deep": [[1, 2], [3]],
        "description": "The quick brown fox",
        "dotted.name": "x"
      }
      """;

  private static boolean matches(String filterJson) {
    return matches(filterJson, ID);
  }

  private static boolean matches(String filterJson, PointId id) {
    Filter f = FilterParser.parse(new JsonObject(filterJson), "filter");
    return f.test(id, new Payload(new JsonObject(DOC)));
  }

  private static String field(String key, String predicate) {
    return "{\"must\": {\"key\": \"" + key + "\", " + predicate + "}}";
  }

  @Test
  void matchValue() {
    assertTrue(matches(field("city", "\"match\": {\"value\": \"London\"}")));
    assertFalse(matches(field("city", "\"match\": {\"value\": \"london\"}")));
    assertTrue(matches(field("count", "\"match\": {\"value\": 10}")));
    assertFalse(matches(field("count", "\"match\": {\"value\": 11}")));
    assertFalse(matches(field("price", "\"match\": {\"value\": 11}")), "floats never match ints");
    assertTrue(matches(field("flag", "\"match\": {\"value\": true}")));
    assertFalse(matches(field("flag", "\"match\": {\"value\": false}")));
    assertFalse(matches(field("city", "\"match\": {\"value\": true}")), "no type coercion");
    assertFalse(matches(field("missing", "\"match\": {\"value\": \"x\"}")));
    // arrays: any element
    assertTrue(matches(field("tags", "\"match\": {\"value\": \"green\"}")));
    assertTrue(matches(field("nums", "\"match\": {\"value\": 9}")));
    assertFalse(matches(field("nums", "\"match\": {\"value\": 2}")));
    // arrays inside arrays are not flattened
    assertFalse(matches(field("deep", "\"match\": {\"value\": 1}")));
    // a u64 beyond i64 is not an integer in Qdrant's sense
    assertFalse(matches(field("big", "\"match\": {\"value\": -1}")));
  }

  @Test
  void matchAnyAndExcept() {
    assertTrue(matches(field("city", "\"match\": {\"any\": [\"Paris\", \"London\"]}")));
    assertFalse(matches(field("city", "\"match\": {\"any\": [\"Paris\"]}")));
    assertFalse(matches(field("city", "\"match\": {\"any\": []}")));
    assertTrue(matches(field("nums", "\"match\": {\"any\": [2, 5]}")));
    assertFalse(matches(field("nums", "\"match\": {\"any\": [2, 3]}")));
    assertFalse(matches(field("missing", "\"match\": {\"any\": [\"x\"]}")));

    assertTrue(matches(field("city", "\"match\": {\"except\": [\"Paris\"]}")));
    assertFalse(matches(field("city", "\"match\": {\"except\": [\"Paris\", \"London\"]}")));
    // array: at least one element outside the list
    assertTrue(matches(field("tags", "\"match\": {\"except\": [\"red\"]}")));
    assertFalse(matches(field("tags", "\"match\": {\"except\": [\"red\", \"green\"]}")));
    assertTrue(matches(field("nums", "\"match\": {\"except\": [1, 5]}")));
    assertFalse(matches(field("nums", "\"match\": {\"except\": [1, 5, 9]}")));
    // missing key, null and [] never pass except; other types do
    assertFalse(matches(field("missing", "\"match\": {\"except\": [\"x\"]}")));
    assertFalse(matches(field("nothing", "\"match\": {\"except\": [\"x\"]}")));
    assertFalse(matches(field("empty", "\"match\": {\"except\": [\"x\"]}")));
    assertTrue(matches(field("flag", "\"match\": {\"except\": [\"x\"]}")));
    assertTrue(matches(field("count", "\"match\": {\"except\": [\"x\"]}")));
    assertTrue(matches(field("price", "\"match\": {\"except\": [11]}")));
    assertTrue(matches(field("city", "\"match\": {\"except\": []}")));
  }

  @Test
  void matchText() {
    assertTrue(matches(field("description", "\"match\": {\"text\": \"quick brown\"}")));
    assertFalse(matches(field("description", "\"match\": {\"text\": \"Quick\"}")));
    assertFalse(matches(field("count", "\"match\": {\"text\": \"1\"}")));
    assertTrue(matches(field("description", "\"match\": {\"phrase\": \"brown fox\"}")));
    assertTrue(matches(field("description", "\"match\": {\"text_any\": \"cat fox\"}")));
    assertFalse(matches(field("description", "\"match\": {\"text_any\": \"cat dog\"}")));
  }

  @Test
  void range() {
    assertTrue(matches(field("count", "\"range\": {\"gt\": 9, \"lte\": 10}")));
    assertFalse(matches(field("count", "\"range\": {\"gt\": 10}")));
    assertTrue(matches(field("count", "\"range\": {\"gte\": 10}")));
    assertFalse(matches(field("count", "\"range\": {\"lt\": 10}")));
    assertTrue(matches(field("price", "\"range\": {\"gt\": 11.4, \"lt\": 11.6}")));
    assertTrue(matches(field("price", "\"range\": {}")), "no bounds: any number");
    assertFalse(matches(field("city", "\"range\": {}")), "strings are not numbers");
    assertFalse(matches(field("missing", "\"range\": {\"gt\": 0}")));
    // arrays: any element
    assertTrue(matches(field("floats", "\"range\": {\"gt\": 2}")));
    assertFalse(matches(field("floats", "\"range\": {\"gt\": 3}")));
    assertTrue(matches(field("nums", "\"range\": {\"gt\": 2, \"lt\": 6}")));
    assertTrue(matches(field("big", "\"range\": {\"gt\": 1e19}")), "u64 compared as double");
  }

  @Test
  void valuesCount() {
    assertTrue(matches(field("nums", "\"values_count\": {\"gt\": 2}")));
    assertFalse(matches(field("nums", "\"values_count\": {\"gt\": 3}")));
    assertTrue(matches(field("nums", "\"values_count\": {\"gte\": 3, \"lte\": 3}")));
    assertTrue(matches(field("city", "\"values_count\": {\"lt\": 2, \"gt\": 0}")));
    assertTrue(matches(field("nothing", "\"values_count\": {\"lt\": 1}")), "null counts 0");
    assertTrue(matches(field("empty", "\"values_count\": {\"lt\": 1}")));
    assertTrue(matches(field("missing", "\"values_count\": {\"lt\": 1}")), "missing counts 0");
    assertFalse(matches(field("missing", "\"values_count\": {\"gt\": 0}")));
    // a[].b: each selected value counted on its own, any passes
    assertTrue(matches(field("country.cities[].sightseeing", "\"values_count\": {\"gt\": 1}")));
    assertFalse(matches(field("country.cities[].sightseeing", "\"values_count\": {\"gt\": 2}")));
  }

  @Test
  void isEmptyAndIsNull() {
    assertTrue(matches("{\"must\": {\"is_empty\": {\"key\": \"missing\"}}}"));
    assertTrue(matches("{\"must\": {\"is_empty\": {\"key\": \"nothing\"}}}"));
    assertTrue(matches("{\"must\": {\"is_empty\": {\"key\": \"empty\"}}}"));
    assertFalse(matches("{\"must\": {\"is_empty\": {\"key\": \"nulls\"}}}"), "[null] is not empty");
    assertFalse(matches("{\"must\": {\"is_empty\": {\"key\": \"city\"}}}"));
    assertFalse(matches("{\"must\": {\"is_empty\": {\"key\": \"obj\"}}}"));

    assertTrue(matches("{\"must\": {\"is_null\": {\"key\": \"nothing\"}}}"));
    assertFalse(matches("{\"must\": {\"is_null\": {\"key\": \"missing\"}}}"));
    assertFalse(matches("{\"must\": {\"is_null\": {\"key\": \"empty\"}}}"));
    assertFalse(matches("{\"must\": {\"is_null\": {\"key\": \"nulls\"}}}"), "[null] is not null");
    assertFalse(matches("{\"must\": {\"is_null\": {\"key\": \"city\"}}}"));

    // field-condition forms
    assertTrue(matches(field("missing", "\"is_empty\": true")));
    assertFalse(matches(field("missing", "\"is_empty\": false")));
    assertTrue(matches(field("city", "\"is_empty\": false")));
    assertTrue(matches(field("nulls", "\"is_null\": true")), "field form: array holding null");
    assertTrue(matches(field("mixed", "\"is_null\": true")));
    assertFalse(matches(field("missing", "\"is_null\": true")));
    assertTrue(matches(field("missing", "\"is_null\": false")));
  }

  @Test
  void hasId() {
    assertTrue(matches("{\"must\": {\"has_id\": [1, 7]}}"));
    assertFalse(matches("{\"must\": {\"has_id\": [1, 8]}}"));
    assertFalse(matches("{\"must\": {\"has_id\": []}}"));
    PointId huge = PointId.of(-2L); // 2^64 - 2
    assertTrue(matches("{\"must\": {\"has_id\": [18446744073709551614]}}", huge));
    assertFalse(matches("{\"must\": {\"has_id\": [18446744073709551615]}}", huge));
    assertFalse(matches("{\"must\": {\"has_id\": [9223372036854775806]}}", huge));
    UUID u = UUID.fromString("5c56c793-69f3-4fbf-87e6-c4bf54c28c26");
    assertTrue(
        matches(
            "{\"must\": {\"has_id\": [\"5c56c793-69f3-4fbf-87e6-c4bf54c28c26\"]}}", PointId.of(u)));
    assertTrue(
        matches("{\"must\": {\"has_id\": [\"5c56c79369f34fbf87e6c4bf54c28c26\"]}}", PointId.of(u)),
        "simple (no dashes) UUID form");
    assertFalse(matches("{\"must\": {\"has_id\": [\"5c56c793-69f3-4fbf-87e6-c4bf54c28c26\"]}}"));
    assertTrue(matches("{\"must_not\": {\"has_id\": [1, 2]}}"));
  }

  @Test
  void nestedKeys() {
    assertTrue(matches(field("obj.a.b", "\"match\": {\"value\": 3}")));
    assertTrue(matches(field("country.name", "\"match\": {\"value\": \"Germany\"}")));
    assertTrue(matches(field("country.cities[].name", "\"match\": {\"value\": \"Munich\"}")));
    assertFalse(
        matches(field("country.cities.name", "\"match\": {\"value\": \"Munich\"}")),
        "a plain step does not enter an array");
    assertTrue(
        matches(field("country.cities[].sightseeing", "\"match\": {\"value\": \"Reichstag\"}")));
    assertTrue(matches(field("country.cities[0].name", "\"match\": {\"value\": \"Berlin\"}")));
    assertFalse(matches(field("country.cities[1].name", "\"match\": {\"value\": \"Berlin\"}")));
    assertFalse(matches(field("country.cities[5].name", "\"match\": {\"value\": \"Berlin\"}")));
    assertTrue(matches(field("country.cities[].population", "\"range\": {\"gte\": 3}")));
    assertTrue(matches(field("tags[]", "\"match\": {\"value\": \"red\"}")));
    assertTrue(matches(field("deep[]", "\"match\": {\"value\": 3}")), "[] flattens one level");
    assertTrue(matches(field("\\\"dotted.name\\\"", "\"match\": {\"value\": \"x\"}")));
    assertTrue(matches(field("obj.list[]", "\"values_count\": {\"lt\": 2}")));
  }

  @Test
  void nestedObjectFilterEvaluatesEachElementAsAUnit() {
    String bothInOneElement =
        """
        {"must": {"nested": {"key": "diet", "filter": {"must": [
          {"key": "food", "match": {"value": "meat"}},
          {"key": "likes", "match": {"value": true}}]}}}}
        """;
    assertTrue(matches(bothInOneElement));
    String acrossElements =
        """
        {"must": {"nested": {"key": "diet", "filter": {"must": [
          {"key": "food", "match": {"value": "meat"}},
          {"key": "likes", "match": {"value": false}}]}}}}
        """;
    assertFalse(matches(acrossElements), "nested must not mix elements");
    // the same conditions on a[].b keys do mix elements
    assertTrue(
        matches(
            """
            {"must": [{"key": "diet[].food", "match": {"value": "meat"}},
                      {"key": "diet[].likes", "match": {"value": false}}]}
            """));
    assertTrue(
        matches(
            """
            {"must": {"nested": {"key": "diet[]", "filter": {"must_not":
              {"key": "likes", "match": {"value": true}}}}}}
            """));
    assertTrue(
        matches(
            """
            {"must": {"nested": {"key": "country.cities", "filter": {"must": [
              {"key": "name", "match": {"value": "Berlin"}},
              {"key": "sightseeing", "values_count": {"gte": 2}}]}}}}
            """));
    assertFalse(
        matches(
            """
            {"must": {"nested": {"key": "city", "filter": {}}}}
            """),
        "not an array of objects");
  }

  @Test
  void booleanComposition() {
    String yes = "{\"key\": \"city\", \"match\": {\"value\": \"London\"}}";
    String no = "{\"key\": \"city\", \"match\": {\"value\": \"Paris\"}}";
    assertTrue(matches("{}"));
    assertTrue(matches("{\"must\": [" + yes + ", " + yes + "]}"));
    assertFalse(matches("{\"must\": [" + yes + ", " + no + "]}"));
    assertTrue(matches("{\"must\": []}"));
    assertTrue(matches("{\"should\": [" + no + ", " + yes + "]}"));
    assertFalse(matches("{\"should\": [" + no + ", " + no + "]}"));
    assertFalse(matches("{\"should\": []}"), "Qdrant: an empty should matches nothing");
    assertTrue(matches("{\"should\": null}"));
    assertTrue(matches("{\"must_not\": [" + no + "]}"));
    assertFalse(matches("{\"must_not\": [" + no + ", " + yes + "]}"));
    assertTrue(matches("{\"must_not\": []}"));
    assertTrue(matches("{\"must\": " + yes + ", \"must_not\": " + no + "}"), "single objects");
    // min_should
    String three = "[" + yes + ", " + no + ", " + yes + "]";
    assertTrue(matches("{\"min_should\": {\"conditions\": " + three + ", \"min_count\": 2}}"));
    assertFalse(matches("{\"min_should\": {\"conditions\": " + three + ", \"min_count\": 3}}"));
    assertTrue(matches("{\"min_should\": {\"conditions\": " + three + ", \"min_count\": 0}}"));
    assertFalse(matches("{\"min_should\": {\"conditions\": [], \"min_count\": 1}}"));
    // nested groups
    assertTrue(
        matches(
            "{\"must\": [{\"should\": [" + no + ", " + yes + "]}, {\"must_not\": " + no + "}]}"));
    assertFalse(matches("{\"must\": [{\"should\": [" + no + "]}]}"));
    assertTrue(matches("{\"must_not\": [{\"must\": [" + yes + ", " + no + "]}]}"));
    assertTrue(matches("{\"must\": [{}]}"), "an empty group matches");
    // all clauses together are ANDed
    assertFalse(matches("{\"should\": " + yes + ", \"must_not\": " + yes + "}"));
  }

  @Test
  void emptyAndNullPayloads() {
    Filter f =
        FilterParser.parse(new JsonObject("{\"must_not\": {\"is_empty\": {\"key\": \"a\"}}}"), "f");
    assertFalse(f.test(ID, Payload.EMPTY));
    assertFalse(f.test(ID, null));
    assertTrue(f.test(ID, new Payload(new JsonObject().put("a", 1))));
  }

  @Test
  void canonicalKeys() {
    assertEquals("a.b[].c[2]", JsonKey.parse("a.b[].c[2]", "k").toString());
    assertEquals("\"x.y\".z", JsonKey.parse("\"x.y\".z", "k").toString());
    assertEquals(JsonKey.parse("\"a\".b", "k"), JsonKey.parse("a.b", "k"));
    assertEquals("a[]", JsonKey.parse("a", "k").asArrayKey().toString());
    assertEquals("a[]", JsonKey.parse("a[]", "k").asArrayKey().toString());
  }

  private static void rejects(String filterJson, String expectedMessage) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> FilterParser.parse(new JsonObject(filterJson), "filter"),
            filterJson);
    assertTrue(
        e.getMessage().startsWith(expectedMessage),
        "message '" + e.getMessage() + "' should start with '" + expectedMessage + "'");
  }

  @Test
  void parseErrorsNameThePath() {
    String ok = "{\"key\": \"a\", \"match\": {\"value\": 1}}";
    rejects(
        "{\"must\": [" + ok + ", {\"key\": \"a\", \"range\": {\"gt\": \"abc\"}}]}",
        "filter.must[1].range.gt: expected an RFC 3339 datetime");
    rejects(
        "{\"must\": [" + ok + ", {\"key\": \"a\", \"range\": {\"gt\": true}}]}",
        "filter.must[1].range.gt: expected a number");
    rejects("{\"must\": {\"key\": \"a\", \"range\": {\"gt\": \"abc\"}}}", "filter.must.range.gt:");
    rejects(
        "{\"must\": {\"key\": \"a\", \"range\": {\"foo\": 1}}}",
        "filter.must.range: unknown field \"foo\"");
    rejects("{\"must\": 5}", "filter.must: expected a condition object or an array");
    rejects("{\"must\": [5]}", "filter.must[0]: expected a condition object");
    rejects("{\"must\": [{\"foo\": 1}]}", "filter.must[0]: unknown condition field \"foo\"");
    rejects("{\"musts\": []}", "filter: unknown field \"musts\"");
    rejects(
        "{\"should\": [{\"key\": 1, \"match\": {\"value\": 1}}]}",
        "filter.should[0].key: expected a string");
    rejects(
        "{\"should\": [{\"key\": \"\", \"match\": {\"value\": 1}}]}",
        "filter.should[0].key: expected a non-empty");
    rejects(
        "{\"should\": [{\"key\": \"a..b\", \"match\": {\"value\": 1}}]}",
        "filter.should[0].key: invalid payload key");
    rejects(
        "{\"should\": [{\"key\": \"a[x]\", \"match\": {\"value\": 1}}]}",
        "filter.should[0].key: invalid payload key");
    rejects(
        "{\"should\": [{\"key\": \"a[\", \"match\": {\"value\": 1}}]}",
        "filter.should[0].key: invalid payload key");
    rejects(
        "{\"must\": [{\"key\": \"a\"}]}", "filter.must[0]: field condition on \"a\" needs one of");
    rejects(
        "{\"must\": [{\"key\": \"a\", \"match\": {\"value\": 1}, \"range\": {\"gt\": 1}}]}",
        "filter.must[0]: field condition has both");
    rejects(
        "{\"must\": [{\"key\": \"a\", \"matches\": {}}]}",
        "filter.must[0]: unknown field \"matches\"");
    rejects(
        "{\"must\": [{\"key\": \"a\", \"match\": {\"value\": 1.5}}]}",
        "filter.must[0].match.value: expected a string, an integer");
    rejects(
        "{\"must\": [{\"key\": \"a\", \"match\": {\"value\": 18446744073709551615}}]}",
        "filter.must[0].match.value: expected");
    rejects(
        "{\"must\": [{\"key\": \"a\", \"match\": {\"value\": null}}]}",
        "filter.must[0].match.value: expected");
    rejects(
        "{\"must\": [{\"key\": \"a\", \"match\": {}}]}",
        "filter.must[0].match: expected exactly one");
    rejects(
        "{\"must\": [{\"key\": \"a\", \"match\": {\"value\": 1, \"any\": [1]}}]}",
        "filter.must[0].match: expected exactly one");
    rejects(
        "{\"must\": [{\"key\": \"a\", \"match\": {\"like\": 1}}]}",
        "filter.must[0].match: unknown match \"like\"");
    rejects(
        "{\"must\": [{\"key\": \"a\", \"match\": {\"any\": [\"x\", 1]}}]}",
        "filter.must[0].match.any[1]: expected a string");
    rejects(
        "{\"must\": [{\"key\": \"a\", \"match\": {\"any\": [1, \"x\"]}}]}",
        "filter.must[0].match.any[1]: expected an integer");
    rejects(
        "{\"must\": [{\"key\": \"a\", \"match\": {\"any\": [true]}}]}",
        "filter.must[0].match.any[0]: expected a string or an integer");
    rejects(
        "{\"must\": [{\"key\": \"a\", \"match\": {\"any\": \"x\"}}]}",
        "filter.must[0].match.any: expected an array");
    rejects(
        "{\"must\": [{\"key\": \"a\", \"match\": {\"except\": [1.5]}}]}",
        "filter.must[0].match.except[0]: expected");
    rejects(
        "{\"must\": [{\"key\": \"a\", \"match\": {\"text\": 3}}]}",
        "filter.must[0].match.text: expected a string");
    rejects(
        "{\"must\": [{\"key\": \"a\", \"match\": 3}]}", "filter.must[0].match: expected an object");
    rejects(
        "{\"must\": [{\"key\": \"a\", \"range\": {\"gt\": \"2020-01-01T00:00:00Z\", \"lt\": 3}}]}",
        "filter.must[0].range.lt: expected an RFC 3339 datetime");
    rejects(
        "{\"must\": [{\"key\": \"a\", \"values_count\": {\"gt\": -1}}]}",
        "filter.must[0].values_count.gt: expected a non-negative integer");
    rejects(
        "{\"must\": [{\"key\": \"a\", \"values_count\": {\"gt\": 1.5}}]}",
        "filter.must[0].values_count.gt: expected a non-negative integer");
    rejects(
        "{\"must\": [{\"key\": \"a\", \"is_empty\": \"yes\"}]}",
        "filter.must[0].is_empty: expected a boolean");
    rejects(
        "{\"must\": [{\"is_empty\": {\"key\": 3}}]}",
        "filter.must[0].is_empty.key: expected a string");
    rejects("{\"must\": [{\"is_empty\": \"a\"}]}", "filter.must[0].is_empty: expected an object");
    rejects(
        "{\"must\": [{\"is_null\": {\"key\": \"a\", \"x\": 1}}]}",
        "filter.must[0].is_null: unknown field \"x\"");
    rejects(
        "{\"must\": [{\"is_null\": {\"key\": \"a\"}, \"x\": 1}]}",
        "filter.must[0]: unknown field \"x\"");
    rejects("{\"must\": [{\"has_id\": [1, -1]}]}", "filter.must[0].has_id[1]: invalid point id");
    rejects(
        "{\"must\": [{\"has_id\": [\"not-a-uuid\"]}]}",
        "filter.must[0].has_id[0]: invalid point id");
    rejects("{\"must\": [{\"has_id\": 1}]}", "filter.must[0].has_id: expected an array");
    rejects(
        "{\"must\": [{\"nested\": {\"key\": \"a\"}}]}",
        "filter.must[0].nested.filter: expected a filter object");
    rejects(
        "{\"must\": [{\"nested\": {\"filter\": {}}}]}",
        "filter.must[0].nested.key: expected a string");
    rejects(
        "{\"must\": [{\"nested\": {\"key\": \"a\", \"filter\": {\"must\": {\"has_id\": [1]}}}}]}",
        "filter.must[0].nested.filter.must.has_id: has_id is not supported inside a nested");
    rejects(
        "{\"must\": [{\"nested\": {\"key\": \"a\", \"filter\": {\"must\": [{\"key\": \"b\", \"range\": {\"lt\": []}}]}}}]}",
        "filter.must[0].nested.filter.must[0].range.lt: expected a number");
    rejects(
        "{\"must\": [{\"key\": \"loc\", \"geo_radius\": {}}]}",
        "filter.must[0].geo_radius.center: expected {\"lon\": x, \"lat\": y}");
    rejects(
        "{\"must\": [{\"geo_bounding_box\": {}}]}",
        "filter.must[0]: unknown condition field \"geo_bounding_box\"");
    rejects(
        "{\"must\": [{\"has_vector\": 3}]}",
        "filter.must[0].has_vector: expected a vector name (a string), got 3");
    rejects(
        "{\"must\": [{\"nested\": {\"key\": \"a\", \"filter\": {\"must\": {\"has_vector\": \"v\"}}}}]}",
        "filter.must[0].nested.filter.must.has_vector: has_vector is not supported inside a nested");
    rejects("{\"min_should\": {\"min_count\": 1}}", "filter.min_should.conditions: required");
    rejects("{\"min_should\": {\"conditions\": []}}", "filter.min_should.min_count: required");
    rejects(
        "{\"min_should\": {\"conditions\": [], \"min_count\": -2}}",
        "filter.min_should.min_count: expected");
    rejects(
        "{\"min_should\": {\"conditions\": [5], \"min_count\": 1}}",
        "filter.min_should.conditions[0]: expected a condition object");
    rejects("{\"min_should\": []}", "filter.min_should: expected an object");
    rejects(
        "{\"must\": [{\"should\": [{\"key\": \"a\", \"match\": {\"value\": []}}]}]}",
        "filter.must[0].should[0].match.value: expected");
    StringBuilder deep = new StringBuilder();
    for (int i = 0; i < FilterParser.MAX_DEPTH + 1; i++) {
      deep.append("{\"must\": ");
    }
    deep.append("{}");
    deep.append("}".repeat(FilterParser.MAX_DEPTH + 1));
    rejects(deep.toString(), "filter.must.must");
    assertThrows(IllegalArgumentException.class, () -> FilterParser.parse(null, "filter"));
  }
}
