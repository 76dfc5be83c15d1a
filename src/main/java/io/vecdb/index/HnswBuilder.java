package io.vecdb.index;

import static io.vecdb.index.HnswGraph.LIVE;
import static io.vecdb.index.HnswGraph.MAX_LEVEL;
import static io.vecdb.index.HnswGraph.NO_ENTRY;
import static io.vecdb.index.HnswGraph.PAGE_MASK;
import static io.vecdb.index.HnswGraph.PAGE_SHIFT;
import static io.vecdb.index.HnswGraph.addInDegree;
import static io.vecdb.index.HnswGraph.entryLevel;
import static io.vecdb.index.HnswGraph.entryNode;
import static io.vecdb.index.HnswGraph.inDegree;
import static io.vecdb.index.HnswGraph.links;
import static io.vecdb.index.HnswGraph.packEntry;
import static io.vecdb.index.HnswGraph.state;

import io.vecdb.index.HnswGraph.Page;
import io.vecdb.index.HnswSearcher.Scratch;
import java.util.Arrays;

/**
 * Insertion into an {@link HnswIndex}'s graph: levels, linking a new node layer by layer from the
 * entry point, neighbour selection (the HNSW heuristic), back-links with pruning, and the layer-0
 * in-degree bookkeeping that keeps every live node's last in-link. Runs beside searches and other
 * inserts: a node's lists are replaced only under its stripe ({@link HnswGraph#stripe}), one stripe
 * at a time; an add that rises above the entry's level holds {@code promotionLock} for its whole
 * link. The facade holds the read side of the structure lock around every call.
 */
final class HnswBuilder {
  /**
   * Held by an add whose node rises above the entry point's level, for its whole link: such adds
   * run one at a time, so the second links its upper layers to the first instead of both linking
   * from the old entry and leaving those layers empty. Rare (one add in about m^level).
   */
  private final Object promotionLock = new Object();

  /**
   * Tests only: runs inside {@link HnswIndex#add} once it read the entry point it links from; else
   * null.
   */
  volatile Runnable afterEntryRead;

  /**
   * Tests only: runs inside {@link #moveEntryOff} once it chose the new entry point and before it
   * installs it; else null.
   */
  volatile Runnable beforeEntryMoved;

  /**
   * Level from a hash of (seed, ordinal): reproducible whatever the thread interleaving (tests).
   */
  int levelFor(int ord) {
    long z = config.seed() + (ord + 1L) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    double u = ((z >>> 11) + 1) * 0x1.0p-53; // (0, 1]
    return (int) Math.min(MAX_LEVEL, Math.floor(-Math.log(u) * levelMultiplier));
  }

  /** Links a node whose vector is stored and state is LIVE into every layer up to its level. */
  void link(int ord, float[] vecs, int off, int level, Scratch s) {
    long e;
    while ((e = graph.entry.get()) == NO_ENTRY) {
      if (graph.entry.compareAndSet(NO_ENTRY, packEntry(ord, level))) {
        return;
      }
    }
    if (level > entryLevel(e)) {
      synchronized (promotionLock) {
        linkFrom(graph.entry.get(), ord, vecs, off, level, s); // another may have risen meanwhile
      }
    } else {
      linkFrom(e, ord, vecs, off, level, s);
    }
  }

  /**
   * Links node {@code ord} into layers {@code 0..level} from entry {@code e}; raises the entry
   * point if the node is above it.
   */
  private void linkFrom(long e, int ord, float[] vecs, int off, int level, Scratch s) {
    Runnable hook = afterEntryRead;
    if (hook != null) {
      hook.run();
    }
    // The vector is copied so distances are taken against a private array (cheap, once per add).
    float[] q = Arrays.copyOfRange(vecs, off, off + graph.dimension);
    Page[] ps = graph.pages;
    int ep = entryNode(e);
    int top = entryLevel(e);
    float epDist = scorer.dist(q, 0, graph.pageOf(ps, ep), ep);
    for (int l = top; l > level; l--) {
      long best = searcher.greedy(q, ep, epDist, l, ps, s);
      ep = LongHeap.ordinal(best);
      epDist = LongHeap.distance(best);
    }
    for (int l = Math.min(level, top); l >= 0; l--) {
      // Only live nodes fill the ef_construct results; tombstones are walked through, as a
      // search walks them, and never linked to (hnswlib and Lucene also skip deleted nodes as
      // neighbours; a tombstone gaining in-links would let lists grow with every overwrite).
      // Counting tombstones among the ef nearest, as this did, kept the cost flat as they piled
      // up but crowded the live candidates out: every point overwritten 4 times before a
      // compaction left recall@10 at 0.82 against a fresh build's 0.93 (8 times: 0.49). Now it
      // stays level, for 1.08x the distances per insert at a 20% tombstone share (the optimizer's
      // default trigger) and 2.3x at 80% (ChurnRecallBench). Only if no live node is reachable
      // are tombstones taken, so that the newcomer is still linked in.
      searcher.searchLayer(q, ep, epDist, config.efConstruct(), l, true, null, s);
      if (s.results.size() == 0) {
        searcher.searchLayer(q, ep, epDist, config.efConstruct(), l, false, null, s);
      }
      LongHeap results = s.results;
      int found = results.size();
      long[] sorted = new long[found];
      for (int i = found - 1; i >= 0; i--) {
        sorted[i] = ~results.pop();
      }
      int n = 0;
      for (int i = 0; i < found; i++) {
        if (graph.isLive(LongHeap.ordinal(sorted[i]))) {
          sorted[n++] = sorted[i];
        }
      }
      if (n == 0) {
        n = found; // no live node was written over the list, so it is intact
      }
      if (n == 0) {
        continue;
      }
      ep = LongHeap.ordinal(sorted[0]);
      epDist = LongHeap.distance(sorted[0]);
      int[] chosen = setOwnLinks(ord, l, sorted, n, s);
      int count = chosen.length >>> 1;
      for (int i = 0; i < count; i++) {
        addBacklink(chosen[i], l, ord, Float.intBitsToFloat(chosen[count + i]), s);
      }
    }
    while (level > entryLevel(e)) {
      if (graph.entry.compareAndSet(e, packEntry(ord, level))) {
        break;
      }
      e = graph.entry.get();
    }
  }

  int maxLinks(int level) {
    return level == 0 ? 2 * config.m() : config.m();
  }

  /**
   * The HNSW paper's heuristic (hnswlib's getNeighborsByHeuristic2): walk candidates nearest first;
   * keep one unless it is closer to an already kept neighbour than to the base. {@code sorted}
   * holds packed (distance to base, ordinal), ascending; {@code exclude} is skipped.
   */
  int[] selectNeighbours(long[] sorted, int n, int max, int exclude) {
    return selectNeighbours(sorted, n, max, exclude, false);
  }

  /**
   * As above; with {@code fill}, slots the heuristic leaves empty are filled with the nearest
   * pruned candidates (hnswlib's keepPrunedConnections), which compaction uses so that repaired
   * nodes do not end up with fewer links than before.
   */
  int[] selectNeighbours(long[] sorted, int n, int max, int exclude, boolean fill) {
    int[] ids = new int[Math.min(n, max)];
    float[] ds = new float[ids.length];
    int count = 0;
    Page[] ps = graph.pages;
    // A candidate's vector in place on the heap; from a mapped page it is copied (a kernel's first
    // operand is an array), and only when there is a kept neighbour to compare it with.
    float[] buf = graph.mapped() ? new float[graph.dimension] : null;
    for (int i = 0; i < n && count < ids.length; i++) {
      int c = LongHeap.ordinal(sorted[i]);
      if (c == exclude) {
        continue;
      }
      float dc = LongHeap.distance(sorted[i]);
      float[] cv;
      int co;
      if (buf == null) {
        cv = graph.vectorsOf(ps, c);
        co = graph.offsetOf(c);
      } else {
        cv = count == 0 ? null : graph.readVector(ps, c, buf, 0);
        co = 0;
      }
      boolean keep = true;
      for (int j = 0; j < count; j++) {
        float dcs = scorer.dist(cv, co, graph.pageOf(ps, ids[j]), ids[j]);
        // "<=" rather than the paper's "<": an exact duplicate of a kept neighbour adds nothing,
        // also when the base itself is a duplicate (distance 0 both ways).
        if (dcs <= dc) {
          keep = false;
          break;
        }
      }
      if (keep) {
        ids[count] = c;
        ds[count] = dc;
        count++;
      }
    }
    if (fill && count < ids.length) {
      int selected = count;
      for (int i = 0; i < n && count < ids.length; i++) {
        int c = LongHeap.ordinal(sorted[i]);
        if (c != exclude && !contains(ids, selected, c)) {
          ids[count] = c;
          ds[count] = LongHeap.distance(sorted[i]);
          count++;
        }
      }
      if (count > selected) {
        // Keep the list sorted by distance: merge the fill-ins into place.
        long[] packed = new long[count];
        for (int i = 0; i < count; i++) {
          packed[i] = LongHeap.pack(ds[i], ids[i]);
        }
        Arrays.sort(packed);
        for (int i = 0; i < count; i++) {
          ids[i] = LongHeap.ordinal(packed[i]);
          ds[i] = LongHeap.distance(packed[i]);
        }
      }
    }
    int[] out = new int[2 * count];
    for (int i = 0; i < count; i++) {
      out[i] = ids[i];
      out[count + i] = Float.floatToRawIntBits(ds[i]);
    }
    return out;
  }

  /**
   * Publishes a new node's list chosen from {@code sorted} candidates, merged with links that other
   * inserts already gave it. Returns the published list.
   */
  private int[] setOwnLinks(int ord, int level, long[] sorted, int n, Scratch s) {
    synchronized (graph.stripe(ord)) {
      Page[] ps = graph.pages;
      int[] current = links(ps, ord, level);
      long[] all = sorted;
      int count = n;
      if (current.length > 0) {
        all = withList(sorted, n, current);
        count = all.length;
      }
      // At most m of its own on every layer, layer 0 included, as hnswlib's
      // mutuallyConnectNewElement chooses; back-links from later inserts fill layer 0 up to 2m.
      // Choosing 2m here cost 1.3x hnswlib's distances per insert on a 384-d text set.
      return replaceList(ps, ord, level, current, all, count, config.m(), false, s);
    }
  }

  /** Adds {@code newcomer} to {@code node}'s list on {@code level}, pruning if it is full. */
  void addBacklink(int node, int level, int newcomer, float d, Scratch s) {
    synchronized (graph.stripe(node)) {
      Page[] ps = graph.pages;
      int[] current = links(ps, node, level);
      int n = current.length >>> 1;
      for (int i = 0; i < n; i++) {
        if (current[i] == newcomer) {
          return;
        }
      }
      if (n < maxLinks(level)) {
        if (level == 0 && state(ps, node) == LIVE) {
          addInDegree(ps, newcomer, 1);
        }
        graph.publish(ps, node, level, insertSorted(current, newcomer, d));
      } else {
        long[] all = withList(new long[] {LongHeap.pack(d, newcomer)}, 1, current);
        replaceList(ps, node, level, current, all, all.length, maxLinks(level), false, s);
      }
    }
  }

  /** {@code sorted[0, n)} plus the entries of {@code list} not already there, sorted. */
  static long[] withList(long[] sorted, int n, int[] list) {
    int ln = list.length >>> 1;
    long[] all = Arrays.copyOf(sorted, n + ln);
    int count = n;
    outer:
    for (int i = 0; i < ln; i++) {
      for (int j = 0; j < n; j++) {
        if (LongHeap.ordinal(sorted[j]) == list[i]) {
          continue outer;
        }
      }
      all[count++] = LongHeap.pack(Float.intBitsToFloat(list[ln + i]), list[i]);
    }
    Arrays.sort(all, 0, count);
    return count == all.length ? all : Arrays.copyOf(all, count);
  }

  /**
   * Replaces {@code owner}'s list on {@code level} (the caller holds its stripe) by the heuristic's
   * choice among {@code sorted}, and returns it. On layer 0 it keeps the in-degree counts and never
   * drops the last in-link of a node that needs one: such a node displaces the farthest kept
   * neighbour that has another in-link, or, if none has, is appended beyond the usual maximum.
   * Plain HNSW pruning can orphan nodes (exact duplicates do it reliably); this keeps every live
   * node reachable. Only live nodes need an in-link, and only live owners' lists count (a
   * tombstone's list changes no count): protecting tombstones too made lists grow with every
   * overwrite, each prune quadratic in the list length.
   *
   * @param max how many the heuristic may keep: {@link #maxLinks} for an existing node's list, m
   *     for a newcomer's own
   * @param fill fill slots the heuristic leaves empty with the nearest pruned candidates
   */
  int[] replaceList(
      Page[] ps,
      int owner,
      int level,
      int[] old,
      long[] sorted,
      int n,
      int max,
      boolean fill,
      Scratch s) {
    int[] chosen = selectNeighbours(sorted, n, max, owner, fill);
    // The owner's state cannot change meanwhile: remove() flips it under the same stripe.
    if (level == 0 && state(ps, owner) == LIVE) {
      chosen = keepLastInLinks(ps, owner, old, chosen, sorted, n, s);
    }
    graph.publish(ps, owner, level, chosen);
    return chosen;
  }

  /**
   * In-degree bookkeeping for a layer-0 list change from {@code old} to {@code chosen}; linear in
   * the lengths (hash sets, and one downward pass for displaced neighbours).
   */
  private int[] keepLastInLinks(
      Page[] ps, int owner, int[] old, int[] chosen, long[] sorted, int n, Scratch s) {
    int oldN = old.length >>> 1;
    int cn = chosen.length >>> 1;
    IntSet oldSet = IntSet.of(old, oldN);
    IntSet idSet = new IntSet(cn + n);
    int[] ids = Arrays.copyOf(chosen, cn + n);
    float[] ds = new float[cn + n];
    for (int i = 0; i < cn; i++) {
      ds[i] = Float.intBitsToFloat(chosen[cn + i]);
      idSet.add(ids[i]);
      if (!oldSet.contains(ids[i])) {
        addInDegree(ps, ids[i], 1);
      }
    }
    int count = cn;
    // Victims are taken from the end of the heuristic's choice downwards; positions passed are
    // either replaced by a kept node or have no other in-link, so no position is looked at twice.
    // The nearest m are never displaced: they are what joins the owner to its own neighbourhood
    // (displacing them let hubs trade their links to each other for dependants, and a group of
    // hubs whose only in-links came from each other was cut off).
    int floor = Math.min(cn, config.m());
    int cursor = cn - 1;
    // Displaced neighbours are uncounted once, when displaced. One further down the candidates
    // must not be taken as a dropped old link again: that uncounted it twice (after two rounds of
    // overwrites of 2,000 points and a compaction, 6 to 19 nodes were counted a link short).
    IntSet displaced = null;
    for (int i = 0; i < n; i++) {
      int c = LongHeap.ordinal(sorted[i]);
      if (c == owner || idSet.contains(c) || displaced != null && displaced.contains(c)) {
        continue;
      }
      boolean wasLinked = oldSet.contains(c);
      boolean needs = needsInLink(ps, c);
      if (wasLinked) {
        if (addInDegree(ps, c, -1) > 0) {
          continue; // still reachable through another list
        }
        if (!needs) {
          continue;
        }
        addInDegree(ps, c, 1);
      } else if (!needs || inDegree(ps, c) > 0) {
        continue;
      }
      int victim = -1;
      while (cursor >= floor && victim < 0) {
        int j = cursor--;
        if (addInDegree(ps, ids[j], -1) > 0) {
          victim = j;
        } else {
          addInDegree(ps, ids[j], 1);
        }
      }
      if (victim < 0) {
        victim = count++;
      } else {
        idSet.remove(ids[victim]);
        displaced = displaced == null ? new IntSet(cn) : displaced;
        displaced.add(ids[victim]);
      }
      ids[victim] = c;
      ds[victim] = LongHeap.distance(sorted[i]);
      idSet.add(c);
      if (!wasLinked) {
        addInDegree(ps, c, 1);
      }
    }
    // Old links that were not even candidates (compaction drops links to removed nodes).
    IntSet candidates = null;
    for (int i = 0; i < oldN; i++) {
      if (!idSet.contains(old[i])) {
        if (candidates == null) {
          candidates = new IntSet(n);
          for (int j = 0; j < n; j++) {
            candidates.add(LongHeap.ordinal(sorted[j]));
          }
        }
        if (!candidates.contains(old[i])) {
          addInDegree(ps, old[i], -1);
        }
      }
    }
    long[] packed = new long[count];
    for (int i = 0; i < count; i++) {
      packed[i] = LongHeap.pack(ds[i], ids[i]);
    }
    Arrays.sort(packed);
    int[] out = new int[2 * count];
    for (int i = 0; i < count; i++) {
      out[i] = LongHeap.ordinal(packed[i]);
      out[count + i] = Float.floatToRawIntBits(LongHeap.distance(packed[i]));
    }
    return out;
  }

  /** Whether pruning must keep {@code node}'s last layer-0 in-link: only live nodes need one. */
  private static boolean needsInLink(Page[] ps, int node) {
    return state(ps, node) == LIVE;
  }

  static boolean contains(int[] a, int n, int x) {
    for (int i = 0; i < n; i++) {
      if (a[i] == x) {
        return true;
      }
    }
    return false;
  }

  static int[] insertSorted(int[] list, int node, float d) {
    int n = list.length >>> 1;
    int pos = n;
    for (int i = 0; i < n; i++) {
      if (Float.intBitsToFloat(list[n + i]) > d) {
        pos = i;
        break;
      }
    }
    int[] out = new int[2 * (n + 1)];
    System.arraycopy(list, 0, out, 0, pos);
    out[pos] = node;
    System.arraycopy(list, pos, out, pos + 1, n - pos);
    System.arraycopy(list, n, out, n + 1, pos);
    out[n + 1 + pos] = Float.floatToRawIntBits(d);
    System.arraycopy(list, n + pos, out, n + 2 + pos, n - pos);
    return out;
  }

  /**
   * Moves the entry point off a node just removed, to a live node of the highest level (a scan, as
   * rare as removing the entry). Tombstones have no protected in-links, so a removed entry could be
   * cut off from the live graph. If a concurrent add raised the entry meanwhile, that stands.
   */
  void moveEntryOff(int removed, Page[] ps) {
    long e = graph.entry.get();
    if (e == NO_ENTRY || entryNode(e) != removed) {
      return;
    }
    int n = Math.min(graph.nextOrdinal.get(), ps.length << PAGE_SHIFT);
    int best = -1;
    int bestLevel = -1;
    for (int ord = n - 1; ord >= 0 && bestLevel < entryLevel(e); ord--) {
      if (state(ps, ord) == LIVE) {
        int level = ps[ord >>> PAGE_SHIFT].levels[ord & PAGE_MASK];
        if (level > bestLevel) {
          best = ord;
          bestLevel = level;
        }
      }
    }
    Runnable hook = beforeEntryMoved;
    if (hook != null) {
      hook.run();
    }
    if (best >= 0) {
      graph.entry.compareAndSet(e, packEntry(best, bestLevel));
    }
  }

  private final HnswGraph graph;
  private final HnswScorer scorer;
  private final HnswSearcher searcher;
  private final HnswConfig config;
  private final double levelMultiplier;

  HnswBuilder(HnswGraph graph, HnswScorer scorer, HnswSearcher searcher, HnswConfig config) {
    this.graph = graph;
    this.scorer = scorer;
    this.searcher = searcher;
    this.config = config;
    this.levelMultiplier = 1.0 / Math.log(config.m());
  }
}
