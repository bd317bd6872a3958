package dev.closedloop.sync.retry;

import java.util.Objects;

/**
 * A reconnect backoff: the delays a {@link RetryPolicy} would wait between attempts, for a loop
 * that runs for as long as its owner is open rather than a bounded call (a stream that
 * reconnects, a listener that catches up). Each {@link #nextDelayNanos()} counts one more
 * failure in a row and returns the policy's {@linkplain RetryPolicy#delayNanos jittered delay}
 * for it, fed the delay before it (which only decorrelated jitter reads); {@link #reset()} after
 * a success starts again from the first delay. The policy's attempt limit and deadline are not
 * consulted: the owner decides when to give up.
 *
 * <pre>{@code
 * Backoff backoff = Backoff.of(policy);
 * ...on failure:  scheduler.schedule(this::reconnect, backoff.nextDelayNanos());
 * ...on success:  backoff.reset();
 * }</pre>
 *
 * <p>The draws come from the policy's {@link RetryPolicy#random() random source}, one per delay,
 * so a test that injects the source gets exact delays.
 *
 * <p>This class is not threadsafe: the owner calls it under its own lock (or from one thread).
 */
public final class Backoff {
  private final RetryPolicy<?> policy;
  private int failures;
  private long previousDelayNanos;

  private Backoff(RetryPolicy<?> policy) {
    this.policy = policy;
  }

  /**
   * Returns a cursor at the start (no failure yet) over {@code policy}'s delays.
   *
   * @throws NullPointerException if {@code policy} is null
   */
  public static Backoff of(RetryPolicy<?> policy) {
    return new Backoff(Objects.requireNonNull(policy, "policy cannot be null"));
  }

  /**
   * Counts one more failure in a row and returns the delay to wait before the next attempt, in
   * nanoseconds: {@link RetryPolicy#delayNanos delayNanos(failures, previous delay, draw)}, the
   * previous delay being the policy's initial delay before the first.
   */
  public long nextDelayNanos() {
    failures++;
    long previous = previousDelayNanos == 0 ? policy.initialDelay().toNanos() : previousDelayNanos;
    long delay = policy.delayNanos(failures, previous, policy.random().nextDouble());
    previousDelayNanos = delay;
    return delay;
  }

  /** Forgets the failures: the next delay is the first again. Call it after a success. */
  public void reset() {
    failures = 0;
    previousDelayNanos = 0;
  }

  /** Returns the failures in a row counted since the start or the last {@link #reset()}. */
  public int failures() {
    return failures;
  }

  @Override
  public String toString() {
    return "Backoff[" + failures + " failures in a row, previous delay " + previousDelayNanos + " ns]";
  }
}
