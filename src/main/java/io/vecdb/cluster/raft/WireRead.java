package io.vecdb.cluster.raft;

import io.vertx.core.buffer.Buffer;

/**
 * A read that can be sent to another node: a {@link LocalRead}'s function that also has a binary
 * form, decoded on the serving node by {@link RaftHost}'s read decoder. Its result must be a JSON
 * value (JsonObject, JsonArray, String, Number, Boolean or null): it travels back JSON-encoded.
 */
public interface WireRead {
  Buffer encode();
}
