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
 * itself. Mounted first on the router; runs on the event loop and never blocks.
 */
public final class HttpRequestMetrics implements Handler<RoutingContext> {
  private final MeterRegistry registry;

  public HttpRequestMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    ctx.addEndHandler(
        ar -> {
          Route route = ctx.currentRoute();
          String template =
              route == null || route.getPath() == null ? "unmatched" : route.getPath();
          if (ctx.statusCode() == 404 && ctx.failed()) {
            template = "unmatched";
          }
          Timer.builder(MetricNames.HTTP_REQUESTS)
              .description("HTTP requests by route template, method and status, with latency")
              .tag(MetricNames.TAG_ROUTE, template)
              .tag(MetricNames.TAG_METHOD, ctx.request().method().name())
              .tag(MetricNames.TAG_CODE, Integer.toString(ctx.response().getStatusCode()))
              .publishPercentileHistogram()
              .register(registry)
              .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        });
    ctx.next();
  }
}
