package io.vecdb.server;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** Qdrant's REST paths and the {@link Action} each one maps to. */
final class RestRoutes {
  /** Forwards a request to the bus: the action and the path parameter used as its argument. */
  interface Forward {
    void call(RoutingContext ctx, Action action, String argParam);
  }

  private RestRoutes() {}

  static void mount(Router r, Forward f) {
    String c = "/collections/:name";
    String p = c + "/points";
    route(r, HttpMethod.GET, "/collections", Action.LIST_COLLECTIONS, null, f);
    // Before the /collections/:name routes, so "aliases" is never read as a collection name.
    route(r, HttpMethod.POST, "/collections/aliases", Action.CHANGE_ALIASES, null, f);
    route(r, HttpMethod.GET, "/aliases", Action.LIST_ALIASES, null, f);
    route(r, HttpMethod.GET, c, Action.GET_COLLECTION, null, f);
    route(r, HttpMethod.PUT, c, Action.CREATE_COLLECTION, null, f);
    route(r, HttpMethod.DELETE, c, Action.DELETE_COLLECTION, null, f);
    route(r, HttpMethod.PATCH, c, Action.UPDATE_COLLECTION, null, f);
    route(r, HttpMethod.GET, c + "/exists", Action.COLLECTION_EXISTS, null, f);
    route(r, HttpMethod.GET, c + "/cluster", Action.COLLECTION_CLUSTER, null, f);
    route(r, HttpMethod.GET, c + "/aliases", Action.COLLECTION_ALIASES, null, f);
    route(r, HttpMethod.PUT, c + "/index", Action.CREATE_FIELD_INDEX, null, f);
    route(r, HttpMethod.DELETE, c + "/index/:field", Action.DELETE_FIELD_INDEX, "field", f);
    route(r, HttpMethod.PUT, p, Action.UPSERT_POINTS, null, f);
    route(r, HttpMethod.POST, p, Action.RETRIEVE_POINTS, null, f);
    route(r, HttpMethod.POST, p + "/delete", Action.DELETE_POINTS, null, f);
    route(r, HttpMethod.POST, p + "/payload", Action.SET_PAYLOAD, null, f);
    route(r, HttpMethod.PUT, p + "/payload", Action.OVERWRITE_PAYLOAD, null, f);
    route(r, HttpMethod.POST, p + "/payload/delete", Action.DELETE_PAYLOAD, null, f);
    route(r, HttpMethod.POST, p + "/payload/clear", Action.CLEAR_PAYLOAD, null, f);
    route(r, HttpMethod.POST, p + "/batch", Action.BATCH_UPDATE, null, f);
    route(r, HttpMethod.PUT, p + "/vectors", Action.UPDATE_VECTORS, null, f);
    route(r, HttpMethod.POST, p + "/vectors/delete", Action.DELETE_VECTORS, null, f);
    route(r, HttpMethod.POST, p + "/scroll", Action.SCROLL, null, f);
    route(r, HttpMethod.POST, p + "/count", Action.COUNT, null, f);
    route(r, HttpMethod.POST, p + "/search", Action.SEARCH, null, f);
    route(r, HttpMethod.POST, p + "/search/batch", Action.SEARCH_BATCH, null, f);
    route(r, HttpMethod.POST, p + "/query", Action.QUERY, null, f);
    route(r, HttpMethod.POST, p + "/query/batch", Action.QUERY_BATCH, null, f);
    route(r, HttpMethod.POST, p + "/search/groups", Action.SEARCH_GROUPS, null, f);
    route(r, HttpMethod.POST, p + "/query/groups", Action.QUERY_GROUPS, null, f);
    // After the fixed point paths, so "/points/scroll" is never read as an id.
    route(r, HttpMethod.GET, p + "/:id", Action.GET_POINT, "id", f);
  }

  private static void route(
      Router r, HttpMethod method, String path, Action action, String arg, Forward f) {
    r.route(method, path).handler(ctx -> f.call(ctx, action, arg));
  }
}
