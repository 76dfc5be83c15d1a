package io.vecdb.server;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vecdb.collection.Applier;
import io.vecdb.collection.Collections;
import io.vecdb.collection.GroupRequests;
import io.vecdb.collection.IndexFactory;
import io.vecdb.collection.MutationRequests;
import io.vecdb.collection.OperationLog;
import io.vecdb.collection.ReadRequests;
import io.vecdb.collection.SearchRequests;
import io.vecdb.config.VecdbOptions;
import io.vecdb.durable.DurableStorage;
import io.vecdb.index.ParallelInserter;
import io.vecdb.metrics.MeteredOperationLog;
import io.vecdb.metrics.MicrometerSynchronizationMetrics;
import io.vecdb.metrics.SynchronizationMetrics;
import io.vecdb.metrics.VecdbMetrics;
import io.vecdb.optimizer.Optimizer;
import io.vecdb.wal.WalStorage;
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
  private final ParallelInserter inserter;
  private final ExecutorService applyPool;
  private final AtomicInteger httpPort = new AtomicInteger(-1);

  /**
   * HTTP verticle instances, each on its own event loop, sharing the port (Vert.x hands each new
   * connection to the next): one per core, so that accepting writes, which parse and validate small
   * bodies on the event loop, is not held to one core.
   */
  static final int HTTP_INSTANCES = Math.max(1, Runtime.getRuntime().availableProcessors());

  private final AtomicInteger grpcPort = new AtomicInteger(-1);
  private final AtomicBoolean ready = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Set once during start-up (durable nodes only), read by {@link #close}. */
  private volatile DurableStorage storage;

  /** Set once during start-up, read by {@link #applier} and {@link #close}. */
  private volatile Applier applier;

  private volatile Optimizer optimizer;

  /**
   * What the node's WALs do on an I/O failure beyond refusing writes (null: nothing; a server
   * process halts, {@link FailStop}), and the test faults a {@code --fault-injection} process arms
   * (null otherwise). Set once before start-up.
   */
  private volatile java.util.function.Consumer<io.vecdb.wal.WalException> onFailStop;

  private volatile io.vecdb.wal.InjectedFaults walFaults;

  /** This node's cluster side; null on a single node. Set once during start-up. */
  private volatile io.vecdb.cluster.ClusterNode cluster;

  // A single node's write path, for the HTTP verticle's small writes: set once the log is open
  // (null before, and always null on a clustered node, whose writes go through ClusterRequests).
  private volatile LocalWrites localWrites;

  private VecdbNode(VecdbOptions options, Vertx vertx, ExecutorService applyPool) {
    this.options = options;
    this.vertx = vertx;
    this.inserter = new ParallelInserter(options.getIndexThreads(), options.getIndexNice());
    this.collections = new Collections(inserter);
    this.applyPool = applyPool;
  }

  /**
   * Starts a durable node: recovers from the WAL and snapshots under the data directory before it
   * reports ready. Fails (closing everything) if the WAL is corrupt before its tail.
   */
  public static Future<VecdbNode> start(VecdbOptions options) {
    return start(options, WalStorage.files());
  }

  /**
   * The node of a server process ({@code vecdb serve}): durable, and a WAL I/O failure stops the
   * process ({@link FailStop}); with {@code --fault-injection}, its WALs' fsyncs can be made to
   * fail ({@code POST /debug/wal-fault}).
   */
  public static Future<VecdbNode> serve(VecdbOptions options) {
    io.vecdb.wal.InjectedFaults faults =
        options.getCluster().isFaultInjection() ? new io.vecdb.wal.InjectedFaults() : null;
    return launch(
        options, durable(faults == null ? WalStorage.files() : faults), FailStop::halt, faults);
  }

  /**
   * A durable node whose WAL does its file I/O through {@code walStorage} (tests inject faults). A
   * WAL failure makes it refuse writes; the process goes on.
   */
  public static Future<VecdbNode> start(VecdbOptions options, WalStorage walStorage) {
    return launch(options, durable(walStorage), null, null);
  }

  private static LogSource durable(WalStorage walStorage) {
    return (node, applier, registry) ->
        DurableStorage.open(node.vertx, node.options, walStorage, node.collections, node.onFailStop)
            .compose(
                storage -> {
                  node.storage = storage;
                  return node.vertx.executeBlocking(
                      () -> {
                        storage.attach(applier);
                        storage.registerMetrics(registry);
                        return storage.operationLog();
                      },
                      false);
                });
  }

  /**
   * Starts a node whose operations go through the log {@code logFactory} makes, with no recovery
   * (e.g. {@code o -> new InMemoryOperationLog()}: state lives only in memory).
   */
  public static Future<VecdbNode> start(
      VecdbOptions options, Function<VecdbOptions, OperationLog> logFactory) {
    return launch(
        options,
        (node, applier, registry) -> Future.succeededFuture(logFactory.apply(node.options)),
        null,
        null);
  }

  /** Opens the node's operation log once the applier exists; may recover state first. */
  private interface LogSource {
    Future<OperationLog> open(VecdbNode node, Applier applier, PrometheusMeterRegistry registry);
  }

  private static Future<VecdbNode> launch(
      VecdbOptions options,
      LogSource logSource,
      java.util.function.Consumer<io.vecdb.wal.WalException> onFailStop,
      io.vecdb.wal.InjectedFaults walFaults) {
    VecdbOptions opts = new VecdbOptions(options);
    try {
      io.vecdb.wal.WalStorage.files().createDirectories(Path.of(opts.getDataDir()));
    } catch (IOException e) {
      return Future.failedFuture(
          new UncheckedIOException("data_dir: cannot create '" + opts.getDataDir() + "'", e));
    }
    // Vectors with on_disk: true are mapped from (unlinked) files here, beside the data.
    IndexFactory.vectorsDirectory(Path.of(opts.getDataDir(), "vectors"));
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
    VertxOptions vertxOptions =
        new VertxOptions().setPreferNativeTransport(true).setMetricsOptions(metrics);
    io.vecdb.config.ClusterOptions clusterOptions = opts.getCluster();
    Future<Vertx> built;
    io.vertx.spi.cluster.hazelcast.HazelcastClusterManager manager = null;
    if (clusterOptions.isEnabled()) {
      try {
        manager =
            io.vecdb.cluster.membership.ClusterMembership.clusterManager(
                clusterOptions, Path.of("conf", "cluster.xml"));
      } catch (IOException e) {
        return Future.failedFuture(
            new UncheckedIOException("conf/cluster.xml: " + e.getMessage(), e));
      }
      // The event bus listens beside Hazelcast, on the cluster host (a free port).
      io.vertx.core.eventbus.EventBusOptions bus =
          vertxOptions.getEventBusOptions().setHost(clusterOptions.getHost()).setPort(0);
      io.vecdb.config.TlsOptions tls = clusterOptions.getTls();
      if (tls.isEnabled()) {
        // Mutual TLS between nodes: each presents its certificate and accepts only peers whose
        // certificates the cluster's authority signed (read at start: rotate by rolling restart).
        bus.setSsl(true)
            .setKeyCertOptions(
                new io.vertx.core.net.PemKeyCertOptions()
                    .setCertPath(tls.getCert())
                    .setKeyPath(tls.getKey()))
            .setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertPath(tls.getCa()))
            .setClientAuth(io.vertx.core.http.ClientAuth.REQUIRED);
      }
      built =
          Vertx.builder()
              .with(vertxOptions)
              .withMetrics(new MicrometerMetricsFactory(registry))
              .withClusterManager(manager)
              .buildClustered();
    } else {
      built =
          Future.succeededFuture(
              Vertx.builder()
                  .with(vertxOptions)
                  .withMetrics(new MicrometerMetricsFactory(registry))
                  .build());
    }
    io.vertx.spi.cluster.hazelcast.HazelcastClusterManager clusterManager = manager;
    Promise<VecdbNode> started = Promise.promise();
    built.onComplete(
        vr -> {
          if (vr.failed()) {
            started.fail(vr.cause());
            return;
          }
          Vertx vertx = vr.result();
          AtomicInteger threads = new AtomicInteger();
          ExecutorService pool =
              Executors.newFixedThreadPool(
                  opts.getApplyThreads(),
                  r -> {
                    // Applying (graph insertion) yields to accepting writes and to searches.
                    Thread t =
                        new Thread(
                            () -> {
                              io.vecdb.index.ThreadNice.set(opts.getIndexNice());
                              r.run();
                            },
                            "vecdb-apply-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                  });
          VecdbNode node = new VecdbNode(opts, vertx, pool);
          node.onFailStop = onFailStop;
          node.walFaults = walFaults;
          // Not chained on the deployment's (event-loop bound) futures: after a failed start the
          // event loops are closed, and a completion dispatched to them would never run.
          node.startCluster(clusterManager, registry)
              .compose(v -> node.deploy(registry, logSource))
              .onComplete(
                  ar -> {
                    if (ar.succeeded()) {
                      started.complete(node);
                    } else {
                      node.close().onComplete(closed -> started.fail(ar.cause()));
                    }
                  });
        });
    return started.future();
  }

  /** Joins the cluster (clustered nodes only): identity, Raft WAL, metadata group. */
  private Future<Void> startCluster(
      io.vertx.spi.cluster.hazelcast.HazelcastClusterManager manager,
      PrometheusMeterRegistry registry) {
    if (manager == null) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(
        () -> {
          cluster =
              io.vecdb.cluster.ClusterNode.start(
                  vertx,
                  manager,
                  options.getCluster(),
                  Path.of(options.getDataDir()),
                  registry,
                  inserter,
                  walFaults == null ? WalStorage.files() : walFaults,
                  onFailStop);
          return null;
        },
        false);
  }

  /**
   * Deploys {@link #HTTP_INSTANCES} HTTP verticles on {@code port}, one deployment so that Vert.x
   * shares the port among them. Port 0 (tests) becomes a free port chosen here first, as instances
   * listening on port 0 would each bind a port of their own; if another process takes that port
   * before the bind, another is tried, {@code attempts} times in all. Every instance checks that it
   * bound the node's port.
   */
  private Future<String> deployHttp(
      NodeInfo info, PrometheusMeterRegistry registry, int port, int attempts) {
    int listen;
    try {
      listen = port == 0 ? freePort(options.getHost()) : port;
    } catch (java.io.IOException e) {
      return Future.failedFuture(e);
    }
    return vertx
        .deployVerticle(
            () ->
                new HttpApiVerticle(
                    options,
                    info,
                    ready,
                    registry,
                    bound -> {
                      if (!httpPort.compareAndSet(-1, bound)) {
                        return httpPort.get() == bound; // a later instance: on the same port
                      }
                      if (!new ApiKeys(options.getApiKey(), options.getReadOnlyApiKey())
                          .enabled()) {
                        LOG.warning(
                            "no api_key is configured: every request to "
                                + options.getHost()
                                + ":"
                                + bound
                                + " is served without authentication");
                      }
                      return true;
                    },
                    listen,
                    () -> storage == null ? null : storage.snapshots(),
                    () -> cluster,
                    () -> localWrites,
                    walFaults),
            new DeploymentOptions().setInstances(HTTP_INSTANCES))
        .recover(
            e -> {
              httpPort.set(-1);
              return port == 0
                      && attempts > 1
                      && e.getMessage() != null
                      && e.getMessage().contains("Address already in use")
                  ? deployHttp(info, registry, port, attempts - 1)
                  : Future.failedFuture(e);
            });
  }

  private static int freePort(String host) throws java.io.IOException {
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
      return s.getLocalPort();
    }
  }

  private Future<?> deploy(PrometheusMeterRegistry registry, LogSource logSource) {
    Codecs.register(vertx.eventBus());
    SynchronizationMetrics sync = new MicrometerSynchronizationMetrics(registry);
    Applier applier = new Applier(collections, applyPool, sync);
    this.applier = applier;
    VecdbMetrics metrics = new VecdbMetrics(registry, collections);
    applier.addListener(metrics);
    applier.addListener(new ChangeFeedPublisher(vertx.eventBus()));
    MutationRequests mutations = new MutationRequests(collections);
    ReadRequests reads = new ReadRequests(collections);
    SearchRequests searches = new SearchRequests(collections);
    NodeInfo info = new NodeInfo(VERSION, IndexFactory.vectorMath(), transport());
    DeploymentOptions worker = new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER);
    // HTTP first, so that /readyz answers 503 while the log recovers; the API refuses requests
    // with 503 until ready.
    return deployHttp(info, registry, options.getHttpPort(), 3)
        .compose(
            id ->
                options.getGrpcPort() == 0
                    ? Future.succeededFuture(id)
                    : vertx.deployVerticle(
                        () ->
                            new GrpcApiVerticle(options, info, ready, grpcPort::set, () -> cluster),
                        new DeploymentOptions()))
        .compose(id -> logSource.open(this, applier, registry))
        .andThen(
            ar -> {
              DurableStorage s = storage;
              if (s != null) {
                s.onCollectionInstalled(
                    metrics::track); // recovered ones appear without the applier
              }
            })
        .compose(
            rawLog -> {
              OperationLog log = new MeteredOperationLog(rawLog, registry);
              LocalWrites local = new LocalWrites(vertx, mutations);
              return vertx
                  .deployVerticle(
                      () -> new WalVerticle(log, applier, options.getWriteBacklog(), registry),
                      new DeploymentOptions())
                  .compose(
                      id ->
                          vertx.deployVerticle(
                              () -> new IngestVerticle(local, clusterRequests()),
                              new DeploymentOptions(worker).setInstances(2)))
                  .compose(
                      id ->
                          vertx.deployVerticle(
                              () ->
                                  new SearchVerticle(
                                      reads,
                                      searches,
                                      new GroupRequests(collections),
                                      metrics,
                                      clusterRequests()),
                              // Their own pool, one thread per instance: on the shared
                              // 20-thread pool the two instances' messages ran on all 20
                              // threads in turn (JFR: each busy about 4% of the time), each
                              // woken from parking with a cold cache.
                              new DeploymentOptions(worker)
                                  .setInstances(options.getSearchInstances())
                                  .setWorkerPoolName("vecdb-search")
                                  .setWorkerPoolSize(options.getSearchInstances())))
                  // The WAL log has recovered already (in logSource); other logs replay here.
                  .compose(id -> log.recover(applier))
                  .andThen(
                      ar -> {
                        if (ar.succeeded() && cluster == null) {
                          localWrites = local;
                        }
                      });
            })
        .onSuccess(
            v -> {
              // A clustered node's data lives in its shard replicas: compact those.
              io.vecdb.cluster.ClusterNode clustered = cluster;
              Optimizer o =
                  clustered == null
                      ? new Optimizer(collections, options.getOptimizer(), registry)
                      : new Optimizer(
                          clustered::shardCollections, options.getOptimizer(), registry);
              optimizer = o;
              if (closed.get()) {
                return;
              }
              o.start();
              ready.set(true);
              io.vecdb.cluster.ClusterNode c = cluster;
              if (c != null) {
                c.register("http://" + options.getHost() + ":" + httpPort.get());
              }
              LOG.info(
                  "VecDB "
                      + VERSION
                      + " listening on http://"
                      + options.getHost()
                      + ":"
                      + httpPort.get()
                      + (grpcPort.get() > 0 ? ", gRPC on port " + grpcPort.get() : "")
                      + " (transport: "
                      + info.transport()
                      + ", vector math: "
                      + info.vectorMath()
                      + ", data: "
                      + Path.of(options.getDataDir()).toAbsolutePath()
                      + ")");
            });
  }

  private ClusterRequests clusterRequests() {
    io.vecdb.cluster.ClusterNode c = cluster;
    return c == null ? null : new ClusterRequests(c, options.getCluster().getVirtualNodes());
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

  /** The bound gRPC port, or -1 when gRPC is off ({@code grpc_port} 0). */
  public int grpcPort() {
    return grpcPort.get();
  }

  /** The WAL and checkpoints of a durable node; null for a node started with a log factory. */
  public DurableStorage storage() {
    return storage;
  }

  /** This node's cluster side, or null on a single node. */
  public io.vecdb.cluster.ClusterNode cluster() {
    return cluster;
  }

  /** The applier (tests use {@link Applier#onLane} to hold a collection's lane). */
  public Applier applier() {
    return applier;
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
                Optimizer o = optimizer;
                if (o != null) {
                  o.close(); // before the final checkpoint, which waits for a running compaction
                }
                DurableStorage s = storage;
                if (s != null) {
                  s.close(); // final checkpoint, then the WAL closes; later writes get 503
                }
                io.vecdb.cluster.ClusterNode c = cluster;
                if (c != null) {
                  c.close(); // Raft groups stop, the Raft WAL closes
                }
                vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
                done.complete();
              } catch (Exception e) {
                done.fail(e);
              } finally {
                applyPool.shutdown();
                inserter.close();
              }
            });
    return done.future();
  }
}
