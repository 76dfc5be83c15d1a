package io.vecdb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vecdb.config.VecdbOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Payload index types and filter conditions beyond keyword/integer/float/bool (issue 9, item 5):
 * full-text ({@code text}: word, whitespace and prefix tokenizers, lowercase, token lengths) used
 * by {@code match.text} / {@code text_any}; RFC 3339 datetime ranges with and without a {@code
 * datetime} index; {@code geo_radius}, {@code geo_bounding_box} and {@code geo_polygon} with and
 * without a {@code geo} index; {@code uuid} indexes. Every answer is compared with one computed
 * here from the points the test wrote (random, from a reproducible seed), through search, scroll
 * and count, and again after a restart (index parameters are logged and snapshotted).
 */
@ExtendWith(VertxExtension.class)
class PayloadIndexTypesTest {
  private static final long SEED = Long.getLong("tests.seed", System.nanoTime());
  private static final int N = 400;
  private static final String[] WORDS = {
    "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "Rust", "java", "vector", "search",
    "Qdrant", "a", "an", "hnsw", "graph"
  };

  private final Random random = new Random(SEED);
  private final String[] text = new String[N];
  private final long[] epochSeconds = new long[N];
  private final double[] lat = new double[N];
  private final double[] lon = new double[N];
  private final String[] uuid = new String[N];

  private JsonArray points() {
    JsonArray points = new JsonArray();
    DateTimeFormatter[] formats = {
      DateTimeFormatter.ISO_INSTANT,
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC),
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX").withZone(ZoneOffset.ofHours(2)),
    };
    for (int i = 0; i < N; i++) {
      StringBuilder t = new StringBuilder();
      int words = 1 + random.nextInt(6);
      for (int w = 0; w < words; w++) {
        t.append(w == 0 ? "" : random.nextBoolean() ? " " : ", ");
        t.append(WORDS[random.nextInt(WORDS.length)]);
      }
      text[i] = t.toString();
      epochSeconds[i] = 1_600_000_000L + random.nextInt(100_000_000);
      lat[i] = -60 + 120 * random.nextDouble();
      lon[i] = -180 + 360 * random.nextDouble();
      uuid[i] = java.util.UUID.nameUUIDFromBytes(Long.toString(SEED + i).getBytes()).toString();
      String ts = formats[i % 3].format(Instant.ofEpochSecond(epochSeconds[i]));
      points.add(
          new JsonObject()
              .put("id", i)
              .put("vector", new JsonArray().add(random.nextGaussian()).add(random.nextGaussian()))
              .put(
                  "payload",
                  new JsonObject()
                      .put("body", text[i])
                      .put("ts", ts)
                      .put("where", new JsonObject().put("lon", lon[i]).put("lat", lat[i]))
                      .put("ref", uuid[i])));
    }
    return points;
  }

  // ---------------------------------------------------------------- expectations

  private static List<String> words(String s) {
    List<String> out = new ArrayList<>();
    for (String w : s.split("[^\\p{L}\\p{Nd}]+")) {
      if (!w.isEmpty()) {
        out.add(w.toLowerCase(Locale.ROOT));
      }
    }
    return out;
  }

  private Set<Integer> matching(IntPredicate p) {
    Set<Integer> out = new TreeSet<>();
    for (int i = 0; i < N; i++) {
      if (p.test(i)) {
        out.add(i);
      }
    }
    return out;
  }

  private static double haversine(double lat1, double lon1, double lat2, double lon2) {
    double r = 6_371_008.8;
    double p1 = Math.toRadians(lat1);
    double p2 = Math.toRadians(lat2);
    double a =
        Math.pow(Math.sin((p2 - p1) / 2), 2)
            + Math.cos(p1) * Math.cos(p2) * Math.pow(Math.sin(Math.toRadians(lon2 - lon1) / 2), 2);
    return 2 * r * Math.asin(Math.sqrt(a));
  }

  // ---------------------------------------------------------------- requests

  private static JsonObject cond(String key, String predicate, Object value) {
    return new JsonObject()
        .put("must", new JsonArray().add(new JsonObject().put("key", key).put(predicate, value)));
  }

  /** The ids matching {@code filter} by count, scroll and an exact filtered search, which agree. */
  private static Set<Integer> ids(TestNode t, JsonObject filter) throws Exception {
    TestNode.Reply scroll =
        t.post(
            "/collections/p/points/scroll",
            new JsonObject().put("filter", filter).put("limit", 10_000));
    assertEquals(200, scroll.status(), scroll.text());
    Set<Integer> out = new TreeSet<>();
    JsonArray points = scroll.resultObject().getJsonArray("points");
    for (int i = 0; i < points.size(); i++) {
      out.add(points.getJsonObject(i).getInteger("id"));
    }
    TestNode.Reply count =
        t.post("/collections/p/points/count", new JsonObject().put("filter", filter));
    assertEquals(out.size(), count.resultObject().getInteger("count"), filter.encode());
    TestNode.Reply search =
        t.post(
            "/collections/p/points/search",
            new JsonObject()
                .put("vector", new JsonArray().add(1.0).add(0.5))
                .put("filter", filter)
                .put("limit", N));
    Set<Integer> searched = new TreeSet<>();
    JsonArray hits = search.result() instanceof JsonArray a ? a : new JsonArray();
    for (int i = 0; i < hits.size(); i++) {
      searched.add(hits.getJsonObject(i).getInteger("id"));
    }
    assertEquals(out, searched, "search vs scroll for " + filter.encode());
    return out;
  }

  private static void index(TestNode t, String field, Object schema) throws Exception {
    TestNode.Reply r =
        t.put(
            "/collections/p/index?wait=true",
            new JsonObject().put("field_name", field).put("field_schema", schema));
    assertEquals(200, r.status(), r.text());
  }

  @Test
  void newIndexTypesAndConditionsMatchWhatThePayloadsSay(Vertx vertx) throws Exception {
    Path dir = Files.createTempDirectory("vecdb-index-types");
    VecdbOptions options = new VecdbOptions().setDataDir(dir.toString());
    TestNode t = TestNode.start(vertx, new VecdbOptions(options));
    try {
      t.put(
          "/collections/p",
          new JsonObject().put("vectors", new JsonObject().put("size", 2).put("distance", "Dot")));
      assertEquals(
          200,
          t.put("/collections/p/points?wait=true", new JsonObject().put("points", points()))
              .status());
      String[][] queries = {{"quick", "fox"}, {"dog", "lazy"}, {"rust"}, {"JAVA", "search"}};

      // Unindexed: match.text is a case-sensitive substring (as in Qdrant without an index).
      for (String[] q : queries) {
        String phrase = String.join(" ", q);
        assertEquals(
            matching(i -> text[i].contains(phrase)),
            ids(t, cond("body", "match", new JsonObject().put("text", phrase))),
            "substring " + phrase);
      }
      // Datetime ranges and geo conditions, before any index of theirs exists.
      checkDatetimeAndGeo(t);

      // A word index: every query token, any order and case; text_any: one of them.
      index(
          t,
          "body",
          new JsonObject().put("type", "text").put("tokenizer", "word").put("lowercase", true));
      for (int round = 0; round < 2; round++) {
        for (String[] q : queries) {
          String query = String.join(" ", q);
          List<String> tokens = words(query);
          assertEquals(
              matching(i -> words(text[i]).containsAll(tokens)),
              ids(t, cond("body", "match", new JsonObject().put("text", query))),
              "text " + query + " (seed " + SEED + ")");
          assertEquals(
              matching(i -> tokens.stream().anyMatch(words(text[i])::contains)),
              ids(t, cond("body", "match", new JsonObject().put("text_any", query))),
              "text_any " + query);
        }
        JsonObject info = t.get("/collections/p").resultObject();
        JsonObject body = info.getJsonObject("payload_schema").getJsonObject("body");
        assertEquals("text", body.getString("data_type"));
        assertEquals("word", body.getJsonObject("params").getString("tokenizer"));
        assertEquals(N, body.getInteger("points"));
        if (round == 0) {
          t.close(); // the index and its tokenizer come back from the log
          t = TestNode.start(vertx, new VecdbOptions(options));
        }
      }
      // Prefix tokenizer with a minimum length: "qui" finds "quick"; 1-letter words are dropped.
      index(
          t,
          "body",
          new JsonObject().put("type", "text").put("tokenizer", "prefix").put("min_token_len", 2));
      assertEquals(
          matching(i -> words(text[i]).stream().anyMatch(w -> w.startsWith("qui"))),
          ids(t, cond("body", "match", new JsonObject().put("text", "qui"))));
      assertEquals(
          matching(i -> words(text[i]).stream().anyMatch(w -> w.startsWith("ja"))).stream()
              .filter(i -> words(text[i]).stream().anyMatch(w -> w.startsWith("gr")))
              .collect(java.util.stream.Collectors.toCollection(TreeSet::new)),
          ids(t, cond("body", "match", new JsonObject().put("text", "Ja GR"))));
      assertEquals(Set.of(), ids(t, cond("body", "match", new JsonObject().put("text", "a"))));

      // With datetime and geo indexes, and a uuid one: the same answers.
      index(t, "ts", "datetime");
      index(t, "where", new JsonObject().put("type", "geo"));
      index(t, "ref", "uuid");
      checkDatetimeAndGeo(t);
      for (int i = 0; i < 5; i++) {
        int k = random.nextInt(N);
        assertEquals(
            Set.of(k), ids(t, cond("ref", "match", new JsonObject().put("value", uuid[k]))));
      }
      t.close();
      t = TestNode.start(vertx, new VecdbOptions(options));
      checkDatetimeAndGeo(t);
      assertEquals(
          "prefix",
          t.get("/collections/p")
              .resultObject()
              .getJsonObject("payload_schema")
              .getJsonObject("body")
              .getJsonObject("params")
              .getString("tokenizer"));
    } finally {
      t.close();
    }
  }

  private void checkDatetimeAndGeo(TestNode t) throws Exception {
    Random r = new Random(SEED ^ 0x5eed);
    for (int round = 0; round < 4; round++) {
      long a = 1_600_000_000L + r.nextInt(100_000_000);
      long b = a + r.nextInt(30_000_000);
      JsonObject range =
          new JsonObject()
              .put("gte", Instant.ofEpochSecond(a).toString())
              .put(
                  "lt",
                  DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(
                      Instant.ofEpochSecond(b).atOffset(ZoneOffset.ofHours(-5))));
      assertEquals(
          matching(i -> epochSeconds[i] >= a && epochSeconds[i] < b),
          ids(t, cond("ts", "range", range)),
          "datetime " + range.encode() + " seed " + SEED);

      double clat = -50 + 100 * r.nextDouble();
      double clon = -140 + 280 * r.nextDouble(); // the box and polygon stay within [-180, 180]
      double meters = 500_000 + 3_000_000 * r.nextDouble();
      assertEquals(
          matching(i -> haversine(clat, clon, lat[i], lon[i]) <= meters),
          ids(
              t,
              cond(
                  "where",
                  "geo_radius",
                  new JsonObject()
                      .put("center", new JsonObject().put("lon", clon).put("lat", clat))
                      .put("radius", meters))),
          "geo_radius seed " + SEED);

      double top = clat + 20;
      double bottom = clat - 20;
      double left = clon - 30;
      double right = clon + 30;
      assertEquals(
          matching(i -> lat[i] <= top && lat[i] >= bottom && lon[i] >= left && lon[i] <= right),
          ids(
              t,
              cond(
                  "where",
                  "geo_bounding_box",
                  new JsonObject()
                      .put("top_left", new JsonObject().put("lon", left).put("lat", top))
                      .put("bottom_right", new JsonObject().put("lon", right).put("lat", bottom)))),
          "geo_bounding_box seed " + SEED);

      // A square with a square hole (axis-aligned, so inclusion is plain comparisons).
      JsonObject polygon =
          new JsonObject()
              .put("exterior", ring(bottom, left, top, right))
              .put("interiors", new JsonArray().add(ring(clat - 5, clon - 5, clat + 5, clon + 5)));
      assertEquals(
          matching(
              i ->
                  lat[i] > bottom
                      && lat[i] < top
                      && lon[i] > left
                      && lon[i] < right
                      && !(lat[i] >= clat - 5
                          && lat[i] <= clat + 5
                          && lon[i] >= clon - 5
                          && lon[i] <= clon + 5)),
          ids(t, cond("where", "geo_polygon", polygon)),
          "geo_polygon seed " + SEED);
    }
  }

  private static JsonObject ring(double bottom, double left, double top, double right) {
    double[][] corners = {
      {bottom, left}, {bottom, right}, {top, right}, {top, left}, {bottom, left}
    };
    JsonArray points = new JsonArray();
    for (double[] c : corners) {
      points.add(new JsonObject().put("lon", c[1]).put("lat", c[0]));
    }
    return new JsonObject().put("points", points);
  }

  @Test
  void badIndexParamsAndConditionsAreRefusedNamingTheField(Vertx vertx) throws Exception {
    try (TestNode t = TestNode.start(vertx)) {
      t.put(
          "/collections/p",
          new JsonObject().put("vectors", new JsonObject().put("size", 2).put("distance", "Dot")));
      for (Object[] c :
          new Object[][] {
            {new JsonObject().put("type", "text").put("tokenizer", "multilingual"), "tokenizer"},
            {new JsonObject().put("type", "text").put("phrase_matching", true), "phrase_matching"},
            {new JsonObject().put("type", "text").put("stopwords", "english"), "stopwords"},
            {new JsonObject().put("type", "keyword").put("tokenizer", "word"), "tokenizer"},
            {new JsonObject().put("type", "text").put("min_token_len", -1), "min_token_len"},
            {"fulltext", "field_schema"},
          }) {
        TestNode.Reply r =
            t.put(
                "/collections/p/index?wait=true",
                new JsonObject().put("field_name", "f").put("field_schema", c[0]));
        assertEquals(400, r.status(), r.text());
        assertTrue(r.error().contains((String) c[1]), r.error());
      }
      assertTrue(t.get("/collections/p").resultObject().getJsonObject("payload_schema").isEmpty());
      for (Object[] c :
          new Object[][] {
            {cond("ts", "range", new JsonObject().put("gte", "yesterday")), "range.gte"},
            {
              cond("ts", "range", new JsonObject().put("gte", "2024-01-01").put("lt", 5)),
              "range.lt"
            },
            {
              cond(
                  "g",
                  "geo_radius",
                  new JsonObject()
                      .put("center", new JsonObject().put("lon", 0).put("lat", 95))
                      .put("radius", 10)),
              "geo_radius.center"
            },
            {
              cond(
                  "g",
                  "geo_polygon",
                  new JsonObject()
                      .put(
                          "exterior",
                          new JsonObject()
                              .put(
                                  "points",
                                  new JsonArray(
                                      Arrays.asList(
                                          new JsonObject().put("lon", 0).put("lat", 0),
                                          new JsonObject().put("lon", 1).put("lat", 0),
                                          new JsonObject().put("lon", 1).put("lat", 1),
                                          new JsonObject().put("lon", 0).put("lat", 1)))))),
              "exterior.points"
            },
          }) {
        TestNode.Reply r =
            t.post(
                "/collections/p/points/count", new JsonObject().put("filter", (JsonObject) c[0]));
        assertEquals(400, r.status(), r.text());
        assertTrue(r.error().contains((String) c[1]), c[1] + " in " + r.error());
      }
    }
  }
}
