package io.vecdb.index;

/**
 * How an {@link HnswIndex} quantizes its vectors for the graph walk (Qdrant's {@code
 * quantization_config}): {@link Kind#INT8} (scalar, one signed byte per dimension, from the data's
 * {@code quantile}) or {@link Kind#BINARY} (one bit per dimension, its sign). The float32 vectors
 * stay: they build the graph and rescore a search's top candidates.
 */
public record Quantization(Kind kind, float quantile) {
  /** The encodings. */
  public enum Kind {
    INT8,
    BINARY
  }

  public Quantization {
    java.util.Objects.requireNonNull(kind, "kind");
    if (!(quantile >= 0.5f && quantile <= 1f)) {
      throw new IllegalArgumentException("quantile must be in [0.5, 1], got " + quantile);
    }
  }

  public static Quantization int8(float quantile) {
    return new Quantization(Kind.INT8, quantile);
  }

  public static Quantization binary() {
    return new Quantization(Kind.BINARY, 1f);
  }
}
