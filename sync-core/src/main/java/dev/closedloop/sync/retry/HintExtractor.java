package dev.closedloop.sync.retry;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Reads a server's delay hint from an attempt's result or failure, for example the
 * {@code Retry-After} header of an HTTP response (see {@link RetryAfter#parse}).
 *
 * <p>Contract: fast, pure, must not throw. A hint extractor that throws is treated as "no hint"
 * and logged.
 *
 * <p>Implementations must be threadsafe: one policy serves concurrent calls.
 *
 * @param <R> the result type
 */
@FunctionalInterface
public interface HintExtractor<R> {

  /** Never extracts a hint from results; failures implementing {@link RetryAfterHint} still do. */
  @SuppressWarnings("rawtypes")
  HintExtractor NONE = (result, failure) -> null;

  /**
   * Returns the delay the server asked for, or null if the attempt carried none.
   *
   * @param result the attempt's result, null if it failed
   * @param failure the attempt's failure, null if it returned a result
   */
  @Nullable
  Duration hint(@Nullable R result, @Nullable Throwable failure);
}
