package io.vecdb.server;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vecdb.collection.Applier;
import io.vecdb.collection.Collections;
import io.vecdb.collection.InMemoryOperationLog;
import io.vecdb.collection.IndexFactory;
import io.vecdb.collection.MutationRequests;
import io.vecdb.collection.OperationLog;
import io.vecdb.collection.ReadRequests;
import io.vecdb.collection.SearchRequests;
import io.vecdb.config.VecdbOptions;
import io.vecdb.metrics.MeteredOperationLog;
import io.vecdb.metrics.MicrometerSynchronizationMetrics;
import io.vecdb.metrics.SynchronizationMetrics;
import io.vecdb.metrics.VecdbMetrics;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * One VecDB node: Vert.x with Micrometer/Prometheus metrics and the native transport when
 * available, the collections, the applier, and the verticles (WalVerticle, IngestVerticle,
 * SearchVerticle workers, HttpApiVerticle). {@link #start} and {@link #close} may be called from
 * any thread.
 */
public final class VecdbNode {
  public static final String VERSION = "0.1.0";
  private static final Logger LOG = Logger.getLogger(VecdbNode.class.getName());

  private final VecdbOptions options;
  private final Vertx vertx;
  private final Collections collections;
  private final ExecutorService applyPool;
  private final AtomicInteger httpPort = new AtomicInteger(-1);
  private final AtomicBoolean ready = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();

  private VecdbNode(VecdbOptions options, Vertx vertx, ExecutorService applyPool) {
    this.options = options;
    this.vertx = vertx;
    this.collections = new Collections();
    this.applyPool = applyPool;
  }

  /** Starts a node with the in-memory operation log. */
  public static Future<VecdbNode> start(VecdbOptions options) {
    return start(options, o -> new InMemoryOperationLog());
  }

  /**
   * Starts a node whose operations go through the log {@code logFactory} makes (the WAL seam).
   * Creates the data directory; fails if it cannot.
   */
  public static Future<VecdbNode> start(
      VecdbOptions options, Function<VecdbOptions, OperationLog> logFactory) {
    VecdbOptions opts = new VecdbOptions(options);
    try {
      Files.createDirectories(Path.of(opts.getDataDir()));
    } catch (IOException e) {
      return Future.failedFuture(
          new UncheckedIOException("data_dir: cannot create '" + opts.getDataDir() + "'", e));
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MicrometerMetricsOptions metrics =
        new MicrometerMetricsOptions()
            .setEnabled(true)
            .setJvmMetricsEnabled(true)
            .setPrometheusOptions(
                new VertxPrometheusOptions().setEnabled(true).setPublishQuantiles(true))
            .setLabels(
                // HTTP requests are measured by HttpRequestMetrics: vertx-micrometer 5.0.x does
                // not implement vertx-core 5.1's HTTP server metrics SPI.
                EnumSet.of(
                    Label.EB_ADDRESS,
                    Label.EB_SIDE,
                    Label.EB_FAILURE,
                    Label.POOL_TYPE,
                    Label.POOL_NAME));
    Vertx vertx =
        Vertx.builder()
            .with(new VertxOptions().setPreferNativeTransport(true).setMetricsOptions(metrics))
            .withMetrics(new MicrometerMetricsFactory(registry))
            .build();
    AtomicInteger threads = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            opts.getApplyThreads(),
            r -> {
              Thread t = new Thread(r, "vecdb-apply-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    VecdbNode node = new VecdbNode(opts, vertx, pool);
    return node.deploy(registry, logFactory.apply(opts))
        .map(node)
        .recover(t -> node.close().transform(ignored -> Future.failedFuture(t)));
  }

  private Future<?> deploy(PrometheusMeterRegistry registry, OperationLog rawLog) {
    Codecs.register(vertx.eventBus());
    SynchronizationMetrics sync = new MicrometerSynchronizationMetrics(registry);
    Applier applier = new Applier(collections, applyPool, sync);
    VecdbMetrics metrics = new VecdbMetrics(registry, collections);
    applier.addListener(metrics);
    applier.addListener(new ChangeFeedPublisher(vertx.eventBus()));
    OperationLog log = new MeteredOperationLog(rawLog, registry);
    MutationRequests mutations = new MutationRequests(collections);
    ReadRequests reads = new ReadRequests(collections);
    SearchRequests searches = new SearchRequests(collections);
    NodeInfo info = new NodeInfo(VERSION, IndexFactory.vectorMath(), transport());
    DeploymentOptions worker = new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER);
    return vertx
        .deployVerticle(() -> new WalVerticle(log, applier), new DeploymentOptions())
        .compose(
            id ->
                vertx.deployVerticle(
                    () -> new IngestVerticle(mutations),
                    new DeploymentOptions(worker).setInstances(2)))
        .compose(
            id ->
                vertx.deployVerticle(
                    () -> new SearchVerticle(reads, searches, metrics),
                    new DeploymentOptions(worker).setInstances(options.getSearchInstances())))
        .compose(
            id ->
                vertx.deployVerticle(
                    () -> new HttpApiVerticle(options, info, ready, registry, httpPort::set),
                    new DeploymentOptions()))
        .compose(id -> log.recover(applier))
        .onSuccess(
            v -> {
              ready.set(true);
              LOG.info(
                  "VecDB "
                      + VERSION
                      + " listening on http://"
                      + options.getHost()
                      + ":"
                      + httpPort.get()
                      + " (transport: "
                      + info.transport()
                      + ", vector math: "
                      + info.vectorMath()
                      + ", data: "
                      + Path.of(options.getDataDir()).toAbsolutePath()
                      + ")");
            });
  }

  private String transport() {
    if (vertx.isNativeTransportEnabled()) {
      return "epoll (native)";
    }
    Throwable cause = vertx.unavailableNativeTransportCause();
    return "nio (native epoll unavailable: "
        + (cause == null ? "unknown" : cause.getMessage())
        + ")";
  }

  public Vertx vertx() {
    return vertx;
  }

  public Collections collections() {
    return collections;
  }

  public VecdbOptions options() {
    return options;
  }

  /** The bound HTTP port (useful with port 0). */
  public int httpPort() {
    return httpPort.get();
  }

  public boolean isReady() {
    return ready.get();
  }

  /**
   * Stops taking requests, undeploys everything and closes Vert.x. Idempotent. Runs on a thread of
   * its own: completions bound to the node's event loops would be lost once they are closed.
   */
  public Future<Void> close() {
    if (!closed.compareAndSet(false, true)) {
      return Future.succeededFuture();
    }
    ready.set(false);
    Promise<Void> done = Promise.promise();
    Thread.ofPlatform()
        .name("vecdb-close")
        .start(
            () -> {
              try {
                vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                done.complete();
              } catch (Exception e) {
                done.fail(e);
              } finally {
                applyPool.shutdown();
              }
            });
    return done.future();
  }
}
