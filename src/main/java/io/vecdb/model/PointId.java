package io.vecdb.model;

import java.util.UUID;

/**
 * A point's id, as Qdrant defines it: an unsigned 64-bit integer or a UUID. Immutable; equal ids
 * are equal objects. JSON form: a non-negative integer number or a UUID string.
 */
public sealed interface PointId extends Comparable<PointId> permits PointId.Num, PointId.Uuid {

  /** The JSON value: a {@link Long} (read as unsigned) for numbers, a String for UUIDs. */
  Object toJson();

  /** An unsigned 64-bit id; {@code value} holds the bits (use {@link Long#toUnsignedString}). */
  record Num(long value) implements PointId {
    @Override
    public Object toJson() {
      // Ids above Long.MAX_VALUE are written as their unsigned decimal via BigInteger-free path.
      return value >= 0 ? (Object) value : new java.math.BigInteger(Long.toUnsignedString(value));
    }

    @Override
    public String toString() {
      return Long.toUnsignedString(value);
    }
  }

  /** A UUID id. */
  record Uuid(UUID value) implements PointId {
    @Override
    public Object toJson() {
      return value.toString();
    }

    @Override
    public String toString() {
      return value.toString();
    }
  }

  static PointId of(long unsigned) {
    return new Num(unsigned);
  }

  static PointId of(UUID uuid) {
    return new Uuid(uuid);
  }

  /**
   * Parses a JSON id value: an integral number in [0, 2^64) or a UUID string (a string of digits is
   * accepted as a number, as Qdrant does not; we reject it to stay compatible).
   *
   * @param field the JSON path used in the error message, e.g. {@code points[3].id}
   * @throws IllegalArgumentException naming {@code field}, the value, and what was expected
   */
  static PointId parse(Object json, String field) {
    if (json instanceof Number n) {
      if (n instanceof Double || n instanceof Float) {
        double d = n.doubleValue();
        if (d != Math.rint(d) || d < 0 || Double.isInfinite(d) || d >= 0x1p64) {
          throw invalid(field, json);
        }
        return new Num(new java.math.BigDecimal(d).toBigInteger().longValue());
      }
      if (n instanceof java.math.BigInteger b) {
        if (b.signum() < 0 || b.bitLength() > 64) {
          throw invalid(field, json);
        }
        return new Num(b.longValue());
      }
      if (n instanceof java.math.BigDecimal b) {
        try {
          return parse(b.toBigIntegerExact(), field);
        } catch (ArithmeticException e) {
          throw invalid(field, json);
        }
      }
      long v = n.longValue();
      if (v < 0) {
        throw invalid(field, json);
      }
      return new Num(v);
    }
    if (json instanceof String s) {
      try {
        if (s.length() == 36 || s.length() == 32) {
          String canonical =
              s.length() == 32
                  ? s.substring(0, 8)
                      + "-"
                      + s.substring(8, 12)
                      + "-"
                      + s.substring(12, 16)
                      + "-"
                      + s.substring(16, 20)
                      + "-"
                      + s.substring(20)
                  : s;
          return new Uuid(UUID.fromString(canonical));
        }
      } catch (IllegalArgumentException e) {
        // fall through to the error below
      }
    }
    throw invalid(field, json);
  }

  private static IllegalArgumentException invalid(String field, Object json) {
    return new IllegalArgumentException(
        field
            + ": invalid point id "
            + (json instanceof String ? "\"" + json + "\"" : String.valueOf(json))
            + ", expected an unsigned 64-bit integer or a UUID string");
  }

  @Override
  default int compareTo(PointId other) {
    // Qdrant orders numeric ids before UUIDs; numbers unsigned, UUIDs by their string form.
    if (this instanceof Num a && other instanceof Num b) {
      return Long.compareUnsigned(a.value(), b.value());
    }
    if (this instanceof Uuid a && other instanceof Uuid b) {
      return a.value().toString().compareTo(b.value().toString());
    }
    return this instanceof Num ? -1 : 1;
  }
}
