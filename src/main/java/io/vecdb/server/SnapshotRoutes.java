package io.vecdb.server;

import io.vecdb.collection.ErrorCode;
import io.vecdb.collection.VecdbException;
import io.vecdb.durable.SnapshotService;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Qdrant's collection snapshot endpoints, answered by {@link SnapshotService} (file work runs on
 * worker threads; downloads are streamed with {@code sendFile}, never read on the event loop).
 * Mounted before the generic body handler: uploads go to disk ({@code uploadsDir}) without the
 * request size limit, since a snapshot can be larger than any API request.
 */
final class SnapshotRoutes {
  private SnapshotRoutes() {}

  static void mount(
      Router r, Supplier<SnapshotService> service, String uploadsDir, long maxRequestBytes) {
    String base = "/collections/:name/snapshots";
    r.post(base + "/upload")
        .handler(
            BodyHandler.create(uploadsDir)
                .setBodyLimit(-1) // streamed to a file, not held in memory
                .setDeleteUploadedFilesOnEnd(true));
    r.post(base + "/upload").handler(ctx -> upload(ctx, service.get()));
    r.put(base + "/recover").handler(BodyHandler.create(false).setBodyLimit(maxRequestBytes));
    r.put(base + "/recover").handler(ctx -> recover(ctx, service.get()));
    r.post(base)
        .handler(
            ctx -> reply(ctx, service, s -> s.create(s.canonical(name(ctx))).map(d -> d.toJson())));
    r.get(base)
        .handler(
            ctx ->
                reply(ctx, service, s -> s.list(s.canonical(name(ctx))).map(SnapshotRoutes::json)));
    r.delete(base + "/:snapshot")
        .handler(
            ctx ->
                reply(
                    ctx,
                    service,
                    s ->
                        s.delete(s.canonical(name(ctx)), ctx.pathParam("snapshot"))
                            .map(b -> (Object) b)));
    r.route(HttpMethod.GET, base + "/:snapshot").handler(ctx -> download(ctx, service.get()));
  }

  private static String name(RoutingContext ctx) {
    return ctx.pathParam("name");
  }

  private static Object json(java.util.List<SnapshotService.Description> list) {
    JsonArray out = new JsonArray();
    list.forEach(d -> out.add(d.toJson()));
    return out;
  }

  private static void reply(
      RoutingContext ctx,
      Supplier<SnapshotService> service,
      Function<SnapshotService, Future<?>> call) {
    long start = System.nanoTime();
    SnapshotService s = service.get();
    if (s == null) {
      unavailable(ctx, start);
      return;
    }
    call.apply(s)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                Envelope.ok(ctx, ApiReply.of(ar.result()), start); // small: a name, a list, a flag
              } else {
                Envelope.error(ctx, VecdbException.of(ar.cause()), start);
              }
            });
  }

  private static void unavailable(RoutingContext ctx, long start) {
    Envelope.error(
        ctx,
        new VecdbException(ErrorCode.UNAVAILABLE, "snapshots need a node with durable storage"),
        start);
  }

  private static void recover(RoutingContext ctx, SnapshotService s) {
    long start = System.nanoTime();
    if (s == null) {
      unavailable(ctx, start);
      return;
    }
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      Envelope.error(ctx, 400, "body: expected a JSON object with \"location\"", start);
      return;
    }
    if (body == null || !(body.getValue("location") instanceof String location)) {
      Envelope.error(ctx, 400, "location: expected a file:// URI or path string", start);
      return;
    }
    Object checksum = body.getValue("checksum");
    finish(
        ctx,
        s.recover(s.canonical(name(ctx)), location, checksum instanceof String c ? c : null),
        start);
  }

  private static void upload(RoutingContext ctx, SnapshotService s) {
    long start = System.nanoTime();
    if (s == null) {
      unavailable(ctx, start);
      return;
    }
    FileUpload file =
        ctx.fileUploads().stream()
            .filter(f -> f.name().equals("snapshot"))
            .findFirst()
            .orElse(null);
    if (file == null) {
      Envelope.error(
          ctx,
          400,
          "snapshot: expected a multipart/form-data file field named \"snapshot\"",
          start);
      return;
    }
    String checksum = ctx.request().getParam("checksum");
    finish(
        ctx,
        s.recoverFile(s.canonical(name(ctx)), Path.of(file.uploadedFileName()), checksum),
        start);
  }

  private static void finish(RoutingContext ctx, Future<Boolean> f, long start) {
    f.onComplete(
        ar -> {
          if (ar.succeeded()) {
            Envelope.ok(ctx, ApiReply.of(true), start);
          } else {
            Envelope.error(ctx, VecdbException.of(ar.cause()), start);
          }
        });
  }

  private static void download(RoutingContext ctx, SnapshotService s) {
    long start = System.nanoTime();
    if (s == null) {
      unavailable(ctx, start);
      return;
    }
    String snapshot = ctx.pathParam("snapshot");
    s.file(s.canonical(name(ctx)), snapshot)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                Envelope.error(ctx, VecdbException.of(ar.cause()), start);
                return;
              }
              ctx.response()
                  .putHeader("content-type", "application/octet-stream")
                  .putHeader("content-disposition", "attachment; filename=\"" + snapshot + "\"")
                  .sendFile(ar.result().toString())
                  .onFailure(t -> ctx.fail(500, t));
            });
  }
}
