package dev.closedloop.sync.idempotency;

import dev.closedloop.sync.idempotency.IdempotencyClaim.Completion;
import dev.closedloop.sync.retry.RetryOutcome;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.Cancellable;
import dev.closedloop.sync.time.Scheduler;
import dev.closedloop.sync.time.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Keeps one claim alive from the claim to its end: renews its lease every third of the lease on
 * a shared {@link Scheduler} (so work slower than its lease is not run again by a retry),
 * and completes it, retrying a completion that failed with the store unreachable until it is
 * stored, the owner is known to have lost the key, or the retention would have ended anyway.
 * Every store call is fenced by the owner token, so retrying one is safe. Not part of the API.
 *
 * <p>A completion that failed may still have landed (a timed-out command that the server ran
 * later): when a later attempt finds itself no longer the owner, the keeper claims the key again
 * with the same fingerprint to see what is there. The same response already stored: it was ours.
 * The key free (the lease ran out and nobody took it): the keeper owns it again under a new token
 * and stores the response there. Anything else: someone else holds it, and the ownership is lost.
 *
 * <p>This class is threadsafe: the renewal task and the completing thread share only atomics.
 */
final class ClaimKeeper {
  /** What the keeper reports; each call is made in the keeper's own try/catch by the caller. */
  interface Events {
    /** A store call failed; {@code renewal} tells whether it was a renewal. */
    void storeFailed(IdempotencyKey key, RuntimeException failure, boolean renewal);

    /** A renewal found another owner (or none) while the request was still running. */
    void renewalLost(IdempotencyKey key);

    /** The store cannot renew leases; called at most once per keeper. */
    void renewalUnsupported(IdempotencyKey key, UnsupportedOperationException e);
  }

  private final IdempotencyStore store;
  private final IdempotencyKey key;
  private final String fingerprint;
  private final Duration lease;
  private final long renewEveryNanos;
  private final Scheduler scheduler;
  private final RetryPolicy<Completion> completionRetry;
  private final Events events;
  private final AtomicReference<String> token;
  private final AtomicBoolean settled = new AtomicBoolean();
  private final AtomicReference<@Nullable Cancellable> nextRenewal = new AtomicReference<>();

  ClaimKeeper(IdempotencyStore store, IdempotencyKey key, String fingerprint, String token, Duration lease,
      Scheduler scheduler, RetryPolicy<Completion> completionRetry, Events events) {
    this.store = store;
    this.key = key;
    this.fingerprint = fingerprint;
    this.token = new AtomicReference<>(token);
    this.lease = lease;
    this.renewEveryNanos = Math.max(1_000_000L, lease.toNanos() / 3);
    this.scheduler = scheduler;
    this.completionRetry = completionRetry;
    this.events = events;
  }

  /**
   * The completion retry policy: store-unreachable failures are retried with
   * exponential backoff from 50 ms up to a quarter of the lease (at most 5 s), full jitter, for
   * as long as the retention, without an attempt limit.
   */
  static RetryPolicy<Completion> completionRetry(Duration lease, Duration retention, Ticker ticker, Scheduler scheduler) {
    Duration cap = lease.dividedBy(4);
    if (cap.compareTo(Duration.ofSeconds(5)) > 0) {
      cap = Duration.ofSeconds(5);
    }
    Duration first = Duration.ofMillis(50);
    if (first.compareTo(cap) > 0) {
      first = cap;
    }
    return RetryPolicy.<Completion>builder()
        .maxAttempts(Integer.MAX_VALUE)
        .initialDelay(first)
        .maxDelay(cap)
        .deadline(retention)
        .retryOn(IdempotencyStoreUnavailableException.class)
        .ticker(ticker)
        .scheduler(scheduler)
        .build();
  }

  /** Starts renewing the lease; renewals stop when the claim is completed or released. */
  void start() {
    scheduleRenewal();
  }

  /** Returns the current owner token (it changes if the keeper had to claim the key again). */
  String token() {
    return token.get();
  }

  /**
   * Stores {@code response}, retrying while the store is unreachable (see the class comment),
   * then stops renewing. Blocks the calling thread between attempts (on fake time, moves it).
   */
  Completion complete(StoredResponse response, Duration retention) {
    boolean[] failedBefore = new boolean[1];
    try {
      RetryOutcome<Completion> outcome = completionRetry.run(() -> {
        try {
          if (store.complete(key, token.get(), response, retention)) {
            return Completion.STORED;
          }
          return failedBefore[0] ? reconcile(response, retention) : Completion.LOST;
        } catch (RuntimeException e) {
          failedBefore[0] = true;
          events.storeFailed(key, e, false);
          throw e;
        }
      });
      if (outcome instanceof RetryOutcome.Success) {
        Completion c = ((RetryOutcome.Success<Completion>) outcome).result();
        return c == null ? Completion.GAVE_UP : c;
      }
      return Completion.GAVE_UP;
    } finally {
      stop();
    }
  }

  /**
   * After a failed attempt, the store says we are not the owner: find out whether the failed
   * attempt landed after all, or the key fell free, or someone else has it.
   */
  private Completion reconcile(StoredResponse response, Duration retention) {
    ClaimResult now = store.claim(key, fingerprint, lease);
    if (now instanceof ClaimResult.Completed) {
      StoredResponse there = ((ClaimResult.Completed) now).response();
      boolean ours = response.equals(there)
          || (!there.isReplayable() && there.status() == response.status()); // kept as too large
      return ours ? Completion.STORED : Completion.LOST;
    }
    if (now instanceof ClaimResult.Claimed) {
      String fresh = ((ClaimResult.Claimed) now).token();
      token.set(fresh);
      return store.complete(key, fresh, response, retention) ? Completion.STORED : Completion.LOST;
    }
    return Completion.LOST;
  }

  /**
   * Releases the claim and stops renewing.
   *
   * @return whether this keeper still owned it
   * @throws RuntimeException what the store throws
   */
  boolean release() {
    stop();
    return store.release(key, token.get());
  }

  /** Stops renewing; the claim stays as it is. Idempotent. */
  void stop() {
    settled.set(true);
    Cancellable next = nextRenewal.getAndSet(null);
    if (next != null) {
      next.cancel();
    }
  }

  private void scheduleRenewal() {
    if (settled.get()) {
      return;
    }
    Cancellable next = scheduler.schedule(this::renew, renewEveryNanos);
    nextRenewal.set(next);
    if (settled.get()) {
      next.cancel(); // settled while scheduling
    }
  }

  private void renew() {
    if (settled.get()) {
      return;
    }
    try {
      if (store.renew(key, token.get(), lease)) {
        scheduleRenewal();
      } else if (!settled.get()) {
        events.renewalLost(key); // taken over (or gone): a completion will find out too
      }
    } catch (UnsupportedOperationException e) {
      events.renewalUnsupported(key, e);
    } catch (RuntimeException e) {
      events.storeFailed(key, e, true);
      scheduleRenewal(); // the store may be back by the next one
    }
  }
}
