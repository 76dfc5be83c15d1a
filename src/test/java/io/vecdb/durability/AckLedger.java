package io.vecdb.durability;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every write a crash workload sent, per point id, in the order the server saw them, with whether
 * the server acknowledged it; and the check of a recovered server's points against that history.
 *
 * <p>The model: each id is written by one client thread only, one request at a time, so the order
 * of an id's operations is that thread's order, and a request is finished (answered or abandoned
 * with the thread) before the next one on that id is sent. An acknowledged operation (HTTP 200)
 * must be durable. An unknown one (no answer: the server died, or an error status) may or may not
 * have been applied. So after a crash the id's state must be the state after its last acknowledged
 * operation (absent if none), or the state after one of the unknown operations that follow it.
 *
 * <p>Threading: {@link #record} is called by the one worker thread that owns the id; {@link
 * #verify} and {@link #settle} run on the test thread after every worker has been joined (the join
 * is the happens-before edge that publishes the per-id lists).
 */
final class AckLedger {

  enum Outcome {
    ACKED,
    UNKNOWN
  }

  /** A point's content; {@link #ABSENT} when it does not exist. */
  record PointState(float[] vector, JsonObject payload) {
    static final PointState ABSENT = new PointState(null, null);

    boolean present() {
      return vector != null;
    }

    /** Same vector bit for bit and same payload (numbers compared by value). */
    boolean sameAs(PointState other) {
      if (present() != other.present()) {
        return false;
      }
      if (!present()) {
        return true;
      }
      if (vector.length != other.vector.length) {
        return false;
      }
      for (int i = 0; i < vector.length; i++) {
        if (Float.floatToIntBits(vector[i]) != Float.floatToIntBits(other.vector[i])) {
          return false;
        }
      }
      return canonical(payload).equals(canonical(other.payload));
    }

    String describe() {
      if (!present()) {
        return "absent";
      }
      StringBuilder v = new StringBuilder("vector[").append(vector.length).append("]=[");
      for (int i = 0; i < Math.min(3, vector.length); i++) {
        v.append(i == 0 ? "" : ", ").append(vector[i]);
      }
      v.append(vector.length > 3 ? ", ...]" : "]");
      v.append(" hash=").append(Integer.toHexString(Arrays.hashCode(vector)));
      return v.append(" payload=").append(canonical(payload)).toString();
    }
  }

  /**
   * One operation on one id. {@code seq} is the sending thread's operation number; {@code label}
   * says what it was (for failure messages).
   */
  record Op(long seq, String label, PointState after, Outcome outcome) {}

  private final Map<Long, List<Op>> history = new ConcurrentHashMap<>();

  /** Appends an operation to an id's history; called by the id's owning thread only. */
  void record(long id, Op op) {
    history.computeIfAbsent(id, k -> new ArrayList<>()).add(op);
  }

  int idCount() {
    return history.size();
  }

  /** The states the id may be in after a crash; see the class comment. */
  List<PointState> allowedStates(long id) {
    List<Op> ops = history.getOrDefault(id, List.of());
    int lastAcked = -1;
    for (int i = ops.size() - 1; i >= 0; i--) {
      if (ops.get(i).outcome() == Outcome.ACKED) {
        lastAcked = i;
        break;
      }
    }
    List<PointState> allowed = new ArrayList<>();
    allowed.add(lastAcked < 0 ? PointState.ABSENT : ops.get(lastAcked).after());
    for (int i = lastAcked + 1; i < ops.size(); i++) {
      allowed.add(ops.get(i).after());
    }
    return allowed;
  }

  /**
   * Compares a recovered server's full content ({@code actual}: every point it returned) with the
   * history. Returns one line per wrong id (at most {@code maxReported}, then a count), empty when
   * everything acknowledged survived and nothing unwritten appeared.
   */
  List<String> verify(Map<Long, PointState> actual, int maxReported) {
    List<String> failures = new ArrayList<>();
    int wrong = 0;
    for (Map.Entry<Long, List<Op>> entry : new TreeMap<>(history).entrySet()) {
      long id = entry.getKey();
      PointState found = actual.getOrDefault(id, PointState.ABSENT);
      List<PointState> allowed = allowedStates(id);
      if (allowed.stream().noneMatch(found::sameAs)) {
        wrong++;
        if (failures.size() < maxReported) {
          failures.add(describeFailure(id, found, allowed, entry.getValue()));
        }
      }
    }
    for (Map.Entry<Long, PointState> entry : new TreeMap<>(actual).entrySet()) {
      if (!history.containsKey(entry.getKey())) {
        wrong++;
        if (failures.size() < maxReported) {
          failures.add(
              "id "
                  + entry.getKey()
                  + ": never written, but the server has it: "
                  + entry.getValue().describe());
        }
      }
    }
    if (wrong > failures.size()) {
      failures.add("... and " + (wrong - failures.size()) + " more wrong ids");
    }
    return failures;
  }

  /**
   * After a successful {@link #verify}, the observed state becomes the new acknowledged baseline of
   * every id: an unknown operation that recovery applied (or dropped) must stay applied (or
   * dropped) through every later crash.
   */
  void settle(Map<Long, PointState> actual, String label) {
    for (Map.Entry<Long, List<Op>> entry : history.entrySet()) {
      List<Op> ops = entry.getValue();
      PointState observed = actual.getOrDefault(entry.getKey(), PointState.ABSENT);
      ops.clear();
      ops.add(new Op(-1, label, observed, Outcome.ACKED));
    }
  }

  private static String describeFailure(
      long id, PointState found, List<PointState> allowed, List<Op> ops) {
    StringBuilder out = new StringBuilder("id ").append(id).append(": found ");
    out.append(found.describe()).append("; allowed: ");
    for (int i = 0; i < allowed.size(); i++) {
      out.append(i == 0 ? "" : " | ").append(allowed.get(i).describe());
    }
    out.append("; last ops: ");
    for (Op op : ops.subList(Math.max(0, ops.size() - 4), ops.size())) {
      out.append('[').append(op.label()).append(" seq=").append(op.seq());
      out.append(' ').append(op.outcome()).append("] ");
    }
    return out.toString();
  }

  /** A text form of a JSON value with sorted keys and numbers by value, for equality. */
  static String canonical(Object value) {
    StringBuilder out = new StringBuilder();
    appendCanonical(value, out);
    return out.toString();
  }

  private static void appendCanonical(Object value, StringBuilder out) {
    switch (value) {
      case null -> out.append("null");
      case JsonObject object -> {
        out.append('{');
        boolean first = true;
        for (String key : new TreeMap<>(object.getMap()).keySet()) {
          out.append(first ? "" : ",").append(quote(key)).append(':');
          appendCanonical(object.getValue(key), out);
          first = false;
        }
        out.append('}');
      }
      case Map<?, ?> map -> appendCanonical(new JsonObject(castMap(map)), out);
      case JsonArray array -> {
        out.append('[');
        for (int i = 0; i < array.size(); i++) {
          out.append(i == 0 ? "" : ",");
          appendCanonical(array.getValue(i), out);
        }
        out.append(']');
      }
      case List<?> list -> appendCanonical(new JsonArray(new ArrayList<>(list)), out);
      case Number number -> {
        BigDecimal decimal = new BigDecimal(number.toString()).stripTrailingZeros();
        out.append(decimal.signum() == 0 ? "0" : decimal.toPlainString());
      }
      case String string -> out.append(quote(string));
      default -> out.append(value);
    }
  }

  private static String quote(String s) {
    String encoded = JsonArray.of(s).encode(); // ["..."] with JSON escapes
    return encoded.substring(1, encoded.length() - 1);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Map<?, ?> map) {
    return (Map<String, Object>) map;
  }
}
