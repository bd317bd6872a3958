package dev.closedloop.sync.idempotency;

import dev.closedloop.sync.SyncException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * {@link Idempotency#execute} found the work under the key completed, but cannot hand its result
 * to this repeat: the result was not kept (too large for the store, or the codec could not encode
 * it), or the stored bytes are not something the given {@link ResultCodec} reads (another media
 * type, or bytes it refuses; then the codec's exception is the cause). The work ran once and does
 * not run again under this key.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class ResultNotReplayableException extends SyncException {
  private static final long serialVersionUID = 1L;

  private final transient IdempotencyKey key;

  /**
   * Creates the exception.
   *
   * @param reason why the result cannot be replayed
   * @param cause the codec's exception, if any
   * @throws NullPointerException if {@code key} or {@code reason} is null
   */
  public ResultNotReplayableException(IdempotencyKey key, String reason, @Nullable Throwable cause) {
    super("the work under idempotency key " + Objects.requireNonNull(key, "key cannot be null").redacted()
        + " completed, but its result cannot be replayed: "
        + Objects.requireNonNull(reason, "reason cannot be null"), cause);
    this.key = Objects.requireNonNull(key, "key cannot be null");
  }

  /** Returns the key. */
  public IdempotencyKey key() {
    return key;
  }
}
