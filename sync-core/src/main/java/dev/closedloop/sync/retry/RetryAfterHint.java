package dev.closedloop.sync.retry;

import java.time.Duration;
import java.util.Optional;

/**
 * Implemented by a failure that knows how long the server asked the caller to wait, such as an
 * HTTP 503 or 429 with a {@code Retry-After} header. A {@link RetryPolicy} waits
 * {@code max(hint, backoff)}, and stops if the hint ends past its deadline.
 *
 * <p>Results can carry hints too: see {@link RetryPolicyBuilder#hints(HintExtractor)}.
 *
 * <p>Implementations should be immutable: the hint is read after the attempt ended, possibly on another thread.
 */
public interface RetryAfterHint {

  /** Returns the delay the server asked for, if any; never negative. */
  Optional<Duration> retryAfter();
}
