package io.vecdb.collection;

/**
 * Told about each operation after it is applied, on the apply lane of its collection. Must not
 * block and must not throw (change feeds, metrics).
 */
@FunctionalInterface
public interface AppliedListener {
  void applied(long seq, Operation op, ChangeSet changes);
}
