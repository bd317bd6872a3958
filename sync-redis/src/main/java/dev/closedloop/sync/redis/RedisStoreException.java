package dev.closedloop.sync.redis;

import dev.closedloop.sync.SyncException;

/**
 * Redis could not be reached, did not answer in time, or refused a command (a wrong key type, a
 * script error, stored data this version cannot read). The operation may or may not have reached
 * Redis; the store's scripts are written so that resending them is harmless, and a claim that
 * did land without its caller hearing of it is released by its lease. A caller must run nothing
 * when {@code claim} throws this; an HTTP front end answers 503.
 *
 * <p>The message names the operation, the key and the cause; the cause is Lettuce's exception.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class RedisStoreException extends SyncException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed, on which key
   * @param cause Lettuce's exception, if any
   */
  public RedisStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
