package io.vecdb.filter;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The parameters of a full-text payload index (Qdrant's {@code TextIndexParams}) and the tokenizer
 * they define. Immutable.
 *
 * <p>Tokenizers, as in Qdrant: {@code word} (the default) splits on every character that is not a
 * letter or digit; {@code whitespace} on whitespace; {@code prefix} splits as {@code word} and
 * indexes every prefix of a token from {@code min_token_len} (default 1) characters up, so a query
 * token matches the words it begins. {@code lowercase} (default true) lowercases tokens; tokens
 * shorter than {@code min_token_len} or longer than {@code max_token_len} are dropped ({@code
 * prefix}: prefixes longer than {@code max_token_len} are not indexed, and query tokens are cut to
 * it). {@code multilingual}, stop words, stemming, ASCII folding and phrase matching are not
 * implemented and are refused when asked for.
 */
public record TextIndex(Tokenizer tokenizer, boolean lowercase, Integer minLen, Integer maxLen) {
  public enum Tokenizer {
    WORD,
    WHITESPACE,
    PREFIX
  }

  public static final TextIndex DEFAULT = new TextIndex(Tokenizer.WORD, true, null, null);

  /**
   * Parses Qdrant's text index params ({@code type} already known to be "text").
   *
   * @param path where {@code params} is, for messages ({@code field_schema})
   */
  public static TextIndex parse(JsonObject params, String path) {
    if (params == null) {
      return DEFAULT;
    }
    Object tok = params.getValue("tokenizer");
    Tokenizer tokenizer = Tokenizer.WORD;
    if (tok != null) {
      tokenizer =
          switch (String.valueOf(tok).toLowerCase(Locale.ROOT)) {
            case "word" -> Tokenizer.WORD;
            case "whitespace" -> Tokenizer.WHITESPACE;
            case "prefix" -> Tokenizer.PREFIX;
            case "multilingual" ->
                throw new IllegalArgumentException(
                    path + ".tokenizer: the multilingual tokenizer is not supported by VecDB");
            default ->
                throw new IllegalArgumentException(
                    path
                        + ".tokenizer: expected one of word, whitespace, prefix, got \""
                        + tok
                        + "\"");
          };
    }
    for (String flag : List.of("ascii_folding", "phrase_matching")) {
      if (Boolean.TRUE.equals(params.getValue(flag))) {
        throw new IllegalArgumentException(path + "." + flag + ": not supported by VecDB");
      }
    }
    for (String unsupported : List.of("stopwords", "stemmer")) {
      if (params.getValue(unsupported) != null) {
        throw new IllegalArgumentException(path + "." + unsupported + ": not supported by VecDB");
      }
    }
    Object lc = params.getValue("lowercase");
    if (lc != null && !(lc instanceof Boolean)) {
      throw new IllegalArgumentException(path + ".lowercase: expected true or false, got " + lc);
    }
    Integer min = length(params, "min_token_len", path);
    Integer max = length(params, "max_token_len", path);
    if (min != null && max != null && min > max) {
      throw new IllegalArgumentException(
          path + ".max_token_len: expected at least min_token_len (" + min + "), got " + max);
    }
    return new TextIndex(tokenizer, lc == null || (Boolean) lc, min, max);
  }

  private static Integer length(JsonObject params, String key, String path) {
    Object v = params.getValue(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n)
        || n.doubleValue() != Math.rint(n.doubleValue())
        || n.doubleValue() < 0
        || n.doubleValue() > 1_000) {
      throw new IllegalArgumentException(
          path + "." + key + ": expected an integer in [0, 1000], got " + v);
    }
    return n.intValue();
  }

  /** As Qdrant shows them in {@code payload_schema.*.params}. */
  public JsonObject toJson() {
    JsonObject o =
        new JsonObject()
            .put("type", "text")
            .put("tokenizer", tokenizer.name().toLowerCase(Locale.ROOT))
            .put("lowercase", lowercase);
    if (minLen != null) {
      o.put("min_token_len", minLen);
    }
    if (maxLen != null) {
      o.put("max_token_len", maxLen);
    }
    return o;
  }

  /** The tokens a stored text is indexed under (prefixes too, for the prefix tokenizer). */
  public Set<String> documentTokens(String text) {
    Set<String> out = new LinkedHashSet<>();
    for (String t : split(text)) {
      if (tokenizer == Tokenizer.PREFIX) {
        int n = t.codePointCount(0, t.length());
        int from = Math.max(1, minLen == null ? 1 : minLen);
        int to = maxLen == null ? n : Math.min(n, maxLen);
        for (int len = from; len <= to; len++) {
          out.add(t.substring(0, t.offsetByCodePoints(0, len)));
        }
      } else if (fits(t)) {
        out.add(t);
      }
    }
    return out;
  }

  /** The tokens a query text asks for. */
  public List<String> queryTokens(String text) {
    List<String> out = new ArrayList<>();
    for (String t : split(text)) {
      if (tokenizer == Tokenizer.PREFIX) {
        int n = t.codePointCount(0, t.length());
        if (maxLen != null && n > maxLen) {
          t = t.substring(0, t.offsetByCodePoints(0, maxLen));
        }
        if (minLen == null || n >= minLen) {
          out.add(t);
        }
      } else if (fits(t)) {
        out.add(t);
      }
    }
    return out;
  }

  private boolean fits(String t) {
    int n = t.codePointCount(0, t.length());
    return (minLen == null || n >= minLen) && (maxLen == null || n <= maxLen);
  }

  private List<String> split(String text) {
    List<String> out = new ArrayList<>();
    int start = -1;
    for (int i = 0; i <= text.length(); ) {
      int cp = i < text.length() ? text.codePointAt(i) : ' ';
      boolean sep =
          i == text.length()
              || (tokenizer == Tokenizer.WHITESPACE
                  ? Character.isWhitespace(cp)
                  : !Character.isLetterOrDigit(cp));
      if (sep) {
        if (start >= 0) {
          String t = text.substring(start, i);
          out.add(lowercase ? t.toLowerCase(Locale.ROOT) : t);
          start = -1;
        }
      } else if (start < 0) {
        start = i;
      }
      i += i < text.length() ? Character.charCount(cp) : 1;
    }
    return out;
  }
}
