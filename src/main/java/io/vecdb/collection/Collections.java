package io.vecdb.collection;

import io.vecdb.collection.Operation.ClearPayload;
import io.vecdb.collection.Operation.CreateCollection;
import io.vecdb.collection.Operation.CreateFieldIndex;
import io.vecdb.collection.Operation.DeleteCollection;
import io.vecdb.collection.Operation.DeleteFieldIndex;
import io.vecdb.collection.Operation.DeletePayloadKeys;
import io.vecdb.collection.Operation.DeletePoints;
import io.vecdb.collection.Operation.OverwritePayload;
import io.vecdb.collection.Operation.SetPayload;
import io.vecdb.collection.Operation.UpdateCollection;
import io.vecdb.collection.Operation.UpsertPoints;
import io.vecdb.index.ParallelInserter;
import io.vecdb.model.Payload;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's collections and the deterministic state machine that applies {@link Operation}s.
 *
 * <p>Concurrency: {@link #apply} is called by the {@link Applier} on the lane of the operation's
 * collection name, so operations on one name never run concurrently and run in log order. Readers
 * call {@link #get}/{@link #require}/{@link #names} from any thread; the map is a {@link
 * ConcurrentHashMap}, and each {@link Collection} documents its own read/write split.
 */
public final class Collections {
  private final ConcurrentHashMap<String, Collection> byName = new ConcurrentHashMap<>();
  private final ParallelInserter inserter;

  /** Collections whose upserts insert into graphs on the lane thread alone. */
  public Collections() {
    this(ParallelInserter.SERIAL);
  }

  /**
   * @param inserter inserts each upsert batch into its graph (shared by all collections)
   */
  public Collections(ParallelInserter inserter) {
    this.inserter = inserter;
  }

  /** The collection, or null. */
  public Collection get(String name) {
    return byName.get(name);
  }

  /** The collection, or a NOT_FOUND failure naming it. */
  public Collection require(String name) {
    Collection c = byName.get(name);
    if (c == null) {
      throw VecdbException.notFound("Collection `" + name + "` doesn't exist!");
    }
    return c;
  }

  /**
   * Puts {@code c} (loaded from a snapshot) in place of any collection of its name. Called during
   * recovery, before anything is served, or on the apply lane of that name.
   */
  public void install(Collection c) {
    byName.put(c.name(), c);
  }

  public List<String> names() {
    List<String> names = new ArrayList<>(byName.keySet());
    names.sort(null);
    return names;
  }

  /**
   * Applies consecutive upserts of one collection ({@code seqs[i]} is {@code ops.get(i)}'s log
   * sequence number) as one insertion, leaving the state applying them one by one would; their
   * change sets in order. A rejection (unknown collection, wrong dimension) throws before anything
   * changed. Apply lane of that collection only.
   */
  public List<ChangeSet> applyUpserts(long[] seqs, List<UpsertPoints> ops) {
    return require(ops.get(0).collection()).applyUpserts(seqs, ops, inserter);
  }

  /**
   * Applies {@code op} (assigned {@code seq} by the log). A rejected operation (unknown collection,
   * existing collection, wrong dimension) throws a {@link VecdbException} and changes nothing; it
   * is rejected identically on replay.
   */
  public ChangeSet apply(long seq, Operation op) {
    return switch (op) {
      case CreateCollection c -> {
        if (byName.containsKey(c.collection())) {
          throw new VecdbException(
              ErrorCode.CONFLICT, "Collection `" + c.collection() + "` already exists!");
        }
        byName.put(c.collection(), new Collection(c.collection(), c.config()));
        yield ChangeSet.NONE;
      }
      case DeleteCollection c -> {
        if (byName.remove(c.collection()) == null) {
          throw VecdbException.notFound("Collection `" + c.collection() + "` doesn't exist!");
        }
        yield ChangeSet.NONE;
      }
      case UpdateCollection u -> {
        Collection c = require(u.collection());
        c.applyConfig(c.config().update(u.hnsw(), u.optimizers()));
        yield ChangeSet.NONE;
      }
      case UpsertPoints u ->
          require(u.collection()).applyUpserts(new long[] {seq}, List.of(u), inserter).get(0);
      case Operation.Batch b -> {
        require(b.collection());
        List<io.vecdb.model.PointId> upserted = new java.util.ArrayList<>();
        List<io.vecdb.model.PointId> deleted = new java.util.ArrayList<>();
        for (Operation sub : b.operations()) {
          ChangeSet changes = apply(seq, sub);
          upserted.addAll(changes.upserted());
          deleted.addAll(changes.deleted());
        }
        yield new ChangeSet(upserted, deleted);
      }
      case DeletePoints d -> require(d.collection()).applyDelete(d.selector());
      case SetPayload s ->
          require(s.collection())
              .applyPayload(seq, s.selector(), p -> PayloadEdits.set(p, s.payload(), s.key()));
      case OverwritePayload s ->
          require(s.collection())
              .applyPayload(seq, s.selector(), p -> new Payload(s.payload().copy()));
      case DeletePayloadKeys d ->
          require(d.collection())
              .applyPayload(seq, d.selector(), p -> PayloadEdits.delete(p, d.keys()));
      case ClearPayload c ->
          require(c.collection()).applyPayload(seq, c.selector(), p -> Payload.EMPTY);
      case CreateFieldIndex f -> {
        require(f.collection()).applySchema(f.field(), f.schemaType());
        yield ChangeSet.NONE;
      }
      case DeleteFieldIndex f -> {
        require(f.collection()).applySchema(f.field(), null);
        yield ChangeSet.NONE;
      }
    };
  }
}
