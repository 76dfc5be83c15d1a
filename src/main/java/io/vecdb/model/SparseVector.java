package io.vecdb.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;

/**
 * A sparse vector: dimensions (unsigned 32-bit, here non-negative ints up to 2^31 - 1) ascending
 * and distinct, with a finite float32 value each. Immutable (the arrays are copies, never exposed
 * for writing).
 */
public final class SparseVector {
  private final int[] indices;
  private final float[] values;

  private SparseVector(int[] indices, float[] values) {
    this.indices = indices;
    this.values = values;
  }

  /**
   * Checks and sorts a sparse vector as given (Qdrant's {@code {indices, values}}).
   *
   * @throws IllegalArgumentException naming {@code path}: lengths differ, an index repeats or is
   *     negative, a value is not finite
   */
  public static SparseVector of(int[] indices, float[] values, String path) {
    if (indices.length != values.length) {
      throw new IllegalArgumentException(
          path
              + ": expected as many values as indices, got "
              + indices.length
              + " indices and "
              + values.length
              + " values");
    }
    Integer[] order = new Integer[indices.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
      if (indices[i] < 0) {
        throw new IllegalArgumentException(
            path + ".indices[" + i + "]: expected an index in [0, 2147483647], got " + indices[i]);
      }
      if (!Float.isFinite(values[i])) {
        throw new IllegalArgumentException(
            path + ".values[" + i + "]: expected a finite number, got " + values[i]);
      }
    }
    Arrays.sort(order, (a, b) -> Integer.compare(indices[a], indices[b]));
    int[] idx = new int[indices.length];
    float[] val = new float[values.length];
    for (int i = 0; i < order.length; i++) {
      idx[i] = indices[order[i]];
      val[i] = values[order[i]];
      if (i > 0 && idx[i] == idx[i - 1]) {
        throw new IllegalArgumentException(path + ".indices: index " + idx[i] + " appears twice");
      }
    }
    return new SparseVector(idx, val);
  }

  /** Parses {@code {"indices": [...], "values": [...]}}. */
  public static SparseVector parse(Object json, String path) {
    if (!(json instanceof JsonObject o)) {
      throw new IllegalArgumentException(
          path + ": expected a sparse vector {\"indices\": [...], \"values\": [...]}, got " + json);
    }
    for (String k : o.fieldNames()) {
      if (!k.equals("indices") && !k.equals("values")) {
        throw new IllegalArgumentException(
            path + "." + k + ": unknown field; expected one of [indices, values]");
      }
    }
    if (!(o.getValue("indices") instanceof JsonArray ia)) {
      throw new IllegalArgumentException(path + ".indices: expected a list of integers");
    }
    if (!(o.getValue("values") instanceof JsonArray va)) {
      throw new IllegalArgumentException(path + ".values: expected a list of numbers");
    }
    int[] idx = new int[ia.size()];
    for (int i = 0; i < idx.length; i++) {
      Object x = ia.getValue(i);
      if (!(x instanceof Number n)
          || n.doubleValue() != Math.rint(n.doubleValue())
          || n.doubleValue() < 0
          || n.doubleValue() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            path + ".indices[" + i + "]: expected an integer in [0, 2147483647], got " + x);
      }
      idx[i] = n.intValue();
    }
    float[] val = new float[va.size()];
    for (int i = 0; i < val.length; i++) {
      Object x = va.getValue(i);
      if (!(x instanceof Number n)) {
        throw new IllegalArgumentException(
            path + ".values[" + i + "]: expected a finite number, got " + x);
      }
      val[i] = n.floatValue();
    }
    return of(idx, val, path);
  }

  public int size() {
    return indices.length;
  }

  public int index(int i) {
    return indices[i];
  }

  public float value(int i) {
    return values[i];
  }

  /** Sum of products over the dimensions both have, each weighted by {@code weight(dim)}. */
  public double dot(SparseVector other, java.util.function.IntToDoubleFunction weight) {
    double s = 0;
    int i = 0;
    int j = 0;
    while (i < indices.length && j < other.indices.length) {
      int a = indices[i];
      int b = other.indices[j];
      if (a == b) {
        s += (double) values[i] * other.values[j] * (weight == null ? 1 : weight.applyAsDouble(a));
        i++;
        j++;
      } else if (a < b) {
        i++;
      } else {
        j++;
      }
    }
    return s;
  }

  public JsonObject toJson() {
    JsonArray i = new JsonArray();
    JsonArray v = new JsonArray();
    for (int k = 0; k < indices.length; k++) {
      i.add(indices[k]);
      v.add(values[k]);
    }
    return new JsonObject().put("indices", i).put("values", v);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SparseVector s
        && Arrays.equals(indices, s.indices)
        && Arrays.equals(values, s.values);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(indices) * 31 + Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    return "SparseVector" + toJson().encode();
  }
}
