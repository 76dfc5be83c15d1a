package io.vecdb.durable;

import io.vecdb.collection.Collections;
import io.vecdb.snapshot.AtomicFileWriter;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The node's aliases on disk ({@code <data>/aliases.json}): {@code {"lsn": L, "aliases": {alias:
 * {"collection", "incarnation"}}}}, the state after the alias change logged at {@code L}. Replaced
 * atomically ({@link AtomicFileWriter}: temporary file, fsync, rename, directory fsync) every time
 * an alias change applies, on the alias lane, before the change is visible. Alias changes are rare,
 * so a checkpoint never needs to capture them: a WAL record of one is never truncated before it
 * applied (checkpoints first wait for every lane), and once applied it is in this file. Recovery
 * loads the file and replays only the alias changes after {@code L}.
 */
final class AliasFile implements Collections.AliasStore {
  private final Path file;

  AliasFile(Path dataDir) {
    this.file = dataDir.resolve("aliases.json");
  }

  /** What the file holds: the LSN it is current as of (0: no file) and the bindings. */
  record Saved(long lsn, Map<String, Collections.AliasBinding> aliases) {}

  Saved load() throws IOException {
    if (!Files.exists(file)) {
      return new Saved(0, Map.of());
    }
    JsonObject o;
    try {
      o = new JsonObject(Files.readString(file, StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      // Written atomically, so a torn file means outside damage: refuse rather than drop aliases.
      throw new IOException(file + ": not a valid alias file (" + e.getMessage() + ")", e);
    }
    Map<String, Collections.AliasBinding> out = new HashMap<>();
    JsonObject aliases = o.getJsonObject("aliases", new JsonObject());
    for (String alias : aliases.fieldNames()) {
      JsonObject b = aliases.getJsonObject(alias);
      out.put(
          alias,
          new Collections.AliasBinding(b.getString("collection"), b.getLong("incarnation", 0L)));
    }
    return new Saved(o.getLong("lsn", 0L), out);
  }

  @Override
  public void save(long seq, Map<String, Collections.AliasBinding> aliases) throws IOException {
    JsonObject all = new JsonObject();
    aliases.forEach(
        (alias, b) ->
            all.put(
                alias,
                new JsonObject()
                    .put("collection", b.collection())
                    .put("incarnation", b.incarnation())));
    byte[] bytes =
        new JsonObject()
            .put("lsn", seq)
            .put("aliases", all)
            .encode()
            .getBytes(StandardCharsets.UTF_8);
    AtomicFileWriter.write(
        file,
        ch -> {
          ByteBuffer buf = ByteBuffer.wrap(bytes);
          while (buf.hasRemaining()) {
            ch.write(buf);
          }
        });
  }
}
