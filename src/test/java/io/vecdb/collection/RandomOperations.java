package io.vecdb.collection;

import io.vecdb.model.Payload;
import io.vecdb.model.PointId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/** Random but valid operations for codec and replay tests. */
final class RandomOperations {
  private final Random random;

  RandomOperations(Random random) {
    this.random = random;
  }

  PointId id() {
    return random.nextInt(4) == 0
        ? PointId.of(new UUID(random.nextLong(), random.nextLong()))
        : PointId.of(random.nextInt(4) == 0 ? random.nextLong() : random.nextInt(200));
  }

  float[] vector(int dim) {
    float[] v = new float[dim];
    for (int i = 0; i < dim; i++) {
      v[i] = (float) random.nextGaussian();
    }
    v[0] += 0.01f; // never all-zero
    return v;
  }

  JsonObject payload() {
    JsonObject p = new JsonObject();
    int n = random.nextInt(4);
    for (int i = 0; i < n; i++) {
      switch (random.nextInt(4)) {
        case 0 -> p.put("k" + i, random.nextInt(10));
        case 1 -> p.put("s" + i, "v" + random.nextInt(5));
        case 2 -> p.put("b" + i, random.nextBoolean());
        default ->
            p.put(
                "o" + i,
                new JsonObject()
                    .put("x", random.nextDouble())
                    .put("a", new JsonArray().add(1).add("two")));
      }
    }
    return p;
  }

  PointSelector selector() {
    if (random.nextBoolean()) {
      List<PointId> ids = new ArrayList<>();
      for (int i = random.nextInt(5); i >= 0; i--) {
        ids.add(id());
      }
      return PointSelector.ids(ids);
    }
    return PointSelector.filter(
        new JsonObject()
            .put(
                "must",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("key", "k0")
                            .put("match", new JsonObject().put("value", random.nextInt(10))))));
  }

  List<PointStruct> points(int dim) {
    List<PointStruct> points = new ArrayList<>();
    for (int i = random.nextInt(20); i >= 0; i--) {
      points.add(new PointStruct(id(), vector(dim), new Payload(payload())));
    }
    return points;
  }

  /** Any operation on collection {@code c} of dimension {@code dim}. */
  Operation any(String c, int dim) {
    return switch (random.nextInt(16)) {
      case 0 ->
          new Operation.CreateCollection(
              c,
              CollectionConfig.parse(
                  new JsonObject()
                      .put("vectors", new JsonObject().put("size", dim).put("distance", "Dot"))
                      .put(
                          "quantization_config",
                          random.nextBoolean()
                              ? null
                              : new JsonObject()
                                  .put("scalar", new JsonObject().put("type", "int8")))));
      case 1 -> new Operation.DeleteCollection(c);
      case 2 ->
          new Operation.UpdateCollection(
              c,
              random.nextBoolean() ? null : new JsonObject().put("m", 8 + random.nextInt(20)),
              random.nextBoolean() ? null : new JsonObject().put("indexing_threshold", 5),
              switch (random.nextInt(4)) { // format 4's tag 18 (quantization) or tag 3
                case 0 ->
                    new JsonObject()
                        .put("scalar", new JsonObject().put("type", "int8").put("quantile", 0.95));
                case 1 -> new JsonObject().put("binary", new JsonObject());
                case 2 -> new JsonObject(); // Disabled
                default -> null;
              });
      case 3 -> new Operation.UpsertPoints(c, points(dim));
      case 4 ->
          new Operation.UpsertPoints(
              c,
              points(dim),
              Operation.UpdateMode.values()[random.nextInt(Operation.UpdateMode.values().length)],
              random.nextBoolean()
                  ? null
                  : new JsonObject()
                      .put(
                          "must",
                          new io.vertx.core.json.JsonArray()
                              .add(
                                  new JsonObject()
                                      .put("key", "k")
                                      .put(
                                          "match",
                                          new JsonObject().put("value", random.nextInt(3))))));
      case 5 -> new Operation.DeletePoints(c, selector());
      case 12 -> {
        // Points with sparse vectors (format 3's sparse upsert).
        List<PointStruct> points = new ArrayList<>();
        for (PointStruct p : points(dim)) {
          java.util.Map<String, io.vecdb.model.SparseVector> sparse = new java.util.HashMap<>();
          for (String name : List.of("text", "тег")) {
            if (random.nextBoolean()) {
              int n = random.nextInt(6);
              java.util.Set<Integer> dims = new java.util.TreeSet<>();
              while (dims.size() < n) {
                dims.add(random.nextInt(1 << 20));
              }
              int[] idx = dims.stream().mapToInt(Integer::intValue).toArray();
              float[] val = new float[n];
              for (int i = 0; i < n; i++) {
                val[i] = (float) random.nextGaussian();
              }
              sparse.put(name, io.vecdb.model.SparseVector.of(idx, val, "test"));
            }
          }
          points.add(new PointStruct(p.id(), p.vector(), p.payload(), sparse));
        }
        yield new Operation.UpsertPoints(c, points);
      }
      case 13 ->
          new Operation.ChangeAliases(
              List.of(
                  Operation.AliasAction.create("a" + random.nextInt(5), c, random.nextLong()),
                  Operation.AliasAction.rename("a" + random.nextInt(5), "b" + random.nextInt(5)),
                  Operation.AliasAction.delete("b" + random.nextInt(5))));
      case 14 -> {
        // New vectors for stored points (format 3): the dense one, a sparse one, or both.
        List<Operation.VectorUpdate> updates = new ArrayList<>();
        for (int i = random.nextInt(3); i >= 0; i--) {
          boolean dense = random.nextBoolean();
          updates.add(
              new Operation.VectorUpdate(
                  id(),
                  dense ? java.util.Map.of("", vector(dim)) : java.util.Map.of(),
                  dense && random.nextBoolean()
                      ? java.util.Map.of()
                      : java.util.Map.of(
                          "text",
                          io.vecdb.model.SparseVector.of(
                              new int[] {random.nextInt(9)}, new float[] {1.5f}, "test"))));
        }
        yield new Operation.UpdateVectors(
            c,
            updates,
            random.nextBoolean()
                ? null
                : new JsonObject()
                    .put(
                        "must",
                        new JsonArray()
                            .add(
                                new JsonObject()
                                    .put("key", "k0")
                                    .put(
                                        "match",
                                        new JsonObject().put("value", random.nextInt(10))))));
      }
      case 15 -> new Operation.DeleteVectors(c, selector(), List.of("text"));
      case 6 ->
          new Operation.SetPayload(
              c, selector(), payload(), random.nextBoolean() ? null : "nested.key");
      case 7 -> new Operation.OverwritePayload(c, selector(), payload());
      case 8 -> new Operation.DeletePayloadKeys(c, selector(), List.of("k0", "s1"));
      case 9 -> new Operation.ClearPayload(c, selector());
      case 11 -> {
        // A batch of point operations (cases 3 to 9), as POST /points/batch logs it.
        List<Operation> ops = new java.util.ArrayList<>();
        for (int i = 1 + random.nextInt(3); i > 0; i--) {
          Operation op;
          do {
            op = any(c, dim);
          } while (!(op instanceof Operation.UpsertPoints
              || op instanceof Operation.DeletePoints
              || op instanceof Operation.SetPayload
              || op instanceof Operation.OverwritePayload
              || op instanceof Operation.DeletePayloadKeys
              || op instanceof Operation.ClearPayload
              || op instanceof Operation.UpdateVectors
              || op instanceof Operation.DeleteVectors));
          ops.add(op);
        }
        yield new Operation.Batch(c, ops);
      }
      default ->
          random.nextBoolean()
              ? new Operation.CreateFieldIndex(c, "k0", "integer")
              : new Operation.DeleteFieldIndex(c, "k0");
    };
  }
}
