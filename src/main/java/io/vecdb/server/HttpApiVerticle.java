package io.vecdb.server;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vecdb.config.VecdbOptions;
import io.vecdb.metrics.HttpRequestMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntPredicate;

/**
 * The HTTP face: Qdrant-compatible REST routes forwarded to the bus, health probes, {@code
 * /metrics}, {@code /openapi.json} and the {@code /ws} WebSocket. Runs on an event loop and
 * forwards: bodies are passed as raw bytes and parsed by workers, except a single node's writes of
 * at most {@link LocalWrites#INLINE_MAX_BYTES}, which {@link LocalWrites} validates here and sends
 * straight to the log.
 */
final class HttpApiVerticle extends VerticleBase {
  private final VecdbOptions options;
  private final NodeInfo info;
  private final AtomicBoolean ready;
  private final PrometheusMeterRegistry prometheus;
  private final IntPredicate boundPort; // told the bound port; false: not the node's port
  private final int port; // to listen on; 0: any free one
  private final java.util.function.Supplier<io.vecdb.durable.SnapshotService> snapshots;
  private HttpServer server;
  private Buffer openApi;

  private final java.util.function.Supplier<io.vecdb.cluster.ClusterNode> cluster;
  private final java.util.function.Supplier<LocalWrites> localWrites; // null until the log is open
  private final io.vecdb.wal.InjectedFaults walFaults; // null unless --fault-injection
  private final ApiKeys keys;

  HttpApiVerticle(
      VecdbOptions options,
      NodeInfo info,
      AtomicBoolean ready,
      PrometheusMeterRegistry prometheus,
      IntPredicate boundPort,
      int port,
      java.util.function.Supplier<io.vecdb.durable.SnapshotService> snapshots,
      java.util.function.Supplier<io.vecdb.cluster.ClusterNode> cluster,
      java.util.function.Supplier<LocalWrites> localWrites,
      io.vecdb.wal.InjectedFaults walFaults) {
    this.localWrites = localWrites;
    this.walFaults = walFaults;
    this.snapshots = snapshots;
    this.cluster = cluster;
    this.options = options;
    this.info = info;
    this.ready = ready;
    this.prometheus = prometheus;
    this.boundPort = boundPort;
    this.port = port;
    this.keys = new ApiKeys(options.getApiKey(), options.getReadOnlyApiKey());
  }

  @Override
  public Future<?> start() {
    io.vecdb.config.TlsOptions tls = options.getTls();
    return vertx
        .fileSystem()
        .readFile("openapi.json")
        .compose(
            spec -> {
              openApi = spec;
              return tls.isEnabled()
                  ? vertx.executeBlocking(() -> TlsFiles.load(vertx, tls), false)
                  : Future.succeededFuture((io.vertx.core.net.ServerSSLOptions) null);
            })
        .compose(
            ssl -> {
              int wsLimit = (int) Math.min(Integer.MAX_VALUE, options.getMaxRequestBytes());
              HttpServerOptions http =
                  new HttpServerOptions()
                      .setHost(options.getHost())
                      .setPort(port)
                      .setCompressionSupported(true)
                      .setMaxWebSocketMessageSize(wsLimit)
                      .setMaxWebSocketFrameSize(Math.min(wsLimit, 1 << 20));
              if (ssl != null) {
                http.setSsl(true)
                    .setKeyCertOptions(ssl.getKeyCertOptions())
                    .setTrustOptions(ssl.getTrustOptions())
                    .setClientAuth(ssl.getClientAuth());
              }
              server = vertx.createHttpServer(http);
              return server.requestHandler(router()).listen();
            })
        .compose(
            s ->
                boundPort.test(s.actualPort())
                    ? Future.succeededFuture(s)
                    : Future.failedFuture(
                        new IllegalStateException(
                            "HTTP: an instance listens on port "
                                + s.actualPort()
                                + ", not on the node's port")))
        .onSuccess(
            s -> {
              if (tls.isEnabled() && tls.getReloadSeconds() > 0) {
                watchCertificates(tls);
              }
            });
  }

  /**
   * Every {@code reload_seconds}, on a worker: if a PEM file changed, loads them and hands them to
   * the server for new connections (open ones keep theirs). A failed load (a half-rotated pair, an
   * unreadable file) keeps the old certificate and is retried at the next tick.
   */
  private void watchCertificates(io.vecdb.config.TlsOptions tls) {
    java.util.logging.Logger log =
        java.util.logging.Logger.getLogger(HttpApiVerticle.class.getName());
    String[] loaded = {null};
    vertx
        .executeBlocking(() -> TlsFiles.stamp(tls), false)
        .onSuccess(
            first -> {
              loaded[0] = first;
              vertx.setPeriodic(
                  tls.getReloadSeconds() * 1000L,
                  id ->
                      vertx
                          .executeBlocking(
                              () -> {
                                String now = TlsFiles.stamp(tls);
                                return now.equals(loaded[0])
                                    ? null
                                    : java.util.Map.entry(now, TlsFiles.load(vertx, tls));
                              },
                              false)
                          .compose(
                              change ->
                                  change == null
                                      ? Future.succeededFuture()
                                      : server
                                          .updateSSLOptions(change.getValue(), true)
                                          .onSuccess(
                                              ok -> {
                                                loaded[0] = change.getKey();
                                                log.info(
                                                    "tls: loaded the changed certificate files ("
                                                        + tls.getCert()
                                                        + ") for new connections");
                                              }))
                          .onFailure(
                              e ->
                                  log.warning(
                                      "tls: could not load the changed certificate files (the"
                                          + " previous ones stay in use; retrying): "
                                          + e.getMessage())));
            });
  }

  /**
   * Checks the request's API key first (see {@link ApiKeys}): the health probes (and {@code
   * /metrics} if {@code metrics_without_key}) are open; a missing or wrong key is 401; a read-only
   * key may read (GET, and the POST reads of the points API, whose action {@link #forward} checks)
   * and is refused (403) everything else.
   */
  private void authenticate(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    if (!keys.enabled()
        || path.equals("/healthz")
        || path.equals("/livez")
        || path.equals("/readyz")
        || (path.equals("/metrics") && options.isMetricsWithoutKey())) {
      ctx.put(ApiKeys.ACCESS, ApiKeys.Access.FULL);
      ctx.next();
      return;
    }
    ApiKeys.Access access =
        keys.check(ctx.request().getHeader("api-key"), ctx.request().getHeader("authorization"));
    if (access == null) {
      Envelope.error(
          ctx,
          401,
          "api-key: missing or wrong; send the api-key header or Authorization: Bearer <key>",
          System.nanoTime());
      return;
    }
    if (access == ApiKeys.Access.READ_ONLY) {
      io.vertx.core.http.HttpMethod m = ctx.request().method();
      boolean read =
          m == io.vertx.core.http.HttpMethod.GET
              || m == io.vertx.core.http.HttpMethod.HEAD
              // The points API's POST reads; forward() refuses the writes among them by action.
              || (path.startsWith("/collections/") && !path.contains("/snapshots"));
      if (!read) {
        readOnlyRefused(ctx);
        return;
      }
    }
    ctx.put(ApiKeys.ACCESS, access);
    ctx.next();
  }

  /**
   * Refuses (400) a path whose percent-encoding is malformed ({@code %ZZ}): vertx-web's path
   * normalisation throws on it, which every later handler would meet as a 500.
   */
  private static void checkPath(RoutingContext ctx) {
    try {
      ctx.normalizedPath();
    } catch (IllegalArgumentException e) {
      Envelope.error(
          ctx, 400, "path: malformed percent-encoding: " + e.getMessage(), System.nanoTime());
      return;
    }
    ctx.next();
  }

  private static void readOnlyRefused(RoutingContext ctx) {
    Envelope.error(
        ctx,
        403,
        "api-key: a read-only key cannot " + ctx.request().method() + " " + ctx.normalizedPath(),
        System.nanoTime());
  }

  private Router router() {
    Router router = Router.router(vertx);
    if (prometheus != null) {
      router.route().handler(new HttpRequestMetrics(prometheus));
    }
    router.route().handler(HttpApiVerticle::checkPath);
    router.route().handler(this::authenticate);
    // Until the log has been recovered the data is incomplete (and the verticles behind the API
    // are not deployed yet): answer 503 rather than serve it.
    router.route("/collections*").handler(this::requireReady);
    router.route("/ws").handler(this::requireReady);
    SnapshotRoutes.mount(
        router,
        snapshots,
        java.nio.file.Path.of(options.getDataDir(), "collection-snapshots", ".uploads").toString(),
        options.getMaxRequestBytes());
    router
        .route("/collections/*")
        .handler(
            BodyHandler.create(false)
                .setBodyLimit(options.getMaxRequestBytes())
                .setDeleteUploadedFilesOnEnd(true));
    RestRoutes.mount(router, this::forward);
    // Qdrant answers GET / without the envelope; clients read "version" at the top level.
    router
        .get("/")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("content-type", "application/json")
                    .end(info.toJson().toBuffer()));
    router.get("/cluster").handler(this::clusterInfo);
    if (options.getCluster().isFaultInjection()) {
      router.post("/debug/partition").handler(BodyHandler.create(false)).handler(this::partition);
      router.post("/debug/wal-fault").handler(this::walFault);
    }
    router.get("/healthz").handler(ctx -> text(ctx, 200, "healthz check passed"));
    router.get("/livez").handler(ctx -> text(ctx, 200, "livez check passed"));
    router
        .get("/readyz")
        .handler(
            ctx ->
                text(
                    ctx,
                    ready.get() ? 200 : 503,
                    ready.get() ? "all shards are ready" : "not ready"));
    router
        .get("/openapi.json")
        .handler(ctx -> ctx.response().putHeader("content-type", "application/json").end(openApi));
    if (prometheus != null) {
      router.get("/metrics").handler(PrometheusScrapingHandler.create(prometheus));
    }
    router
        .get("/ws")
        .handler(
            ctx ->
                ctx.request()
                    .toWebSocket()
                    .onSuccess(
                        ws ->
                            new WebSocketSession(
                                    vertx, ws, ctx.get(ApiKeys.ACCESS) == ApiKeys.Access.READ_ONLY)
                                .start())
                    .onFailure(t -> ctx.fail(400, t)));
    router.errorHandler(
        404,
        ctx ->
            Envelope.error(
                ctx,
                404,
                "Not found: " + ctx.request().method() + " " + ctx.request().path(),
                System.nanoTime()));
    router.errorHandler(
        405,
        ctx ->
            Envelope.error(
                ctx,
                405,
                "Method not allowed: " + ctx.request().method() + " " + ctx.request().path(),
                System.nanoTime()));
    router.errorHandler(
        413,
        ctx ->
            Envelope.error(
                ctx,
                413,
                "body: request body is larger than the limit of "
                    + options.getMaxRequestBytes()
                    + " bytes (max_request_bytes)",
                System.nanoTime()));
    router.errorHandler(
        400,
        ctx ->
            Envelope.error(
                ctx, 400, "bad request: " + String.valueOf(ctx.failure()), System.nanoTime()));
    router.errorHandler(
        500,
        ctx -> Envelope.error(ctx, 500, "internal error: " + ctx.failure(), System.nanoTime()));
    return router;
  }

  private void forward(RoutingContext ctx, Action action, String collection, String arg) {
    long start = System.nanoTime();
    if (action.isWrite() && ctx.get(ApiKeys.ACCESS) == ApiKeys.Access.READ_ONLY) {
      readOnlyRefused(ctx);
      return;
    }
    String waitParam = ctx.request().getParam("wait");
    if (waitParam != null && !waitParam.equals("true") && !waitParam.equals("false")) {
      Envelope.error(ctx, 400, "wait: expected true or false, got \"" + waitParam + "\"", start);
      return;
    }
    Buffer body = ctx.body() == null ? null : ctx.body().buffer();
    ApiRequest request =
        new ApiRequest(action, collection, arg, body, "true".equals(waitParam), requestParams(ctx));
    LocalWrites local = action.isWrite() ? localWrites.get() : null;
    if (local != null && LocalWrites.inline(request)) {
      // A small write on a single node: validated here and sent straight to the log.
      local
          .write(request)
          .onComplete(
              ar -> {
                if (ar.succeeded()) {
                  Envelope.ok(ctx, ApiReply.of(ar.result()), start);
                } else {
                  Envelope.error(ctx, BusMessages.failure(ar.cause()), start);
                }
              });
      return;
    }
    // Served by this node's verticles (which route within the cluster themselves).
    DeliveryOptions delivery =
        (action.isWrite()
                ? new DeliveryOptions().setSendTimeout(IngestVerticle.WRITE_TIMEOUT_MS + 1000)
                : new DeliveryOptions())
            .setLocalOnly(true);
    vertx
        .eventBus()
        .<ApiReply>request(
            action.isWrite() ? Addresses.INGEST : Addresses.SEARCH, request, delivery)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                String token = ar.result().headers().get(BusMessages.TOKEN_HEADER);
                if (token != null) {
                  ctx.response().putHeader(TOKEN_HTTP_HEADER, token);
                }
                Envelope.ok(ctx, ar.result().body(), start);
              } else {
                Envelope.error(ctx, BusMessages.unwrap(ar.cause()), start);
              }
            });
  }

  /** The response (and request) header of a clustered node's consistency token. */
  static final String TOKEN_HTTP_HEADER = "X-Vecdb-Token";

  /**
   * The request parameters from the query string: {@code timeout} (seconds) on every node, and on a
   * clustered node {@code consistency}, {@code write_consistency} and {@code token} (which may also
   * come in the {@code X-Vecdb-Token} header); null when none is given.
   */
  private JsonObject requestParams(RoutingContext ctx) {
    if (cluster.get() == null) {
      String timeout = ctx.request().getParam("timeout");
      return timeout == null ? null : new JsonObject().put("timeout", timeout);
    }
    JsonObject params = new JsonObject();
    for (String name : List.of("consistency", "write_consistency", "timeout", "token")) {
      String v = ctx.request().getParam(name);
      if (v != null) {
        params.put(name, v);
      }
    }
    String header = ctx.request().getHeader(TOKEN_HTTP_HEADER);
    if (header != null && !params.containsKey("token")) {
      params.put("token", header);
    }
    return params.isEmpty() ? null : params;
  }

  private void requireReady(RoutingContext ctx) {
    if (ready.get()) {
      ctx.next();
    } else {
      Envelope.error(ctx, 503, "not ready: the node is still recovering", System.nanoTime());
    }
  }

  /**
   * Test-only ({@code --fault-injection}, {@code vecdb serve}): from now on every fsync of this
   * node's WALs fails, as on a failing device; the next write stops the process ({@link FailStop}).
   */
  private void walFault(RoutingContext ctx) {
    if (walFaults == null) {
      Envelope.error(ctx, 404, "WAL faults exist only in a server process", System.nanoTime());
      return;
    }
    walFaults.failFsyncs();
    ctx.response()
        .putHeader("content-type", "application/json")
        .end(
            new io.vertx.core.json.JsonObject()
                .put("result", new io.vertx.core.json.JsonObject().put("fsync", "failing"))
                .put("status", "ok")
                .toBuffer());
  }

  /**
   * Test-only ({@code --fault-injection}): {@code {"blocked": ["n2", ...]}} cuts this node's Raft
   * traffic to those nodes; an empty list heals.
   */
  private void partition(RoutingContext ctx) {
    io.vecdb.cluster.ClusterNode c = cluster.get();
    io.vecdb.cluster.FaultInjection f = c == null ? null : c.faults();
    io.vertx.core.json.JsonArray ids;
    try {
      ids = ctx.body().asJsonObject().getJsonArray("blocked");
    } catch (RuntimeException e) {
      ids = null;
    }
    if (f == null || ids == null) {
      ctx.response()
          .setStatusCode(f == null ? 404 : 400)
          .putHeader("content-type", "application/json")
          .end(
              new io.vertx.core.json.JsonObject()
                  .put(
                      "status",
                      new io.vertx.core.json.JsonObject()
                          .put(
                              "error",
                              f == null
                                  ? "fault injection is off (start with --fault-injection)"
                                  : "blocked: expected an array of node ids"))
                  .toBuffer());
      return;
    }
    java.util.List<String> blocked = new java.util.ArrayList<>();
    ids.forEach(o -> blocked.add(String.valueOf(o)));
    f.block(blocked);
    ctx.response()
        .putHeader("content-type", "application/json")
        .end(
            new io.vertx.core.json.JsonObject()
                .put(
                    "result",
                    new io.vertx.core.json.JsonObject()
                        .put("blocked", new io.vertx.core.json.JsonArray(blocked)))
                .put("status", "ok")
                .toBuffer());
  }

  /** {@code GET /cluster}: Qdrant's envelope; "disabled" on a single node. */
  private void clusterInfo(RoutingContext ctx) {
    long started = System.nanoTime();
    io.vecdb.cluster.ClusterNode c = cluster.get();
    Future<io.vertx.core.json.JsonObject> info =
        c == null
            ? Future.succeededFuture(new io.vertx.core.json.JsonObject().put("status", "disabled"))
            : c.info();
    info.onComplete(
        ar -> {
          io.vertx.core.json.JsonObject body =
              ar.succeeded()
                  ? new io.vertx.core.json.JsonObject()
                      .put("result", ar.result())
                      .put("status", "ok")
                  : new io.vertx.core.json.JsonObject()
                      .put(
                          "status",
                          new io.vertx.core.json.JsonObject()
                              .put("error", String.valueOf(ar.cause())));
          body.put("time", (System.nanoTime() - started) / 1e9);
          ctx.response()
              .setStatusCode(ar.succeeded() ? 200 : 503)
              .putHeader("content-type", "application/json")
              .end(body.toBuffer());
        });
  }

  private static void text(RoutingContext ctx, int status, String text) {
    ctx.response().setStatusCode(status).putHeader("content-type", "text/plain").end(text);
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
