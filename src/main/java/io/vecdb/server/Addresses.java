package io.vecdb.server;

/**
 * Event-bus addresses of the VecDB bus API (documented in docs/event-bus-api.md). Another Vert.x
 * application in the same cluster may send JSON messages to these addresses directly.
 */
public final class Addresses {
  /** Mutations: {@link ApiRequest} of a write {@link Action}; handled by IngestVerticle. */
  public static final String INGEST = "vecdb.ingest";

  /** Reads: {@link ApiRequest} of a read {@link Action}; handled by SearchVerticle workers. */
  public static final String SEARCH = "vecdb.search";

  /** Log then apply one operation: {@link LogRequest}, replies {@link LogReceipt}; WalVerticle. */
  public static final String WAL_APPEND = "vecdb.wal.append";

  /** Prefix of the per-collection change feeds (published JSON, see {@link #changes}). */
  public static final String CHANGES_PREFIX = "vecdb.changes.";

  private Addresses() {}

  /** The change-feed address of {@code collection}. */
  public static String changes(String collection) {
    return CHANGES_PREFIX + collection;
  }
}
