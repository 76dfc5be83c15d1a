package io.vecdb.cluster.placement;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A consistent-hash ring with virtual nodes: each node owns {@code vnodes} points ("tokens") on a
 * 64-bit ring, at {@link Hashing#hash64(String) hash64(nodeId + "#" + i)}. A key is placed by
 * walking clockwise from its hash over the sorted tokens and taking the first {@code n} distinct
 * nodes met, so adding or removing a node changes only the replica sets that the node enters or
 * leaves.
 *
 * <p>An immutable value: thread-safe, cheap to share, equal rings place every key alike. Lookups
 * are a binary search plus a walk of about {@code n} tokens. Ties between equal tokens (a 64-bit
 * collision) are broken by node id so that every node computes the same ring.
 */
public final class HashRing {
  /** Virtual nodes per node unless configured: enough for about ±10% balance on 50 nodes. */
  public static final int DEFAULT_VNODES = 128;

  private final int vnodes;
  private final SortedSet<String> nodes;
  private final long[] tokens; // sorted ascending (signed order; the ring wraps)
  private final String[] owners; // owners[i] owns tokens[i]

  private HashRing(int vnodes, SortedSet<String> nodes) {
    this.vnodes = vnodes;
    this.nodes = Collections.unmodifiableSortedSet(nodes);
    record Token(long hash, String node) {}
    List<Token> all = new ArrayList<>(nodes.size() * vnodes);
    for (String node : nodes) {
      for (int i = 0; i < vnodes; i++) {
        all.add(new Token(Hashing.hash64(node + "#" + i), node));
      }
    }
    all.sort((a, b) -> a.hash != b.hash ? Long.compare(a.hash, b.hash) : a.node.compareTo(b.node));
    this.tokens = new long[all.size()];
    this.owners = new String[all.size()];
    for (int i = 0; i < all.size(); i++) {
      tokens[i] = all.get(i).hash;
      owners[i] = all.get(i).node;
    }
  }

  /** A ring over {@code nodes} (distinct, non-blank ids) with {@code vnodes} tokens each. */
  public static HashRing of(Collection<String> nodes, int vnodes) {
    if (vnodes < 1 || vnodes > 4096) {
      throw new IllegalArgumentException("virtual_nodes: expected 1..4096, got " + vnodes);
    }
    TreeSet<String> set = new TreeSet<>();
    for (String n : nodes) {
      if (n == null || n.isBlank()) {
        throw new IllegalArgumentException("node id: expected a non-blank string, got '" + n + "'");
      }
      if (!set.add(n)) {
        throw new IllegalArgumentException("node id: '" + n + "' appears twice");
      }
    }
    return new HashRing(vnodes, set);
  }

  /** This ring plus {@code node} (this ring itself if it has it already). */
  public HashRing with(String node) {
    if (nodes.contains(node)) {
      return this;
    }
    TreeSet<String> set = new TreeSet<>(nodes);
    set.add(node);
    return of(set, vnodes);
  }

  /** This ring less {@code node} (this ring itself if it lacks it). */
  public HashRing without(String node) {
    if (!nodes.contains(node)) {
      return this;
    }
    TreeSet<String> set = new TreeSet<>(nodes);
    set.remove(node);
    return new HashRing(vnodes, set);
  }

  public SortedSet<String> nodes() {
    return nodes;
  }

  public int vnodes() {
    return vnodes;
  }

  /**
   * The first {@code n} distinct nodes clockwise from {@code key}'s hash: the primary first. Fewer
   * than {@code n} if the ring has fewer nodes; empty on an empty ring.
   */
  public List<String> replicas(String key, int n) {
    if (n < 1) {
      throw new IllegalArgumentException("replication_factor: expected >= 1, got " + n);
    }
    int want = Math.min(n, nodes.size());
    if (want == 0) {
      return List.of();
    }
    long h = Hashing.hash64(key);
    int i = Arrays.binarySearch(tokens, h);
    if (i < 0) {
      i = -i - 1; // the first token >= h
    }
    LinkedHashSet<String> picked = new LinkedHashSet<>();
    for (int step = 0; step < tokens.length && picked.size() < want; step++) {
      picked.add(owners[(i + step) % tokens.length]);
    }
    return List.copyOf(picked);
  }

  /** The replicas of shard {@code shard} of {@code collection}. */
  public List<String> shardReplicas(String collection, int shard, int replicationFactor) {
    return replicas(shardKey(collection, shard), replicationFactor);
  }

  /** The ring key of a shard; part of the placement contract. */
  public static String shardKey(String collection, int shard) {
    return collection + "/" + shard;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HashRing r && r.vnodes == vnodes && r.nodes.equals(nodes);
  }

  @Override
  public int hashCode() {
    return nodes.hashCode() * 31 + vnodes;
  }

  @Override
  public String toString() {
    return "HashRing" + nodes + " x" + vnodes;
  }

  /** Shorthand for {@link #of} with the same ids as a varargs list. */
  public static HashRing of(int vnodes, String... nodes) {
    return of(List.of(nodes), vnodes);
  }
}
