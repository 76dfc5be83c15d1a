package io.vecdb.cluster;

import java.util.Locale;

/**
 * How fresh a read must be, per request ({@code consistency} query parameter).
 *
 * <ul>
 *   <li>{@link #EVENTUAL}: any replica, as it is now (may be behind, may go back in time when the
 *       next read lands on another replica).
 *   <li>{@link #READ_YOUR_WRITES}: a replica that has applied the client's write token; it waits up
 *       to a timeout for it, else the leader answers.
 *   <li>{@link #MONOTONIC}: never older than the client's last read token.
 *   <li>{@link #STRONG}: linearizable: the shard leader confirms it still leads with a round of
 *       heartbeats (Raft's ReadIndex), and reads once it has applied up to that index. Never a
 *       leader lease (clocks may drift; a deposed leader may still believe its lease).
 * </ul>
 *
 * <p>Qdrant's values are read quorums; they map onto these levels: {@code 1} is {@code eventual};
 * {@code majority}, {@code quorum}, {@code all} and numbers above 1 are {@code strong}, which sees
 * at least what any quorum read would.
 */
public enum ReadConsistency {
  EVENTUAL,
  READ_YOUR_WRITES,
  MONOTONIC,
  STRONG;

  /** The wire name ({@code read_your_writes}, ...). */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a {@code consistency} value: one of ours, or one of Qdrant's ({@code majority}, {@code
   * quorum}, {@code all}, a positive integer).
   *
   * @throws IllegalArgumentException naming the parameter, the value and what was expected
   */
  public static ReadConsistency parse(String value) {
    if (value == null || value.isEmpty()) {
      return EVENTUAL;
    }
    String v = value.trim().toLowerCase(Locale.ROOT);
    switch (v) {
      case "eventual":
        return EVENTUAL;
      case "read_your_writes":
        return READ_YOUR_WRITES;
      case "monotonic":
        return MONOTONIC;
      case "strong", "linearizable", "majority", "quorum", "all":
        return STRONG;
      default:
        break;
    }
    try {
      long n = Long.parseLong(v);
      if (n >= 1) {
        return n == 1 ? EVENTUAL : STRONG;
      }
    } catch (NumberFormatException e) {
      // fall through to the error below
    }
    throw new IllegalArgumentException(
        "consistency: expected eventual, read_your_writes, monotonic, strong, majority, quorum,"
            + " all or a positive integer, got '"
            + value
            + "'");
  }
}
