package io.vecdb.index;

import static io.vecdb.index.HnswGraph.LIVE;
import static io.vecdb.index.HnswGraph.NO_ENTRY;
import static io.vecdb.index.HnswGraph.addInDegree;
import static io.vecdb.index.HnswGraph.entryLevel;
import static io.vecdb.index.HnswGraph.entryNode;
import static io.vecdb.index.HnswGraph.inDegree;
import static io.vecdb.index.HnswGraph.levelOf;
import static io.vecdb.index.HnswGraph.links;
import static io.vecdb.index.HnswGraph.state;

import io.vecdb.index.HnswGraph.Page;
import io.vecdb.index.HnswSearcher.Scratch;

/**
 * Keeps an {@link HnswIndex}'s live nodes reachable: relinks a live node that lost its last layer-0
 * in-link (after a remove, or a compaction's repairs), and the connectivity walk that links every
 * unreached live node from its nearest reached one (the last phase of a compaction). Changes lists
 * as the builder does, under each owner's stripe; the caller holds the read side of the structure
 * lock.
 */
final class HnswReachability {
  /** Steps of the connectivity walk per hold of the read side. */
  static final int WALK_RUN = 4096;

  /**
   * Makes every live node below {@code n} reachable from the entry point on layer 0: a
   * breadth-first walk marks what is reachable, and each unreached live node gets a link from its
   * nearest reached node (found by a graph search restricted to reached nodes), after which the
   * walk goes on from it. In-degree bookkeeping already prevents orphans; this catches closed
   * groups, which exact duplicates can form. Caller holds {@code read} (the read side of the
   * index's structure lock), which this yields every {@link #WALK_RUN} steps so that a {@link
   * HnswIndex#capture} or a compaction's second phase need not wait for the whole walk. Adds and
   * removes may run meanwhile: nodes added since {@code n} are not walked, and a path cut by a
   * prune after the walk crossed it is mended by the next compaction.
   */
  void connectUnreachable(Page[] ps, int n, Scratch s, java.util.concurrent.locks.Lock read) {
    long e = graph.entry.get();
    if (e == NO_ENTRY || entryNode(e) >= n) {
      return;
    }
    boolean[] reached = new boolean[n];
    int[] queue = new int[n];
    int head = 0;
    int tail = 0;
    reached[entryNode(e)] = true;
    queue[tail++] = entryNode(e);
    int steps = 0;
    for (int start = 0; ; ) {
      while (head < tail) {
        if (++steps % WALK_RUN == 0) {
          read.unlock();
          read.lock();
        }
        int[] list = links(ps, queue[head++], 0);
        for (int i = 0; i < list.length >>> 1; i++) {
          int t = list[i];
          if (t < n && !reached[t]) {
            reached[t] = true;
            queue[tail++] = t;
          }
        }
      }
      while (start < n && (reached[start] || state(ps, start) != LIVE)) {
        start++;
      }
      if (start == n) {
        return;
      }
      int u = start;
      float[] q = graph.copyVector(ps, u);
      int ep = entryNode(e);
      float epDist = scorer.dist(q, 0, graph.pageOf(ps, ep), ep);
      for (int l = Math.min(entryLevel(e), levelOf(ps, ep)); l > 0; l--) {
        long best = searcher.greedy(q, ep, epDist, l, ps, s);
        ep = LongHeap.ordinal(best);
        epDist = LongHeap.distance(best);
      }
      // Reached tombstones are fine link sources too: searches walk through them.
      searcher.searchLayer(q, ep, epDist, config.efConstruct(), 0, false, null, s);
      long nearest = Long.MAX_VALUE;
      for (LongHeap r = s.results; !r.isEmpty(); ) {
        long key = ~r.pop();
        int o = LongHeap.ordinal(key);
        if (o < n && reached[o]) {
          nearest = Math.min(nearest, key);
        }
      }
      int from = nearest == Long.MAX_VALUE ? ep : LongHeap.ordinal(nearest);
      if (from >= n || !reached[from]) {
        from = entryNode(e);
      }
      forceLink(ps, from, u);
      reached[u] = true;
      queue[tail++] = u;
    }
  }

  /** Adds the link {@code from -> to} on layer 0, even beyond the list's usual maximum. */
  void forceLink(Page[] ps, int from, int to) {
    synchronized (graph.stripe(from)) {
      int[] list = links(ps, from, 0);
      int cnt = list.length >>> 1;
      if (HnswBuilder.contains(list, cnt, to)) {
        return;
      }
      float d = scorer.dist(graph.copyVector(ps, from), 0, graph.pageOf(ps, to), to);
      // No link is dropped to make room: the walk has already counted the old targets as reached
      // through this list. The list may exceed the usual maximum until its next pruning.
      int[] next = list;
      if (state(ps, from) == LIVE) {
        addInDegree(ps, to, 1);
      }
      graph.publish(ps, from, 0, HnswBuilder.insertSorted(next, to, d));
    }
  }

  /** Gives a live node that lost its last layer-0 in-link one again, from its nearest node. */
  void relink(int node, Page[] ps, Scratch s) {
    long e = graph.entry.get();
    if (inDegree(ps, node) > 0 || e == NO_ENTRY || entryNode(e) == node) {
      return;
    }
    // Cheapest first: the node's own nearest live neighbour takes it back (a mutual link, the
    // distance is stored in the list). Only a node with no live neighbour left costs a search.
    int[] own = links(ps, node, 0);
    int ownN = own.length >>> 1;
    for (int i = 0; i < ownN; i++) {
      // It must have a live in-link other than this node's own link to it, or the two would
      // form a closed pair that nothing else reaches.
      if (own[i] != node && graph.stateOf(own[i]) == LIVE && inDegree(graph.pages, own[i]) > 1) {
        builder.addBacklink(own[i], 0, node, Float.intBitsToFloat(own[ownN + i]), s);
        return;
      }
    }
    float[] q = graph.copyVector(ps, node);
    int ep = entryNode(e);
    float epDist = scorer.dist(q, 0, graph.pageOf(ps, ep), ep);
    for (int l = entryLevel(e); l > 0; l--) {
      long best = searcher.greedy(q, ep, epDist, l, ps, s);
      ep = LongHeap.ordinal(best);
      epDist = LongHeap.distance(best);
    }
    // As in link(): tombstones count towards ef (so the cost does not grow with their share), the
    // link comes from the nearest live node; a live-only search only if none was found.
    long nearest = Long.MAX_VALUE;
    for (int pass = 0; pass < 2 && nearest == Long.MAX_VALUE; pass++) {
      // One link is wanted, so a narrow search: 2m nearest of any state, else the first live.
      searcher.searchLayer(
          q, ep, epDist, pass == 0 ? builder.maxLinks(0) : 1, 0, pass == 1, x -> x != node, s);
      for (LongHeap results = s.results; !results.isEmpty(); ) {
        long key = ~results.pop();
        int o = LongHeap.ordinal(key);
        if (o != node && graph.stateOf(o) == LIVE) {
          nearest = Math.min(nearest, key);
        }
      }
    }
    if (nearest != Long.MAX_VALUE) {
      builder.addBacklink(LongHeap.ordinal(nearest), 0, node, LongHeap.distance(nearest), s);
    }
  }

  private final HnswGraph graph;
  private final HnswScorer scorer;
  private final HnswSearcher searcher;
  private final HnswBuilder builder;
  private final HnswConfig config;

  HnswReachability(
      HnswGraph graph,
      HnswScorer scorer,
      HnswSearcher searcher,
      HnswBuilder builder,
      HnswConfig config) {
    this.graph = graph;
    this.scorer = scorer;
    this.searcher = searcher;
    this.builder = builder;
    this.config = config;
  }
}
