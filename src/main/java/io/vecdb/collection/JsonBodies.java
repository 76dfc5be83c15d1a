package io.vecdb.collection;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses request bodies (RFC 8259 JSON, UTF-8) into the tree Vert.x's {@code Json.decodeValue}
 * makes: a JsonObject or JsonArray at the top holding plain insertion-ordered maps and lists (which
 * JsonObject and JsonArray wrap as they are read; a repeated key keeps its last value), integers as
 * Integer, Long or BigInteger by size, other numbers as Double, strings, booleans and null. One
 * difference: an array whose elements are all numbers is a {@link PackedNumbers} list, whose
 * elements are boxed only when read, and which {@link JsonFields#vector} turns into a {@code
 * float[]} without boxing.
 *
 * <p>Why not Jackson, which Vert.x uses: a search body is one array of hundreds of numbers, and
 * Jackson's tokenizer copies every number's characters into a buffer and converts them on request
 * (25-50 µs for 784 numbers here, most of a request's parsing; this reader takes 9). This reader
 * converts digits as it scans them: a decimal with at most 19 significant digits and a power of ten
 * within 10^±22 is exactly {@code m * 10^e} in one correctly rounded double operation (Clinger's
 * fast path); any other number goes to {@link Double#parseDouble}. Either way the double is the one
 * Jackson and the JDK produce, and a {@code float} is that double rounded, as {@code
 * Number.floatValue()} gives. {@code JsonBodiesTest} checks it against Jackson on random and on
 * mutated documents.
 *
 * <p>As strict as Vert.x's Jackson settings: no trailing commas, no leading zeros, no {@code NaN},
 * no unescaped control characters in strings (or comments), valid UTF-8, escaped surrogates in
 * field names paired, whitespace after a number at the top, nesting at most {@link #MAX_DEPTH}
 * deep, one value and only whitespace after it. Comments ({@code /* *}{@code /} and {@code //}) are
 * accepted, as Vert.x enables them. Numbers are limited to 1,000 characters, Jackson's default;
 * strings only by the body limit. Where this reader is stricter than Jackson (it validates UTF-8
 * with the JDK's decoder, which refuses encoded surrogates that Jackson may pass), it refuses.
 *
 * <p>Stateless and thread-safe: each call uses its own reader; the scratch arrays it collects
 * numbers in belong to the calling thread ({@link ThreadLocal}, at most 65,536 numbers kept).
 */
public final class JsonBodies {
  /** Jackson's default nesting limit. */
  static final int MAX_DEPTH = 1000;

  private JsonBodies() {}

  /** A body that is not well-formed JSON. */
  public static final class MalformedJson extends RuntimeException {
    MalformedJson(String message) {
      super(message);
    }
  }

  /**
   * The JSON value in {@code raw}: a JsonObject, JsonArray, String, Number, Boolean or null.
   *
   * @throws MalformedJson when {@code raw} is not one well-formed JSON value
   */
  public static Object decode(Buffer raw) {
    Reader r = reader(raw);
    try {
      return r.document();
    } finally {
      r.keepScratch();
    }
  }

  /** A reader over {@code raw}'s bytes: in place when it has a heap array, else over a copy. */
  private static Reader reader(Buffer raw) {
    if (raw instanceof io.vertx.core.internal.buffer.BufferInternal internal) {
      io.netty.buffer.ByteBuf bb = internal.getByteBuf();
      if (bb.hasArray()) { // read in place: no copy of the body
        int from = bb.arrayOffset() + bb.readerIndex();
        return new Reader(bb.array(), from, from + bb.readableBytes());
      }
    }
    byte[] bytes = raw.getBytes();
    return new Reader(bytes, 0, bytes.length);
  }

  /** As {@link #decode(Buffer)}, of UTF-8 bytes. */
  public static Object decode(byte[] bytes) {
    Reader r = new Reader(bytes, 0, bytes.length);
    try {
      return r.document();
    } finally {
      r.keepScratch();
    }
  }

  /**
   * A message object whose field {@code raw} is kept as the bytes of its value, unparsed: {@code
   * fields} holds the other top-level fields, parsed, and {@code raw} is null when the field is
   * absent.
   */
  public record Envelope(JsonObject fields, Buffer raw) {}

  /**
   * Reads the JSON object in {@code message}, parsing every top-level field but {@code rawField},
   * whose value's bytes are only delimited (brackets matched, strings skipped), for a worker to
   * parse: so that an event loop can route a WebSocket request without parsing its body. A
   * malformed raw value is only partly checked here; its parse refuses it.
   *
   * @throws MalformedJson when the message is not an object or the rest of it is malformed
   */
  public static Envelope envelope(Buffer message, String rawField) {
    Reader r = reader(message);
    try {
      r.skipWhitespace();
      if (r.at >= r.end || r.b[r.at] != '{') {
        throw r.error("expected a JSON object");
      }
      Map<String, Object> fields = r.object(1, rawField);
      r.skipWhitespace();
      if (r.at < r.end) {
        throw r.error("unexpected content after the JSON value");
      }
      Buffer raw =
          r.rawFrom < 0
              ? null
              : Buffer.buffer(java.util.Arrays.copyOfRange(r.b, r.rawFrom, r.rawTo));
      return new Envelope(new JsonObject(fields), raw);
    } finally {
      r.keepScratch();
    }
  }

  /** The largest scratch a thread keeps between parses, in numbers (576 KiB). */
  private static final int SCRATCH_MAX = 1 << 16;

  /** A thread's scratch arrays for {@link Reader#array}; only that thread touches them. */
  private static final class Scratch {
    long[] raw = new long[1024];
    byte[] kinds = new byte[1024];
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private static boolean isSpace(byte c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
  }

  private static final double[] POWERS = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22
  };

  /** One parse: the bytes and a position. Confined to the calling thread. */
  private static final class Reader {
    final byte[] b;
    final int start; // the body's first byte in b
    final int end; // past its last
    int at;

    // Where array() collects numbers before copying them out at the array's end: this thread's
    // (an array's numbers are copied or boxed before any nested value is read, so one pair serves
    // the whole parse).
    long[] scratchRaw;
    byte[] scratchKinds;

    // The last number read by number(): its kind and bits (as PackedNumbers stores them), or the
    // boxed value for a BigInteger.
    byte kind;
    long bits;
    Object big;

    Reader(byte[] b, int start, int end) {
      this.b = b;
      this.start = start;
      this.end = end;
      this.at = start;
      Scratch s = SCRATCH.get();
      this.scratchRaw = s.raw;
      this.scratchKinds = s.kinds;
    }

    /** The one value of the body, with only whitespace (and comments) around it. */
    Object document() {
      skipWhitespace();
      if (at >= end) {
        throw new MalformedJson("no JSON value");
      }
      Object value = value(0);
      if (value instanceof Number && at < end && !isSpace(b[at])) {
        // Jackson's rule for a number at the top: what follows it must be whitespace.
        throw error("expected whitespace after a top-level number");
      }
      if (value instanceof Map<?, ?> m) {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) m;
        value = new JsonObject(map);
      } else if (value instanceof List<?> l) {
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) l;
        value = new JsonArray(list);
      }
      skipWhitespace();
      if (at < end) {
        throw error("unexpected content after the JSON value");
      }
      return value;
    }

    /** Hands grown scratch arrays back to the thread for its next parse. */
    void keepScratch() {
      Scratch s = SCRATCH.get();
      if (scratchRaw.length > s.raw.length && scratchRaw.length <= SCRATCH_MAX) {
        s.raw = scratchRaw;
        s.kinds = scratchKinds;
      }
    }

    MalformedJson error(String what) {
      return new MalformedJson(what + " at byte " + (at - start));
    }

    /** Skips whitespace and comments ({@code /* *}{@code /} and {@code //}, as Vert.x allows). */
    void skipWhitespace() {
      while (at < end) {
        byte c = b[at];
        if (isSpace(c)) {
          at++;
        } else if (c == '/') {
          comment();
        } else {
          return;
        }
      }
    }

    /** A comment: text without control characters (tabs and line ends apart), valid UTF-8. */
    private void comment() {
      int from = at + 2;
      if (at + 1 < end && b[at + 1] == '*') {
        for (int i = from; i < end; i++) {
          if (i + 1 < end && b[i] == '*' && b[i + 1] == '/') {
            checkCommentText(from, i);
            at = i + 2;
            return;
          }
        }
        at = end;
        throw error("unexpected end of input in a comment");
      }
      if (at + 1 < end && b[at + 1] == '/') {
        int i = from;
        while (i < end && b[i] != '\n' && b[i] != '\r') {
          i++;
        }
        checkCommentText(from, i);
        at = i;
        return;
      }
      throw error("expected '*' or '/' after '/' for a comment");
    }

    private void checkCommentText(int from, int to) {
      boolean ascii = true;
      for (int i = from; i < to; i++) {
        byte c = b[i];
        if (c >= 0 && c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          at = i;
          throw error("control character in a comment");
        }
        ascii &= c >= 0;
      }
      if (!ascii) {
        utf8(from, to);
      }
    }

    /** The value starting at {@code at} (no whitespace before it). */
    Object value(int depth) {
      if (at >= end) {
        throw error("unexpected end of input");
      }
      byte c = b[at];
      switch (c) {
        case '{':
          return object(depth + 1);
        case '[':
          return array(depth + 1);
        case '"':
          return string(false);
        case 't':
          literal("true");
          return Boolean.TRUE;
        case 'f':
          literal("false");
          return Boolean.FALSE;
        case 'n':
          literal("null");
          return null;
        default:
          if (c == '-' || (c >= '0' && c <= '9')) {
            number();
            return big != null ? big : PackedNumbers.box(bits, kind);
          }
          throw error("unexpected character '" + printable(c) + "'");
      }
    }

    private void literal(String word) {
      int n = word.length();
      if (at + n > end) {
        throw error("unexpected end of input");
      }
      for (int i = 0; i < n; i++) {
        if (b[at + i] != word.charAt(i)) {
          throw error("unrecognised token");
        }
      }
      at += n;
      if (at < end && isWordByte(b[at])) {
        throw error("unrecognised token");
      }
    }

    private static boolean isWordByte(byte c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c < 0;
    }

    // envelope(): where the raw field's value starts and ends, or -1.
    int rawFrom = -1;
    int rawTo = -1;

    private Map<String, Object> object(int depth) {
      return object(depth, null);
    }

    /** An object; the value of field {@code raw} (if any) only delimited, into rawFrom/rawTo. */
    private Map<String, Object> object(int depth, String raw) {
      if (depth > MAX_DEPTH) {
        throw error("nesting deeper than " + MAX_DEPTH);
      }
      at++; // '{'
      Map<String, Object> map = new LinkedHashMap<>();
      skipWhitespace();
      if (at < end && b[at] == '}') {
        at++;
        return map;
      }
      while (true) {
        if (at >= end || b[at] != '"') {
          throw error("expected a field name in double quotes");
        }
        String name = string(true);
        skipWhitespace();
        if (at >= end || b[at] != ':') {
          throw error("expected ':' after a field name");
        }
        at++;
        skipWhitespace();
        if (name.equals(raw)) { // never put in the map; a repeated one: the last counts
          rawFrom = at;
          skipValue();
          rawTo = at;
        } else {
          map.put(name, value(depth));
        }
        if (endOf('}', "an object")) {
          return map;
        }
      }
    }

    /**
     * Moves past the value at {@code at} without building it: strings are skipped by their quotes
     * and escapes, brackets must match (up to the nesting limit), anything else runs to the next
     * delimiter.
     */
    private void skipValue() {
      if (at >= end) {
        throw error("unexpected end of input");
      }
      byte c = b[at];
      if (c == '"') {
        skipString();
        return;
      }
      if (c != '{' && c != '[') {
        while (at < end) {
          c = b[at];
          if (c == ',' || c == '}' || c == ']' || isSpace(c) || c == '/') {
            break;
          }
          at++;
        }
        return;
      }
      byte[] open = new byte[16]; // the open brackets, grown up to MAX_DEPTH
      int depth = 0;
      while (at < end) {
        c = b[at];
        if (c == '"') {
          skipString();
          continue;
        }
        if (c == '{' || c == '[') {
          if (depth == MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH);
          }
          if (depth == open.length) {
            open = java.util.Arrays.copyOf(open, Math.min(MAX_DEPTH, 2 * depth));
          }
          open[depth++] = c;
        } else if (c == '}' || c == ']') {
          if (depth == 0 || open[depth - 1] != (c == '}' ? '{' : '[')) {
            throw error("unmatched '" + (char) c + "'");
          }
          if (--depth == 0) {
            at++;
            return;
          }
        }
        at++;
      }
      throw error("unexpected end of input");
    }

    private void skipString() {
      at++; // opening quote
      while (at < end) {
        byte c = b[at++];
        if (c == '"') {
          return;
        }
        if (c == '\\') {
          at++;
        }
      }
      throw error("unexpected end of input in a string");
    }

    /** Numbers go into a packed list until the first non-number, which turns it into a list. */
    private List<Object> array(int depth) {
      if (depth > MAX_DEPTH) {
        throw error("nesting deeper than " + MAX_DEPTH);
      }
      at++; // '['
      skipWhitespace();
      if (at < end && b[at] == ']') {
        at++;
        return new PackedNumbers(new long[0], new byte[0], 0);
      }
      long[] raw = scratchRaw;
      byte[] kinds = scratchKinds;
      int n = 0;
      big = null; // set by number() when it stops the packing
      while (true) {
        if (at >= end) {
          throw error("unexpected end of input in an array");
        }
        byte c = b[at];
        if (c != '-' && (c < '0' || c > '9')) {
          break;
        }
        number();
        if (big != null) {
          break;
        }
        if (n == raw.length) {
          raw = java.util.Arrays.copyOf(raw, n * 2);
          kinds = java.util.Arrays.copyOf(kinds, n * 2);
          if (raw.length <= SCRATCH_MAX) {
            scratchRaw = raw;
            scratchKinds = kinds;
          }
        }
        raw[n] = bits;
        kinds[n] = kind;
        n++;
        if (endOfElement()) {
          return new PackedNumbers(
              java.util.Arrays.copyOf(raw, n), java.util.Arrays.copyOf(kinds, n), n);
        }
      }
      // Not (only) numbers: an ordinary list from here.
      List<Object> list = new ArrayList<>(Math.max(10, n + 1));
      for (int i = 0; i < n; i++) {
        list.add(PackedNumbers.box(raw[i], kinds[i]));
      }
      if (big != null) {
        list.add(big);
        if (endOfElement()) {
          return list;
        }
      }
      while (true) {
        list.add(value(depth));
        if (endOfElement()) {
          return list;
        }
      }
    }

    /** After an array element: true at ']' (consumed), false after ',' and whitespace. */
    private boolean endOfElement() {
      return endOf(']', "an array");
    }

    /**
     * After a member of an object or an element of an array ({@code in}): true at {@code close}
     * (consumed), false after ',' and whitespace.
     */
    private boolean endOf(char close, String in) {
      skipWhitespace();
      if (at >= end) {
        throw error("unexpected end of input in " + in);
      }
      byte c = b[at++];
      if (c == close) {
        return true;
      }
      if (c != ',') {
        at--;
        throw error("expected ',' or '" + close + "' in " + in);
      }
      skipWhitespace();
      return false;
    }

    /**
     * {@link #number}'s common case, the numbers of a vector (most of the bytes of a search or
     * upsert body): {@code -?D+(.D+)?} with at most 15 digits in all, read in one pass into {@link
     * #kind}/{@link #bits} as {@link #generalNumber} would read it (the same exact integer over the
     * same exact power of ten, so the same double). Anything else (an exponent, more digits, a
     * leading zero, a malformed number) leaves {@code at} where it was and returns false.
     */
    private boolean shortNumber() {
      final byte[] b = this.b;
      final int n = end;
      int i = at;
      boolean negative = false;
      if (b[i] == '-') {
        negative = true;
        i++;
      }
      final int start = i;
      long m = 0;
      int d;
      while (i < n && (d = b[i] - '0') >= 0 && d <= 9) {
        m = m * 10 + d;
        i++;
      }
      final int intDigits = i - start;
      if (intDigits == 0 || (intDigits > 1 && b[start] == '0')) {
        return false;
      }
      int fraction = 0;
      boolean isFloat = false;
      if (i < n && b[i] == '.') {
        isFloat = true;
        final int from = ++i;
        while (i < n && (d = b[i] - '0') >= 0 && d <= 9) {
          m = m * 10 + d;
          i++;
        }
        fraction = i - from;
        if (fraction == 0) {
          return false;
        }
      }
      // 15 digits keep m exact and below 2^53 (with more, m may have overflowed: unused);
      // an exponent or a letter after the digits: for generalNumber().
      if (intDigits + fraction > 15 || (i < n && isWordByte(b[i]))) {
        return false;
      }
      if (isFloat) {
        double v = m / POWERS[fraction];
        kind = PackedNumbers.DOUBLE;
        bits = Double.doubleToRawLongBits(negative ? -v : v);
      } else {
        long v = negative ? -m : m;
        kind = v == (int) v ? PackedNumbers.INT : PackedNumbers.LONG;
        bits = v;
      }
      at = i;
      return true;
    }

    /**
     * Reads the number at {@code at} into {@link #kind}/{@link #bits} (or {@link #big} for an
     * integer beyond a long).
     */
    private void number() {
      big = null;
      if (!shortNumber()) {
        generalNumber();
      }
    }

    /**
     * {@link #number} for what {@link #shortNumber} leaves: exponents, long mantissas, integers
     * beyond a long, and the malformed numbers it refuses. Kept apart so that {@link #number} stays
     * small enough for the JIT to inline into the array loop (with it inside, a 784-d body took
     * 12.5 µs rather than 10).
     */
    private void generalNumber() {
      final byte[] b = this.b;
      final int n = end;
      int i = at;
      final int first = i;
      boolean negative = false;
      if (b[i] == '-') {
        negative = true;
        i++;
      }
      if (i >= n || b[i] < '0' || b[i] > '9') {
        at = i;
        throw error("expected a digit");
      }
      long m = 0; // the first 19 significant digits
      int digits = 0; // significant digits seen (after leading zeros)
      int dropped = 0; // integer digits beyond the 19 kept
      if (b[i] == '0') {
        i++;
        if (i < n && b[i] >= '0' && b[i] <= '9') {
          at = i;
          throw error("leading zeros are not allowed");
        }
      } else {
        byte c;
        while (i < n && (c = b[i]) >= '0' && c <= '9') {
          if (digits < 19) {
            m = m * 10 + (c - '0');
          } else {
            dropped++;
          }
          digits++;
          i++;
        }
      }
      final int intEnd = i;
      boolean isFloat = false;
      int fraction = 0; // fraction digits folded into m
      boolean inexact = dropped > 0;
      if (i < n && b[i] == '.') {
        isFloat = true;
        i++;
        if (i >= n || b[i] < '0' || b[i] > '9') {
          at = i;
          throw error("expected a digit after the decimal point");
        }
        byte c;
        while (i < n && (c = b[i]) >= '0' && c <= '9') {
          int d = c - '0';
          if (digits == 0 && d == 0) {
            fraction++; // a leading zero of the fraction: scales, adds no digit
          } else if (digits < 19) {
            m = m * 10 + d;
            digits++;
            fraction++;
          } else {
            inexact = true;
          }
          i++;
        }
      }
      long exponent = 0;
      if (i < n && (b[i] == 'e' || b[i] == 'E')) {
        isFloat = true;
        i++;
        boolean negExp = false;
        if (i < n && (b[i] == '+' || b[i] == '-')) {
          negExp = b[i] == '-';
          i++;
        }
        if (i >= n || b[i] < '0' || b[i] > '9') {
          at = i;
          throw error("expected a digit in the exponent");
        }
        byte c;
        while (i < n && (c = b[i]) >= '0' && c <= '9') {
          if (exponent < 100_000) {
            exponent = exponent * 10 + (c - '0');
          }
          i++;
        }
        if (negExp) {
          exponent = -exponent;
        }
      }
      at = i;
      if (i - first > 1000) {
        throw error("number longer than 1000 characters");
      }
      if (i < n && isWordByte(b[i])) {
        throw error("unexpected character '" + printable(b[i]) + "' in a number");
      }
      if (!isFloat) {
        if (digits <= 18 || (digits == 19 && m >= 0)) {
          long v = negative ? -m : m;
          kind = v == (int) v ? PackedNumbers.INT : PackedNumbers.LONG;
          bits = v;
          return;
        }
        BigInteger v =
            new BigInteger(new String(b, first, intEnd - first, StandardCharsets.US_ASCII));
        if (v.bitLength() < 64) {
          kind = PackedNumbers.LONG;
          bits = v.longValue();
          return;
        }
        big = v;
        return;
      }
      kind = PackedNumbers.DOUBLE;
      long e10 = exponent - fraction + dropped;
      double d;
      if (!inexact && m >= 0 && m < (1L << 53) && e10 >= -22 && e10 <= 22) {
        d = e10 >= 0 ? m * POWERS[(int) e10] : m / POWERS[(int) -e10];
        if (negative) {
          d = -d;
        }
      } else {
        d = Double.parseDouble(new String(b, first, i - first, StandardCharsets.US_ASCII));
      }
      bits = Double.doubleToRawLongBits(d);
    }

    /**
     * The string at {@code at}. In a field name (as Jackson checks there and not in values) an
     * escaped surrogate must be a high one followed by an escaped low one.
     */
    private String string(boolean name) {
      at++; // opening quote
      int start = at;
      boolean ascii = true;
      while (true) {
        if (at >= end) {
          throw error("unexpected end of input in a string");
        }
        byte c = b[at];
        if (c == '"') {
          String s =
              ascii
                  ? new String(b, start, at - start, StandardCharsets.ISO_8859_1)
                  : utf8(start, at);
          at++;
          return s;
        }
        if (c == '\\') {
          return escaped(start, name);
        }
        if (c >= 0 && c < 0x20) {
          throw error("unescaped control character in a string");
        }
        if (c < 0) {
          ascii = false;
        }
        at++;
      }
    }

    /** The rest of a string that has an escape at {@code at}; {@code start} is its first byte. */
    private String escaped(int start, boolean name) {
      StringBuilder out = new StringBuilder(at - start + 16);
      out.append(utf8(start, at));
      while (true) {
        if (at >= end) {
          throw error("unexpected end of input in a string");
        }
        byte c = b[at];
        if (c == '"') {
          at++;
          return out.toString();
        }
        if (c == '\\') {
          if (at + 1 >= end) {
            throw error("unexpected end of input in a string");
          }
          byte e = b[at + 1];
          at += 2;
          switch (e) {
            case '"' -> out.append('"');
            case '\\' -> out.append('\\');
            case '/' -> out.append('/');
            case 'b' -> out.append('\b');
            case 'f' -> out.append('\f');
            case 'n' -> out.append('\n');
            case 'r' -> out.append('\r');
            case 't' -> out.append('\t');
            case 'u' -> {
              if (at + 4 > end) {
                throw error("unexpected end of input in a \\u escape");
              }
              int v = hex4(at);
              if (v < 0) {
                throw error("expected 4 hex digits after \\u");
              }
              at += 4;
              if (name && Character.isLowSurrogate((char) v)) {
                throw error("unexpected low surrogate in a field name");
              }
              if (name
                  && Character.isHighSurrogate((char) v)
                  && !(at + 6 <= end
                      && b[at] == '\\'
                      && b[at + 1] == 'u'
                      && Character.isLowSurrogate((char) hex4(at + 2)))) {
                throw error("broken surrogate pair in a field name");
              }
              out.append((char) v);
              if (name && Character.isHighSurrogate((char) v)) {
                out.append((char) hex4(at + 2));
                at += 6;
              }
            }
            default -> {
              at -= 2;
              throw error("unrecognised escape '\\" + printable(e) + "'");
            }
          }
          continue;
        }
        if (c >= 0 && c < 0x20) {
          throw error("unescaped control character in a string");
        }
        int runStart = at;
        while (at < end && b[at] != '"' && b[at] != '\\' && (b[at] < 0 || b[at] >= 0x20)) {
          at++;
        }
        out.append(utf8(runStart, at));
      }
    }

    /** The 4 hex digits at {@code i}, or -1. */
    private int hex4(int i) {
      int v = 0;
      for (int k = 0; k < 4; k++) {
        int h = b[i + k] < 0 ? -1 : Character.digit(b[i + k], 16);
        if (h < 0) {
          return -1;
        }
        v = (v << 4) | h;
      }
      return v;
    }

    private String utf8(int from, int to) {
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(b, from, to - from))
            .toString();
      } catch (CharacterCodingException e) {
        throw new MalformedJson(
            "invalid UTF-8 between bytes " + (from - start) + " and " + (to - start));
      }
    }

    private static String printable(byte c) {
      return c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("0x%02x", c & 0xff);
    }
  }
}
