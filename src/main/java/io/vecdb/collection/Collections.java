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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's collections and the deterministic state machine that applies {@link Operation}s.
 *
 * <p>Concurrency: {@link #apply} is called by the {@link Applier} on the lane of the operation's
 * collection name, so operations on one name never run concurrently and run in log order. Readers
 * call {@link #get}/{@link #require}/{@link #names} from any thread; the map is a {@link
 * ConcurrentHashMap}, and each {@link Collection} documents its own read/write split. Aliases are
 * an immutable map behind a volatile field, replaced only on the alias lane ({@link
 * Operation#ALIASES}) or during recovery.
 *
 * <p>Aliases: {@link #get} and {@link #require} resolve a name that is no collection's as an alias.
 * An alias names a collection's incarnation, so it is live only while that very collection exists:
 * deleting the collection ends its aliases (as in Qdrant), and they do not return with a new
 * collection of the same name.
 */
public final class Collections {
  private final ConcurrentHashMap<String, Collection> byName = new ConcurrentHashMap<>();
  private final ParallelInserter inserter;

  /** What an alias names: a collection and its incarnation. */
  public record AliasBinding(String collection, long incarnation) {}

  /** Persists the alias map as of an operation: called on the alias lane before it is published. */
  @FunctionalInterface
  public interface AliasStore {
    void save(long seq, Map<String, AliasBinding> aliases) throws java.io.IOException;
  }

  private volatile Map<String, AliasBinding> aliases = Map.of();
  private volatile AliasStore aliasStore = (seq, map) -> {};

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

  /** The collection of that name, or that a live alias of that name names; or null. */
  public Collection get(String name) {
    Collection c = byName.get(name);
    return c != null ? c : aliased(name);
  }

  /** The collection {@code alias} names if it is a live alias, else null. */
  private Collection aliased(String alias) {
    AliasBinding b = aliases.get(alias);
    if (b == null) {
      return null;
    }
    Collection c = byName.get(b.collection());
    return c != null && c.incarnation() == b.incarnation() ? c : null;
  }

  /** True if a collection has exactly this name (aliases do not count). */
  public boolean exists(String name) {
    return byName.containsKey(name);
  }

  /** The collection (by name or live alias), or a NOT_FOUND failure naming it. */
  public Collection require(String name) {
    Collection c = get(name);
    if (c == null) {
      throw VecdbException.notFound("Collection `" + name + "` doesn't exist!");
    }
    return c;
  }

  /**
   * Apply side: the collection of exactly that name (operations carry real names, never aliases).
   */
  private Collection exact(String name) {
    Collection c = byName.get(name);
    if (c == null) {
      throw VecdbException.notFound("Collection `" + name + "` doesn't exist!");
    }
    return c;
  }

  /** The live aliases, alias to collection name, sorted by alias. */
  public java.util.SortedMap<String, String> aliases() {
    java.util.SortedMap<String, String> out = new java.util.TreeMap<>();
    for (Map.Entry<String, AliasBinding> e : aliases.entrySet()) {
      if (aliased(e.getKey()) != null) {
        out.put(e.getKey(), e.getValue().collection());
      }
    }
    return out;
  }

  /** Every alias binding, live or not (persistence and tests). */
  public Map<String, AliasBinding> aliasBindings() {
    return aliases;
  }

  /** Sets where alias changes are saved (the node's data directory); before anything applies. */
  public void aliasStore(AliasStore store) {
    this.aliasStore = store;
  }

  /** Recovery: the aliases as last saved, before the log is replayed on top. */
  public void restoreAliases(Map<String, AliasBinding> saved) {
    this.aliases = Map.copyOf(saved);
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
    return exact(ops.get(0).collection()).applyUpserts(seqs, ops, inserter);
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
        byName.put(c.collection(), new Collection(c.collection(), c.config(), seq));
        yield ChangeSet.NONE;
      }
      case Operation.ChangeAliases a -> {
        Map<String, AliasBinding> next = new java.util.HashMap<>(aliases);
        for (Operation.AliasAction x : a.actions()) {
          switch (x.kind()) {
            case CREATE -> next.put(x.alias(), new AliasBinding(x.collection(), x.incarnation()));
            case DELETE -> next.remove(x.alias());
            case RENAME -> {
              AliasBinding b = next.remove(x.alias());
              if (b != null) {
                next.put(x.newAlias(), b);
              }
            }
          }
        }
        // Dead bindings (their collection gone) are dropped: nothing can make them live again.
        next.values()
            .removeIf(
                b -> {
                  Collection c = byName.get(b.collection());
                  return c == null || c.incarnation() != b.incarnation();
                });
        try {
          aliasStore.save(seq, next);
        } catch (java.io.IOException e) {
          throw new VecdbException(
              ErrorCode.INTERNAL, "aliases could not be saved: " + e.getMessage());
        }
        aliases = Map.copyOf(next);
        yield ChangeSet.NONE;
      }
      case DeleteCollection c -> {
        if (byName.remove(c.collection()) == null) {
          throw VecdbException.notFound("Collection `" + c.collection() + "` doesn't exist!");
        }
        yield ChangeSet.NONE;
      }
      case UpdateCollection u -> {
        Collection c = exact(u.collection());
        c.applyConfig(
            c.config()
                .update(
                    u.hnsw(), u.optimizers(), QuantizationConfig.fromOperation(u.quantization())));
        yield ChangeSet.NONE;
      }
      case UpsertPoints u ->
          exact(u.collection()).applyUpserts(new long[] {seq}, List.of(u), inserter).get(0);
      case Operation.Batch b -> {
        exact(b.collection());
        List<io.vecdb.model.PointId> upserted = new java.util.ArrayList<>();
        List<io.vecdb.model.PointId> deleted = new java.util.ArrayList<>();
        for (Operation sub : b.operations()) {
          ChangeSet changes = apply(seq, sub);
          upserted.addAll(changes.upserted());
          deleted.addAll(changes.deleted());
        }
        yield new ChangeSet(upserted, deleted);
      }
      case DeletePoints d -> exact(d.collection()).applyDelete(d.selector());
      case Operation.UpdateVectors u ->
          exact(u.collection()).applyUpdateVectors(seq, u.points(), u.updateFilter(), inserter);
      case Operation.DeleteVectors d ->
          exact(d.collection()).applyDeleteVectors(seq, d.selector(), d.vectors());
      case SetPayload s ->
          exact(s.collection())
              .applyPayload(seq, s.selector(), p -> PayloadEdits.set(p, s.payload(), s.key()));
      case OverwritePayload s ->
          exact(s.collection())
              .applyPayload(seq, s.selector(), p -> new Payload(s.payload().copy()));
      case DeletePayloadKeys d ->
          exact(d.collection())
              .applyPayload(seq, d.selector(), p -> PayloadEdits.delete(p, d.keys()));
      case ClearPayload c ->
          exact(c.collection()).applyPayload(seq, c.selector(), p -> Payload.EMPTY);
      case CreateFieldIndex f -> {
        exact(f.collection()).applySchema(f.field(), f.schemaType());
        yield ChangeSet.NONE;
      }
      case DeleteFieldIndex f -> {
        exact(f.collection()).applySchema(f.field(), null);
        yield ChangeSet.NONE;
      }
    };
  }
}
