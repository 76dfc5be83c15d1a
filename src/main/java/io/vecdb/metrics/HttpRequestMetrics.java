package io.vecdb.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Handler;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeUnit;

/**
 * Records every HTTP request as a timer with a latency histogram, tagged by route template (e.g.
 * {@code /collections/:name/points/search}), method and status code. vertx-micrometer-metrics 5.0.x
 * does not implement the HTTP server metrics SPI of vertx-core 5.1, so the router measures requests
 * itself. Mounted first on the router; runs on the event loop and never blocks. Thread-safe: the
 * timer cache is a concurrent map (event loops of several HTTP verticle instances may share it).
 */
public final class HttpRequestMetrics implements Handler<RoutingContext> {
  /**
   * The routing context key where a handler that matches paths itself (RestRoutes) leaves the
   * matched route's template, such as {@code /collections/:name/points/search}.
   */
  public static final String ROUTE_TEMPLATE = "vecdb.route";

  private final MeterRegistry registry;

  /** The timer of each (template, method, status): looked up, not rebuilt, per request. */
  private final java.util.concurrent.ConcurrentHashMap<Key, Timer> timers =
      new java.util.concurrent.ConcurrentHashMap<>();

  private record Key(String template, String method, int code) {}

  public HttpRequestMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    ctx.addEndHandler(
        ar -> {
          String matched = ctx.get(ROUTE_TEMPLATE);
          Route route = ctx.currentRoute();
          String template =
              matched != null
                  ? matched
                  : route == null || route.getPath() == null ? "unmatched" : route.getPath();
          if (ctx.statusCode() == 404 && ctx.failed()) {
            template = "unmatched";
          }
          Key key =
              new Key(template, ctx.request().method().name(), ctx.response().getStatusCode());
          timers
              .computeIfAbsent(
                  key,
                  k ->
                      Timer.builder(MetricNames.HTTP_REQUESTS)
                          .description(
                              "HTTP requests by route template, method and status, with latency")
                          .tag(MetricNames.TAG_ROUTE, k.template())
                          .tag(MetricNames.TAG_METHOD, k.method())
                          .tag(MetricNames.TAG_CODE, Integer.toString(k.code()))
                          .publishPercentileHistogram()
                          .register(registry))
              .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        });
    ctx.next();
  }
}
