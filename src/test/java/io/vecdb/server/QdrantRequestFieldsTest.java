package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Nothing is silently ignored (issue 9, item 7), walked from Qdrant's own OpenAPI document ({@link
 * QdrantOpenApi#DOCUMENT}): for every request-body field it defines for each operation VecDB serves
 * (and for the fields of the nested objects below), a valid request with that field set is sent,
 * and the answer must be either a 400 whose message names the field (refused), or success for a
 * field this test declares honoured, each with what it does in VecDB and where that is tested. A
 * field the document defines that is accepted without being declared here fails the test, as does a
 * declared field the document does not define (the list went stale).
 *
 * <p>Values: a declared field is sent with the valid value given here; any other with a value made
 * from its schema (the first enum value or branch, required members, one element), so that a
 * refusal is a refusal of the field, not of a malformed value.
 */
@ExtendWith(VertxExtension.class)
class QdrantRequestFieldsTest {
  private static final String C = "/collections/w";

  private QdrantOpenApi api;
  private TestNode t;
  private int created;

  /** One operation (or one nested object of it) to walk. */
  private record Walk(
      HttpMethod method,
      String template,
      String path,
      JsonObject base,
      String nestedAt, // null: the body's own fields; else the member of base whose fields to walk
      JsonObject nestedSchema, // that member's schema (null for the body)
      Map<String, Honoured> honoured,
      List<Set<String>> exclusive) {}

  /**
   * A field VecDB implements (or accepts as a documented hint): a valid value, and what it does.
   */
  private record Honoured(Object value, String meaning) {}

  private static Map<String, Honoured> honoured(Object... pairs) {
    Map<String, Honoured> out = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 3) {
      out.put((String) pairs[i], new Honoured(pairs[i + 1], (String) pairs[i + 2]));
    }
    return out;
  }

  private static JsonObject o(Object... kv) {
    JsonObject out = new JsonObject();
    for (int i = 0; i < kv.length; i += 2) {
      out.put((String) kv[i], kv[i + 1]);
    }
    return out;
  }

  private static JsonArray a(Object... items) {
    JsonArray out = new JsonArray();
    for (Object x : items) {
      out.add(x);
    }
    return out;
  }

  private static final JsonObject FILTER = o("must", a(o("key", "k", "match", o("value", 1))));
  private static final JsonArray VECTOR = a(1, 0);

  private List<Walk> walks() {
    String p = "/collections/{collection_name}";
    String pts = p + "/points";
    List<Walk> w = new ArrayList<>();
    JsonObject createBase = o("vectors", o("size", 2, "distance", "Dot"));
    Map<String, Honoured> create =
        honoured(
            "vectors",
            o("size", 2, "distance", "Dot"),
            "dense vectors (NamedVectorsTest)",
            "shard_number",
            1,
            "shards of a cluster (ShardedClusterProcessTest)",
            "replication_factor",
            1,
            "replicas of a cluster",
            "write_consistency_factor",
            1,
            "replica acks a write needs",
            "hnsw_config",
            o("m", 8),
            "the graph's parameters",
            "optimizers_config",
            o("deleted_threshold", 0.3),
            "hint: stored and shown",
            "on_disk_payload",
            true,
            "hint: payloads are in RAM",
            "sharding_method",
            "auto",
            "the only method VecDB has (custom is refused)",
            "sparse_vectors",
            o("s", o("modifier", "idf")),
            "sparse vectors (SparseVectorsTest)",
            "quantization_config",
            o("scalar", o("type", "int8", "quantile", 0.99)),
            "int8 or binary codes (QuantizationTest)");
    w.add(new Walk(HttpMethod.PUT, p, null, createBase, null, null, create, List.of()));
    w.add(
        new Walk(
            HttpMethod.PUT,
            p,
            null,
            createBase,
            "vectors",
            null,
            honoured(
                "size",
                2,
                "dimension",
                "distance",
                "Dot",
                "distance",
                "hnsw_config",
                o("m", 8),
                "this vector's graph parameters",
                "datatype",
                "float32",
                "the only datatype (others refused)",
                "on_disk",
                true,
                "float32 vectors in a memory-mapped file (OnDiskVectorsTest)",
                "quantization_config",
                o("binary", o()),
                "this vector's codes (QuantizationTest)"),
            List.of()));
    w.add(
        new Walk(
            HttpMethod.PUT,
            p,
            null,
            o("vectors", o("size", 2, "distance", "Dot"), "hnsw_config", o("m", 8)),
            "hnsw_config",
            null,
            honoured(
                "m",
                8,
                "graph degree",
                "ef_construct",
                50,
                "build beam",
                "full_scan_threshold",
                100,
                "exact scan below this many candidates",
                "max_indexing_threads",
                0,
                "hint: the node's inserter is sized per node",
                "on_disk",
                false,
                "false only: the graph is in RAM"),
            List.of()));
    w.add(
        new Walk(
            HttpMethod.PUT,
            p,
            null,
            o("vectors", o("size", 2, "distance", "Dot"), "optimizers_config", o()),
            "optimizers_config",
            null,
            honoured(
                "deleted_threshold",
                0.3,
                "hint: stored and shown",
                "vacuum_min_vector_number",
                100,
                "hint: stored and shown",
                "default_segment_number",
                0,
                "hint: stored and shown",
                "max_segment_size",
                1000,
                "hint: stored and shown",
                "memmap_threshold",
                1000,
                "hint: stored and shown",
                "indexing_threshold",
                1000,
                "hint: stored and shown",
                "flush_interval_sec",
                5,
                "hint: stored and shown",
                "max_optimization_threads",
                1,
                "hint: stored and shown",
                "prevent_unoptimized",
                false,
                "hint: stored and shown"),
            List.of()));
    w.add(
        new Walk(
            HttpMethod.PATCH,
            p,
            C,
            o(),
            null,
            null,
            honoured(
                "hnsw_config",
                o("full_scan_threshold", 100),
                "stored; full_scan_threshold at once",
                "optimizers_config",
                o("deleted_threshold", 0.3),
                "hint: stored and shown",
                "quantization_config",
                o("scalar", o("type", "int8")),
                "codes trained in the background (QuantizationTest)"),
            List.of()));
    w.add(
        new Walk(
            HttpMethod.PUT,
            pts,
            C + "/points?wait=true",
            o("points", a(o("id", 1, "vector", VECTOR, "payload", o("k", 1)))),
            null,
            null,
            honoured(
                "points",
                a(o("id", 1, "vector", VECTOR, "payload", o("k", 1))),
                "the points",
                "batch",
                o("ids", a(1), "vectors", a(VECTOR), "payloads", a(o("k", 1))),
                "columnar points",
                "update_filter",
                FILTER,
                "ConditionalUpsertTest",
                "update_mode",
                "upsert",
                "ConditionalUpsertTest"),
            List.of(Set.of("points", "batch"))));
    w.add(
        new Walk(
            HttpMethod.POST,
            pts + "/delete",
            C + "/points/delete?wait=true",
            o("points", a(99)),
            null,
            null,
            honoured(
                "points", a(99), "by ids", "filter", o("must", a(o("has_id", a(99)))), "by filter"),
            List.of(Set.of("points", "filter"))));
    Map<String, Honoured> setPayload =
        honoured(
            "payload",
            o("k", 1),
            "the payload",
            "points",
            a(1),
            "by ids",
            "filter",
            FILTER,
            "by filter",
            "key",
            "nested",
            "merge under a nested key");
    w.add(
        new Walk(
            HttpMethod.POST,
            pts + "/payload",
            C + "/points/payload?wait=true",
            o("payload", o("k", 1), "points", a(1)),
            null,
            null,
            setPayload,
            List.of(Set.of("points", "filter"))));
    Map<String, Honoured> overwrite = new LinkedHashMap<>(setPayload);
    overwrite.remove("key"); // refused: overwriting under a nested key
    w.add(
        new Walk(
            HttpMethod.PUT,
            pts + "/payload",
            C + "/points/payload?wait=true",
            o("payload", o("k", 1), "points", a(1)),
            null,
            null,
            overwrite,
            List.of(Set.of("points", "filter"))));
    w.add(
        new Walk(
            HttpMethod.POST,
            pts + "/payload/delete",
            C + "/points/payload/delete?wait=true",
            o("keys", a("gone"), "points", a(1)),
            null,
            null,
            honoured(
                "keys",
                a("gone"),
                "the keys",
                "points",
                a(1),
                "by ids",
                "filter",
                FILTER,
                "by filter"),
            List.of(Set.of("points", "filter"))));
    w.add(
        new Walk(
            HttpMethod.POST,
            pts + "/payload/clear",
            C + "/points/payload/clear?wait=true",
            o("points", a(99)),
            null,
            null,
            honoured(
                "points", a(99), "by ids", "filter", o("must", a(o("has_id", a(99)))), "by filter"),
            List.of(Set.of("points", "filter"))));
    w.add(
        new Walk(
            HttpMethod.POST,
            pts + "/batch",
            C + "/points/batch?wait=true",
            o("operations", a(o("delete", o("points", a(99))))),
            null,
            null,
            honoured("operations", a(o("delete", o("points", a(99)))), "BatchUpdateTest"),
            List.of()));
    w.add(
        new Walk(
            HttpMethod.PUT,
            p + "/index",
            C + "/index?wait=true",
            o("field_name", "k", "field_schema", "integer"),
            null,
            null,
            honoured(
                "field_name", "k", "the key", "field_schema", "integer", "PayloadIndexTypesTest"),
            List.of()));
    w.add(
        new Walk(
            HttpMethod.POST,
            pts + "/scroll",
            C + "/points/scroll",
            o(),
            null,
            null,
            honoured(
                "filter",
                FILTER,
                "filter",
                "limit",
                5,
                "page size",
                "offset",
                1,
                "first id",
                "order_by",
                "k",
                "ordered by a payload key",
                "with_payload",
                true,
                "payload selection",
                "with_vector",
                true,
                "vector selection"),
            List.of(Set.of("offset", "order_by"))));
    w.add(
        new Walk(
            HttpMethod.POST,
            pts + "/scroll",
            C + "/points/scroll",
            o("order_by", o("key", "k")),
            "order_by",
            null,
            honoured(
                "key",
                "k",
                "payload key",
                "direction",
                "desc",
                "direction",
                "start_from",
                0,
                "first value"),
            List.of()));
    w.add(
        new Walk(
            HttpMethod.POST,
            pts + "/count",
            C + "/points/count",
            o(),
            null,
            null,
            honoured("filter", FILTER, "filter", "exact", false, "hint: counts are always exact"),
            List.of()));
    Map<String, Honoured> search =
        honoured(
            "vector",
            VECTOR,
            "the query (NamedVectorsTest, SparseVectorsTest)",
            "filter",
            FILTER,
            "filter",
            "limit",
            3,
            "hits",
            "offset",
            1,
            "skipped hits",
            "params",
            o("hnsw_ef", 16),
            "search parameters",
            "score_threshold",
            -10.0,
            "score bound",
            "with_payload",
            true,
            "payload selection",
            "with_vector",
            true,
            "vector selection");
    w.add(
        new Walk(
            HttpMethod.POST,
            pts + "/search",
            C + "/points/search",
            o("vector", VECTOR),
            null,
            null,
            search,
            List.of()));
    w.add(
        new Walk(
            HttpMethod.POST,
            pts + "/search",
            C + "/points/search",
            o("vector", VECTOR, "params", o("hnsw_ef", 16)),
            "params",
            null,
            honoured(
                "hnsw_ef",
                16,
                "beam width",
                "exact",
                true,
                "exact search",
                "quantization",
                o("ignore", true),
                "ignore, rescore, oversampling (HnswQuantizationTest)",
                "indexed_only",
                true,
                "hint: every point is indexed as written"),
            List.of()));
    w.add(
        new Walk(
            HttpMethod.POST,
            pts + "/search/batch",
            C + "/points/search/batch",
            o("searches", a(o("vector", VECTOR))),
            null,
            null,
            honoured("searches", a(o("vector", VECTOR)), "the searches"),
            List.of()));
    Map<String, Honoured> searchGroups = new LinkedHashMap<>(search);
    searchGroups.remove("offset");
    searchGroups.put("group_by", new Honoured("k", "GroupsTest"));
    searchGroups.put("group_size", new Honoured(2, "GroupsTest"));
    searchGroups.put("with_lookup", new Honoured("w", "GroupsTest"));
    w.add(
        new Walk(
            HttpMethod.POST,
            pts + "/search/groups",
            C + "/points/search/groups",
            o("vector", VECTOR, "group_by", "k", "group_size", 1, "limit", 2),
            null,
            null,
            searchGroups,
            List.of()));
    Map<String, Honoured> query =
        honoured(
            "query",
            VECTOR,
            "QueryApiTest",
            "prefetch",
            o("query", VECTOR),
            "QueryApiTest (nested stages)",
            "using",
            "",
            "the vector queried (NamedVectorsTest)",
            "filter",
            FILTER,
            "filter",
            "params",
            o("hnsw_ef", 16),
            "search parameters",
            "score_threshold",
            -10.0,
            "score bound",
            "limit",
            3,
            "hits",
            "offset",
            1,
            "skipped hits",
            "with_payload",
            true,
            "payload selection",
            "with_vector",
            true,
            "vector selection");
    w.add(
        new Walk(
            HttpMethod.POST,
            pts + "/query",
            C + "/points/query",
            o("query", VECTOR),
            null,
            null,
            query,
            List.of()));
    w.add(
        new Walk(
            HttpMethod.POST,
            pts + "/query",
            C + "/points/query",
            o("query", VECTOR, "prefetch", o("query", VECTOR)),
            "prefetch",
            null,
            honoured(
                "query",
                VECTOR,
                "the stage's query",
                "prefetch",
                o("query", VECTOR),
                "nested stages",
                "using",
                "",
                "the vector queried",
                "filter",
                FILTER,
                "merged with the enclosing filters",
                "params",
                o("hnsw_ef", 16),
                "search parameters",
                "score_threshold",
                -10.0,
                "score bound",
                "limit",
                5,
                "hits of the stage"),
            List.of()));
    w.add(
        new Walk(
            HttpMethod.POST,
            pts + "/query/batch",
            C + "/points/query/batch",
            o("searches", a(o("query", VECTOR))),
            null,
            null,
            honoured("searches", a(o("query", VECTOR)), "the queries"),
            List.of()));
    Map<String, Honoured> queryGroups = new LinkedHashMap<>(query);
    queryGroups.remove("offset");
    queryGroups.put("group_by", new Honoured("k", "GroupsTest"));
    queryGroups.put("group_size", new Honoured(2, "GroupsTest"));
    queryGroups.put("with_lookup", new Honoured("w", "GroupsTest"));
    w.add(
        new Walk(
            HttpMethod.POST,
            pts + "/query/groups",
            C + "/points/query/groups",
            o("query", VECTOR, "group_by", "k"),
            null,
            null,
            queryGroups,
            List.of()));
    w.add(
        new Walk(
            HttpMethod.POST,
            pts,
            C + "/points",
            o("ids", a(1)),
            null,
            null,
            honoured(
                "ids",
                a(1),
                "the ids",
                "with_payload",
                true,
                "payload selection",
                "with_vector",
                true,
                "vector selection"),
            List.of()));
    w.add(
        new Walk(
            HttpMethod.PUT,
            pts + "/vectors",
            C + "/points/vectors?wait=true",
            o("points", a(o("id", 1, "vector", VECTOR))),
            null,
            null,
            honoured(
                "points",
                a(o("id", 1, "vector", VECTOR)),
                "NamedVectorsTest",
                "update_filter",
                FILTER,
                "only matching points change"),
            List.of()));
    w.add(
        new Walk(
            HttpMethod.POST,
            pts + "/vectors/delete",
            C + "/points/vectors/delete?wait=true",
            o("points", a(2), "vector", a("s")),
            null,
            null,
            honoured(
                "points",
                a(2),
                "by ids",
                "filter",
                FILTER,
                "by filter",
                "vector",
                a("s"),
                "the vector names"),
            List.of(Set.of("points", "filter"))));
    w.add(
        new Walk(
            HttpMethod.POST,
            "/collections/aliases",
            "/collections/aliases",
            o("actions", a(o("create_alias", o("collection_name", "w", "alias_name", "wa")))),
            null,
            null,
            honoured(
                "actions",
                a(o("create_alias", o("collection_name", "w", "alias_name", "wa"))),
                "AliasesTest"),
            List.of()));
    return w;
  }

  @Test
  void everyFieldQdrantDefinesIsHonouredOrRefused(Vertx vertx) throws Exception {
    Assumptions.assumeTrue(
        Files.isRegularFile(QdrantOpenApi.DOCUMENT),
        "Qdrant's OpenAPI document is not at " + QdrantOpenApi.DOCUMENT);
    api = new QdrantOpenApi(QdrantOpenApi.DOCUMENT);
    t = TestNode.start(vertx);
    try {
      assertEquals(
          200,
          t.put(
                  C,
                  o(
                      "vectors", o("size", 2, "distance", "Dot"),
                      "sparse_vectors", o("s", o())))
              .status());
      t.put(
          C + "/points?wait=true",
          o(
              "points",
              a(
                  o("id", 1, "vector", VECTOR, "payload", o("k", 1)),
                  o(
                      "id",
                      2,
                      "vector",
                      o("", a(0, 1), "s", o("indices", a(1), "values", a(1))),
                      "payload",
                      o("k", 1)))));
      List<String> report = new ArrayList<>();
      int sent = 0;
      for (Walk w : walks()) {
        Map<String, JsonObject> fields;
        if (w.nestedAt() == null) {
          fields = api.requestProperties(w.method().name(), w.template());
        } else {
          JsonObject member =
              api.requestProperties(w.method().name(), w.template()).get(w.nestedAt());
          fields = api.properties(objectBranch(member));
        }
        String where =
            w.method() + " " + w.template() + (w.nestedAt() == null ? "" : " " + w.nestedAt());
        for (String declared : w.honoured().keySet()) {
          assertTrue(fields.containsKey(declared), where + ": Qdrant defines no field " + declared);
        }
        for (Map.Entry<String, JsonObject> f : fields.entrySet()) {
          String name = f.getKey();
          Honoured h = w.honoured().get(name);
          Object value = h != null ? h.value() : sample(f.getValue(), 0);
          JsonObject body = w.base().copy();
          JsonObject target = body;
          if (w.nestedAt() != null) {
            target = body.getJsonObject(w.nestedAt()).copy();
            body.put(w.nestedAt(), target);
          }
          for (Set<String> group : w.exclusive()) {
            if (group.contains(name)) {
              group.forEach(target::remove);
            }
          }
          target.put(name, value);
          TestNode.Reply r = t.call(w.method(), path(w), body);
          sent++;
          String seen = where + "." + name + " = " + value + " -> " + r.status() + " " + r.text();
          if (h != null) {
            if (r.status() / 100 != 2) {
              report.add("honoured but not accepted: " + seen);
            }
          } else if (r.status() / 100 == 2) {
            report.add("accepted but not declared honoured (silently ignored?): " + seen);
          } else if (r.status() != 400 || r.error() == null || !r.error().contains(name)) {
            report.add("refused without naming the field: " + seen);
          }
        }
      }
      assertEquals(List.of(), report, String.join("\n", report));
      assertTrue(sent > 150, sent + " requests");
    } finally {
      t.close();
    }
  }

  /** Where the walk sends: the path given, or a new collection for each create. */
  private String path(Walk w) throws Exception {
    if (w.path() != null) {
      return w.path();
    }
    String name = "/collections/c" + created++;
    t.delete(name);
    return name;
  }

  /** The object schema among a member's branches ({@code anyOf: [{$ref}, {nullable}]}). */
  private JsonObject objectBranch(JsonObject schema) {
    schema = api.resolved(schema);
    for (String k : List.of("anyOf", "oneOf", "allOf")) {
      JsonArray branches = schema.getJsonArray(k);
      if (branches != null) {
        for (Object b : branches) {
          JsonObject r = api.resolved((JsonObject) b);
          if (!api.properties(r).isEmpty()) {
            return r;
          }
        }
      }
    }
    return schema;
  }

  /**
   * A value of {@code schema}: the first enum value; the first branch that is not "or null"; an
   * object with its required members (or, with none, its first member), never empty; an array of
   * one element; a string, 1 (or the minimum), 0.5, true.
   */
  private Object sample(JsonObject schema, int depth) {
    schema = api.resolved(schema);
    if (depth > 8) {
      return null;
    }
    JsonArray values = schema.getJsonArray("enum");
    if (values != null) {
      for (Object v : values) {
        if (v != null) {
          return v;
        }
      }
    }
    for (String k : List.of("anyOf", "oneOf", "allOf")) {
      JsonArray branches = schema.getJsonArray(k);
      if (branches != null) {
        for (Object b : branches) {
          JsonObject branch = (JsonObject) b;
          if (branch.size() == 1 && branch.containsKey("nullable")) {
            continue;
          }
          return sample(branch, depth + 1);
        }
      }
    }
    String type = schema.getString("type", schema.containsKey("properties") ? "object" : "");
    switch (type) {
      case "object" -> {
        JsonObject out = new JsonObject();
        Map<String, JsonObject> props = api.properties(schema);
        JsonArray required = schema.getJsonArray("required", new JsonArray());
        for (Object r : required) {
          out.put((String) r, sample(props.get((String) r), depth + 1));
        }
        if (out.isEmpty() && !props.isEmpty()) {
          Map.Entry<String, JsonObject> first = props.entrySet().iterator().next();
          out.put(first.getKey(), sample(first.getValue(), depth + 1));
        }
        if (out.isEmpty()) {
          // A free-form object: one member, so that it is not the "{} means unset" form.
          out.put(
              "x",
              schema.getValue("additionalProperties") instanceof JsonObject ap
                  ? sample(ap, depth + 1)
                  : "x");
        }
        return out;
      }
      case "array" -> {
        return new JsonArray()
            .add(sample(schema.getJsonObject("items", new JsonObject()), depth + 1));
      }
      case "string" -> {
        return "uuid".equals(schema.getString("format"))
            ? "5c56c793-69f3-4fbf-87e6-c4bf54c28c26"
            : "x";
      }
      case "integer" -> {
        return schema.getValue("minimum") instanceof Number n ? Math.max(1, n.longValue()) : 1;
      }
      case "number" -> {
        return 0.5;
      }
      case "boolean" -> {
        return true;
      }
      default -> {
        return "x";
      }
    }
  }
}
