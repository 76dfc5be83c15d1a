package io.vecdb.cluster.raft;

import io.vecdb.collection.ChangeSet;
import io.vecdb.collection.ErrorCode;
import io.vecdb.collection.VecdbException;

/**
 * What applying a {@link ShardCommand} did, at Raft index {@code index}: the points it changed, or
 * the reason the state machine rejected it (a rejection changes nothing, identically on every
 * replica). {@code duplicate} marks a retry of a write already applied under the same key: its
 * result is the first application's.
 */
public record Applied(
    long index, ChangeSet changes, ErrorCode error, String message, boolean duplicate) {

  static Applied ok(long index, ChangeSet changes) {
    return new Applied(index, changes, null, null, false);
  }

  static Applied rejected(long index, VecdbException e) {
    return new Applied(index, ChangeSet.NONE, e.code(), e.getMessage(), false);
  }

  Applied asDuplicate() {
    return new Applied(index, changes, error, message, true);
  }

  public boolean succeeded() {
    return error == null;
  }

  /** The rejection as an exception (null if it succeeded). */
  public VecdbException failure() {
    return error == null ? null : new VecdbException(error, message);
  }
}
