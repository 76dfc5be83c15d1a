package io.vecdb.server;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A validator of responses against Qdrant's published OpenAPI document ({@code
 * ../shared/qdrant/openapi-1.17.json}, read where it lies, never copied into the repository).
 *
 * <p>It covers the OpenAPI 3.0 schema keywords that document uses: {@code $ref} (into {@code
 * #/components/schemas}), {@code type}, {@code nullable}, {@code format} (unsigned and integer
 * formats, {@code uuid}), {@code properties}, {@code required}, {@code additionalProperties},
 * {@code items}, {@code anyOf}, {@code oneOf} (exactly one), {@code allOf}, {@code enum}, {@code
 * minimum}, {@code maximum}, {@code minLength}, {@code minItems}, {@code uniqueItems}. A schema of
 * {@code {"nullable": true}} alone (Qdrant's "or null" branch of an {@code anyOf}) accepts null
 * only. Stateless after construction; any thread.
 */
final class QdrantOpenApi {
  static final Path DOCUMENT =
      Path.of(System.getProperty("vecdb.project.dir", "."))
          .resolve("../shared/qdrant/openapi-1.17.json")
          .normalize();

  private final JsonObject spec;
  private final JsonObject schemas;

  QdrantOpenApi(Path document) throws java.io.IOException {
    spec = new JsonObject(Files.readString(document));
    schemas = spec.getJsonObject("components").getJsonObject("schemas");
  }

  /**
   * The operation's path template that {@code path} (no query string) matches, or null. A fixed
   * segment beats a parameter (as OpenAPI says): {@code /points/scroll} is not {@code
   * /points/{id}}, {@code /collections/aliases} is not {@code /collections/{collection_name}}.
   */
  String template(String path) {
    String best = null;
    int bestFixed = -1;
    String[] b = path.split("/");
    for (String t : spec.getJsonObject("paths").fieldNames()) {
      String[] a = t.split("/");
      if (a.length != b.length) {
        continue;
      }
      boolean match = true;
      int fixed = 0;
      for (int i = 0; i < a.length && match; i++) {
        boolean param = a[i].startsWith("{");
        match = a[i].equals(b[i]) || (param && !b[i].isEmpty());
        fixed += param ? 0 : 1;
      }
      if (match && fixed > bestFixed) {
        best = t;
        bestFixed = fixed;
      }
    }
    return best;
  }

  /**
   * The problems of a response to {@code method path} with {@code status} and JSON {@code body}
   * (empty: it conforms), or a list naming what the document lacks.
   */
  List<String> check(String method, String path, int status, Object body) {
    List<String> errors = new ArrayList<>();
    String t = template(path);
    if (t == null) {
      errors.add("no operation for path " + path);
      return errors;
    }
    JsonObject op =
        spec.getJsonObject("paths").getJsonObject(t).getJsonObject(method.toLowerCase(Locale.ROOT));
    if (op == null) {
      errors.add("no operation " + method + " " + t);
      return errors;
    }
    JsonObject responses = op.getJsonObject("responses");
    JsonObject response = responses.getJsonObject(String.valueOf(status));
    if (response == null) {
      response = responses.getJsonObject(status / 100 + "XX");
    }
    if (response == null) {
      response = responses.getJsonObject("default");
    }
    if (response == null) {
      errors.add(method + " " + t + " defines no response " + status);
      return errors;
    }
    JsonObject content = response.getJsonObject("content");
    JsonObject json = content == null ? null : content.getJsonObject("application/json");
    if (json == null) {
      errors.add(method + " " + t + " " + status + " is not a JSON response in the document");
      return errors;
    }
    validate(json.getJsonObject("schema"), body, "$", errors);
    return errors;
  }

  private JsonObject resolve(JsonObject schema) {
    while (schema.containsKey("$ref")) {
      String ref = schema.getString("$ref");
      schema = schemas.getJsonObject(ref.substring(ref.lastIndexOf('/') + 1));
    }
    return schema;
  }

  /** Appends to {@code errors} why {@code value} at {@code at} does not fit {@code schema}. */
  void validate(JsonObject schema, Object value, String at, List<String> errors) {
    schema = resolve(schema);
    if (value == null) {
      if (!schema.getBoolean("nullable", false)
          && !schema.containsKey("anyOf")
          && !schema.containsKey("oneOf")) {
        errors.add(at + ": null where " + describe(schema) + " is expected");
      }
      if (!schema.containsKey("anyOf") && !schema.containsKey("oneOf")) {
        return;
      }
    }
    if (schema.size() == 1 && schema.getBoolean("nullable", false)) {
      if (value != null) {
        errors.add(at + ": expected null, got " + value);
      }
      return;
    }
    for (String combinator : new String[] {"anyOf", "oneOf"}) {
      JsonArray options = schema.getJsonArray(combinator);
      if (options != null) {
        int fits = 0;
        List<String> why = new ArrayList<>();
        for (Object o : options) {
          List<String> e = new ArrayList<>();
          validate((JsonObject) o, value, at, e);
          if (e.isEmpty()) {
            fits++;
          } else {
            why.add(String.join("; ", e));
          }
        }
        if (fits == 0) {
          errors.add(at + ": fits none of " + combinator + " " + why);
        } else if (combinator.equals("oneOf") && fits > 1) {
          errors.add(at + ": fits " + fits + " branches of oneOf");
        }
      }
    }
    JsonArray all = schema.getJsonArray("allOf");
    if (all != null) {
      for (Object o : all) {
        validate((JsonObject) o, value, at, errors);
      }
    }
    if (value == null) {
      return;
    }
    JsonArray enumeration = schema.getJsonArray("enum");
    if (enumeration != null && !enumeration.contains(value)) {
      errors.add(at + ": " + value + " is not one of " + enumeration);
    }
    String type = schema.getString("type");
    if (type == null) {
      if (schema.containsKey("properties")) {
        type = "object";
      } else {
        return;
      }
    }
    switch (type) {
      case "object" -> object(schema, value, at, errors);
      case "array" -> array(schema, value, at, errors);
      case "string" -> {
        if (!(value instanceof String s)) {
          errors.add(at + ": expected a string, got " + value);
          return;
        }
        if (s.length() < schema.getInteger("minLength", 0)) {
          errors.add(at + ": shorter than " + schema.getInteger("minLength"));
        }
        if ("uuid".equals(schema.getString("format"))) {
          try {
            java.util.UUID.fromString(s);
          } catch (IllegalArgumentException e) {
            errors.add(at + ": not a uuid: " + s);
          }
        }
      }
      case "integer", "number" -> number(schema, type, value, at, errors);
      case "boolean" -> {
        if (!(value instanceof Boolean)) {
          errors.add(at + ": expected a boolean, got " + value);
        }
      }
      default -> errors.add(at + ": unknown type " + type + " in the document");
    }
  }

  private void object(JsonObject schema, Object value, String at, List<String> errors) {
    if (!(value instanceof JsonObject o)) {
      errors.add(at + ": expected an object, got " + value);
      return;
    }
    JsonObject props = schema.getJsonObject("properties", new JsonObject());
    JsonArray required = schema.getJsonArray("required", new JsonArray());
    for (Object r : required) {
      if (!o.containsKey((String) r)) {
        errors.add(at + ": lacks required " + r);
      }
    }
    Object additional = schema.getValue("additionalProperties");
    for (Map.Entry<String, Object> e : o) {
      JsonObject p = props.getJsonObject(e.getKey());
      String child = at + "." + e.getKey();
      if (p != null) {
        validate(p, e.getValue(), child, errors);
      } else if (Boolean.FALSE.equals(additional)) {
        errors.add(child + ": not a property of " + describe(schema));
      } else if (additional instanceof JsonObject a) {
        validate(a, e.getValue(), child, errors);
      }
    }
  }

  private void array(JsonObject schema, Object value, String at, List<String> errors) {
    if (!(value instanceof JsonArray a)) {
      errors.add(at + ": expected an array, got " + value);
      return;
    }
    if (a.size() < schema.getInteger("minItems", 0)) {
      errors.add(at + ": fewer than " + schema.getInteger("minItems") + " items");
    }
    Set<Object> distinct = new HashSet<>();
    a.forEach(distinct::add);
    if (schema.getBoolean("uniqueItems", false) && distinct.size() != a.size()) {
      errors.add(at + ": items are not unique");
    }
    JsonObject items = schema.getJsonObject("items");
    if (items != null) {
      for (int i = 0; i < a.size(); i++) {
        validate(items, a.getValue(i), at + "[" + i + "]", errors);
      }
    }
  }

  private static final Set<String> UNSIGNED = Set.of("uint", "uint8", "uint16", "uint32", "uint64");

  private void number(
      JsonObject schema, String type, Object value, String at, List<String> errors) {
    if (!(value instanceof Number n)) {
      errors.add(at + ": expected a number, got " + value);
      return;
    }
    double d = n.doubleValue();
    if (type.equals("integer")
        && (d != Math.rint(d) || value instanceof Double && !isIntegral(n))) {
      errors.add(at + ": expected an integer, got " + value);
    }
    String format = schema.getString("format");
    if (format != null && UNSIGNED.contains(format) && d < 0) {
      errors.add(at + ": " + format + " is negative: " + value);
    }
    if (schema.getValue("minimum") instanceof Number min && d < min.doubleValue()) {
      errors.add(at + ": " + value + " below the minimum " + min);
    }
    if (schema.getValue("maximum") instanceof Number max && d > max.doubleValue()) {
      errors.add(at + ": " + value + " above the maximum " + max);
    }
  }

  private static boolean isIntegral(Number n) {
    return n.doubleValue() == Math.rint(n.doubleValue());
  }

  private static String describe(JsonObject schema) {
    String s = schema.encode();
    return s.length() > 120 ? s.substring(0, 120) + "..." : s;
  }

  /** Every (method, path template) the document defines, for coverage reports. */
  Set<String> operations() {
    Set<String> out = new java.util.TreeSet<>();
    for (String p : spec.getJsonObject("paths").fieldNames()) {
      for (String m : spec.getJsonObject("paths").getJsonObject(p).fieldNames()) {
        out.add(m.toUpperCase(Locale.ROOT) + " " + p);
      }
    }
    return out;
  }

  /**
   * The properties of the request body of {@code method template} (the union over the branches of
   * {@code anyOf}, {@code oneOf} and {@code allOf}), by name; empty if it takes no JSON body.
   */
  Map<String, JsonObject> requestProperties(String method, String template) {
    JsonObject op =
        spec.getJsonObject("paths")
            .getJsonObject(template)
            .getJsonObject(method.toLowerCase(Locale.ROOT));
    JsonObject body = op.getJsonObject("requestBody");
    if (body == null) {
      return Map.of();
    }
    return properties(
        body.getJsonObject("content").getJsonObject("application/json").getJsonObject("schema"));
  }

  /** The properties {@code schema} defines (union over its branches), by name, in order. */
  Map<String, JsonObject> properties(JsonObject schema) {
    schema = resolve(schema);
    Map<String, JsonObject> out = new java.util.LinkedHashMap<>();
    for (String k : List.of("allOf", "anyOf", "oneOf")) {
      JsonArray branches = schema.getJsonArray(k);
      if (branches != null) {
        for (Object b : branches) {
          out.putAll(properties((JsonObject) b));
        }
      }
    }
    JsonObject props = schema.getJsonObject("properties");
    if (props != null) {
      for (String name : props.fieldNames()) {
        out.put(name, props.getJsonObject(name));
      }
    }
    return out;
  }

  /** {@code schema} with its {@code $ref}s followed. */
  JsonObject resolved(JsonObject schema) {
    return resolve(schema);
  }
}
