package io.vecdb.server;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.stub.StreamObserver;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.vecdb.collection.ErrorCode;
import io.vecdb.collection.VecdbException;
import io.vecdb.config.TlsOptions;
import io.vecdb.config.VecdbOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The gRPC face: Qdrant's {@code Collections}, {@code Points} and {@code Qdrant} services on {@code
 * grpc_port}, wire-compatible with Qdrant's official clients, for what the REST API serves.
 *
 * <p>Each call is translated into the {@link ApiRequest} its REST twin makes ({@link GrpcRequests})
 * and sent to the same verticles over the bus, so REST, WebSocket and gRPC share one request path,
 * one validation and one set of errors ({@link #status} maps them to gRPC codes); the REST result
 * is translated back ({@link GrpcReplies}). RPCs VecDB does not serve (recommend, discover, groups,
 * facets, aliases, vector updates, ...) answer UNIMPLEMENTED, the generated default.
 *
 * <p>Runs on grpc-java with its own (shaded) Netty: vertx-grpc-server is published here only for
 * Vert.x 5.0, and this node runs 5.1. Translation runs on a small pool of its own ({@code
 * vecdb-grpc-N}), never on a Vert.x event loop. API keys are checked by an interceptor ({@code
 * api-key} or {@code authorization: Bearer} metadata, as over HTTP); TLS follows {@code tls.*},
 * with certificates reloaded when their files change.
 *
 * <p>Thread safety: the services are stateless and {@link #METHODS} is immutable; the TLS managers
 * swap their material atomically (new handshakes see the new certificate).
 */
final class GrpcApiVerticle extends VerticleBase {
  private static final Logger LOG = Logger.getLogger(GrpcApiVerticle.class.getName());

  /** Request metadata: a clustered node's consistency token, level and write consistency. */
  static final Metadata.Key<String> TOKEN =
      Metadata.Key.of("x-vecdb-token", Metadata.ASCII_STRING_MARSHALLER);

  static final Metadata.Key<String> CONSISTENCY =
      Metadata.Key.of("x-vecdb-consistency", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> WRITE_CONSISTENCY =
      Metadata.Key.of("x-vecdb-write-consistency", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> API_KEY =
      Metadata.Key.of("api-key", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** The call's request metadata, and where its reply token goes (sent as response metadata). */
  private record CallState(Metadata headers, AtomicReference<String> replyToken) {}

  private static final Context.Key<CallState> CALL = Context.key("vecdb.grpc.call");

  /** Full method name to the action it performs (writes need a full-access key). */
  private static final Map<String, Action> METHODS = GrpcServices.served();

  private final VecdbOptions options;
  private final NodeInfo info;
  private final AtomicBoolean ready;
  private final IntConsumer boundPort;
  private final Supplier<io.vecdb.cluster.ClusterNode> cluster;
  private final ApiKeys keys;
  private ExecutorService pool;
  private Server server;
  private AdvancedTlsX509KeyManager keyManager;
  private AdvancedTlsX509TrustManager trustManager;

  GrpcApiVerticle(
      VecdbOptions options,
      NodeInfo info,
      AtomicBoolean ready,
      IntConsumer boundPort,
      Supplier<io.vecdb.cluster.ClusterNode> cluster) {
    this.options = options;
    this.info = info;
    this.ready = ready;
    this.boundPort = boundPort;
    this.cluster = cluster;
    this.keys = new ApiKeys(options.getApiKey(), options.getReadOnlyApiKey());
  }

  @Override
  public Future<?> start() {
    return vertx.executeBlocking(
        () -> {
          int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
          pool =
              Executors.newFixedThreadPool(
                  threads, Thread.ofPlatform().name("vecdb-grpc-", 0).daemon().factory());
          GrpcServices services = new GrpcServices(this);
          server =
              io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forAddress(
                      new InetSocketAddress(options.getHost(), options.getGrpcPort()),
                      credentials(options.getTls()))
                  .executor(pool)
                  .maxInboundMessageSize(
                      (int) Math.min(Integer.MAX_VALUE, options.getMaxRequestBytes()))
                  .addService(
                      ServerInterceptors.intercept(services.points(), new Interceptor(keys)))
                  .addService(
                      ServerInterceptors.intercept(services.collections(), new Interceptor(keys)))
                  .addService(
                      ServerInterceptors.intercept(services.qdrant(), new Interceptor(keys)))
                  .build();
          try {
            server.start();
          } catch (java.io.IOException e) {
            pool.shutdownNow();
            throw new java.io.IOException(
                "grpc_port: cannot listen on "
                    + options.getHost()
                    + ":"
                    + options.getGrpcPort()
                    + " ("
                    + e.getMessage()
                    + "; set grpc_port, --grpc-port or VECDB_GRPC_PORT, 0 to turn gRPC off)",
                e);
          }
          boundPort.accept(server.getPort());
          TlsOptions tls = options.getTls();
          if (tls.isEnabled() && tls.getReloadSeconds() > 0) {
            watchCertificates(tls);
          }
          return server;
        },
        false);
  }

  private ServerCredentials credentials(TlsOptions tls) throws Exception {
    if (!tls.isEnabled()) {
      return InsecureServerCredentials.create();
    }
    keyManager = new AdvancedTlsX509KeyManager();
    TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder().keyManager(keyManager);
    if (tls.getCa() != null) {
      trustManager = AdvancedTlsX509TrustManager.newBuilder().build();
      b.trustManager(trustManager).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
    }
    load(tls);
    return b.build();
  }

  /**
   * Reads the PEM files through {@link TlsFiles} (which checks that key and certificate belong
   * together) into the key and trust managers; new handshakes use them, open connections keep
   * theirs.
   */
  private void load(TlsOptions tls) throws Exception {
    io.vertx.core.net.ServerSSLOptions ssl = TlsFiles.load(vertx, tls);
    javax.net.ssl.X509KeyManager km =
        (javax.net.ssl.X509KeyManager)
            ssl.getKeyCertOptions().getKeyManagerFactory(vertx).getKeyManagers()[0];
    for (String type : new String[] {"EC", "RSA", "EdDSA", "Ed25519", "RSASSA-PSS"}) {
      String[] aliases = km.getServerAliases(type, null);
      if (aliases != null && aliases.length > 0) {
        keyManager.updateIdentityCredentials(
            km.getCertificateChain(aliases[0]), km.getPrivateKey(aliases[0]));
        break;
      }
    }
    if (trustManager != null) {
      javax.net.ssl.X509TrustManager tm =
          (javax.net.ssl.X509TrustManager)
              ssl.getTrustOptions().getTrustManagerFactory(vertx).getTrustManagers()[0];
      trustManager.updateTrustCredentials(tm.getAcceptedIssuers());
    }
  }

  private void watchCertificates(TlsOptions tls) throws java.io.IOException {
    String[] loaded = {TlsFiles.stamp(tls)};
    vertx.setPeriodic(
        tls.getReloadSeconds() * 1000L,
        id ->
            vertx
                .executeBlocking(
                    () -> {
                      String now = TlsFiles.stamp(tls);
                      if (!now.equals(loaded[0])) {
                        load(tls);
                        loaded[0] = now;
                        LOG.info("tls: gRPC loaded the changed certificate files");
                      }
                      return null;
                    },
                    false)
                .onFailure(
                    e ->
                        LOG.warning(
                            "tls: gRPC could not load the changed certificate files (the previous"
                                + " ones stay in use; retrying): "
                                + e.getMessage())));
  }

  @Override
  public Future<?> stop() {
    return vertx.executeBlocking(
        () -> {
          if (server != null) {
            server.shutdown();
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
              server.shutdownNow();
            }
          }
          if (pool != null) {
            pool.shutdownNow();
          }
          return null;
        },
        false);
  }

  /** The bus round trip of one call: the REST action, then {@code reply} on the result. */
  <T> void call(
      Action action,
      String collection,
      String arg,
      JsonObject body,
      Boolean wait,
      Long timeoutSeconds,
      String consistency,
      StreamObserver<T> out,
      Reply<T> reply) {
    long start = System.nanoTime();
    if (!ready.get()) {
      out.onError(
          Status.UNAVAILABLE
              .withDescription("not ready: the node is still recovering")
              .asRuntimeException());
      return;
    }
    CallState state = CALL.get();
    JsonObject params = params(timeoutSeconds, consistency, state);
    ApiRequest request =
        new ApiRequest(
            action,
            collection,
            arg,
            body == null ? null : body.toBuffer(),
            wait == null ? action.alwaysWaits() : wait,
            params);
    DeliveryOptions delivery =
        (action.isWrite()
                ? new DeliveryOptions().setSendTimeout(IngestVerticle.WRITE_TIMEOUT_MS + 1000)
                : new DeliveryOptions())
            .setLocalOnly(true);
    vertx
        .eventBus()
        .<ApiReply>request(
            action.isWrite() ? Addresses.INGEST : Addresses.SEARCH, request, delivery)
        .onComplete(ar -> answer(ar, state, start, out, reply));
  }

  private <T> void answer(
      io.vertx.core.AsyncResult<io.vertx.core.eventbus.Message<ApiReply>> ar,
      CallState state,
      long start,
      StreamObserver<T> out,
      Reply<T> reply) {
    try {
      pool.execute(
          () -> {
            if (ar.failed()) {
              out.onError(status(BusMessages.unwrap(ar.cause())));
              return;
            }
            String token = ar.result().headers().get(BusMessages.TOKEN_HEADER);
            if (token != null && state != null) {
              state.replyToken().set(token);
            }
            T message;
            try {
              message = reply.apply(ar.result().body().result(), (System.nanoTime() - start) / 1e9);
            } catch (RuntimeException e) {
              LOG.log(java.util.logging.Level.SEVERE, "gRPC reply failed", e);
              out.onError(
                  Status.INTERNAL.withDescription("internal error: " + e).asRuntimeException());
              return;
            }
            out.onNext(message);
            out.onCompleted();
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      out.onError(
          Status.UNAVAILABLE.withDescription("the node is shutting down").asRuntimeException());
    }
  }

  /** Builds the response message from the REST result and the seconds the call took. */
  interface Reply<T> {
    T apply(Object result, double seconds);
  }

  /**
   * The request parameters: {@code timeout} (the message's own, else the call's deadline rounded up
   * to whole seconds), and on a clustered node the consistency level ({@code read_consistency} or
   * {@code x-vecdb-consistency} metadata), {@code x-vecdb-write-consistency} and the token.
   */
  private JsonObject params(Long timeoutSeconds, String consistency, CallState state) {
    JsonObject params = new JsonObject();
    Long timeout = timeoutSeconds;
    io.grpc.Deadline deadline = Context.current().getDeadline();
    if (timeout == null && deadline != null) {
      long ms = deadline.timeRemaining(TimeUnit.MILLISECONDS);
      timeout = Math.max(1, Math.min(RequestTimeout.MAX_SECONDS, (ms + 999) / 1000));
    }
    if (timeout != null) {
      params.put("timeout", String.valueOf(timeout));
    }
    if (cluster.get() != null) {
      Metadata h = state == null ? new Metadata() : state.headers();
      String level = h.get(CONSISTENCY) != null ? h.get(CONSISTENCY) : consistency;
      if (level != null) {
        params.put("consistency", level);
      }
      if (h.get(WRITE_CONSISTENCY) != null) {
        params.put("write_consistency", h.get(WRITE_CONSISTENCY));
      }
      if (h.get(TOKEN) != null) {
        params.put("token", h.get(TOKEN));
      }
    }
    return params.isEmpty() ? null : params;
  }

  /** A failure as the gRPC status of its {@link ErrorCode}, with the same message as over HTTP. */
  static io.grpc.StatusRuntimeException status(VecdbException e) {
    Status s =
        switch (e.code()) {
          case BAD_REQUEST -> Status.INVALID_ARGUMENT;
          case NOT_FOUND -> Status.NOT_FOUND;
          case CONFLICT -> Status.ALREADY_EXISTS;
          case PAYLOAD_TOO_LARGE -> Status.RESOURCE_EXHAUSTED;
          case TIMEOUT -> Status.DEADLINE_EXCEEDED;
          case NOT_IMPLEMENTED -> Status.UNIMPLEMENTED;
          case UNAVAILABLE -> Status.UNAVAILABLE;
          // gRPC's own word for "may or may not have taken effect" on a state change.
          case OUTCOME_UNKNOWN -> Status.DEADLINE_EXCEEDED;
          case INTERNAL -> Status.INTERNAL;
        };
    return s.withDescription(e.getMessage()).asRuntimeException();
  }

  /** A request the translation refused, before anything was sent. */
  static io.grpc.StatusRuntimeException invalid(IllegalArgumentException e) {
    return Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
  }

  /** The action a served RPC performs, or null for one this node does not serve. */
  static Action action(String fullMethodName) {
    return METHODS.get(fullMethodName);
  }

  NodeInfo info() {
    return info;
  }

  /**
   * Checks the API key of every call but the health check (as {@code /healthz} over HTTP): a
   * missing or wrong key is UNAUTHENTICATED, a read-only key on a write (or on a method this node
   * does not know to be a read) PERMISSION_DENIED. Keeps the call's metadata in its {@link Context}
   * and sends a clustered reply's token back as {@code x-vecdb-token} response metadata.
   */
  private static final class Interceptor implements ServerInterceptor {
    private static final Set<String> OPEN = Set.of("qdrant.Qdrant/HealthCheck");
    private final ApiKeys keys;

    Interceptor(ApiKeys keys) {
      this.keys = keys;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      String method = call.getMethodDescriptor().getFullMethodName();
      if (keys.enabled() && !OPEN.contains(method)) {
        ApiKeys.Access access = keys.check(headers.get(API_KEY), headers.get(AUTHORIZATION));
        if (access == null) {
          call.close(
              Status.UNAUTHENTICATED.withDescription(
                  "api-key: missing or wrong; send the api-key metadata or authorization: Bearer"
                      + " <key>"),
              new Metadata());
          return new ServerCall.Listener<>() {};
        }
        Action action = METHODS.get(method);
        if (access == ApiKeys.Access.READ_ONLY && (action == null || action.isWrite())) {
          call.close(
              Status.PERMISSION_DENIED.withDescription(
                  "api-key: a read-only key cannot call " + method),
              new Metadata());
          return new ServerCall.Listener<>() {};
        }
      }
      CallState state = new CallState(headers, new AtomicReference<>());
      ServerCall<Q, R> withToken =
          new io.grpc.ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void sendHeaders(Metadata responseHeaders) {
              String token = state.replyToken().get();
              if (token != null) {
                responseHeaders.put(TOKEN, token);
              }
              super.sendHeaders(responseHeaders);
            }
          };
      return Contexts.interceptCall(
          Context.current().withValue(CALL, state), withToken, headers, next);
    }
  }
}
