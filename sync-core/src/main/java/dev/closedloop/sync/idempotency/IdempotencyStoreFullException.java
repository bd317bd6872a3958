package dev.closedloop.sync.idempotency;

import dev.closedloop.sync.SyncException;

/**
 * A bounded store could not admit a new claim: its entry or byte bound is taken by claims still
 * in progress, which are never evicted (evicting one would let its request run twice). Completed
 * entries are evicted oldest-first before this is thrown, so it means the store is too small for
 * the number of requests in flight. An HTTP front end answers 503 with {@code Retry-After}.
 *
 * <p>Created without a stack trace: the message says everything.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class IdempotencyStoreFullException extends SyncException {
  private static final long serialVersionUID = 1L;

  private final int entries;
  private final long bytes;

  /**
   * Creates the exception.
   *
   * @param message what was full and by how much
   * @param entries the entries held when the claim was refused
   * @param bytes the bytes held when the claim was refused
   */
  public IdempotencyStoreFullException(String message, int entries, long bytes) {
    super(message, null, false);
    this.entries = entries;
    this.bytes = bytes;
  }

  /** Returns how many entries the store held when it refused the claim. */
  public int entries() {
    return entries;
  }

  /** Returns how many bytes the store held when it refused the claim. */
  public long bytes() {
    return bytes;
  }
}
