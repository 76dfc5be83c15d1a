package io.vecdb.server;

import io.vecdb.collection.AppliedListener;
import io.vecdb.collection.ChangeSet;
import io.vecdb.collection.Operation;
import io.vecdb.model.PointId;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Publishes each applied change to {@link Addresses#changes}: {@code {"collection", "seq",
 * "upserted": [ids], "deleted": [ids]}}. Called on apply lanes; publishing is thread-safe.
 */
final class ChangeFeedPublisher implements AppliedListener {
  private final EventBus bus;

  ChangeFeedPublisher(EventBus bus) {
    this.bus = bus;
  }

  @Override
  public void applied(long seq, Operation op, ChangeSet changes) {
    if (changes.isEmpty()) {
      return;
    }
    bus.publish(
        Addresses.changes(op.collection()),
        new JsonObject()
            .put("collection", op.collection())
            .put("seq", seq)
            .put("upserted", ids(changes.upserted()))
            .put("deleted", ids(changes.deleted())));
  }

  private static JsonArray ids(java.util.List<PointId> ids) {
    JsonArray out = new JsonArray();
    for (PointId id : ids) {
      out.add(id.toJson());
    }
    return out;
  }
}
