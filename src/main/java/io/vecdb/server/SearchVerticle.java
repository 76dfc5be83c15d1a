package io.vecdb.server;

import io.vecdb.collection.GroupRequests;
import io.vecdb.collection.ReadRequests;
import io.vecdb.collection.SearchRequests;
import io.vecdb.metrics.VecdbMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * Serves reads ({@link Addresses#SEARCH}): search, query, scroll, count, retrieve, collection info.
 * Deployed as several worker instances, which the bus feeds round-robin; reads take no locks, so
 * they never wait for writers.
 */
final class SearchVerticle extends VerticleBase {
  private final ReadRequests reads;
  private final SearchRequests searches;
  private final GroupRequests groups;
  private final VecdbMetrics metrics;
  private final ClusterRequests cluster;

  /**
   * @param cluster how a clustered node reads shards; null on a single node
   */
  SearchVerticle(
      ReadRequests reads,
      SearchRequests searches,
      GroupRequests groups,
      VecdbMetrics metrics,
      ClusterRequests cluster) {
    this.reads = reads;
    this.searches = searches;
    this.groups = groups;
    this.metrics = metrics;
    this.cluster = cluster;
  }

  @Override
  public Future<?> start() {
    return vertx.eventBus().consumer(Addresses.SEARCH, this::handle).completion();
  }

  private void handle(Message<Object> message) {
    long start = System.nanoTime();
    try {
      ApiRequest request = BusMessages.request(message.body());
      if (cluster != null) {
        cluster
            .read(request, BusMessages.body(request))
            .whenComplete(
                (reply, error) -> {
                  if (error != null) {
                    BusMessages.fail(message, error);
                  } else {
                    metrics.read(request.action().wireName(), System.nanoTime() - start);
                    BusMessages.reply(message, reply.result(), reply.token());
                  }
                });
        return;
      }
      JsonObject body = BusMessages.body(request);
      Object result =
          io.vecdb.index.Deadline.within(
              RequestTimeout.seconds(request.params()), () -> execute(request, body));
      metrics.read(request.action().wireName(), System.nanoTime() - start);
      BusMessages.reply(message, result);
    } catch (RuntimeException e) {
      BusMessages.fail(message, e);
    }
  }

  private Object execute(ApiRequest r, JsonObject body) {
    String c = r.collection();
    return switch (r.action()) {
      case LIST_COLLECTIONS -> reads.list();
      case LIST_ALIASES -> reads.aliases();
      case COLLECTION_ALIASES -> reads.aliases(c);
      case GET_COLLECTION -> reads.info(c);
      case COLLECTION_EXISTS -> reads.exists(c);
      case COLLECTION_CLUSTER -> reads.clusterInfo(c);
      case RETRIEVE_POINTS -> reads.retrieve(c, body);
      case GET_POINT -> reads.point(c, r.arg());
      case SCROLL -> reads.scroll(c, body);
      case COUNT -> reads.count(c, body);
      case SEARCH -> searches.search(c, body);
      case SEARCH_BATCH -> searches.searchBatch(c, body);
      case QUERY -> searches.query(c, body);
      case QUERY_BATCH -> searches.queryBatch(c, body);
      case SEARCH_GROUPS -> groups.searchGroups(c, body);
      case QUERY_GROUPS -> groups.queryGroups(c, body);
      default ->
          throw new IllegalArgumentException(
              "action: '" + r.action().wireName() + "' is a write, send it to " + Addresses.INGEST);
    };
  }
}
