package io.vecdb.cluster;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The nodes the metadata group has registered, by node id: an immutable value (a new one per
 * change), so readers on any thread see a whole registry. {@code index}: the Raft index of the
 * node's last registration.
 */
public record NodeRegistry(SortedMap<String, Node> nodes) {
  public static final NodeRegistry EMPTY = new NodeRegistry(new TreeMap<>());

  public NodeRegistry {
    nodes = Collections.unmodifiableSortedMap(new TreeMap<>(nodes));
  }

  public record Node(String httpAddress, long index) {}

  public NodeRegistry with(String nodeId, Node node) {
    TreeMap<String, Node> copy = new TreeMap<>(nodes);
    copy.put(nodeId, node);
    return new NodeRegistry(copy);
  }
}
