package io.vecdb.cluster.sim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A linearizability checker for histories of a key-value register (put, delete, read), after Wing
 * and Gong with Lowe's memoisation, as Porcupine implements it: each key is checked on its own
 * (linearizability is compositional), by a depth-first search over the orders of overlapping
 * operations that backtracks on a read the register could not have returned, and never visits the
 * same (set of linearized operations, register value) twice.
 *
 * <p>An operation whose outcome is unknown has no return (it may take effect at any time after its
 * call, or never: linearized after everything else, it changes no observation). Failed writes are
 * left out of the history by the caller: if one took effect, some read returns a value nobody put.
 */
final class Linearizability {
  enum Kind {
    PUT,
    DELETE,
    READ
  }

  /**
   * One operation. {@code value}: the value put, or the value read (null: absent). {@code ret}:
   * {@link Long#MAX_VALUE} when the outcome is unknown.
   */
  record Op(int client, String key, Kind kind, Integer value, long call, long ret) {
    @Override
    public String toString() {
      return "c"
          + client
          + " "
          + kind
          + "("
          + key
          + (kind == Kind.DELETE ? "" : "=" + value)
          + ") ["
          + call
          + ", "
          + (ret == Long.MAX_VALUE ? "?" : ret)
          + "]";
    }
  }

  /** The first key whose history is not linearizable, with that history; null if all are. */
  static String check(List<Op> history) {
    Map<String, List<Op>> byKey = new HashMap<>();
    for (Op op : history) {
      byKey.computeIfAbsent(op.key, k -> new ArrayList<>()).add(op);
    }
    for (Map.Entry<String, List<Op>> e : byKey.entrySet()) {
      if (!checkKey(e.getValue())) {
        List<Op> ops = new ArrayList<>(e.getValue());
        ops.sort(Comparator.comparingLong(Op::call));
        StringBuilder sb = new StringBuilder("key " + e.getKey() + " is not linearizable:");
        for (Op op : ops) {
          sb.append("\n  ").append(op);
        }
        return sb.toString();
      }
    }
    return null;
  }

  private static final class Entry {
    final boolean isCall;
    final int id;
    final Op op;
    final long time;
    Entry match; // the call's return, or the return's call
    Entry prev;
    Entry next;

    Entry(boolean isCall, int id, Op op, long time) {
      this.isCall = isCall;
      this.id = id;
      this.op = op;
      this.time = time;
    }
  }

  private record Memo(BitSet linearized, Integer state) {}

  private record Frame(Entry entry, Integer state) {}

  static boolean checkKey(List<Op> ops) {
    List<Entry> events = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      Entry call = new Entry(true, i, op, op.call);
      Entry ret = new Entry(false, i, op, op.ret);
      call.match = ret;
      ret.match = call;
      events.add(call);
      events.add(ret);
    }
    // By time; at equal times calls come first, so touching operations count as concurrent.
    events.sort(
        (a, b) ->
            a.time != b.time
                ? Long.compare(a.time, b.time)
                : Boolean.compare(!a.isCall, !b.isCall));
    Entry head = new Entry(false, -1, null, Long.MIN_VALUE);
    Entry last = head;
    for (Entry e : events) {
      last.next = e;
      e.prev = last;
      last = e;
    }
    Set<Memo> cache = new HashSet<>();
    Deque<Frame> calls = new ArrayDeque<>();
    BitSet linearized = new BitSet(ops.size());
    Integer state = null;
    Entry entry = head.next;
    while (head.next != null) {
      if (entry == null) {
        return false; // defensive: the loop below always finds a return first
      }
      if (entry.isCall) {
        Integer next = step(state, entry.op);
        boolean ok = next != NOT_ALLOWED;
        if (ok) {
          BitSet after = (BitSet) linearized.clone();
          after.set(entry.id);
          if (cache.add(new Memo(after, next))) {
            calls.push(new Frame(entry, state));
            state = next;
            linearized.set(entry.id);
            lift(entry);
            entry = head.next;
            continue;
          }
        }
        entry = entry.next;
      } else {
        if (calls.isEmpty()) {
          return false;
        }
        Frame top = calls.pop();
        state = top.state;
        linearized.clear(top.entry.id);
        unlift(top.entry);
        entry = top.entry.next;
      }
    }
    return true;
  }

  private static final Integer NOT_ALLOWED = Integer.valueOf(Integer.MIN_VALUE + 7);

  /** The register after {@code op}, or NOT_ALLOWED if {@code op}'s output is impossible. */
  private static Integer step(Integer state, Op op) {
    return switch (op.kind) {
      case PUT -> op.value;
      case DELETE -> null;
      case READ -> Objects.equals(state, op.value) ? state : NOT_ALLOWED;
    };
  }

  private static void lift(Entry call) {
    call.prev.next = call.next;
    call.next.prev = call.prev;
    Entry ret = call.match;
    ret.prev.next = ret.next;
    if (ret.next != null) {
      ret.next.prev = ret.prev;
    }
  }

  private static void unlift(Entry call) {
    Entry ret = call.match;
    ret.prev.next = ret;
    if (ret.next != null) {
      ret.next.prev = ret;
    }
    call.prev.next = call;
    call.next.prev = call;
  }
}
