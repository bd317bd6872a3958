package dev.closedloop.sync.redis;

import io.lettuce.core.RedisException;
import java.nio.charset.StandardCharsets;

/**
 * {@code WAIT replicas timeout}, sent on the connection of every command of the store that may
 * write, right after it, so the command is acknowledged only once that many replicas have it.
 * Redis answers {@code WAIT} with the number of replicas that acknowledged everything the
 * connection wrote; fewer than asked is {@link Behind}, which the store reports as unavailable.
 * A {@code WAIT} after a command that wrote nothing covers the connection's earlier writes, which
 * is harmless; it answers fewer only while replicas are missing, when the store should not claim
 * anything anyway.
 *
 * <p>This class is immutable and threadsafe.
 */
record ReplicaWait(int replicas, long timeoutMillis) {
  /** The command's arguments, for a transport that writes RESP itself; callers must not change them. */
  byte[][] command() {
    return new byte[][] {ascii("WAIT"), ascii(Integer.toString(replicas)), ascii(Long.toString(timeoutMillis))};
  }

  /**
   * Checks {@code WAIT}'s answer.
   *
   * @throws Behind if fewer than {@link #replicas()} acknowledged
   */
  void check(long acknowledged) {
    if (acknowledged < replicas) {
      throw new Behind(acknowledged, this);
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Fewer replicas acknowledged a write than the store requires. The write is on the master and
   * may or may not reach a replica later; a failover before it does loses it.
   */
  static final class Behind extends RedisException {
    private static final long serialVersionUID = 1L;

    Behind(long acknowledged, ReplicaWait wait) {
      super("only " + acknowledged + " of " + wait.replicas() + " replicas acknowledged the write within "
          + wait.timeoutMillis() + " ms (WAIT)");
    }
  }
}
