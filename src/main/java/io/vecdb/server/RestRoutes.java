package io.vecdb.server;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Qdrant's REST paths and the {@link Action} each one maps to, matched by one router handler that
 * compares path segments: the first route (in the order below) whose path and method match wins, as
 * in vertx-web, whose routes with path parameters are regular expressions tried one after another
 * (about 30 matchers allocated and run for a search, 12% of the event loop's time). A path that
 * matches with another method is 405; an unknown one goes on to the router's other routes.
 * Immutable once mounted.
 */
final class RestRoutes {
  /** Forwards a request to the bus: the action, the collection and the path's argument. */
  interface Forward {
    void call(RoutingContext ctx, Action action, String collection, String arg);
  }

  /** The context key under which the matched route's template is left for the HTTP metrics. */
  static final String TEMPLATE = io.vecdb.metrics.HttpRequestMetrics.ROUTE_TEMPLATE;

  private record Route(HttpMethod method, String template, String[] segments, Action action) {}

  private final java.util.List<Route> routes = new java.util.ArrayList<>();
  private final Forward forward;

  private RestRoutes(Forward forward) {
    this.forward = forward;
    define();
  }

  static void mount(Router r, Forward f) {
    r.route().handler(new RestRoutes(f)::dispatch);
  }

  private void dispatch(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    if (!path.startsWith("/collections") && !path.startsWith("/aliases")) {
      ctx.next();
      return;
    }
    String[] segments = split(path);
    boolean pathMatched = false;
    for (Route route : routes) {
      if (!matches(route.segments(), segments)) {
        continue;
      }
      if (route.method() != ctx.request().method()) {
        pathMatched = true;
        continue;
      }
      String collection = null;
      String arg = null;
      try {
        for (int i = 0; i < segments.length; i++) {
          String t = route.segments()[i];
          if (t.equals(":name")) {
            collection = decode(segments[i]);
          } else if (t.startsWith(":")) {
            arg = decode(segments[i]);
          }
        }
      } catch (IllegalArgumentException e) {
        Envelope.error(ctx, 400, "path: malformed percent-encoding in " + path, System.nanoTime());
        return;
      }
      ctx.put(TEMPLATE, route.template());
      forward.call(ctx, route.action(), collection, arg);
      return;
    }
    if (pathMatched) {
      ctx.fail(405);
    } else {
      ctx.next();
    }
  }

  /** A path's segments, without the empty ones of leading, doubled or trailing slashes. */
  static String[] split(String path) {
    int count = 0;
    for (int i = 0, n = path.length(); i < n; i++) {
      if (path.charAt(i) != '/' && (i == 0 || path.charAt(i - 1) == '/')) {
        count++;
      }
    }
    String[] out = new String[count];
    int k = 0;
    for (int i = 0, n = path.length(); i < n; ) {
      if (path.charAt(i) == '/') {
        i++;
        continue;
      }
      int end = path.indexOf('/', i);
      end = end < 0 ? n : end;
      out[k++] = path.substring(i, end);
      i = end;
    }
    return out;
  }

  private static boolean matches(String[] template, String[] segments) {
    if (template.length != segments.length) {
      return false;
    }
    for (int i = 0; i < template.length; i++) {
      if (template[i].charAt(0) != ':' && !template[i].equals(segments[i])) {
        return false;
      }
    }
    return true;
  }

  /** A path parameter percent-decoded (UTF-8) as vertx-web decodes them; '+' stays '+'. */
  static String decode(String segment) {
    if (segment.indexOf('%') < 0) {
      return segment;
    }
    return java.net.URLDecoder.decode(
        segment.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
  }

  private void define() {
    String c = "/collections/:name";
    String p = c + "/points";
    route(HttpMethod.GET, "/collections", Action.LIST_COLLECTIONS);
    // Before the /collections/:name routes, so "aliases" is never read as a collection name.
    route(HttpMethod.POST, "/collections/aliases", Action.CHANGE_ALIASES);
    route(HttpMethod.GET, "/aliases", Action.LIST_ALIASES);
    route(HttpMethod.GET, c, Action.GET_COLLECTION);
    route(HttpMethod.PUT, c, Action.CREATE_COLLECTION);
    route(HttpMethod.DELETE, c, Action.DELETE_COLLECTION);
    route(HttpMethod.PATCH, c, Action.UPDATE_COLLECTION);
    route(HttpMethod.GET, c + "/exists", Action.COLLECTION_EXISTS);
    route(HttpMethod.GET, c + "/cluster", Action.COLLECTION_CLUSTER);
    route(HttpMethod.GET, c + "/aliases", Action.COLLECTION_ALIASES);
    route(HttpMethod.PUT, c + "/index", Action.CREATE_FIELD_INDEX);
    route(HttpMethod.DELETE, c + "/index/:field", Action.DELETE_FIELD_INDEX);
    route(HttpMethod.PUT, p, Action.UPSERT_POINTS);
    route(HttpMethod.POST, p, Action.RETRIEVE_POINTS);
    route(HttpMethod.POST, p + "/delete", Action.DELETE_POINTS);
    route(HttpMethod.POST, p + "/payload", Action.SET_PAYLOAD);
    route(HttpMethod.PUT, p + "/payload", Action.OVERWRITE_PAYLOAD);
    route(HttpMethod.POST, p + "/payload/delete", Action.DELETE_PAYLOAD);
    route(HttpMethod.POST, p + "/payload/clear", Action.CLEAR_PAYLOAD);
    route(HttpMethod.POST, p + "/batch", Action.BATCH_UPDATE);
    route(HttpMethod.PUT, p + "/vectors", Action.UPDATE_VECTORS);
    route(HttpMethod.POST, p + "/vectors/delete", Action.DELETE_VECTORS);
    route(HttpMethod.POST, p + "/scroll", Action.SCROLL);
    route(HttpMethod.POST, p + "/count", Action.COUNT);
    route(HttpMethod.POST, p + "/search", Action.SEARCH);
    route(HttpMethod.POST, p + "/search/batch", Action.SEARCH_BATCH);
    route(HttpMethod.POST, p + "/query", Action.QUERY);
    route(HttpMethod.POST, p + "/query/batch", Action.QUERY_BATCH);
    route(HttpMethod.POST, p + "/search/groups", Action.SEARCH_GROUPS);
    route(HttpMethod.POST, p + "/query/groups", Action.QUERY_GROUPS);
    // After the fixed point paths, so "/points/scroll" is never read as an id.
    route(HttpMethod.GET, p + "/:id", Action.GET_POINT);
  }

  /** A route; its one parameter other than {@code :name}, if any, is the request's argument. */
  private void route(HttpMethod method, String path, Action action) {
    routes.add(new Route(method, path, split(path), action));
  }
}
