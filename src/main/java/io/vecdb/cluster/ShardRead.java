package io.vecdb.cluster;

import io.vecdb.cluster.raft.RaftCodec;
import io.vecdb.cluster.raft.WireRead;
import io.vecdb.collection.Collections;
import io.vecdb.collection.GroupRequests;
import io.vecdb.collection.ReadRequests;
import io.vecdb.collection.SearchRequests;
import io.vecdb.collection.VecdbException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.function.Function;

/**
 * A read of one shard replica's state, in a form that travels between nodes: what to run ({@link
 * Kind}), on which collection, with which path argument and body. Running it never throws: the
 * answer is {@code {"ok": result}} or {@code {"error": {"status", "message"}}} (see {@link
 * #unwrap}), so that a request the shard rejects (a bad filter, a missing point) is answered at
 * once rather than retried on other replicas as if they were unreachable. {@code budgetMillis} (0:
 * none) bounds the work on the replica from when it starts: past it the read is stopped where it
 * runs ({@link io.vecdb.index.Deadline}) and answered 408. Immutable.
 */
public record ShardRead(
    Kind kind, String collection, String arg, JsonObject body, long budgetMillis)
    implements Function<Collections, Object>, WireRead {

  public ShardRead(Kind kind, String collection, String arg, JsonObject body) {
    this(kind, collection, arg, body, 0);
  }

  /** This read with its work on the replica bounded by {@code millis} (0: none). */
  public ShardRead withBudget(long millis) {
    return new ShardRead(kind, collection, arg, body, millis);
  }

  /** The reads a shard serves. */
  public enum Kind {
    /** Nothing: only waits for the replica's applied index (write consistency checks). */
    SYNC,
    INFO,
    RETRIEVE,
    POINT,
    SCROLL,
    COUNT,
    SEARCH,
    SEARCH_BATCH,
    QUERY,
    QUERY_BATCH,
    SEARCH_GROUPS,
    QUERY_GROUPS
  }

  @Override
  public Object apply(Collections collections) {
    try {
      Object result =
          budgetMillis <= 0
              ? run(collections)
              : io.vecdb.index.Deadline.at(
                  System.nanoTime() + budgetMillis * 1_000_000L,
                  Math.max(1, budgetMillis / 1000),
                  () -> run(collections));
      return new JsonObject().put("ok", result);
    } catch (VecdbException e) {
      return error(e.code().code(), e.getMessage());
    } catch (IllegalArgumentException e) {
      return error(400, e.getMessage());
    } catch (io.vecdb.index.Deadline.DeadlineExceeded e) {
      return error(io.vecdb.collection.ErrorCode.TIMEOUT.code(), e.getMessage());
    }
  }

  private static JsonObject error(int status, String message) {
    return new JsonObject()
        .put("error", new JsonObject().put("status", status).put("message", message));
  }

  private Object run(Collections c) {
    ReadRequests reads = new ReadRequests(c);
    SearchRequests searches = new SearchRequests(c);
    return switch (kind) {
      case SYNC -> null;
      case INFO -> reads.info(collection);
      case RETRIEVE -> reads.retrieve(collection, body);
      case POINT -> reads.point(collection, arg);
      case SCROLL -> reads.scroll(collection, body);
      case COUNT -> reads.count(collection, body);
      case SEARCH -> searches.search(collection, body);
      case SEARCH_BATCH -> searches.searchBatch(collection, body);
      case QUERY -> searches.query(collection, body);
      case QUERY_BATCH -> searches.queryBatch(collection, body);
      case SEARCH_GROUPS -> new GroupRequests(c).searchGroups(collection, body);
      case QUERY_GROUPS -> new GroupRequests(c).queryGroups(collection, body);
    };
  }

  /** The result in a read's answer, or its rejection thrown as a {@link VecdbException}. */
  public static Object unwrap(Object answer) {
    if (!(answer instanceof JsonObject o)) {
      throw new VecdbException(
          io.vecdb.collection.ErrorCode.INTERNAL, "shard read: unexpected answer " + answer);
    }
    JsonObject error = o.getJsonObject("error");
    if (error != null) {
      throw new VecdbException(
          io.vecdb.collection.ErrorCode.ofCode(error.getInteger("status", 500)),
          error.getString("message"));
    }
    return o.getValue("ok");
  }

  @Override
  public Buffer encode() {
    Buffer out = Buffer.buffer().appendByte((byte) kind.ordinal());
    RaftCodec.str(out, collection);
    RaftCodec.str(out, arg);
    RaftCodec.str(out, body == null ? null : body.encode());
    out.appendLongLE(budgetMillis);
    return out;
  }

  public static ShardRead decode(Buffer bytes) {
    RaftCodec.Reader r = new RaftCodec.Reader(bytes);
    int k = r.b();
    if (k < 0 || k >= Kind.values().length) {
      throw new IllegalArgumentException("shard read kind " + k);
    }
    String collection = r.str();
    String arg = r.str();
    String body = r.str();
    long budget = r.l();
    return new ShardRead(
        Kind.values()[k], collection, arg, body == null ? null : new JsonObject(body), budget);
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(Locale.ROOT) + " " + collection;
  }
}
