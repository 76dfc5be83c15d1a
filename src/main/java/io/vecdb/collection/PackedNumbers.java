package io.vecdb.collection;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.RandomAccess;

/**
 * A JSON array of numbers as parsed by {@link JsonBodies}: each element's 64 bits (an integer's
 * value, or a double's bits) and its kind, so that {@link #get} returns exactly what Vert.x's
 * parser would have made (Integer, Long or Double) while {@link #toFloats} reads them without
 * boxing.
 *
 * <p>A full {@link List}: the first change (set, add, remove) copies the elements into an ordinary
 * list that serves from then on. Not thread-safe, like the ArrayList it stands in for: a parsed
 * body belongs to the request that parsed it.
 */
final class PackedNumbers extends AbstractList<Object> implements RandomAccess {
  static final byte INT = 0;
  static final byte LONG = 1;
  static final byte DOUBLE = 2;

  private long[] raw;
  private byte[] kinds;
  private int size;
  private List<Object> changed; // non-null once changed: the elements from then on

  PackedNumbers(long[] raw, byte[] kinds, int size) {
    this.raw = raw;
    this.kinds = kinds;
    this.size = size;
  }

  static Object box(long bits, byte kind) {
    return switch (kind) {
      case INT -> (int) bits;
      case LONG -> bits;
      default -> Double.longBitsToDouble(bits);
    };
  }

  /**
   * The elements as float32, as {@code Number.floatValue()} would give them, if unchanged; null
   * once changed (the caller then reads the boxed elements).
   */
  float[] toFloats() {
    if (changed != null) {
      return null;
    }
    float[] out = new float[size];
    for (int i = 0; i < size; i++) {
      long bits = raw[i];
      out[i] = kinds[i] == DOUBLE ? (float) Double.longBitsToDouble(bits) : (float) bits;
    }
    return out;
  }

  @Override
  public Object get(int index) {
    if (changed != null) {
      return changed.get(index);
    }
    java.util.Objects.checkIndex(index, size);
    return box(raw[index], kinds[index]);
  }

  @Override
  public int size() {
    return changed != null ? changed.size() : size;
  }

  private List<Object> changing() {
    if (changed == null) {
      List<Object> list = new ArrayList<>(Math.max(10, size + 1));
      for (int i = 0; i < size; i++) {
        list.add(box(raw[i], kinds[i]));
      }
      changed = list;
      raw = null;
      kinds = null;
    }
    return changed;
  }

  @Override
  public Object set(int index, Object element) {
    return changing().set(index, element);
  }

  @Override
  public void add(int index, Object element) {
    changing().add(index, element);
    modCount++;
  }

  @Override
  public Object remove(int index) {
    Object removed = changing().remove(index);
    modCount++;
    return removed;
  }

  @Override
  public void clear() {
    changing().clear();
    modCount++;
  }
}
