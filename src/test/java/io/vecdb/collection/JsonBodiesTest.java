package io.vecdb.collection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link JsonBodies} against Vert.x's Jackson-based parser, which it replaces for request bodies:
 * the same tree (the same value classes, the same double bits) for random documents, and the same
 * verdict (accepted with the same tree, or refused) for random mutations of them.
 */
class JsonBodiesTest {
  private static final long SEED = Long.getLong("vecdb.test.seed", 20261203L);

  @Test
  void randomDocumentsParseAsJacksonParsesThem() {
    SplittableRandom rnd = new SplittableRandom(SEED);
    for (int i = 0; i < 3000; i++) {
      String doc = write(rnd, randomValue(rnd, 0), new StringBuilder()).toString();
      Object expected = jackson(doc);
      Object actual = JsonBodies.decode(doc.getBytes(StandardCharsets.UTF_8));
      assertSame(expected, actual, "seed " + SEED + " doc " + i + ": " + doc);
    }
  }

  @Test
  void numbersOfEveryShapeGiveJacksonsValues() {
    SplittableRandom rnd = new SplittableRandom(SEED + 1);
    StringBuilder all = new StringBuilder("[");
    for (int i = 0; i < 20000; i++) {
      String n = randomNumber(rnd);
      Object expected = jackson(n);
      Object actual = JsonBodies.decode(n.getBytes(StandardCharsets.US_ASCII));
      assertSame(expected, actual, "seed " + SEED + ": " + n);
      all.append(i == 0 ? "" : ",").append(n);
    }
    // The same numbers packed in one array, and read back as float32 for a vector.
    JsonArray expected = (JsonArray) jackson(all.append(']').toString());
    JsonArray actual = (JsonArray) JsonBodies.decode(all.toString().getBytes());
    assertSame(expected, actual, "the array of all");
  }

  @Test
  void vectorsReadFromPackedArraysAreThoseOfTheBoxedElements() {
    SplittableRandom rnd = new SplittableRandom(SEED + 2);
    for (int i = 0; i < 500; i++) {
      StringBuilder b = new StringBuilder("[");
      int dim = 1 + rnd.nextInt(64);
      for (int d = 0; d < dim; d++) {
        b.append(d == 0 ? "" : ",");
        b.append(
            switch (rnd.nextInt(4)) {
              case 0 -> Float.toString((float) rnd.nextGaussian());
              case 1 -> Integer.toString(rnd.nextInt(-300, 300));
              case 2 -> Double.toString(rnd.nextDouble(-1e6, 1e6));
              default -> new BigDecimal(rnd.nextGaussian()).toPlainString();
            });
      }
      String doc = b.append(']').toString();
      JsonArray packed = (JsonArray) JsonBodies.decode(doc.getBytes());
      assertTrue(packed.getList() instanceof PackedNumbers, doc);
      float[] fast = JsonFields.vector(packed, "v", dim);
      float[] boxed = JsonFields.vector(Json.decodeValue(doc), "v", dim);
      assertArrayEquals(boxed, fast, doc);
    }
    // A non-finite float32 (beyond its range) is refused by the packed path too.
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> JsonFields.vector(JsonBodies.decode("[1, 1e39]".getBytes()), "vector", 2));
    assertTrue(e.getMessage().startsWith("vector[1]:"), e.getMessage());
  }

  @Test
  void mutatedDocumentsGetJacksonsVerdict() {
    SplittableRandom rnd = new SplittableRandom(SEED + 3);
    String alphabet = "{}[]\",:.-+eE0123456789 \\/untrfalsebx\t\n\u0001";
    int refused = 0;
    for (int i = 0; i < 20000; i++) {
      StringBuilder doc = write(rnd, randomValue(rnd, 2), new StringBuilder());
      int edits = 1 + rnd.nextInt(3);
      for (int e = 0; e < edits && doc.length() > 0; e++) {
        int at = rnd.nextInt(doc.length());
        switch (rnd.nextInt(3)) {
          case 0 -> doc.deleteCharAt(at);
          case 1 -> doc.insert(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
          default -> doc.setCharAt(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
      }
      String text = doc.toString();
      Object expected;
      try {
        expected = jackson(text);
      } catch (DecodeException ex) {
        expected = ex;
      }
      Object actual;
      try {
        actual = JsonBodies.decode(text.getBytes(StandardCharsets.UTF_8));
      } catch (JsonBodies.MalformedJson ex) {
        actual = ex;
      }
      if (expected instanceof DecodeException || actual instanceof JsonBodies.MalformedJson) {
        if (!(expected instanceof DecodeException && actual instanceof JsonBodies.MalformedJson)) {
          fail(
              "seed "
                  + SEED
                  + ": Jackson "
                  + (expected instanceof DecodeException ? "refused" : "accepted")
                  + ", JsonBodies "
                  + (actual instanceof Exception ex
                      ? "refused (" + ex.getMessage() + ")"
                      : "accepted")
                  + ": "
                  + text
                  + " "
                  + text.chars().mapToObj(Integer::toHexString).toList());
        }
        refused++;
        continue;
      }
      assertSame(expected, actual, "seed " + SEED + ": " + text);
    }
    assertTrue(refused > 5000, "the mutations should break most documents, broke " + refused);
  }

  /**
   * The short-number fast path (the numbers of vectors) meets every shape at its edges: 15 digits
   * (read by it) and 16 (by the general reading), leading and trailing zeros, signs, exponents; and
   * it refuses inside an array what Jackson refuses there.
   */
  @Test
  void numbersInArraysAtTheFastPathsEdgesGiveJacksonsValues() {
    List<String> good =
        List.of(
            "0",
            "-0",
            "0.0",
            "-0.0",
            "7",
            "-7.25",
            "12.0",
            "255.0",
            "0.05",
            "-0.000123",
            "1.50",
            "123456789012345",
            "-123456789012345",
            "1234567890123456",
            "12345678.9012345",
            "12345678.90123456",
            "0.123456789012345",
            "0.1234567890123456",
            "999999999999999.9",
            "2147483647",
            "2147483648",
            "-2147483649",
            "1e5",
            "1.5E-3",
            "-0.5e+2",
            "3.4028235E38");
    String doc = "[" + String.join(",", good) + ", 1 ,\t-2.5\n]";
    assertSame(jackson(doc), JsonBodies.decode(doc.getBytes(StandardCharsets.US_ASCII)), doc);
    for (String bad :
        List.of(
            "[01]",
            "[-]",
            "[1.]",
            "[1.e5]",
            "[-01.5]",
            "[1x]",
            "[1.5.5]",
            "[00]",
            "[-0.]",
            "[1,-]",
            "[1,2",
            "[1,]",
            "[1 2]",
            "[1.5e]",
            "[0x10]",
            "[1.5,,2]")) {
      assertThrows(DecodeException.class, () -> jackson(bad), bad);
      assertThrows(JsonBodies.MalformedJson.class, () -> JsonBodies.decode(bad.getBytes()), bad);
    }
  }

  @Test
  void refusesWhatJacksonRefuses() {
    for (String bad :
        List.of(
            "",
            " ",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "-",
            "1.",
            ".5",
            "+1",
            "1e",
            "NaN",
            "[Infinity]",
            "\"a\u0001\"",
            "\"\\x\"",
            "\"\\u12\"",
            "tru",
            "nul",
            "{\"a\" 1}",
            "{a:1}",
            "[1 2]",
            "1 2",
            "# c\n1",
            "/ 1",
            "/* x",
            "{\"\\ud83d\":1}",
            "{\"\\ude00\":1}",
            "{\"\\ud83d\\u0041\":1}",
            "[\"a\"]]",
            "[".repeat(1001) + "]".repeat(1001))) {
      assertThrows(DecodeException.class, () -> jackson(bad), bad);
      assertThrows(JsonBodies.MalformedJson.class, () -> JsonBodies.decode(bad.getBytes()), bad);
    }
    byte[] invalidUtf8 = {'"', 'a', (byte) 0xff, 'b', '"'};
    assertThrows(JsonBodies.MalformedJson.class, () -> JsonBodies.decode(invalidUtf8));
  }

  @Test
  void readsABufferInPlaceFromItsOffset() {
    String doc = "{\"vector\":[1,2.5,-3e2],\"limit\":3}";
    io.vertx.core.buffer.Buffer framed = io.vertx.core.buffer.Buffer.buffer("xx" + doc + "yy");
    io.vertx.core.buffer.Buffer slice = framed.slice(2, 2 + doc.length());
    assertSame(jackson(doc), JsonBodies.decode(slice), doc);
    assertSame(jackson(doc), JsonBodies.decode(io.vertx.core.buffer.Buffer.buffer(doc)), doc);
    JsonBodies.MalformedJson e =
        assertThrows(
            JsonBodies.MalformedJson.class,
            () -> JsonBodies.decode(framed.slice(2, 2 + doc.length() - 1)));
    assertTrue(e.getMessage().endsWith("at byte " + (doc.length() - 1)), e.getMessage());
  }

  @Test
  void acceptsCommentsAsVertxDoes() {
    for (String ok : List.of("[1,/*c*/2]", "/* x */ 1 /* y */", "1 // x", "{\"a\"//\n:1}")) {
      assertSame(jackson(ok), JsonBodies.decode(ok.getBytes()), ok);
    }
  }

  @Test
  void packedArraysBehaveAsListsWhenChanged() {
    JsonObject o = (JsonObject) JsonBodies.decode("{\"tags\":[1,2.5,3]}".getBytes());
    JsonArray tags = o.getJsonArray("tags");
    assertEquals(new JsonArray().add(1).add(2.5).add(3), tags);
    tags.add("x").remove(0);
    tags.set(0, 7);
    assertEquals(new JsonArray().add(7).add(3).add("x"), tags);
    assertEquals("{\"tags\":[7,3,\"x\"]}", o.encode());
    assertEquals(new JsonArray(), JsonBodies.decode("[]".getBytes()));
    JsonArray empty = (JsonArray) JsonBodies.decode("[ ]".getBytes());
    empty.add(1);
    assertEquals(new JsonArray().add(1), empty);
  }

  /** Vert.x's parser on the UTF-8 bytes of {@code text}, as a body arrives. */
  private static Object jackson(String text) {
    return Json.decodeValue(
        io.vertx.core.buffer.Buffer.buffer(text.getBytes(StandardCharsets.UTF_8)));
  }

  // --- generation and comparison -------------------------------------------------------------

  private static Object randomValue(SplittableRandom rnd, int depth) {
    int pick = rnd.nextInt(depth >= 4 ? 5 : 8);
    return switch (pick) {
      case 0 -> null;
      case 1 -> rnd.nextBoolean();
      case 2 -> new RawNumber(randomNumber(rnd));
      case 3, 4 -> randomString(rnd);
      case 5 -> {
        JsonArray a = new JsonArray();
        int n = rnd.nextInt(6);
        boolean numeric = rnd.nextBoolean();
        for (int i = 0; i < n; i++) {
          a.add(numeric ? new RawNumber(randomNumber(rnd)) : randomValue(rnd, depth + 1));
        }
        yield a;
      }
      default -> {
        JsonObject o = new JsonObject();
        int n = rnd.nextInt(5);
        for (int i = 0; i < n; i++) {
          o.put(rnd.nextInt(4) == 0 ? "k" : randomString(rnd), randomValue(rnd, depth + 1));
        }
        yield o;
      }
    };
  }

  /** A number's JSON text, as written; the generator's own type so it is written verbatim. */
  private record RawNumber(String text) {}

  private static String randomNumber(SplittableRandom rnd) {
    return switch (rnd.nextInt(12)) {
      case 0 -> Integer.toString(rnd.nextInt());
      case 1 -> Long.toString(rnd.nextLong());
      case 2 ->
          new BigInteger(64 + rnd.nextInt(40), new java.util.Random(rnd.nextLong()))
              .multiply(BigInteger.valueOf(rnd.nextBoolean() ? 1 : -1))
              .toString();
      case 3 -> Float.toString((float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-40, 37))));
      case 4 -> Double.toString(rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-320, 306)));
      case 5 -> new BigDecimal(rnd.nextGaussian() * 1000).toPlainString();
      case 6 -> Integer.toString(rnd.nextInt(-1000, 1000));
      case 7 -> Long.toString(Long.MAX_VALUE - rnd.nextInt(3) + rnd.nextInt(3) - 1);
      case 8 -> rnd.nextInt(-300, 300) + "." + digits(rnd, 1 + rnd.nextInt(25));
      case 9 ->
          (rnd.nextBoolean() ? "-" : "")
              + digits(rnd, 1 + rnd.nextInt(30)).replaceFirst("^0+(?=.)", "")
              + (rnd.nextBoolean() ? "." + digits(rnd, 1 + rnd.nextInt(8)) : "")
              + (rnd.nextBoolean() ? "e" : "E")
              + (rnd.nextInt(3) == 0 ? "" : rnd.nextBoolean() ? "+" : "-")
              + rnd.nextInt(0, 400);
      case 10 -> rnd.nextBoolean() ? "-0" : rnd.nextBoolean() ? "-0.0" : "0.0e0";
      default -> "0." + "0".repeat(rnd.nextInt(30)) + digits(rnd, 1 + rnd.nextInt(20));
    };
  }

  private static String digits(SplittableRandom rnd, int n) {
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append((char) ('0' + rnd.nextInt(10)));
    }
    return b.toString();
  }

  private static String randomString(SplittableRandom rnd) {
    StringBuilder b = new StringBuilder();
    int n = rnd.nextInt(8);
    for (int i = 0; i < n; i++) {
      b.append(
          switch (rnd.nextInt(8)) {
            case 0 -> "é";
            case 1 -> "\uD83D\uDE00"; // outside the BMP: 4 bytes in UTF-8
            case 2 -> "\"";
            case 3 -> "\\";
            case 4 -> "\n\t";
            case 5 -> "\u0001";
            case 6 -> "/";
            default -> String.valueOf((char) ('a' + rnd.nextInt(26)));
          });
    }
    return b.toString();
  }

  /** JSON text of a generated value, with random whitespace and escapes. */
  private static StringBuilder write(SplittableRandom rnd, Object v, StringBuilder out) {
    space(rnd, out);
    if (v instanceof RawNumber n) {
      out.append(n.text());
    } else if (v instanceof String s) {
      out.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == '"' || c == '\\') {
          out.append('\\').append(c);
        } else if (Character.isHighSurrogate(c) && rnd.nextInt(3) == 0) {
          out.append(String.format("\\u%04x\\u%04x", (int) c, (int) s.charAt(++i)));
        } else if (Character.isHighSurrogate(c)) {
          out.append(c).append(s.charAt(++i));
        } else if (c < 0x20 || (c > 0x7e && rnd.nextInt(3) == 0)) {
          out.append(String.format("\\u%04x", (int) c));
        } else if (c == '/' && rnd.nextBoolean()) {
          out.append("\\/");
        } else {
          out.append(c);
        }
      }
      out.append('"');
    } else if (v instanceof JsonArray a) {
      out.append('[');
      for (int i = 0; i < a.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        write(rnd, a.getList().get(i), out);
      }
      space(rnd, out);
      out.append(']');
    } else if (v instanceof JsonObject o) {
      out.append('{');
      int i = 0;
      for (Map.Entry<String, Object> e : o.getMap().entrySet()) {
        if (i++ > 0) {
          out.append(',');
        }
        write(rnd, e.getKey(), out);
        space(rnd, out);
        out.append(':');
        write(rnd, e.getValue(), out);
      }
      space(rnd, out);
      out.append('}');
    } else {
      out.append(v);
    }
    space(rnd, out);
    return out;
  }

  private static void space(SplittableRandom rnd, StringBuilder out) {
    if (rnd.nextInt(4) == 0) {
      out.append(" \n\t\r".charAt(rnd.nextInt(4)));
    }
  }

  /**
   * Equal trees, with equal value classes (Integer is not Long; a nested object is a Map in both, a
   * nested array a List: PackedNumbers stands for ArrayList) and equal double bits.
   */
  private static void assertSame(Object expected, Object actual, String where) {
    if (expected instanceof JsonObject e) {
      if (!(actual instanceof JsonObject a)) {
        fail(where + ": expected an object, got " + actual);
        return;
      }
      assertSameMap(e.getMap(), a.getMap(), where);
    } else if (expected instanceof Map<?, ?> e) {
      if (!(actual instanceof Map<?, ?> a) || actual instanceof JsonObject) {
        fail(where + ": expected a map, got " + actual);
        return;
      }
      assertSameMap(e, a, where);
    } else if (expected instanceof JsonArray e) {
      if (!(actual instanceof JsonArray a)) {
        fail(where + ": expected an array, got " + actual);
        return;
      }
      assertSameList(e.getList(), a.getList(), where);
    } else if (expected instanceof List<?> e) {
      if (!(actual instanceof List<?> a)) {
        fail(where + ": expected a list, got " + actual);
        return;
      }
      assertSameList(e, a, where);
    } else if (expected == null) {
      assertEquals(null, actual, where);
    } else {
      assertEquals(expected.getClass(), actual == null ? null : actual.getClass(), where);
      assertEquals(expected, actual, where); // Double.equals compares bits: -0.0 is not 0.0
    }
  }

  private static void assertSameMap(Map<?, ?> e, Map<?, ?> a, String where) {
    assertEquals(List.copyOf(e.keySet()), List.copyOf(a.keySet()), where);
    for (Object k : e.keySet()) {
      assertSame(e.get(k), a.get(k), where + " ." + k);
    }
  }

  private static void assertSameList(List<?> e, List<?> a, String where) {
    assertEquals(e.size(), a.size(), where);
    for (int i = 0; i < e.size(); i++) {
      assertSame(e.get(i), a.get(i), where + " [" + i + "]");
    }
  }
}
