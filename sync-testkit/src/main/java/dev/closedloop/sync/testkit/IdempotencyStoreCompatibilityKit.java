package dev.closedloop.sync.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.ExpiredLeasePolicy;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.IdempotencyStoreFullException;
import dev.closedloop.sync.idempotency.StoredResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The cases every {@link IdempotencyStore} must pass. Extend it in the store's module, say how
 * to build a store and how its time moves, and JUnit runs every case:
 *
 * <pre>{@code
 * class InMemoryIdempotencyStoreCompatibilityTest extends IdempotencyStoreCompatibilityKit {
 *   private final ManualTicker time = new ManualTicker();
 *
 *   protected IdempotencyStore newStore(StoreOptions options) {
 *     return InMemoryIdempotencyStore.builder().clock(time)
 *         .expiredLeasePolicy(options.expiredLeasePolicy())
 *         .maxEntries(options.maxEntries())
 *         .maxResponseBytes(options.maxResponseBytes())
 *         .abandonedClaimRetention(options.abandonedClaimRetention())
 *         .build();
 *   }
 *
 *   protected void advanceTime(Duration duration) {
 *     time.advance(duration);
 *   }
 * }
 * }</pre>
 *
 * <p><b>Time.</b> Cases that do not test expiry use {@link IdempotencyStore#DEFAULT_LEASE} and
 * long retentions, so no expiry can happen while they run, even on a real clock. Cases that test
 * expiry only ever move time through {@link #advanceTime(Duration)}, by {@link #lease()} (and
 * friends) times a whole factor, never by a hair: a store on a fake clock advances it; a store
 * on server time (Redis, PostgreSQL) overrides {@link #lease()}, {@link #retention()} and {@link
 * #abandonedClaimRetention()} with short real durations (a few hundred milliseconds) and sleeps
 * in {@code advanceTime}, the only place a kit case may wait.
 *
 * <p><b>Isolation.</b> Every case uses a fresh scope, so a store backed by a shared server needs
 * no cleaning between cases; {@link #closeStore(IdempotencyStore)} is called after each case.
 *
 * <p>This class is not threadsafe; JUnit creates one instance per case.
 */
public abstract class IdempotencyStoreCompatibilityKit {
  /** The racers in the claim race. */
  protected static final int RACERS = 32;

  private final String scope = "kit-" + UUID.randomUUID();
  private final List<IdempotencyStore> stores = new ArrayList<>();

  /**
   * Returns a new store configured as {@code options} says, on the time that {@link
   * #advanceTime(Duration)} moves.
   */
  protected abstract IdempotencyStore newStore(StoreOptions options);

  /**
   * Moves the store's notion of time forward by {@code duration}: advance a fake clock, or sleep
   * when the store reads a server's clock.
   */
  protected abstract void advanceTime(Duration duration);

  /** Releases what a store holds; called once per store after each case. Default: nothing. */
  protected void closeStore(IdempotencyStore store) {}

  /** Returns the lease the expiry cases claim with. Default 30 s (fake time costs nothing). */
  protected Duration lease() {
    return Duration.ofSeconds(30);
  }

  /** Returns the retention the expiry cases complete with. Default 10 minutes. */
  protected Duration retention() {
    return Duration.ofMinutes(10);
  }

  /**
   * Returns the abandoned-claim retention stores under {@link
   * ExpiredLeasePolicy#CONFLICT_UNTIL_EXPIRY} are built with. Must be at least 4 leases. Default
   * 1 hour.
   */
  protected Duration abandonedClaimRetention() {
    return Duration.ofHours(1);
  }

  /**
   * Returns whether the store bounds its entry count ({@link StoreOptions#maxEntries()}); the
   * bounded-memory case is skipped otherwise (a Redis store leaves that to {@code maxmemory}).
   */
  protected boolean boundsEntries() {
    return true;
  }

  @AfterEach
  final void closeStores() {
    for (IdempotencyStore s : stores) {
      closeStore(s);
    }
  }

  // ---- claims, races and fencing ------------------------------------------------------------

  @Test
  void firstClaimOfAKeyIsClaimedWithAToken() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    ClaimResult r = store.claim(key("a"), "fp", IdempotencyStore.DEFAULT_LEASE);
    assertThat(r).isInstanceOf(ClaimResult.Claimed.class);
    assertThat(((ClaimResult.Claimed) r).token()).isNotEmpty();
  }

  @Test
  void claimRaceOf32ThreadsGivesExactlyOneClaimed() throws Exception {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    List<ClaimResult> results = race(RACERS, () -> store.claim(key("race"), "fp", IdempotencyStore.DEFAULT_LEASE));
    assertThat(results).filteredOn(r -> r instanceof ClaimResult.Claimed).hasSize(1);
    assertThat(results).filteredOn(r -> r instanceof ClaimResult.InProgress).hasSize(RACERS - 1);

    String token = results.stream().filter(r -> r instanceof ClaimResult.Claimed)
        .map(r -> ((ClaimResult.Claimed) r).token()).findFirst().orElseThrow();
    StoredResponse response = sampleResponse(201, 300);
    assertThat(store.complete(key("race"), token, response, IdempotencyStore.DEFAULT_RETENTION)).isTrue();
    List<ClaimResult> replays = race(RACERS, () -> store.claim(key("race"), "fp", IdempotencyStore.DEFAULT_LEASE));
    assertThat(replays).allSatisfy(r -> assertThat(r).isEqualTo(new ClaimResult.Completed(response)));
  }

  @Test
  void secondClaimWhileFirstInFlightIsInProgressWithARetryAfterWithinTheLease() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    claimed(store, "a", "fp", IdempotencyStore.DEFAULT_LEASE);
    ClaimResult r = store.claim(key("a"), "fp", IdempotencyStore.DEFAULT_LEASE);
    assertThat(r).isInstanceOf(ClaimResult.InProgress.class);
    Duration retryAfter = ((ClaimResult.InProgress) r).retryAfter();
    assertThat(retryAfter).isPositive().isLessThanOrEqualTo(IdempotencyStore.DEFAULT_LEASE);
  }

  @Test
  void differentFingerprintWhileInProgressIsMismatchNotConflict() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    claimed(store, "a", "fp-1", IdempotencyStore.DEFAULT_LEASE);
    assertThat(store.claim(key("a"), "fp-2", IdempotencyStore.DEFAULT_LEASE)).isInstanceOf(ClaimResult.Mismatch.class);
    assertThat(store.claim(key("a"), "fp-1", IdempotencyStore.DEFAULT_LEASE)).isInstanceOf(ClaimResult.InProgress.class);
  }

  @Test
  void differentFingerprintAfterCompletionIsMismatchAndLeavesTheResponse() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    String token = claimed(store, "a", "fp-1", IdempotencyStore.DEFAULT_LEASE);
    StoredResponse response = sampleResponse(200, 10);
    assertThat(store.complete(key("a"), token, response, IdempotencyStore.DEFAULT_RETENTION)).isTrue();
    assertThat(store.claim(key("a"), "fp-2", IdempotencyStore.DEFAULT_LEASE)).isInstanceOf(ClaimResult.Mismatch.class);
    assertThat(store.claim(key("a"), "fp-1", IdempotencyStore.DEFAULT_LEASE)).isEqualTo(new ClaimResult.Completed(response));
  }

  @Test
  void sameClientKeyInTwoScopesIsTwoIndependentKeys() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    IdempotencyKey alice = IdempotencyKey.of(scope + ":alice", "shared");
    IdempotencyKey bob = IdempotencyKey.of(scope + ":bob", "shared");
    ClaimResult a = store.claim(alice, "fp", IdempotencyStore.DEFAULT_LEASE);
    assertThat(a).isInstanceOf(ClaimResult.Claimed.class);
    assertThat(store.claim(bob, "fp", IdempotencyStore.DEFAULT_LEASE)).isInstanceOf(ClaimResult.Claimed.class);
    store.complete(alice, ((ClaimResult.Claimed) a).token(), sampleResponse(200, 5), IdempotencyStore.DEFAULT_RETENTION);
    assertThat(store.claim(bob, "fp", IdempotencyStore.DEFAULT_LEASE)).isInstanceOf(ClaimResult.InProgress.class);
  }

  @Test
  void scopesThatDifferOnlyInAnUnpairedSurrogateAreTwoKeys() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    IdempotencyKey surrogate = IdempotencyKey.of(scope + ":principal:\uD800", "shared");
    IdempotencyKey question = IdempotencyKey.of(scope + ":principal:?", "shared");
    IdempotencyKey literal = IdempotencyKey.of(scope + ":principal:\\ud800", "shared");
    ClaimResult first = store.claim(surrogate, "fp", IdempotencyStore.DEFAULT_LEASE);
    assertThat(first).isInstanceOf(ClaimResult.Claimed.class);
    StoredResponse response = sampleResponse(201, 7);
    assertThat(store.complete(surrogate, ((ClaimResult.Claimed) first).token(), response,
        IdempotencyStore.DEFAULT_RETENTION)).isTrue();
    assertThat(store.claim(question, "fp", IdempotencyStore.DEFAULT_LEASE)).as("scope principal:?")
        .isInstanceOf(ClaimResult.Claimed.class);
    assertThat(store.claim(literal, "fp", IdempotencyStore.DEFAULT_LEASE)).as("a literal backslash-u in the scope")
        .isInstanceOf(ClaimResult.Claimed.class);
    assertThat(store.claim(surrogate, "fp", IdempotencyStore.DEFAULT_LEASE)).as("the odd principal's own replay")
        .isEqualTo(new ClaimResult.Completed(response));
  }

  @Test
  void clientKeysWithUnpairedSurrogatesOrNulAreKeptApartAndReplayed() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    List<String> keys = List.of("k\uDC00", "k?", "k\u0000", "k\uD83D\uDE00", "k\uDE00\uD83D");
    List<StoredResponse> responses = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      ClaimResult r = store.claim(key(keys.get(i)), "fp", IdempotencyStore.DEFAULT_LEASE);
      assertThat(r).as("claim of key %d", i).isInstanceOf(ClaimResult.Claimed.class);
      StoredResponse response = sampleResponse(200 + i, 3 + i);
      responses.add(response);
      assertThat(store.complete(key(keys.get(i)), ((ClaimResult.Claimed) r).token(), response,
          IdempotencyStore.DEFAULT_RETENTION)).isTrue();
    }
    for (int i = 0; i < keys.size(); i++) {
      assertThat(store.claim(key(keys.get(i)), "fp", IdempotencyStore.DEFAULT_LEASE)).as("replay of key %d", i)
          .isEqualTo(new ClaimResult.Completed(responses.get(i)));
    }
  }

  @Test
  void replayReturnsTheStoredResponseByteForByte() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    String token = claimed(store, "a", "fp", IdempotencyStore.DEFAULT_LEASE);
    byte[] body = new byte[4096];
    for (int i = 0; i < body.length; i++) {
      body[i] = (byte) (i * 31 + 7); // every byte value, zeros and high bytes included
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    headers.put("Content-Type", List.of("application/octet-stream"));
    headers.put("Link", List.of("</a>; rel=\"next\"", "</b>; rel=\"prev\""));
    headers.put("ETag", List.of("W/\"\u00e9t\u00e9\""));
    StoredResponse response = StoredResponse.of(201, headers, body);
    assertThat(store.complete(key("a"), token, response, IdempotencyStore.DEFAULT_RETENTION)).isTrue();

    ClaimResult r = store.claim(key("a"), "fp", IdempotencyStore.DEFAULT_LEASE);
    assertThat(r).isInstanceOf(ClaimResult.Completed.class);
    StoredResponse replayed = ((ClaimResult.Completed) r).response();
    assertThat(replayed.status()).isEqualTo(201);
    assertThat(replayed.body()).isEqualTo(body);
    assertThat(replayed.headers()).containsExactlyEntriesOf(headers);
    assertThat(replayed.headers().keySet()).containsExactly("Content-Type", "Link", "ETag");
    assertThat(replayed.isReplayable()).isTrue();
  }

  @Test
  void emptyBodyAndNoHeadersReplayAsSuch() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    String token = claimed(store, "a", "fp", IdempotencyStore.DEFAULT_LEASE);
    StoredResponse response = StoredResponse.of(204, Map.of(), new byte[0]);
    store.complete(key("a"), token, response, IdempotencyStore.DEFAULT_RETENTION);
    assertThat(store.claim(key("a"), "fp", IdempotencyStore.DEFAULT_LEASE)).isEqualTo(new ClaimResult.Completed(response));
  }

  @Test
  void tokenThatNeverOwnedTheKeyCannotCompleteOrRelease() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    String token = claimed(store, "a", "fp", IdempotencyStore.DEFAULT_LEASE);
    String forged = token + "x";
    assertThat(store.complete(key("a"), forged, sampleResponse(200, 1), IdempotencyStore.DEFAULT_RETENTION)).isFalse();
    assertThat(store.release(key("a"), forged)).isFalse();
    assertThat(store.complete(key("never-claimed"), token, sampleResponse(200, 1), IdempotencyStore.DEFAULT_RETENTION)).isFalse();
    assertThat(store.release(key("never-claimed"), token)).isFalse();
    assertThat(store.claim(key("a"), "fp", IdempotencyStore.DEFAULT_LEASE)).isInstanceOf(ClaimResult.InProgress.class);
    assertThat(store.claim(key("never-claimed"), "fp", IdempotencyStore.DEFAULT_LEASE)).isInstanceOf(ClaimResult.Claimed.class);
  }

  @Test
  void releaseFreesTheKeyForTheNextClaimWithANewToken() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    String first = claimed(store, "a", "fp", IdempotencyStore.DEFAULT_LEASE);
    assertThat(store.release(key("a"), first)).isTrue();
    assertThat(store.release(key("a"), first)).isFalse();
    String second = claimed(store, "a", "fp-other", IdempotencyStore.DEFAULT_LEASE);
    assertThat(second).isNotEqualTo(first);
    assertThat(store.complete(key("a"), first, sampleResponse(200, 1), IdempotencyStore.DEFAULT_RETENTION)).isFalse();
  }

  @Test
  void secondCompleteAndReleaseAfterCompleteFailAndKeepTheFirstResponse() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    String token = claimed(store, "a", "fp", IdempotencyStore.DEFAULT_LEASE);
    StoredResponse first = sampleResponse(200, 10);
    assertThat(store.complete(key("a"), token, first, IdempotencyStore.DEFAULT_RETENTION)).isTrue();
    assertThat(store.complete(key("a"), token, sampleResponse(500, 20), IdempotencyStore.DEFAULT_RETENTION)).isFalse();
    assertThat(store.release(key("a"), token)).isFalse();
    assertThat(store.claim(key("a"), "fp", IdempotencyStore.DEFAULT_LEASE)).isEqualTo(new ClaimResult.Completed(first));
  }

  @Test
  void ownerRacingItselfToCompleteAndReleaseWinsExactlyOnce() throws Exception {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    String token = claimed(store, "a", "fp", IdempotencyStore.DEFAULT_LEASE);
    StoredResponse response = sampleResponse(200, 10);
    List<Callable<Boolean>> calls = new ArrayList<>();
    for (int i = 0; i < RACERS; i++) {
      calls.add(i % 2 == 0
          ? () -> store.complete(key("a"), token, response, IdempotencyStore.DEFAULT_RETENTION)
          : () -> store.release(key("a"), token));
    }
    List<Boolean> wins = raceAll(calls);
    assertThat(wins).filteredOn(Boolean::booleanValue).hasSize(1);
    ClaimResult after = store.claim(key("a"), "fp", IdempotencyStore.DEFAULT_LEASE);
    int winner = wins.indexOf(Boolean.TRUE);
    if (winner % 2 == 0) {
      assertThat(after).isEqualTo(new ClaimResult.Completed(response));
    } else {
      assertThat(after).isInstanceOf(ClaimResult.Claimed.class);
    }
  }

  // ---- lease and retention ------------------------------------------------------------------

  @Test
  void claimStaysInProgressWithinItsLease() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    claimed(store, "a", "fp", lease());
    advanceTime(lease().dividedBy(2));
    assertThat(store.claim(key("a"), "fp", lease())).isInstanceOf(ClaimResult.InProgress.class);
  }

  @Test
  void staleOwnerCannotCompleteOrReleaseAfterTakeover() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    String stale = claimed(store, "a", "fp", lease());
    advanceTime(lease().multipliedBy(2));
    String current = claimed(store, "a", "fp", IdempotencyStore.DEFAULT_LEASE);
    assertThat(current).isNotEqualTo(stale);

    assertThat(store.complete(key("a"), stale, sampleResponse(200, 1), IdempotencyStore.DEFAULT_RETENTION)).isFalse();
    assertThat(store.release(key("a"), stale)).isFalse();
    assertThat(store.claim(key("a"), "fp", IdempotencyStore.DEFAULT_LEASE)).isInstanceOf(ClaimResult.InProgress.class);

    StoredResponse response = sampleResponse(201, 8);
    assertThat(store.complete(key("a"), current, response, IdempotencyStore.DEFAULT_RETENTION)).isTrue();
    assertThat(store.claim(key("a"), "fp", IdempotencyStore.DEFAULT_LEASE)).isEqualTo(new ClaimResult.Completed(response));
    assertThat(store.release(key("a"), stale)).isFalse();
  }

  @Test
  void renewedClaimStaysInProgressPastItsFirstLeaseAndItsOwnerCompletes() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    String token = claimed(store, "a", "fp", lease());
    advanceTime(lease().dividedBy(2));
    assertThat(store.renew(key("a"), token, lease().multipliedBy(4))).isTrue();
    advanceTime(lease().multipliedBy(2)); // well past the first lease, well within the renewed one
    assertThat(store.claim(key("a"), "fp", lease())).isInstanceOf(ClaimResult.InProgress.class);
    assertThat(store.claim(key("a"), "fp-other", lease())).isInstanceOf(ClaimResult.Mismatch.class);
    StoredResponse response = sampleResponse(201, 5);
    assertThat(store.complete(key("a"), token, response, IdempotencyStore.DEFAULT_RETENTION)).isTrue();
    assertThat(store.claim(key("a"), "fp", lease())).isEqualTo(new ClaimResult.Completed(response));
  }

  @Test
  void renewedClaimExpiresAtTheEndOfItsNewLease() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    String token = claimed(store, "a", "fp", lease());
    assertThat(store.renew(key("a"), token, lease())).isTrue();
    advanceTime(lease().multipliedBy(2));
    assertThat(store.claim(key("a"), "fp", lease())).isInstanceOf(ClaimResult.Claimed.class);
    assertThat(store.renew(key("a"), token, lease())).as("the old owner after a takeover").isFalse();
  }

  @Test
  void renewIsFencedByTheOwnerToken() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    Duration lease = IdempotencyStore.DEFAULT_LEASE;
    String token = claimed(store, "a", "fp", lease);
    assertThat(store.renew(key("a"), token + "x", lease)).isFalse();
    assertThat(store.renew(key("never-claimed"), token, lease)).isFalse();
    assertThat(store.claim(key("never-claimed"), "fp", lease)).isInstanceOf(ClaimResult.Claimed.class);
    assertThat(store.renew(key("a"), token, lease)).isTrue();
    StoredResponse response = sampleResponse(200, 3);
    assertThat(store.complete(key("a"), token, response, IdempotencyStore.DEFAULT_RETENTION)).isTrue();
    assertThat(store.renew(key("a"), token, lease)).as("after completion").isFalse();
    assertThat(store.claim(key("a"), "fp", lease)).isEqualTo(new ClaimResult.Completed(response));

    String released = claimed(store, "b", "fp", lease);
    assertThat(store.release(key("b"), released)).isTrue();
    assertThat(store.renew(key("b"), released, lease)).as("after release").isFalse();
    assertThat(store.claim(key("b"), "fp", lease)).isInstanceOf(ClaimResult.Claimed.class);
  }

  @Test
  void renewUnderConflictUntilExpiryKeepsTheAbandonedClaimRetention() {
    IdempotencyStore store = store(ExpiredLeasePolicy.CONFLICT_UNTIL_EXPIRY);
    String token = claimed(store, "a", "fp", lease());
    assertThat(store.renew(key("a"), token, lease())).isTrue();
    advanceTime(lease().multipliedBy(2));
    assertThat(store.claim(key("a"), "fp", lease())).as("abandoned, still in conflict")
        .isInstanceOf(ClaimResult.InProgress.class);
    assertThat(store.renew(key("a"), token, lease())).as("its owner may still renew").isTrue();
    StoredResponse response = sampleResponse(200, 2);
    assertThat(store.complete(key("a"), token, response, IdempotencyStore.DEFAULT_RETENTION)).isTrue();
    assertThat(store.claim(key("a"), "fp", lease())).isEqualTo(new ClaimResult.Completed(response));
  }

  @Test
  void expiredLeaseFreesTheKeyEvenForAnotherFingerprintUnderReExecute() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    claimed(store, "a", "fp-1", lease());
    advanceTime(lease().multipliedBy(2));
    assertThat(store.claim(key("a"), "fp-2", lease())).isInstanceOf(ClaimResult.Claimed.class);
  }

  @Test
  void conflictUntilExpiryKeepsAnAbandonedClaimInConflictUntilItsRetentionEnds() {
    IdempotencyStore store = store(ExpiredLeasePolicy.CONFLICT_UNTIL_EXPIRY);
    claimed(store, "a", "fp", lease());
    advanceTime(lease().multipliedBy(2));
    ClaimResult r = store.claim(key("a"), "fp", lease());
    assertThat(r).isInstanceOf(ClaimResult.InProgress.class);
    assertThat(((ClaimResult.InProgress) r).retryAfter()).isPositive()
        .isLessThanOrEqualTo(abandonedClaimRetention());
    assertThat(store.claim(key("a"), "fp-other", lease())).isInstanceOf(ClaimResult.Mismatch.class);

    advanceTime(abandonedClaimRetention());
    assertThat(store.claim(key("a"), "fp", lease())).isInstanceOf(ClaimResult.Claimed.class);
  }

  @Test
  void conflictUntilExpiryLetsTheOriginalOwnerCompleteLate() {
    IdempotencyStore store = store(ExpiredLeasePolicy.CONFLICT_UNTIL_EXPIRY);
    String token = claimed(store, "a", "fp", lease());
    advanceTime(lease().multipliedBy(2));
    StoredResponse response = sampleResponse(200, 3);
    assertThat(store.complete(key("a"), token, response, IdempotencyStore.DEFAULT_RETENTION)).isTrue();
    assertThat(store.claim(key("a"), "fp", lease())).isEqualTo(new ClaimResult.Completed(response));
  }

  @Test
  void completedResponseIsKeptForItsRetentionThenForgotten() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    String token = claimed(store, "a", "fp", lease());
    StoredResponse response = sampleResponse(200, 16);
    assertThat(store.complete(key("a"), token, response, retention())).isTrue();
    advanceTime(retention().dividedBy(2));
    assertThat(store.claim(key("a"), "fp", lease())).isEqualTo(new ClaimResult.Completed(response));
    advanceTime(retention());
    ClaimResult after = store.claim(key("a"), "fp", lease());
    assertThat(after).isInstanceOf(ClaimResult.Claimed.class);
    assertThat(((ClaimResult.Claimed) after).token()).isNotEqualTo(token);
  }

  @Test
  void retentionIsIndependentOfTheLease() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    String token = claimed(store, "a", "fp", lease());
    StoredResponse response = sampleResponse(200, 4);
    store.complete(key("a"), token, response, retention());
    advanceTime(lease().multipliedBy(2)); // well past the lease, within the retention
    assertThat(store.claim(key("a"), "fp", lease())).isEqualTo(new ClaimResult.Completed(response));
  }

  // ---- size and bounds ----------------------------------------------------------------------

  @Test
  void oversizeResponseCompletesAsNotReplayableAndNeverRunsAgain() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    assertThat(store.maxResponseBytes()).isEqualTo(StoreOptions.KIT_MAX_RESPONSE_BYTES);
    String token = claimed(store, "a", "fp", lease());
    StoredResponse huge = StoredResponse.of(201, Map.of("ETag", List.of("\"x\"")),
        new byte[(int) store.maxResponseBytes() + 1]);
    assertThat(store.complete(key("a"), token, huge, retention())).isTrue();

    ClaimResult r = store.claim(key("a"), "fp", lease());
    assertThat(r).isInstanceOf(ClaimResult.Completed.class);
    StoredResponse kept = ((ClaimResult.Completed) r).response();
    assertThat(kept.isReplayable()).isFalse();
    assertThat(kept.status()).isEqualTo(201);
    advanceTime(lease().multipliedBy(2));
    assertThat(store.claim(key("a"), "fp", lease())).isInstanceOf(ClaimResult.Completed.class);
  }

  @Test
  void boundedStoreEvictsCompletedEntriesButNeverClaimsInProgress() {
    assumeTrue(boundsEntries(), "this store does not bound its entry count");
    IdempotencyStore store = newStore(new StoreOptions(ExpiredLeasePolicy.RE_EXECUTE, 8,
        StoreOptions.KIT_MAX_RESPONSE_BYTES, abandonedClaimRetention()));
    stores.add(store);
    for (int i = 0; i < 4; i++) {
      claimed(store, "live-" + i, "fp", IdempotencyStore.DEFAULT_LEASE);
    }
    for (int i = 0; i < 100; i++) {
      String t = claimed(store, "done-" + i, "fp", IdempotencyStore.DEFAULT_LEASE);
      assertThat(store.complete(key("done-" + i), t, sampleResponse(200, 100), IdempotencyStore.DEFAULT_RETENTION)).isTrue();
    }
    for (int i = 0; i < 4; i++) {
      assertThat(store.claim(key("live-" + i), "fp", IdempotencyStore.DEFAULT_LEASE))
          .as("claim in progress live-%d survives eviction", i).isInstanceOf(ClaimResult.InProgress.class);
    }
    assertThat(store.claim(key("done-99"), "fp", IdempotencyStore.DEFAULT_LEASE)).isInstanceOf(ClaimResult.Completed.class);
    int stillHeld = 0;
    for (int i = 0; i < 99; i++) {
      ClaimResult r = store.claim(key("done-" + i), "fp", IdempotencyStore.DEFAULT_LEASE);
      if (r instanceof ClaimResult.Completed) {
        stillHeld++;
      } else {
        assertThat(r).isInstanceOf(ClaimResult.Claimed.class);
        store.release(key("done-" + i), ((ClaimResult.Claimed) r).token());
      }
    }
    assertThat(stillHeld).isLessThanOrEqualTo(3);

    for (int i = 4; i < 8; i++) {
      claimed(store, "live-" + i, "fp", IdempotencyStore.DEFAULT_LEASE);
    }
    assertThatThrownBy(() -> store.claim(key("one-too-many"), "fp", IdempotencyStore.DEFAULT_LEASE))
        .isInstanceOf(IdempotencyStoreFullException.class);
  }

  // ---- bad arguments ------------------------------------------------------------------------

  @Test
  void badArgumentsAreRejectedBeforeAnythingChanges() {
    IdempotencyStore store = store(ExpiredLeasePolicy.RE_EXECUTE);
    Duration lease = IdempotencyStore.DEFAULT_LEASE;
    Duration keep = IdempotencyStore.DEFAULT_RETENTION;
    StoredResponse ok = sampleResponse(200, 1);
    assertThatThrownBy(() -> store.claim(null, "fp", lease)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> store.claim(key("a"), null, lease)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> store.claim(key("a"), "", lease)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fingerprint");
    assertThatThrownBy(() -> store.claim(key("a"), "f".repeat(IdempotencyStore.MAX_FINGERPRINT_LENGTH + 1), lease))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fingerprint");
    assertThatThrownBy(() -> store.claim(key("a"), "fp", null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> store.claim(key("a"), "fp", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lease");
    assertThatThrownBy(() -> store.claim(key("a"), "fp", Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);

    String token = claimed(store, "a", "fp", lease);
    assertThatThrownBy(() -> store.complete(key("a"), token, null, keep)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> store.complete(key("a"), token, ok, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("retention");
    assertThatThrownBy(() -> store.complete(key("a"), "", ok, keep)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("token");
    assertThatThrownBy(() -> store.complete(null, token, ok, keep)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> store.release(key("a"), null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> store.release(key("a"), "")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> store.renew(null, token, lease)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> store.renew(key("a"), null, lease)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> store.renew(key("a"), token, null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> store.renew(key("a"), token, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lease");
    // none of that touched the claim
    assertThat(store.complete(key("a"), token, ok, keep)).isTrue();
    assertThat(store.claim(key("a"), "fp", lease)).isEqualTo(new ClaimResult.Completed(ok));
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** Returns a key in this case's scope. */
  protected final IdempotencyKey key(String clientKey) {
    return IdempotencyKey.of(scope, clientKey);
  }

  private IdempotencyStore store(ExpiredLeasePolicy policy) {
    IdempotencyStore s = newStore(new StoreOptions(policy, StoreOptions.KIT_MAX_ENTRIES,
        StoreOptions.KIT_MAX_RESPONSE_BYTES, abandonedClaimRetention()));
    stores.add(s);
    return s;
  }

  private String claimed(IdempotencyStore store, String clientKey, String fingerprint, Duration lease) {
    ClaimResult r = store.claim(key(clientKey), fingerprint, lease);
    assertThat(r).as("claim of %s", clientKey).isInstanceOf(ClaimResult.Claimed.class);
    return ((ClaimResult.Claimed) r).token();
  }

  private static StoredResponse sampleResponse(int status, int bodyBytes) {
    byte[] body = new byte[bodyBytes];
    for (int i = 0; i < bodyBytes; i++) {
      body[i] = (byte) ('a' + i % 26);
    }
    return StoredResponse.of(status, Map.of("Content-Type", List.of("text/plain;charset=utf-8")), body);
  }

  private static <T> List<T> race(int threads, Callable<T> call) throws Exception {
    List<Callable<T>> calls = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      calls.add(call);
    }
    return raceAll(calls);
  }

  /** Runs every call on its own thread, all released by one latch; results in call order. */
  private static <T> List<T> raceAll(List<Callable<T>> calls) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(calls.size());
    CountDownLatch ready = new CountDownLatch(calls.size());
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (Callable<T> c : calls) {
        futures.add(pool.submit(() -> {
          ready.countDown();
          go.await();
          return c.call();
        }));
      }
      assertThat(ready.await(30, TimeUnit.SECONDS)).as("all racers started").isTrue();
      go.countDown();
      List<T> results = new ArrayList<>();
      for (Future<T> f : futures) {
        results.add(f.get(30, TimeUnit.SECONDS));
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * How the kit wants a store built. A store that cannot honour an option says so by overriding
   * {@link #boundsEntries()} (entry bound) or fails the cases that need it.
   *
   * <p>This class is immutable and threadsafe.
   */
  public static final class StoreOptions {
    /** The entry bound of every store but the bounded-memory case's: high enough not to matter. */
    public static final int KIT_MAX_ENTRIES = 10_000;

    /** The response size limit every kit store is built with: 64 KiB. */
    public static final long KIT_MAX_RESPONSE_BYTES = 64 * 1024;

    private final ExpiredLeasePolicy expiredLeasePolicy;
    private final int maxEntries;
    private final long maxResponseBytes;
    private final Duration abandonedClaimRetention;

    StoreOptions(ExpiredLeasePolicy policy, int maxEntries, long maxResponseBytes, Duration abandoned) {
      this.expiredLeasePolicy = policy;
      this.maxEntries = maxEntries;
      this.maxResponseBytes = maxResponseBytes;
      this.abandonedClaimRetention = abandoned;
    }

    /** Returns the policy for expired leases. */
    public ExpiredLeasePolicy expiredLeasePolicy() {
      return expiredLeasePolicy;
    }

    /** Returns the most entries the store may hold (see {@link #boundsEntries()}). */
    public int maxEntries() {
      return maxEntries;
    }

    /** Returns the largest response the store keeps replayable; {@link #maxResponseBytes()} must return it. */
    public long maxResponseBytes() {
      return maxResponseBytes;
    }

    /** Returns how long an abandoned claim blocks its key under {@code CONFLICT_UNTIL_EXPIRY}. */
    public Duration abandonedClaimRetention() {
      return abandonedClaimRetention;
    }

    @Override
    public String toString() {
      return "StoreOptions[" + expiredLeasePolicy + ", maxEntries=" + maxEntries
          + ", maxResponseBytes=" + maxResponseBytes + ", abandoned=" + abandonedClaimRetention + "]";
    }
  }
}
