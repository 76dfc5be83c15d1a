package io.vecdb.filter;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The index of one payload key: value -> {@link Posting}. Keyword, integer and bool values go to a
 * hash map ({@link #exact}); numbers (integer and float schemas) to a sorted map ({@link #numeric})
 * for ranges. The values indexed for a point are exactly those a filter condition on the same key
 * would look at (the selected values, leaf arrays unpacked one level; see {@link JsonKey}), so the
 * postings of a value hold every point for which a {@code match}/{@code range} on it is true.
 *
 * <p>Concurrency: the writer ({@link PayloadIndex}, holding its monitor) calls {@link #update} and
 * {@link #remove}, which also own {@link #forward} (never read by readers). Readers use the
 * concurrent maps and postings without locks; see {@link PayloadIndex} for how a reader detects a
 * concurrent write.
 */
final class FieldIndex {
  private static final Object[] NO_KEYS = new Object[0];
  private static final double[] NO_NUMBERS = new double[0];

  final JsonKey key;
  final IndexSpec spec;
  final PayloadSchema schema;
  final Map<Object, Posting> exact;
  final NavigableMap<Double, Posting> numeric;

  /** Writer only: what each ordinal was indexed under, to undo it on update or remove. */
  private Indexed[] forward = new Indexed[0];

  private volatile int indexedPoints;

  private record Indexed(Object[] exact, double[] numeric) {}

  FieldIndex(JsonKey key, IndexSpec spec) {
    this.key = key;
    this.spec = spec;
    this.schema = spec.schema();
    this.exact =
        switch (schema) {
          case KEYWORD, INTEGER, BOOL, TEXT, UUID -> new ConcurrentHashMap<>();
          case FLOAT, DATETIME, GEO -> null;
        };
    // Numbers: integers and floats by value, datetimes by microseconds since the epoch, geo
    // points by latitude (a latitude band narrows every geo condition).
    this.numeric =
        switch (schema) {
          case INTEGER, FLOAT, DATETIME, GEO -> new ConcurrentSkipListMap<>();
          case KEYWORD, BOOL, TEXT, UUID -> null;
        };
  }

  /** Number of points with at least one indexed value. */
  int indexedPoints() {
    return indexedPoints;
  }

  /** Writer only. Indexes {@code ordinal} under the values of {@code payload} (replacing). */
  void update(int ordinal, JsonObject payload) {
    Indexed now = extract(payload);
    Indexed before = ordinal < forward.length ? forward[ordinal] : null;
    // Add before remove, so a posting union never loses a point that keeps a value.
    for (Object k : now.exact) {
      if (before == null || !contains(before.exact, k)) {
        exact.computeIfAbsent(k, x -> new Posting()).add(ordinal);
      }
    }
    for (double d : now.numeric) {
      if (before == null || !contains(before.numeric, d)) {
        numeric.computeIfAbsent(d, x -> new Posting()).add(ordinal);
      }
    }
    if (before != null) {
      for (Object k : before.exact) {
        if (!contains(now.exact, k)) {
          removeFrom(exact, k, ordinal);
        }
      }
      for (double d : before.numeric) {
        if (!contains(now.numeric, d)) {
          removeFrom(numeric, d, ordinal);
        }
      }
    }
    boolean indexedNow = now.exact.length > 0 || now.numeric.length > 0;
    if (ordinal >= forward.length) {
      if (!indexedNow) {
        return;
      }
      forward = Arrays.copyOf(forward, Math.max(ordinal + 1, forward.length * 2));
    }
    forward[ordinal] = indexedNow ? now : null;
    if (before == null && indexedNow) {
      indexedPoints = indexedPoints + 1;
    } else if (before != null && !indexedNow) {
      indexedPoints = indexedPoints - 1;
    }
  }

  /** Writer only. Drops {@code ordinal} from every posting. */
  void remove(int ordinal) {
    if (ordinal >= forward.length || forward[ordinal] == null) {
      return;
    }
    Indexed before = forward[ordinal];
    forward[ordinal] = null;
    for (Object k : before.exact) {
      removeFrom(exact, k, ordinal);
    }
    for (double d : before.numeric) {
      removeFrom(numeric, d, ordinal);
    }
    indexedPoints = indexedPoints - 1;
  }

  private static <K> void removeFrom(Map<K, Posting> map, K k, int ordinal) {
    Posting p = map.get(k);
    if (p != null) {
      p.remove(ordinal);
      if (p.size() == 0) {
        map.remove(k, p);
      }
    }
  }

  private Indexed extract(JsonObject payload) {
    Set<Object> keys = exact == null ? Set.of() : new LinkedHashSet<>();
    Set<Double> numbers = numeric == null ? Set.of() : new LinkedHashSet<>();
    for (Object v : key.values(payload)) {
      if (v instanceof JsonArray arr) {
        for (int i = 0; i < arr.size(); i++) {
          extractElement(arr.getValue(i), keys, numbers);
        }
      } else {
        extractElement(v, keys, numbers);
      }
    }
    Object[] k = keys.isEmpty() ? NO_KEYS : keys.toArray();
    double[] n = NO_NUMBERS;
    if (!numbers.isEmpty()) {
      n = new double[numbers.size()];
      int i = 0;
      for (Double d : numbers) {
        n[i++] = d;
      }
    }
    return new Indexed(k, n);
  }

  private void extractElement(Object e, Set<Object> keys, Set<Double> numbers) {
    switch (schema) {
      case KEYWORD -> {
        if (e instanceof String s) {
          keys.add(s);
        }
      }
      case BOOL -> {
        if (e instanceof Boolean b) {
          keys.add(b);
        }
      }
      case INTEGER -> {
        Long l = Condition.asLong(e);
        if (l != null) {
          keys.add(l);
        }
        addNumber(e, numbers);
      }
      case FLOAT -> addNumber(e, numbers);
      case TEXT -> {
        if (e instanceof String s) {
          keys.addAll(spec.text().documentTokens(s));
        }
      }
      case UUID -> {
        if (e instanceof String s && isUuid(s)) {
          keys.add(s);
        }
      }
      case DATETIME -> {
        Long micros = e instanceof String s ? Datetimes.micros(s) : null;
        if (micros != null) {
          numbers.add(numericKey((double) micros));
        }
      }
      case GEO -> {
        double[] p = Geo.point(e);
        if (p != null) {
          numbers.add(numericKey(p[0]));
        }
      }
    }
  }

  private static boolean isUuid(String s) {
    try {
      java.util.UUID.fromString(s);
      return s.length() == 36;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static void addNumber(Object e, Set<Double> numbers) {
    if (e instanceof Number n) {
      double d = n.doubleValue();
      if (!Double.isNaN(d)) {
        numbers.add(numericKey(d));
      }
    }
  }

  /** -0.0 and 0.0 are one key (they compare equal in a range, but not as Double keys). */
  static double numericKey(double d) {
    return d == 0 ? 0.0 : d;
  }

  private static boolean contains(Object[] a, Object k) {
    for (Object o : a) {
      if (o.equals(k)) {
        return true;
      }
    }
    return false;
  }

  private static boolean contains(double[] a, double d) {
    for (double x : a) {
      if (x == d) {
        return true;
      }
    }
    return false;
  }

  // ---- reader side ----

  /** Approximate heap bytes held by the postings (not the writer's forward table). */
  long ramBytesUsed() {
    long bytes = 0;
    if (exact != null) {
      for (Posting p : exact.values()) {
        bytes += 64 + p.ramBytesUsed();
      }
    }
    if (numeric != null) {
      for (Posting p : numeric.values()) {
        bytes += 80 + p.ramBytesUsed();
      }
    }
    return bytes;
  }

  /** The postings for these exact keys (absent keys have no posting). */
  List<Posting> postings(Iterable<?> keys) {
    List<Posting> out = new ArrayList<>();
    if (exact != null) {
      for (Object k : keys) {
        Posting p = exact.get(k);
        if (p != null) {
          out.add(p);
        }
      }
    }
    return out;
  }

  /** The postings of every number inside {@code range}. Null if this field has no numbers. */
  List<Posting> rangePostings(Condition.Range range) {
    if (numeric == null) {
      return null;
    }
    double lo = Double.NEGATIVE_INFINITY;
    double hi = Double.POSITIVE_INFINITY;
    if (!Double.isNaN(range.gt())) {
      lo = Math.max(lo, range.gt());
    }
    if (!Double.isNaN(range.gte())) {
      lo = Math.max(lo, range.gte());
    }
    if (!Double.isNaN(range.lt())) {
      hi = Math.min(hi, range.lt());
    }
    if (!Double.isNaN(range.lte())) {
      hi = Math.min(hi, range.lte());
    }
    List<Posting> out = new ArrayList<>();
    if (lo > hi) {
      return out;
    }
    // Inclusive bounds on normalised keys, then the exact range test on each key.
    for (Map.Entry<Double, Posting> e :
        numeric.subMap(numericKey(lo), true, numericKey(hi), true).entrySet()) {
      if (range.contains(e.getKey())) {
        out.add(e.getValue());
      }
    }
    return out;
  }
}
