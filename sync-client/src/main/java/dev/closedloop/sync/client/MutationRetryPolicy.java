package dev.closedloop.sync.client;

import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.retry.RetryPolicyBuilder;
import java.time.Duration;

/**
 * The retry policy a {@link SyncMutation} runs its calls under, made once at build time from its
 * builder's settings: the given policy (or the seed's, with a 10 s attempt timeout), the
 * mutation's deadline and attempt timeout over it, its retry budget and time sources, and the
 * client's classification of what is retryable.
 *
 * <p>This class is threadsafe: it is stateless.
 */
final class MutationRetryPolicy {
  private MutationRetryPolicy() {}

  /**
   * Returns the policy of the mutation {@code b} builds.
   *
   * @throws IllegalStateException if the settings conflict (say, an attempt timeout longer than
   *     the deadline)
   */
  @SuppressWarnings("unchecked")
  static RetryPolicy<Object> of(SyncMutationBuilder<?, ?> b) {
    RetryPolicyBuilder<Object> p;
    if (b.retryPolicy != null) {
      p = (RetryPolicyBuilder<Object>) b.retryPolicy.toBuilder();
    } else {
      p = RetryPolicy.builder().attemptTimeout(SyncMutationBuilder.DEFAULT_ATTEMPT_TIMEOUT);
    }
    if (b.timeout != null) {
      p.deadline(b.timeout);
      Duration inherited =
          b.retryPolicy != null ? b.retryPolicy.attemptTimeout() : SyncMutationBuilder.DEFAULT_ATTEMPT_TIMEOUT;
      if (b.attemptTimeout == null && inherited != null && inherited.compareTo(b.timeout) > 0) {
        p.attemptTimeout(b.timeout); // an inherited attempt timeout is clipped to the new deadline
      }
    }
    if (b.attemptTimeout != null) {
      p.attemptTimeout(b.attemptTimeout);
    }
    if (b.budget != null) {
      p.budget(b.budget);
    }
    if (b.ticker != null) {
      p.ticker(b.ticker);
    }
    if (b.scheduler != null) {
      p.scheduler(b.scheduler);
    }
    if (b.random != null) {
      p.random(b.random);
    }
    p.abortIf(t -> !Classifier.isRetryable(t));
    try {
      return p.build();
    } catch (IllegalStateException e) {
      throw new IllegalStateException("retry settings conflict: " + e.getMessage(), e);
    }
  }
}
