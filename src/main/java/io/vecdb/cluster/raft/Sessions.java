package io.vecdb.cluster.raft;

import io.vecdb.collection.ErrorCode;
import io.vecdb.collection.VecdbException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last applied request per client, oldest first (an access-ordered map would reorder on reads
 * of duplicates; insertion order is what eviction needs). Lane-confined; immutable copies go into
 * snapshots. At most {@link ShardStateMachine#MAX_SESSIONS} clients are kept, the oldest forgotten
 * first. Used by every state machine that applies idempotent commands.
 */
public final class Sessions {
  private final LinkedHashMap<String, Session> byClient = new LinkedHashMap<>();

  record Session(long request, Applied result) {}

  /** The sessions, oldest first (for the codec). */
  Map<String, Session> entries() {
    return java.util.Collections.unmodifiableMap(byClient);
  }

  /** Adds a session read back by the codec (oldest first). */
  void restore(String client, Session session) {
    byClient.put(client, session);
  }

  /**
   * The result to return instead of applying {@code request}, or null to apply it: the first result
   * for a repeat of the client's last request; a rejection for an older one (a stray delivery of a
   * request the client already gave up on: applying it now would reorder it after the client's
   * later writes).
   */
  public Applied get(String client, long request, long index) {
    Session s = byClient.get(client);
    if (s == null || request > s.request) {
      return null;
    }
    if (request == s.request) {
      return s.result;
    }
    return Applied.rejected(
        index,
        new VecdbException(
            ErrorCode.CONFLICT,
            "request "
                + request
                + " of client '"
                + client
                + "' is older than its last applied request "
                + s.request
                + "; not applied"));
  }

  /**
   * Remembers {@code result} as the client's last request; without the ids it changed (a repeat is
   * answered with its index and outcome), so that many sessions of large batches stay small.
   */
  public void put(String client, long request, Applied result) {
    byClient.remove(client);
    byClient.put(
        client,
        new Session(
            request,
            new Applied(
                result.index(),
                io.vecdb.collection.ChangeSet.NONE,
                result.error(),
                result.message(),
                result.duplicate())));
    if (byClient.size() > ShardStateMachine.MAX_SESSIONS) {
      byClient.remove(byClient.keySet().iterator().next());
    }
  }

  public Sessions copy() {
    Sessions s = new Sessions();
    s.byClient.putAll(byClient);
    return s;
  }

  public void putAll(Sessions other) {
    byClient.putAll(other.byClient);
  }

  public void replaceWith(Sessions other) {
    byClient.clear();
    byClient.putAll(other.byClient);
  }
}
