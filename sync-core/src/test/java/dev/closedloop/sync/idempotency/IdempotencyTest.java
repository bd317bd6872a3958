package dev.closedloop.sync.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.idempotency.IdempotencyListener.Finished;
import dev.closedloop.sync.time.ManualTicker;
import dev.closedloop.sync.time.VirtualScheduler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Idempotency} on the in-memory store and fake time: the store, the renewals, the waits and
 * the completion retries all run on one {@link ManualTicker} and {@link VirtualScheduler}, so
 * nothing sleeps and every count is exact.
 */
class IdempotencyTest {
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final Duration POLL = Duration.ofMillis(50);

  private final ManualTicker time = new ManualTicker();
  private final VirtualScheduler scheduler = new VirtualScheduler(time);
  private final InMemoryIdempotencyStore memory = InMemoryIdempotencyStore.builder().clock(time).build();
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final AtomicInteger runs = new AtomicInteger();
  private final List<String> events = new CopyOnWriteArrayList<>();

  private final IdempotencyListener recorder = new IdempotencyListener() {
    @Override
    public void onClaim(IdempotencyKey key, ClaimResult result, long durationNanos) {
      events.add("claim:" + result.getClass().getSimpleName());
    }

    @Override
    public void onFirst(IdempotencyKey key) {
      events.add("first");
    }

    @Override
    public void onReplayed(IdempotencyKey key, StoredResponse response) {
      events.add("replayed:" + response.bodyLength());
    }

    @Override
    public void onConflict(IdempotencyKey key, Duration retryAfter) {
      events.add("conflict:" + retryAfter.toSeconds());
    }

    @Override
    public void onMismatch(IdempotencyKey key) {
      events.add("mismatch");
    }

    @Override
    public void onNotReplayable(IdempotencyKey key) {
      events.add("not_replayable");
    }

    @Override
    public void onStored(IdempotencyKey key, StoredResponse response) {
      events.add("stored:" + response.isReplayable());
    }

    @Override
    public void onReleased(IdempotencyKey key, int status, @Nullable Throwable failure) {
      events.add("released:" + status + ":" + (failure == null ? null : failure.getMessage()));
    }

    @Override
    public void onOwnershipLost(IdempotencyKey key) {
      events.add("lost");
    }

    @Override
    public void onStoreFailure(@Nullable IdempotencyKey key, RuntimeException failure) {
      events.add("store_failure:" + failure.getMessage());
    }

    @Override
    public void onFinished(Finished f) {
      events.add("finished:" + f.outcome().label() + ":" + f.method() + ":" + f.path() + ":" + f.status());
    }
  };

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  private IdempotencyBuilder builder(IdempotencyStore store) {
    return Idempotency.builder().store(store).lease(LEASE).ticker(time).scheduler(scheduler).pollInterval(POLL)
        .name("ledger").listener(recorder);
  }

  private String work(String result) {
    runs.incrementAndGet();
    return result;
  }

  private static final String FP = Idempotency.fingerprint("message body");

  @Test
  void firstCallRunsAndEveryRepeatGetsTheStoredResult() {
    Idempotency idempotency = builder(memory).build();

    String first = idempotency.execute("ledger", "m-1", FP, () -> work("applied #1"), ResultCodec.utf8());
    String again = idempotency.execute("ledger", "m-1", FP, () -> work("applied #2"), ResultCodec.utf8());
    String third = idempotency.execute("ledger", "m-1", FP, () -> work("applied #3"), ResultCodec.utf8());

    assertThat(first).isEqualTo("applied #1");
    assertThat(again).isEqualTo("applied #1");
    assertThat(third).isEqualTo("applied #1");
    assertThat(runs).hasValue(1);
    IdempotencyStats s = idempotency.stats();
    assertThat(s.first()).isEqualTo(1);
    assertThat(s.replayed()).isEqualTo(2);
    assertThat(s.stored()).isEqualTo(1);
    assertThat(s.storedBytes()).isEqualTo(StoredResponse.of(200,
        java.util.Map.of("Content-Type", List.of(ResultCodec.utf8().mediaType())),
        "applied #1".getBytes(StandardCharsets.UTF_8)).size());
    assertThat(events).containsExactly(
        "claim:Claimed", "first", "stored:true", "finished:first:EXECUTE:ledger:200",
        "claim:Completed", "replayed:10", "finished:replayed:EXECUTE:ledger:200",
        "claim:Completed", "replayed:10", "finished:replayed:EXECUTE:ledger:200");
  }

  @Test
  void scopesKeepEqualKeysApart() {
    Idempotency idempotency = builder(memory).build();
    assertThat(idempotency.execute("tenant-a", "m-1", FP, () -> work("a"), ResultCodec.utf8())).isEqualTo("a");
    assertThat(idempotency.execute("tenant-b", "m-1", FP, () -> work("b"), ResultCodec.utf8())).isEqualTo("b");
    assertThat(runs).hasValue(2);
  }

  @Test
  void aDifferentFingerprintIsRefusedAndNothingRuns() {
    Idempotency idempotency = builder(memory).build();
    idempotency.execute("ledger", "m-1", FP, () -> work("first"), ResultCodec.utf8());

    assertThatThrownBy(() -> idempotency.execute("ledger", "m-1", Idempotency.fingerprint("another body"),
        () -> work("second"), ResultCodec.utf8()))
        .isInstanceOf(IdempotencyKeyReusedException.class)
        .hasMessageContaining(IdempotencyKey.of("ledger", "m-1").redacted())
        .satisfies(e -> assertThat(((IdempotencyKeyReusedException) e).key()).isEqualTo(IdempotencyKey.of("ledger", "m-1")));
    assertThat(runs).hasValue(1);
    assertThat(idempotency.stats().mismatches()).isEqualTo(1);
    assertThat(events).endsWith("mismatch", "finished:mismatch:EXECUTE:ledger:422");
  }

  @Test
  void aFailureReleasesTheClaimRethrowsTheSameExceptionAndARetryRunsAgain() throws Exception {
    Idempotency idempotency = builder(memory).build();
    IOException boom = new IOException("ledger offline");

    assertThatThrownBy(() -> idempotency.execute("ledger", "m-1", FP, () -> {
      runs.incrementAndGet();
      throw boom;
    }, ResultCodec.utf8())).isSameAs(boom);
    String retried = idempotency.execute("ledger", "m-1", FP, () -> work("applied"), ResultCodec.utf8());

    assertThat(retried).isEqualTo("applied");
    assertThat(runs).hasValue(2);
    assertThat(idempotency.stats().released()).isEqualTo(1);
    assertThat(idempotency.stats().first()).isEqualTo(2);
    assertThat(events).startsWith("claim:Claimed", "first", "released:-1:ledger offline", "finished:first:EXECUTE:ledger:-1");
  }

  @Test
  void inProgressWithoutAWaitIsRefusedAtOnceWithTheRestOfTheLease() {
    Idempotency idempotency = builder(memory).build();
    IdempotencyAttempt held = idempotency.begin(IdempotencyKey.of("ledger", "m-1"), FP);
    assertThat(held).isInstanceOf(IdempotencyAttempt.Claimed.class);
    time.advance(Duration.ofSeconds(10));

    assertThatThrownBy(() -> idempotency.execute("ledger", "m-1", FP, () -> work("x"), ResultCodec.utf8()))
        .isInstanceOf(IdempotencyInProgressException.class)
        .satisfies(e -> assertThat(((IdempotencyInProgressException) e).retryAfter()).isEqualTo(Duration.ofSeconds(20)));
    assertThat(runs).hasValue(0);
    assertThat(idempotency.stats().conflicts()).isEqualTo(1);
    assertThat(events).endsWith("conflict:20", "finished:conflict:EXECUTE:ledger:409");
  }

  @Test
  void aWaitingRepeatWakesWhenTheLocalOwnerCompletesWithoutTimeMoving() throws Exception {
    Idempotency idempotency = builder(memory).inProgressWait(Duration.ofSeconds(5)).build();
    CountDownLatch gate = new CountDownLatch(1);
    Future<String> owner = pool.submit(() -> idempotency.execute("ledger", "m-1", FP, () -> {
      runs.incrementAndGet();
      gate.await();
      return "applied";
    }, ResultCodec.utf8()));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 1);
    Future<String> repeat = pool.submit(() -> idempotency.execute("ledger", "m-1", FP, () -> work("twice!"),
        ResultCodec.utf8()));
    // the owner's renewal and the waiter's poll are both on the virtual timer
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.pendingCount() == 2);
    long before = time.read();

    gate.countDown();

    assertThat(owner.get(10, TimeUnit.SECONDS)).isEqualTo("applied");
    assertThat(repeat.get(10, TimeUnit.SECONDS)).isEqualTo("applied");
    assertThat(time.read()).as("woken by the owner, not by a poll").isEqualTo(before);
    assertThat(runs).hasValue(1);
    assertThat(idempotency.stats().replayed()).isEqualTo(1);
    assertThat(idempotency.stats().conflicts()).isZero();
  }

  @Test
  void aWaitingRepeatGivesUpAfterTheWaitPollingEveryInterval() throws Exception {
    Idempotency idempotency = builder(memory).inProgressWait(Duration.ofSeconds(2)).build();
    assertThat(idempotency.begin(IdempotencyKey.of("ledger", "m-1"), FP)).isInstanceOf(IdempotencyAttempt.Claimed.class);
    Future<String> repeat = pool.submit(() -> idempotency.execute("ledger", "m-1", FP, () -> work("x"),
        ResultCodec.utf8()));

    int polls = 0;
    while (!repeat.isDone()) {
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.pendingCount() == 2 || repeat.isDone());
      if (!repeat.isDone()) {
        scheduler.advance(POLL);
        polls++;
      }
    }

    assertThatThrownBy(() -> repeat.get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IdempotencyInProgressException.class);
    assertThat(polls).as("2 s in polls of 50 ms").isEqualTo(40);
    assertThat(memory.stats().conflicts()).as("the first claim and one per poll").isEqualTo(41);
    assertThat(runs).hasValue(0);
    assertThat(idempotency.stats().conflicts()).isEqualTo(1);
  }

  @Test
  void aWaitingRepeatSeesACompletionOnAnotherNodeAtItsNextPoll() throws Exception {
    Idempotency nodeA = builder(memory).build();
    Idempotency nodeB = builder(memory).inProgressWait(Duration.ofSeconds(2)).build();
    IdempotencyClaim claim = ((IdempotencyAttempt.Claimed) nodeA.begin(IdempotencyKey.of("ledger", "m-1"), FP)).claim();
    Future<String> repeat = pool.submit(() -> nodeB.execute("ledger", "m-1", FP, () -> work("twice!"),
        ResultCodec.utf8()));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.pendingCount() == 2);

    assertThat(claim.complete(StoredResponse.of(200,
        java.util.Map.of("Content-Type", List.of(ResultCodec.utf8().mediaType())),
        "from A".getBytes(StandardCharsets.UTF_8)))).isEqualTo(IdempotencyClaim.Completion.STORED);
    assertThat(repeat.isDone()).as("node B does not hear node A: it waits for its poll").isFalse();
    scheduler.advance(POLL);

    assertThat(repeat.get(10, TimeUnit.SECONDS)).isEqualTo("from A");
    assertThat(runs).hasValue(0);
  }

  @Test
  void theLeaseIsRenewedWhileSlowWorkRunsSoARepeatNeverRunsItAgain() throws Exception {
    Idempotency idempotency = builder(memory).build();
    CountDownLatch gate = new CountDownLatch(1);
    Future<String> owner = pool.submit(() -> idempotency.execute("ledger", "m-1", FP, () -> {
      runs.incrementAndGet();
      gate.await();
      return "slow";
    }, ResultCodec.utf8()));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 1);

    scheduler.advance(LEASE.multipliedBy(3)); // renewed every 10 s meanwhile
    assertThatThrownBy(() -> idempotency.execute("ledger", "m-1", FP, () -> work("again"), ResultCodec.utf8()))
        .isInstanceOf(IdempotencyInProgressException.class);
    gate.countDown();

    assertThat(owner.get(10, TimeUnit.SECONDS)).isEqualTo("slow");
    assertThat(idempotency.execute("ledger", "m-1", FP, () -> work("again"), ResultCodec.utf8())).isEqualTo("slow");
    assertThat(runs).hasValue(1);
    assertThat(idempotency.stats().ownershipLost()).isZero();
  }

  @Test
  void withoutRenewalTheSameSlowWorkWouldRunTwice() throws Exception {
    // the control for the test above: a store that cannot renew loses the key to the repeat
    IdempotencyStore noRenewal = new DelegatingStore(memory) {
      @Override
      public boolean renew(IdempotencyKey key, String token, Duration lease) {
        throw new UnsupportedOperationException("no renewals here");
      }
    };
    Idempotency idempotency = builder(noRenewal).build();
    CountDownLatch gate = new CountDownLatch(1);
    Future<String> owner = pool.submit(() -> idempotency.execute("ledger", "m-1", FP, () -> {
      runs.incrementAndGet();
      gate.await();
      return "slow";
    }, ResultCodec.utf8()));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 1);

    scheduler.advance(LEASE.multipliedBy(3));
    assertThat(idempotency.execute("ledger", "m-1", FP, () -> work("again"), ResultCodec.utf8())).isEqualTo("again");
    gate.countDown();
    assertThat(owner.get(10, TimeUnit.SECONDS)).isEqualTo("slow");
    assertThat(runs).hasValue(2);
    assertThat(idempotency.stats().ownershipLost()).isEqualTo(1);
  }

  @Test
  void aCompletionThatFailsWithTheStoreUnreachableIsRetriedUntilStored() {
    AtomicInteger failuresLeft = new AtomicInteger(5);
    IdempotencyStore flaky = new DelegatingStore(memory) {
      @Override
      public boolean complete(IdempotencyKey key, String token, StoredResponse response, Duration retention) {
        if (failuresLeft.getAndDecrement() > 0) {
          throw new IdempotencyStoreUnavailableException("store paused", null);
        }
        return super.complete(key, token, response, retention);
      }
    };
    Idempotency idempotency = builder(flaky).build();

    assertThat(idempotency.execute("ledger", "m-1", FP, () -> work("applied"), ResultCodec.utf8())).isEqualTo("applied");
    assertThat(failuresLeft.get()).as("every failed completion was retried").isNegative();
    assertThat(idempotency.stats().storeFailures()).isEqualTo(5);
    assertThat(idempotency.stats().stored()).isEqualTo(1);

    time.advance(LEASE.multipliedBy(3)); // long past the lease: only the stored result helps now
    assertThat(idempotency.execute("ledger", "m-1", FP, () -> work("again"), ResultCodec.utf8())).isEqualTo("applied");
    assertThat(runs).hasValue(1);
  }

  @Test
  void aCompletionThatFailedButLandedCountsAsStored() {
    AtomicInteger landedButFailed = new AtomicInteger(1);
    IdempotencyStore flaky = new DelegatingStore(memory) {
      @Override
      public boolean complete(IdempotencyKey key, String token, StoredResponse response, Duration retention) {
        boolean done = super.complete(key, token, response, retention);
        if (landedButFailed.getAndDecrement() > 0) {
          throw new IdempotencyStoreUnavailableException("timed out (but the server ran it)", null);
        }
        return done;
      }
    };
    Idempotency idempotency = builder(flaky).build();

    idempotency.execute("ledger", "m-1", FP, () -> work("applied"), ResultCodec.utf8());

    assertThat(idempotency.stats().stored()).isEqualTo(1);
    assertThat(idempotency.stats().ownershipLost()).isZero();
    assertThat(idempotency.execute("ledger", "m-1", FP, () -> work("again"), ResultCodec.utf8())).isEqualTo("applied");
    assertThat(runs).hasValue(1);
  }

  @Test
  void aClaimTheStoreRefusesRunsNothing() {
    IdempotencyStore down = new DelegatingStore(memory) {
      @Override
      public ClaimResult claim(IdempotencyKey key, String fingerprint, Duration lease) {
        throw new IdempotencyStoreUnavailableException("connection refused", null);
      }
    };
    Idempotency idempotency = builder(down).build();

    assertThatThrownBy(() -> idempotency.execute("ledger", "m-1", FP, () -> work("x"), ResultCodec.utf8()))
        .isInstanceOf(IdempotencyStoreUnavailableException.class)
        .hasMessage("connection refused");
    assertThat(runs).hasValue(0);
    assertThat(idempotency.stats().storeFailures()).isEqualTo(1);
    assertThat(events).containsExactly("store_failure:connection refused");
  }

  @Test
  void aResultTooLargeToKeepRunsOnceAndRepeatsAreToldSo() {
    InMemoryIdempotencyStore small = InMemoryIdempotencyStore.builder().clock(time).maxResponseBytes(200).build();
    Idempotency idempotency = builder(small).build();
    String big = "x".repeat(1000);

    assertThat(idempotency.execute("ledger", "m-1", FP, () -> work(big), ResultCodec.utf8())).isEqualTo(big);
    assertThatThrownBy(() -> idempotency.execute("ledger", "m-1", FP, () -> work(big), ResultCodec.utf8()))
        .isInstanceOf(ResultNotReplayableException.class)
        .hasMessageContaining("not kept");
    assertThat(runs).hasValue(1);
    assertThat(idempotency.stats().notReplayable()).isEqualTo(1);
    assertThat(events).endsWith("not_replayable", "finished:not_replayable:EXECUTE:ledger:409");
  }

  @Test
  void aResultTheCodecCannotEncodeCompletesTheKeySoTheWorkNeverRunsAgain() {
    Idempotency idempotency = builder(memory).build();
    ResultCodec<String> broken = new ResultCodec<>() {
      @Override
      public String mediaType() {
        return "text/broken";
      }

      @Override
      public byte[] encode(String result) {
        throw new IllegalStateException("cannot encode");
      }

      @Override
      public String decode(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
      }
    };

    assertThat(idempotency.execute("ledger", "m-1", FP, () -> work("applied"), broken)).isEqualTo("applied");
    assertThatThrownBy(() -> idempotency.execute("ledger", "m-1", FP, () -> work("again"), broken))
        .isInstanceOf(ResultNotReplayableException.class);
    assertThat(runs).hasValue(1);
  }

  @Test
  void aStoredResultAnotherCodecWroteIsNotMisread() {
    Idempotency idempotency = builder(memory).build();
    idempotency.execute("ledger", "m-1", FP, () -> work("text"), ResultCodec.utf8());

    assertThatThrownBy(() -> idempotency.execute("ledger", "m-1", FP, () -> new byte[0], ResultCodec.bytes()))
        .isInstanceOf(ResultNotReplayableException.class)
        .hasMessageContaining("stored as text/plain;charset=utf-8")
        .hasMessageContaining("reads application/octet-stream");
  }

  @Test
  void storedBytesTheCodecRefusesAreNotReplayableWithTheCodecsReasonAsCause() {
    Idempotency idempotency = builder(memory).build();
    IdempotencyClaim claim = ((IdempotencyAttempt.Claimed) idempotency.begin(IdempotencyKey.of("ledger", "m-1"), FP)).claim();
    claim.complete(StoredResponse.of(200, java.util.Map.of("Content-Type", List.of(ResultCodec.utf8().mediaType())),
        new byte[] {(byte) 0xC3}));

    assertThatThrownBy(() -> idempotency.execute("ledger", "m-1", FP, () -> work("x"), ResultCodec.utf8()))
        .isInstanceOf(ResultNotReplayableException.class)
        .hasCauseInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not UTF-8");
  }

  @Test
  void workWithoutAResultRunsOnceAndRepeatsGetNull() {
    Idempotency idempotency = builder(memory).build();
    Void first = idempotency.execute("ledger", "m-1", FP, () -> {
      runs.incrementAndGet();
      return null;
    }, ResultCodec.none());
    Void again = idempotency.execute("ledger", "m-1", FP, () -> {
      runs.incrementAndGet();
      return null;
    }, ResultCodec.none());
    assertThat(first).isNull();
    assertThat(again).isNull();
    assertThat(runs).hasValue(1);
  }

  @Test
  void aClaimEndsOnlyOnce() {
    Idempotency idempotency = builder(memory).build();
    IdempotencyClaim claim = ((IdempotencyAttempt.Claimed) idempotency.begin(IdempotencyKey.of("ledger", "m-1"), FP)).claim();
    assertThat(claim.release(500, null)).isTrue();
    assertThatThrownBy(() -> claim.complete(StoredResponse.notReplayable(200)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already ended");
    assertThat(scheduler.pendingCount()).as("no renewal left behind").isZero();
  }

  @Test
  void aThrowingListenerIsSkippedAndTheWorkGoesOn() {
    Idempotency idempotency = builder(memory).listener(new IdempotencyListener() {
      @Override
      public void onFirst(IdempotencyKey key) {
        throw new IllegalStateException("listener bug");
      }
    }).listener(recorder).build();

    assertThat(idempotency.execute("ledger", "m-1", FP, () -> work("applied"), ResultCodec.utf8())).isEqualTo("applied");
    assertThat(events).containsSubsequence("first", "first"); // the recorder, registered twice, heard both
  }

  @Test
  void fingerprintsTellPartsApart() {
    assertThat(Idempotency.fingerprint("ab", "c")).isNotEqualTo(Idempotency.fingerprint("a", "bc"));
    assertThat(Idempotency.fingerprint("héllo")).isEqualTo(Idempotency.fingerprint("héllo".getBytes(StandardCharsets.UTF_8)))
        .hasSize(64)
        .matches("[0-9a-f]{64}");
    assertThatThrownBy(() -> Idempotency.fingerprint((String) null)).isInstanceOf(NullPointerException.class)
        .hasMessage("part cannot be null");
  }

  /** Passes every call to another store; tests override what they break. */
  static class DelegatingStore implements IdempotencyStore {
    private final IdempotencyStore delegate;

    DelegatingStore(IdempotencyStore delegate) {
      this.delegate = delegate;
    }

    @Override
    public ClaimResult claim(IdempotencyKey key, String fingerprint, Duration lease) {
      return delegate.claim(key, fingerprint, lease);
    }

    @Override
    public boolean complete(IdempotencyKey key, String token, StoredResponse response, Duration retention) {
      return delegate.complete(key, token, response, retention);
    }

    @Override
    public boolean release(IdempotencyKey key, String token) {
      return delegate.release(key, token);
    }

    @Override
    public boolean renew(IdempotencyKey key, String token, Duration lease) {
      return delegate.renew(key, token, lease);
    }

    @Override
    public long maxResponseBytes() {
      return delegate.maxResponseBytes();
    }
  }
}
