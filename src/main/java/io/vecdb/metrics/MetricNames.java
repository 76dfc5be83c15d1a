package io.vecdb.metrics;

/**
 * VecDB's own metric names (Micrometer dotted form; Prometheus shows them with underscores and a
 * unit suffix, e.g. {@code vecdb_search_latency_seconds}).
 */
public final class MetricNames {
  /** Gauge, tag {@code collection}: live points. */
  public static final String COLLECTION_POINTS = "vecdb.collection.points";

  /** Counter: points written by applied upserts. */
  public static final String POINTS_UPSERTED = "vecdb.points.upserted";

  /** Counter: points removed by applied deletes. */
  public static final String POINTS_DELETED = "vecdb.points.deleted";

  /** Counter, tag {@code kind}: read requests served (search, query, scroll, count, ...). */
  public static final String SEARCHES = "vecdb.searches";

  /** Timer with histogram, tag {@code kind}: time to execute a read on a search worker. */
  public static final String SEARCH_LATENCY = "vecdb.search.latency";

  /** Counter, tag {@code result} (ok, failed): operation-log appends. */
  public static final String WAL_APPENDS = "vecdb.wal.appends";

  /** Counter, tags {@code lock}, {@code contended}: lock acquisitions. */
  public static final String LOCK_ACQUISITIONS = "vecdb.lock.acquisitions";

  /** Timer, tag {@code lock}: time spent waiting for contended locks. */
  public static final String LOCK_WAIT = "vecdb.lock.wait";

  /** Timer with histogram, tags {@code route}, {@code method}, {@code code}: HTTP requests. */
  public static final String HTTP_REQUESTS = "vecdb.http.requests";

  /** Counter, tag {@code reason} (tombstones, repair): background compactions run. */
  public static final String COMPACTIONS = "vecdb.compactions";

  /** Timer, tag {@code reason}: how long a background compaction ran. */
  public static final String COMPACTION_TIME = "vecdb.compaction";

  /** Counter: tombstoned points freed by background compactions. */
  public static final String COMPACTION_FREED = "vecdb.compaction.freed.points";

  /** Gauge, tag {@code collection}: deleted points whose graph memory is not reclaimed yet. */
  public static final String COLLECTION_TOMBSTONES = "vecdb.collection.tombstones";

  /** Gauge: logged operations not yet applied (the write backlog). */
  public static final String BACKLOG_OPERATIONS = "vecdb.write.backlog.operations";

  /** Gauge: estimated bytes of the logged operations not yet applied. */
  public static final String BACKLOG_BYTES = "vecdb.write.backlog.bytes";

  /** Gauge: writes held back (not logged yet) because the backlog is full. */
  public static final String BACKLOG_WAITING = "vecdb.write.backlog.waiting";

  /** Seconds since the oldest logged-but-unapplied write was admitted (0 when none). */
  public static final String BACKLOG_LAG = "vecdb.write.backlog.lag.seconds";

  /** Counter: writes refused with 503 after waiting {@code write_backlog.timeout_ms}. */
  public static final String BACKLOG_REJECTED = "vecdb.write.backlog.rejected";

  /** Raft, per group on this node: current term, commit index, 1 while this node leads. */
  public static final String RAFT_TERM = "vecdb.raft.term";

  public static final String RAFT_COMMIT_INDEX = "vecdb.raft.commit.index";
  public static final String RAFT_APPLIED_INDEX = "vecdb.raft.applied.index";
  public static final String RAFT_APPLY_BACKLOG = "vecdb.raft.apply.backlog";
  public static final String RAFT_LEADER = "vecdb.raft.leader";

  /** Times this node saw its group's leader change (elections won by anyone, losses of leader). */
  public static final String RAFT_LEADER_CHANGES = "vecdb.raft.leader.changes";

  /** Writes this node forwarded to another node's member of a group. */
  public static final String RAFT_FORWARDED = "vecdb.raft.forwarded";

  public static final String TAG_GROUP = "group";

  public static final String TAG_REASON = "reason";
  public static final String TAG_ROUTE = "route";
  public static final String TAG_METHOD = "method";
  public static final String TAG_CODE = "code";
  public static final String TAG_COLLECTION = "collection";
  public static final String TAG_KIND = "kind";
  public static final String TAG_RESULT = "result";
  public static final String TAG_LOCK = "lock";
  public static final String TAG_CONTENDED = "contended";

  private MetricNames() {}
}
