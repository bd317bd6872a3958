package dev.closedloop.sync.idempotency;

import dev.closedloop.sync.idempotency.IdempotencyClaim.Completion;
import dev.closedloop.sync.idempotency.spi.StoreArguments;
import dev.closedloop.sync.idempotency.IdempotencyListener.Finished;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.spi.Listeners;
import dev.closedloop.sync.time.Cancellable;
import dev.closedloop.sync.time.Scheduler;
import dev.closedloop.sync.time.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one implementation of the idempotency protocol: {@link Idempotency#execute} for plain Java
 * and {@link Idempotency#begin} for front ends (the servlet filter). Not part of the API.
 *
 * <p>This class is threadsafe: its configuration is immutable, its counters are adders, and the
 * local in-flight map (owners running here, for waiters to wake on) is concurrent.
 */
final class DefaultIdempotency implements Idempotency, ClaimKeeper.Events {
  private static final Logger log = LoggerFactory.getLogger(Idempotency.class);
  /** What a result that could not be encoded is kept as: the work ran, its result is not replayable. */
  private static final StoredResponse NOT_KEPT = StoredResponse.notReplayable(200);

  private final IdempotencyStore store;
  private final Duration lease;
  private final Duration retention;
  private final long waitNanos;
  private final long pollNanos;
  private final Ticker ticker;
  private final Scheduler scheduler;
  private final Listeners<IdempotencyListener> listeners;
  private final String name;
  private final RetryPolicy<Completion> completionRetry;
  private final AtomicBoolean renewalUnsupportedLogged = new AtomicBoolean();

  /** Owners running here, by storage key: waiters wake when they end. Only with a wait configured. */
  private final ConcurrentHashMap<String, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();

  private final LongAdder first = new LongAdder();
  private final LongAdder replayed = new LongAdder();
  private final LongAdder conflicts = new LongAdder();
  private final LongAdder mismatches = new LongAdder();
  private final LongAdder notReplayable = new LongAdder();
  private final LongAdder stored = new LongAdder();
  private final LongAdder storedBytes = new LongAdder();
  private final LongAdder released = new LongAdder();
  private final LongAdder ownershipLost = new LongAdder();
  private final LongAdder storeFailures = new LongAdder();

  DefaultIdempotency(IdempotencyBuilder b) {
    this.store = Objects.requireNonNull(b.store);
    this.lease = b.lease;
    this.retention = b.retention;
    this.waitNanos = b.inProgressWait.toNanos();
    this.pollNanos = b.pollInterval.toNanos();
    this.ticker = b.ticker;
    this.scheduler = b.scheduler;
    this.listeners = Listeners.of(b.listeners, log, "Idempotency '" + b.name + "'");
    this.name = b.name;
    this.completionRetry = ClaimKeeper.completionRetry(lease, retention, ticker, scheduler);
  }

  // ---- execute ------------------------------------------------------------------------------

  @Override
  public <T extends @Nullable Object, X extends Exception> T execute(IdempotencyKey key, String fingerprint,
      IdempotentWork<T, X> work, ResultCodec<T> codec) throws X {
    Objects.requireNonNull(work, "work cannot be null");
    Objects.requireNonNull(codec, "codec cannot be null");
    long start = listeners.isEmpty() ? 0 : ticker.read();
    IdempotencyAttempt attempt = begin(key, fingerprint);
    if (attempt instanceof IdempotencyAttempt.Claimed) {
      IdempotencyClaim claim = ((IdempotencyAttempt.Claimed) attempt).claim();
      T result;
      try {
        result = work.run();
      } catch (Throwable t) {
        claim.release(-1, t);
        finished(key, Finished.Outcome.FIRST, -1, start);
        throw t;
      }
      StoredResponse stored = NOT_KEPT; // the work ran: whatever happens now, the key completes
      try {
        stored = encode(key, codec, result);
      } finally {
        claim.complete(stored);
      }
      finished(key, Finished.Outcome.FIRST, 200, start);
      return result;
    }
    if (attempt instanceof IdempotencyAttempt.Completed) {
      StoredResponse response = ((IdempotencyAttempt.Completed) attempt).response();
      if (!response.isReplayable()) {
        finished(key, Finished.Outcome.NOT_REPLAYABLE, 409, start);
        throw new ResultNotReplayableException(key, "it was not kept (too large for the store, or the codec could"
            + " not encode it)", null);
      }
      T result = decode(key, codec, response);
      finished(key, Finished.Outcome.REPLAYED, response.status(), start);
      return result;
    }
    if (attempt instanceof IdempotencyAttempt.InProgress) {
      finished(key, Finished.Outcome.CONFLICT, 409, start);
      throw new IdempotencyInProgressException(key, ((IdempotencyAttempt.InProgress) attempt).retryAfter());
    }
    finished(key, Finished.Outcome.MISMATCH, 422, start);
    throw new IdempotencyKeyReusedException(key);
  }

  private static <T extends @Nullable Object> StoredResponse encode(IdempotencyKey key, ResultCodec<T> codec, T result) {
    try {
      byte[] bytes = codec.encode(result);
      return StoredResponse.of(200, Map.of("Content-Type", List.of(codec.mediaType())), bytes);
    } catch (RuntimeException e) {
      log.error("Idempotency codec {} could not encode the result for key {}; the key completes without a"
          + " replayable result, so the work does not run again", codec, key.redacted(), e);
      return NOT_KEPT;
    }
  }

  private static <T extends @Nullable Object> T decode(IdempotencyKey key, ResultCodec<T> codec, StoredResponse r) {
    List<String> types = r.headers().get("Content-Type");
    String stored = types == null || types.isEmpty() ? null : types.get(0);
    if (!codec.mediaType().equals(stored)) {
      throw new ResultNotReplayableException(key, "it is stored as " + (stored == null ? "no media type" : stored)
          + ", and the codec " + codec + " reads " + codec.mediaType(), null);
    }
    try {
      return codec.decode(r.body());
    } catch (RuntimeException e) {
      throw new ResultNotReplayableException(key, "the codec " + codec + " could not decode it: " + e.getMessage(), e);
    }
  }

  private void finished(IdempotencyKey key, Finished.Outcome outcome, int status, long startNanos) {
    if (listeners.isEmpty()) {
      return;
    }
    Finished f = new Finished(key, outcome, Finished.EXECUTE, name, status, ticker.read() - startNanos);
    listeners.fire("onFinished", IdempotencyListener::onFinished, f);
  }

  // ---- begin --------------------------------------------------------------------------------

  @Override
  public IdempotencyAttempt begin(IdempotencyKey key, String fingerprint) {
    Objects.requireNonNull(key, "key cannot be null");
    StoreArguments.checkFingerprint(fingerprint);
    ClaimResult outcome;
    try {
      if (listeners.isEmpty()) {
        outcome = store.claim(key, fingerprint, lease); // nobody times it: read no clock
      } else {
        long claimStart = ticker.read();
        ClaimResult claimed = store.claim(key, fingerprint, lease);
        long claimNanos = ticker.read() - claimStart;
        // a capturing lambda (three arguments), made only with listeners; it logs no argument (a token)
        listeners.fire("onClaim", l -> l.onClaim(key, claimed, claimNanos));
        outcome = claimed;
      }
      if (outcome instanceof ClaimResult.InProgress && waitNanos > 0) {
        outcome = awaitOutcome(key, fingerprint, outcome);
      }
    } catch (RuntimeException e) {
      storeFailed(key, e, false);
      throw e;
    }

    if (outcome instanceof ClaimResult.Claimed) {
      first.increment();
      listeners.fire("onFirst", IdempotencyListener::onFirst, key);
      CompletableFuture<Void> done = null;
      if (waitNanos > 0) { // waiters wake on it; with no wait configured nobody would look
        done = new CompletableFuture<>();
        inFlight.put(key.storageKey(), done);
      }
      ClaimKeeper keeper = new ClaimKeeper(store, key, fingerprint, ((ClaimResult.Claimed) outcome).token(), lease,
          scheduler, completionRetry, this);
      keeper.start();
      return new IdempotencyAttempt.Claimed(new IdempotencyClaim(this, key, keeper, done));
    }
    if (outcome instanceof ClaimResult.Completed) {
      StoredResponse response = ((ClaimResult.Completed) outcome).response();
      if (response.isReplayable()) {
        replayed.increment();
        listeners.fire("onReplayed", IdempotencyListener::onReplayed, key, response);
      } else {
        notReplayable.increment();
        listeners.fire("onNotReplayable", IdempotencyListener::onNotReplayable, key);
      }
      return new IdempotencyAttempt.Completed(response);
    }
    if (outcome instanceof ClaimResult.InProgress) {
      Duration retryAfter = ((ClaimResult.InProgress) outcome).retryAfter();
      conflicts.increment();
      listeners.fire("onConflict", IdempotencyListener::onConflict, key, retryAfter);
      return new IdempotencyAttempt.InProgress(retryAfter);
    }
    mismatches.increment();
    listeners.fire("onMismatch", IdempotencyListener::onMismatch, key);
    return new IdempotencyAttempt.Mismatch();
  }

  /**
   * Waits for an in-progress key until it settles or the wait ends, asking the store again every
   * poll interval, and at once when the owner runs here and ends. Every wait goes through the
   * scheduler, so on virtual time it moves only when the test advances it. An interrupt ends the
   * wait with the flag kept.
   */
  private ClaimResult awaitOutcome(IdempotencyKey key, String fingerprint, ClaimResult inProgress) {
    long deadline = ticker.read() + waitNanos;
    ClaimResult outcome = inProgress;
    while (outcome instanceof ClaimResult.InProgress) {
      long left = deadline - ticker.read();
      if (left <= 0) {
        break;
      }
      CompletableFuture<Void> wake = new CompletableFuture<>();
      CompletableFuture<Void> local = inFlight.get(key.storageKey());
      if (local != null) {
        local.thenRun(() -> wake.complete(null)); // the owner runs here: wake as soon as it ends
      }
      Cancellable timer = scheduler.schedule(() -> wake.complete(null), Math.min(left, pollNanos));
      try {
        wake.get();
      } catch (InterruptedException e) {
        timer.cancel();
        Thread.currentThread().interrupt();
        break;
      } catch (ExecutionException e) {
        throw new IllegalStateException("a wake-up cannot fail", e);
      }
      timer.cancel();
      outcome = store.claim(key, fingerprint, lease);
    }
    return outcome;
  }

  // ---- the end of a claim -------------------------------------------------------------------

  Completion complete(IdempotencyKey key, ClaimKeeper keeper, @Nullable CompletableFuture<Void> done,
      StoredResponse result) {
    Completion outcome;
    try {
      outcome = keeper.complete(result, retention);
    } finally {
      wake(key, done);
    }
    if (outcome == Completion.GAVE_UP) {
      log.error("Idempotency store {} could not store the result for key {} before giving up; the claim stays"
          + " in progress until its lease ({}) ends, and a retry after that runs the work again", store,
          key.redacted(), lease);
    } else if (outcome == Completion.LOST) {
      lostOwnership(key);
    } else {
      long bytes = result.isReplayable() ? result.size() : 0;
      stored.increment();
      storedBytes.add(bytes);
      listeners.fire("onStored", IdempotencyListener::onStored, key, result);
    }
    return outcome;
  }

  boolean release(IdempotencyKey key, ClaimKeeper keeper, @Nullable CompletableFuture<Void> done, int status,
      @Nullable Throwable failure) {
    boolean owned;
    try {
      owned = keeper.release();
    } catch (RuntimeException e) {
      storeFailed(key, e, false);
      return false;
    } finally {
      wake(key, done);
    }
    if (!owned) {
      lostOwnership(key);
      return false;
    }
    released.increment();
    if (status < 0) {
      // The work threw: its effects may be partial, and a retry with the same key runs it again.
      log.warn("Idempotency claim for key {} released: the work failed ({}); a retry with this key runs it again",
          key.redacted(), failure == null ? "its outcome was not seen" : failure.toString());
    }
    if (!listeners.isEmpty()) { // a capturing lambda (three arguments): made only with listeners
      listeners.fire("onReleased", l -> l.onReleased(key, status, failure));
    }
    return true;
  }

  private void wake(IdempotencyKey key, @Nullable CompletableFuture<Void> done) {
    if (done != null) {
      inFlight.remove(key.storageKey(), done);
      done.complete(null);
    }
  }

  private void lostOwnership(IdempotencyKey key) {
    ownershipLost.increment();
    log.warn("Idempotency claim for key {} was taken over before the work finished (lease {} too short?);"
        + " its result was not stored", key.redacted(), lease);
    listeners.fire("onOwnershipLost", IdempotencyListener::onOwnershipLost, key);
  }

  // ---- what the claim keepers report --------------------------------------------------------

  @Override
  public void storeFailed(IdempotencyKey key, RuntimeException failure, boolean renewal) {
    storeFailures.increment();
    log.warn("Idempotency store {} failed for key {}", store, key.redacted(), failure);
    listeners.fire("onStoreFailure", IdempotencyListener::onStoreFailure, key, failure);
  }

  @Override
  public void renewalLost(IdempotencyKey key) {
    log.warn("Idempotency claim for key {} could not be renewed: it was taken over or is gone (the store lost it,"
        + " or it could not be renewed in time); a retry may run the work again", key.redacted());
  }

  @Override
  public void renewalUnsupported(IdempotencyKey key, UnsupportedOperationException e) {
    if (renewalUnsupportedLogged.compareAndSet(false, true)) {
      log.warn("Idempotency store {} cannot renew leases ({}); work that runs longer than the lease ({}) may run"
          + " again on a retry", store, e.getMessage(), lease);
    }
  }

  // ---- the rest -----------------------------------------------------------------------------

  @Override
  public IdempotencyStats stats() {
    return new IdempotencyStats(first.sum(), replayed.sum(), conflicts.sum(), mismatches.sum(), notReplayable.sum(),
        stored.sum(), storedBytes.sum(), released.sum(), ownershipLost.sum(), storeFailures.sum());
  }

  @Override
  public IdempotencyStore store() {
    return store;
  }

  @Override
  public Duration lease() {
    return lease;
  }

  @Override
  public Duration retention() {
    return retention;
  }

  @Override
  public String toString() {
    return "Idempotency[" + name + ", " + store + ", lease " + lease + ", retention " + retention + "]";
  }
}
