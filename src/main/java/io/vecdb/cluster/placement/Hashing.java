package io.vecdb.cluster.placement;

import io.vecdb.model.PointId;
import java.nio.charset.StandardCharsets;

/**
 * The stable 64-bit hashes placement is built on: FNV-1a over the bytes, then MurmurHash3's {@code
 * fmix64} finalizer so that nearby inputs ("node-1#7", "node-1#8") land far apart on the ring.
 * These values are part of the on-disk and on-the-wire contract (a point's shard, a virtual node's
 * position): never change them for existing data. Stateless and thread-safe.
 */
public final class Hashing {
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private Hashing() {}

  /** The hash of a string's UTF-8 bytes. */
  public static long hash64(String s) {
    long h = FNV_OFFSET;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * FNV_PRIME;
    }
    return fmix64(h);
  }

  /** The hash of a point id: its 8 (number) or 16 (UUID) bytes, little-endian, kind first. */
  public static long hash64(PointId id) {
    long h = FNV_OFFSET;
    switch (id) {
      case PointId.Num n -> {
        h = (h ^ 0) * FNV_PRIME;
        h = mixLong(h, n.value());
      }
      case PointId.Uuid u -> {
        h = (h ^ 1) * FNV_PRIME;
        h = mixLong(h, u.value().getMostSignificantBits());
        h = mixLong(h, u.value().getLeastSignificantBits());
      }
    }
    return fmix64(h);
  }

  /**
   * The shard of a point in a collection of {@code shardNumber} shards: {@code hash(id) mod
   * shardNumber}, unsigned. Fixed when the collection is created.
   */
  public static int shardOf(PointId id, int shardNumber) {
    if (shardNumber < 1) {
      throw new IllegalArgumentException("shard_number: expected >= 1, got " + shardNumber);
    }
    return (int) Long.remainderUnsigned(hash64(id), shardNumber);
  }

  private static long mixLong(long h, long v) {
    for (int i = 0; i < 8; i++) {
      h = (h ^ ((v >>> (8 * i)) & 0xff)) * FNV_PRIME;
    }
    return h;
  }

  static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}
