package dev.closedloop.sync.retry;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket shared by every call to one downstream, after gRPC's retry throttling: the
 * bucket starts full with {@code maxTokens}; every failed attempt takes one token; every
 * successful call gives back {@code tokenRatio} of a token (never above {@code maxTokens}); a
 * retry is allowed only while more than half the bucket is left. When the downstream is down,
 * the bucket drains to half after {@code maxTokens / 2} failures and no further retry is sent
 * until successes refill it, so retry traffic stays bounded. With the defaults (10 tokens, ratio
 * 0.1) retries add at most about 10 % to a steady failing load, plus the initial reserve.
 *
 * <p>Concurrency: the token count lives in one {@link AtomicLong} of thousandths of a token;
 * every change is a single CAS loop without side effects, so concurrent calls never lose an
 * update and never drive the count outside {@code [0, maxTokens]}.
 *
 * <p>This class is threadsafe.
 */
public final class RetryBudget {
  private static final long SCALE = 1000;

  private final long maxMilli;
  private final long ratioMilli;
  private final long thresholdMilli;
  private final AtomicLong tokens;

  private RetryBudget(double maxTokens, double tokenRatio) {
    this.maxMilli = Math.round(maxTokens * SCALE);
    this.ratioMilli = Math.round(tokenRatio * SCALE);
    this.thresholdMilli = maxMilli / 2;
    this.tokens = new AtomicLong(maxMilli);
  }

  /** Returns a budget of 10 tokens refilled by 0.1 per success. */
  public static RetryBudget ofDefaults() {
    return of(10, 0.1);
  }

  /**
   * Returns a budget of {@code maxTokens} tokens refilled by {@code tokenRatio} per success.
   *
   * @throws IllegalArgumentException if {@code maxTokens} is not in {@code [1, 1000000]} or
   *     {@code tokenRatio} not in {@code (0, 1]}
   */
  public static RetryBudget of(double maxTokens, double tokenRatio) {
    if (!(maxTokens >= 1 && maxTokens <= 1_000_000)) {
      throw new IllegalArgumentException("maxTokens must be in [1, 1000000]: " + maxTokens);
    }
    if (!(tokenRatio > 0 && tokenRatio <= 1)) {
      throw new IllegalArgumentException("tokenRatio must be in (0, 1]: " + tokenRatio);
    }
    return new RetryBudget(maxTokens, tokenRatio);
  }

  /** Takes one token for a failed attempt. */
  public void onFailure() {
    long cur;
    do {
      cur = tokens.get();
      if (cur == 0) {
        return;
      }
    } while (!tokens.compareAndSet(cur, Math.max(0, cur - SCALE)));
  }

  /** Gives back {@code tokenRatio} of a token for a successful call. */
  public void onSuccess() {
    long cur;
    do {
      cur = tokens.get();
      if (cur == maxMilli) {
        return;
      }
    } while (!tokens.compareAndSet(cur, Math.min(maxMilli, cur + ratioMilli)));
  }

  /** Returns true if a retry may be sent now: more than half the bucket is left. */
  public boolean allowsRetry() {
    return tokens.get() > thresholdMilli;
  }

  /** Returns the tokens left, for metrics. */
  public double tokens() {
    return tokens.get() / (double) SCALE;
  }

  /** Returns the bucket's capacity. */
  public double maxTokens() {
    return maxMilli / (double) SCALE;
  }

  @Override
  public String toString() {
    return "RetryBudget[" + tokens() + "/" + maxTokens() + " tokens, ratio " + (ratioMilli / (double) SCALE) + "]";
  }
}
