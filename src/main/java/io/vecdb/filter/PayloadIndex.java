package io.vecdb.filter;

import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The payload indexes of one collection (Qdrant's {@code PUT /collections/{c}/index}): per indexed
 * key, value -> set of point ordinals. Used to estimate how many points a filter matches and to
 * list candidate ordinals for very selective filters, so a search can score those exactly instead
 * of walking the graph. Candidates are always a superset of the matching points; the caller still
 * checks each one with {@link Filter#test}.
 *
 * <p>Concurrency. Writers: {@link #onUpsert}, {@link #onRemove}, {@link #createField} and {@link
 * #dropField} are meant to be called by the collection's single writer thread, in the order the
 * collection applies its operations; they synchronise on {@code this} only so that misuse cannot
 * corrupt the index (the lock is uncontended in normal use). Readers: {@link #estimate}, {@link
 * #candidates}, {@link #schemas} and {@link #indexedPoints} may be called from any number of
 * threads at once and never block or lock. The field table is an immutable map published through a
 * volatile field; postings are concurrent bitsets ({@link Posting}); value maps are concurrent
 * maps.
 *
 * <p>What a reader sees. A point whose payload is not changed while a read runs is always found:
 * its bits never change, page tables are copied on growth (old pages carried over), a posting is
 * only dropped from its map once empty, and the concurrent maps' iterators see every entry present
 * for the whole iteration. A writer adds a point's new values before removing its old ones. On top
 * of that, a sequence lock gives readers an exact snapshot when it can: every write bumps the
 * volatile {@link #version} to an odd number before it changes anything and to the next even number
 * after; a reader notes the version, reads, and takes its result as a snapshot if the version is
 * even and unchanged. Otherwise it retries a few times and then keeps the last result (still a
 * superset for every point not changed meanwhile; an estimate is then marked inexact), so a reader
 * never waits for the writer. Points changed during a search may or may not be found, as with the
 * graph itself.
 */
public final class PayloadIndex {
  private static final int READ_ATTEMPTS = 4;

  /** Lists the collection's current points for {@link #createField}. */
  @FunctionalInterface
  public interface Source {
    /** Calls {@code consumer} once for every live point. */
    void forEach(PointConsumer consumer);
  }

  @FunctionalInterface
  public interface PointConsumer {
    void accept(int ordinal, Payload payload);
  }

  private final Source source;
  private final ToIntFunction<PointId> ordinalOf;

  private volatile Map<JsonKey, FieldIndex> fields = Map.of();
  private volatile long version;

  /**
   * @param source lists the current points when a field index is created
   * @param ordinalOf maps a point id to its live ordinal or -1 (thread-safe, non-blocking), to
   *     narrow {@code has_id} conditions; null if not available
   */
  public PayloadIndex(Source source, ToIntFunction<PointId> ordinalOf) {
    this.source = source;
    this.ordinalOf = ordinalOf;
  }

  public PayloadIndex(Source source) {
    this(source, null);
  }

  // ---------------------------------------------------------------- writer side

  /**
   * Creates (or replaces) the index of {@code key} with {@code schema} (a Qdrant schema name or an
   * {@link IndexSpec#encode} string) and indexes every current point. Nothing changes if the key or
   * schema is invalid.
   *
   * @throws IllegalArgumentException for an invalid key or an unsupported schema, naming it
   */
  public synchronized void createField(String key, String schema) {
    IndexSpec s = IndexSpec.parse(schema);
    JsonKey k = JsonKey.parse(key, "field_name");
    FieldIndex field = new FieldIndex(k, s);
    // Built before it is published: readers never see a half-filled field.
    source.forEach((ordinal, payload) -> field.update(ordinal, json(payload)));
    Map<JsonKey, FieldIndex> next = new LinkedHashMap<>(fields);
    next.put(k, field);
    beginWrite();
    try {
      fields = Map.copyOf(next);
    } finally {
      endWrite();
    }
  }

  /** Drops the index of {@code key}. True if there was one. */
  public synchronized boolean dropField(String key) {
    JsonKey k = JsonKey.parse(key, "field_name");
    if (!fields.containsKey(k)) {
      return false;
    }
    Map<JsonKey, FieldIndex> next = new HashMap<>(fields);
    next.remove(k);
    beginWrite();
    try {
      fields = Map.copyOf(next);
    } finally {
      endWrite();
    }
    return true;
  }

  /** A point was inserted at {@code ordinal}, or its payload replaced. */
  public synchronized void onUpsert(int ordinal, Payload payload) {
    Map<JsonKey, FieldIndex> fs = fields;
    if (fs.isEmpty()) {
      return;
    }
    JsonObject json = json(payload);
    beginWrite();
    try {
      for (FieldIndex f : fs.values()) {
        f.update(ordinal, json);
      }
    } finally {
      endWrite();
    }
  }

  /** The point at {@code ordinal} was deleted ({@code payload} may be null: it is not needed). */
  public synchronized void onRemove(int ordinal, Payload payload) {
    Map<JsonKey, FieldIndex> fs = fields;
    if (fs.isEmpty()) {
      return;
    }
    beginWrite();
    try {
      for (FieldIndex f : fs.values()) {
        f.remove(ordinal);
      }
    } finally {
      endWrite();
    }
  }

  private void beginWrite() {
    version = version + 1; // odd: a write is in progress (single writer, so no lost update)
  }

  private void endWrite() {
    version = version + 1;
  }

  private static JsonObject json(Payload payload) {
    return payload == null ? new JsonObject() : payload.json();
  }

  // ---------------------------------------------------------------- reader side

  /**
   * Indexed keys (canonical form) and their index specs ({@link IndexSpec#encode}: the Qdrant
   * schema name, or a text index's parameters), as {@link #createField} takes them.
   */
  public Map<String, String> schemas() {
    Map<String, String> out = new LinkedHashMap<>();
    for (FieldIndex f : fields.values()) {
      out.put(f.key.toString(), f.spec.encode());
    }
    return out;
  }

  /** The keys with a full-text index and its tokenizer (filters parse {@code match.text} so). */
  public Map<JsonKey, TextIndex> textIndexes() {
    Map<JsonKey, TextIndex> out = new HashMap<>();
    for (FieldIndex f : fields.values()) {
      if (f.spec.text() != null) {
        out.put(f.key, f.spec.text());
      }
    }
    return out;
  }

  /** Points with at least one value indexed under {@code key}; -1 if {@code key} is not indexed. */
  public int indexedPoints(String key) {
    FieldIndex f = fields.get(JsonKey.parse(key, "field_name"));
    return f == null ? -1 : f.indexedPoints();
  }

  /** Approximate heap bytes held by the postings of every indexed key. */
  public long ramBytesUsed() {
    long bytes = 0;
    for (FieldIndex f : fields.values()) {
      bytes += f.ramBytesUsed();
    }
    return bytes;
  }

  /**
   * How many of {@code totalPoints} points {@code filter} matches, as far as the indexes tell:
   * {@code totalPoints} (inexact) when they cannot narrow it.
   */
  public Cardinality estimate(Filter filter, long totalPoints) {
    long total = Math.max(0, totalPoints);
    for (int attempt = 1; ; attempt++) {
      long v = version;
      Est e = plan(filter);
      boolean snapshot = (v & 1) == 0 && version == v;
      if (snapshot || attempt == READ_ATTEMPTS) {
        return e == null
            ? new Cardinality(total, false)
            : new Cardinality(Math.min(e.upper(), total), snapshot && e.exact());
      }
      Thread.onSpinWait();
    }
  }

  /**
   * The ordinals, ascending, of a superset of the points {@code filter} matches, if the indexes
   * narrow it to at most {@code limit} points; otherwise null. Points removed before the call are
   * not listed; candidates are not checked against the filter (see the class comment for points
   * changed during the call).
   */
  public int[] candidates(Filter filter, int limit) {
    for (int attempt = 1; ; attempt++) {
      long v = version;
      Est e = plan(filter);
      int[] result = e == null || e.upper() > limit ? null : toOrdinals(materialize(e));
      if (((v & 1) == 0 && version == v) || attempt == READ_ATTEMPTS) {
        return result;
      }
      Thread.onSpinWait();
    }
  }

  /**
   * Like {@link #candidates} without a limit, as a bitset by ordinal (bit {@code o % 64} of word
   * {@code o / 64} set: ordinal {@code o} may match; ordinals past the end do not). Null if the
   * indexes cannot narrow {@code filter}.
   */
  public long[] candidateBits(Filter filter) {
    for (int attempt = 1; ; attempt++) {
      long v = version;
      Est e = plan(filter);
      long[] result = e == null ? null : materialize(e);
      if (((v & 1) == 0 && version == v) || attempt == READ_ATTEMPTS) {
        return result;
      }
      Thread.onSpinWait();
    }
  }

  // ---------------------------------------------------------------- planning

  /** A narrowed set of ordinals, not yet materialised; null stands for "all points". */
  private sealed interface Est {
    long upper();

    boolean exact();
  }

  private record Union(List<Posting> postings, long upper, boolean exact) implements Est {}

  private record Ordinals(int[] ordinals, long upper, boolean exact) implements Est {}

  private record And(List<Est> parts, long upper, boolean exact) implements Est {}

  private record Or(List<Est> parts, long upper, boolean exact) implements Est {}

  private static final Est NOTHING = new Ordinals(new int[0], 0, true);

  private Est plan(Filter filter) {
    return filter instanceof Condition.Group g ? group(g, fields) : null;
  }

  private Est group(Condition.Group g, Map<JsonKey, FieldIndex> fs) {
    List<Est> parts = new ArrayList<>();
    boolean exact = true;
    if (g.should() != null) {
      Est s = or(g.should(), fs);
      if (s == null) {
        exact = false;
      } else {
        parts.add(s);
      }
    }
    if (g.minShould() != null && g.minCount() > 0) {
      if (g.minCount() > g.minShould().size()) {
        return NOTHING;
      }
      Est s = or(g.minShould(), fs);
      if (s == null) {
        exact = false;
      } else {
        parts.add(s);
        exact &= g.minCount() == 1;
      }
    }
    if (g.must() != null) {
      for (Condition c : g.must()) {
        Est e = condition(c, fs);
        if (e == null) {
          exact = false;
        } else {
          parts.add(e);
        }
      }
    }
    if (g.mustNot() != null && !g.mustNot().isEmpty()) {
      exact = false; // a complement cannot be narrowed from postings
    }
    if (parts.isEmpty()) {
      return null;
    }
    long upper = Long.MAX_VALUE;
    for (Est p : parts) {
      upper = Math.min(upper, p.upper());
    }
    if (parts.size() == 1) {
      Est only = parts.get(0);
      return exact || !only.exact() ? only : new And(parts, upper, false);
    }
    return new And(List.copyOf(parts), upper, false);
  }

  /** Union of the conditions; null if any of them cannot be narrowed. Empty: nothing matches. */
  private Est or(List<Condition> conditions, Map<JsonKey, FieldIndex> fs) {
    if (conditions.isEmpty()) {
      return NOTHING;
    }
    List<Est> parts = new ArrayList<>(conditions.size());
    long upper = 0;
    for (Condition c : conditions) {
      Est e = condition(c, fs);
      if (e == null) {
        return null;
      }
      parts.add(e);
      upper = saturatedAdd(upper, e.upper());
    }
    if (parts.size() == 1) {
      return parts.get(0);
    }
    return new Or(List.copyOf(parts), upper, false);
  }

  private Est condition(Condition c, Map<JsonKey, FieldIndex> fs) {
    return switch (c) {
      case Condition.Group g -> group(g, fs);
      case Condition.Field f -> field(f, fs);
      case Condition.HasId h -> hasId(h);
      case Condition.TextMatch t -> text(t, fs);
      default -> null;
    };
  }

  /** A text match on its index: every token's posting (all) intersected, or united (any). */
  private Est text(Condition.TextMatch t, Map<JsonKey, FieldIndex> fs) {
    FieldIndex index = fs.get(t.key());
    if (index == null || index.spec.text() == null || !index.spec.text().equals(t.index())) {
      return null;
    }
    if (t.tokens().isEmpty()) {
      return NOTHING;
    }
    List<Est> parts = new ArrayList<>();
    long upper = t.all() ? Long.MAX_VALUE : 0;
    for (String token : t.tokens()) {
      List<Posting> p = index.postings(List.of(token));
      long size = p.isEmpty() ? 0 : p.get(0).size();
      if (t.all() && size == 0) {
        return NOTHING;
      }
      parts.add(new Union(p, size, true));
      upper = t.all() ? Math.min(upper, size) : saturatedAdd(upper, size);
    }
    if (parts.size() == 1) {
      return parts.get(0);
    }
    return t.all()
        ? new And(List.copyOf(parts), upper, false)
        : new Or(List.copyOf(parts), upper, false);
  }

  private Est field(Condition.Field f, Map<JsonKey, FieldIndex> fs) {
    FieldIndex index = fs.get(f.key());
    if (index == null) {
      return null;
    }
    List<Posting> postings =
        switch (f.predicate()) {
          case Condition.MatchString m ->
              index.schema == PayloadSchema.KEYWORD || index.schema == PayloadSchema.UUID
                  ? index.postings(List.of(m.value()))
                  : null;
          case Condition.MatchLong m ->
              index.schema == PayloadSchema.INTEGER ? index.postings(List.of(m.value())) : null;
          case Condition.MatchBool m ->
              index.schema == PayloadSchema.BOOL ? index.postings(List.of(m.value())) : null;
          case Condition.MatchAny m when m.strings() != null ->
              index.schema == PayloadSchema.KEYWORD || index.schema == PayloadSchema.UUID
                  ? index.postings(m.strings())
                  : null;
          case Condition.MatchAny m ->
              index.schema == PayloadSchema.INTEGER ? index.postings(m.longs()) : null;
          case Condition.Range r ->
              index.schema == PayloadSchema.INTEGER || index.schema == PayloadSchema.FLOAT
                  ? index.rangePostings(r)
                  : null;
          case Condition.DatetimeRange d ->
              index.schema == PayloadSchema.DATETIME ? index.rangePostings(d.micros()) : null;
          case Condition.GeoRadius g ->
              index.schema == PayloadSchema.GEO
                  ? latitudeBand(
                      index,
                      g.lat() - Geo.latitudeSpan(g.meters()),
                      g.lat() + Geo.latitudeSpan(g.meters()))
                  : null;
          case Condition.GeoBox b ->
              index.schema == PayloadSchema.GEO ? latitudeBand(index, b.bottom(), b.top()) : null;
          case Condition.GeoPolygon p -> {
            if (index.schema != PayloadSchema.GEO) {
              yield null;
            }
            double lo = 90;
            double hi = -90;
            for (double[] q : p.exterior()) {
              lo = Math.min(lo, q[0]);
              hi = Math.max(hi, q[0]);
            }
            yield latitudeBand(index, lo, hi);
          }
          default -> null;
        };
    if (postings == null) {
      return null;
    }
    long upper = 0;
    for (Posting p : postings) {
      upper = saturatedAdd(upper, p.size());
    }
    // One posting is exactly the matching set; several may overlap (array values). A latitude
    // band is only a superset of a geo condition's points.
    boolean geo =
        f.predicate() instanceof Condition.GeoRadius
            || f.predicate() instanceof Condition.GeoBox
            || f.predicate() instanceof Condition.GeoPolygon;
    return new Union(postings, upper, !geo && postings.size() <= 1);
  }

  /** The postings of every point with a latitude in [lo, hi]: a superset for a geo condition. */
  private static List<Posting> latitudeBand(FieldIndex index, double lo, double hi) {
    return index.rangePostings(
        new Condition.Range(Double.NaN, Math.max(-90, lo), Double.NaN, Math.min(90, hi)));
  }

  private Est hasId(Condition.HasId h) {
    if (ordinalOf == null) {
      return null;
    }
    int[] ords = new int[h.ids().size()];
    int n = 0;
    for (PointId id : h.ids()) {
      int o = ordinalOf.applyAsInt(id);
      if (o >= 0) {
        ords[n++] = o;
      }
    }
    ords = Arrays.copyOf(ords, n);
    // Ids map to distinct ordinals, but the map may change under us: an upper bound only.
    return new Ordinals(ords, n, false);
  }

  private static long saturatedAdd(long a, long b) {
    long s = a + b;
    return s < 0 ? Long.MAX_VALUE : s;
  }

  // ---------------------------------------------------------------- materialising

  private static long[] materialize(Est e) {
    return switch (e) {
      case Union u -> {
        long[] words = new long[0];
        for (Posting p : u.postings()) {
          words = p.orInto(words);
        }
        yield words;
      }
      case Ordinals o -> {
        long[] words = new long[0];
        for (int ord : o.ordinals()) {
          int w = ord >>> 6;
          if (w >= words.length) {
            words = Arrays.copyOf(words, Math.max(w + 1, words.length * 2));
          }
          words[w] |= 1L << ord;
        }
        yield words;
      }
      case Or or -> {
        long[] words = new long[0];
        for (Est p : or.parts()) {
          long[] other = materialize(p);
          if (other.length > words.length) {
            words = Arrays.copyOf(words, other.length);
          }
          for (int i = 0; i < other.length; i++) {
            words[i] |= other[i];
          }
        }
        yield words;
      }
      case And and -> {
        // Start from the smallest part: the result is no larger than it.
        List<Est> parts = new ArrayList<>(and.parts());
        parts.sort((a, b) -> Long.compare(a.upper(), b.upper()));
        long[] words = materialize(parts.get(0));
        for (int i = 1; i < parts.size(); i++) {
          long[] other = materialize(parts.get(i));
          for (int w = 0; w < words.length; w++) {
            words[w] &= w < other.length ? other[w] : 0;
          }
        }
        yield words;
      }
    };
  }

  private static int[] toOrdinals(long[] words) {
    int count = 0;
    for (long w : words) {
      count += Long.bitCount(w);
    }
    int[] out = new int[count];
    int n = 0;
    for (int i = 0; i < words.length; i++) {
      long w = words[i];
      while (w != 0) {
        out[n++] = (i << 6) + Long.numberOfTrailingZeros(w);
        w &= w - 1;
      }
    }
    return out;
  }
}
