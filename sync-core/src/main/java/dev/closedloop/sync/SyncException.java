package dev.closedloop.sync;

import org.jspecify.annotations.Nullable;

/**
 * The root of every exception Closed Loop Sync throws for a failure of its own making: a rejected
 * call, an exhausted retry, a lost lease. Typed subclasses carry the context a caller needs to
 * act (which breaker, how long until a trial, how many attempts). Storage I/O stays
 * {@link java.io.IOException}; programming errors stay {@link IllegalArgumentException},
 * {@link IllegalStateException} and {@link NullPointerException}.
 *
 * <p>Hot-path rejections may be created without a stack trace ({@link #SyncException(String,
 * Throwable, boolean)} with {@code writableStackTrace = false}); their message always names the
 * cause.
 *
 * <p>Instances are immutable once thrown and therefore threadsafe.
 */
public class SyncException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message. */
  public SyncException(String message) {
    super(message);
  }

  /** Creates an exception with a message and a cause. */
  public SyncException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }

  /**
   * Creates an exception that may skip filling in its stack trace, for rejections on a hot path
   * where the stack says nothing the message does not.
   */
  protected SyncException(String message, @Nullable Throwable cause, boolean writableStackTrace) {
    super(message, cause, true, writableStackTrace);
  }
}
