package dev.closedloop.sync.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.client.FaultFilter.Fault;
import dev.closedloop.sync.client.Fixtures.Item;
import dev.closedloop.sync.client.Fixtures.Recorder;
import dev.closedloop.sync.client.Fixtures.Saved;
import dev.closedloop.sync.client.MutationState.Kind;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.RandomSource;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Many mutations against a server that drops connections after applying, answers 503 with {@code
 * Retry-After}, and holds requests or responses past the client's attempt timeout: each mutation
 * is applied exactly once, every future completes, and listeners hear only legal moves.
 * {@code -Dsync.chaos.mutations=N} changes the count (default 500).
 */
class SyncMutationChaosTest {
  private static final int MUTATIONS = Integer.getInteger("sync.chaos.mutations", 500);
  private static final int IN_FLIGHT = 32;

  /** The fault of attempt {@code attempt} of a key; attempts from 3 on are clean. */
  static Fault plan(String key, int attempt) {
    int h = Math.floorMod(key.hashCode() * 31 + attempt, 20);
    if (attempt == 1) {
      switch (h) {
        case 0: case 1: case 2: case 3: return Fault.DROP_AFTER;
        case 4: case 5: return Fault.UNAVAILABLE_0;
        case 6: return Fault.UNAVAILABLE_1;
        case 7: case 8: return Fault.HOLD_BEFORE;
        case 9: case 10: return Fault.HOLD_AFTER;
        default: return Fault.NONE;
      }
    }
    if (attempt == 2) {
      return h < 3 ? Fault.DROP_AFTER : h < 5 ? Fault.UNAVAILABLE_0 : Fault.NONE;
    }
    return Fault.NONE;
  }

  @Test
  void everyMutationIsAppliedExactlyOnceThroughDropsUnavailabilityAndTimeouts() throws Exception {
    ExecutorService httpExecutor = Executors.newFixedThreadPool(8);
    HttpClient http = HttpClient.newBuilder().executor(httpExecutor).build();
    // the filter lets a repeat wait up to 2 s for the first request before it answers 409 "in
    // progress" (whose Retry-After is the rest of the 30 s lease): under CPU contention a slow
    // first attempt is then answered with its replay instead of a 30 s wait
    try (TestServer server = new TestServer(0, dev.closedloop.sync.realtime.InProcessRealtimeBus.builder().build(),
        Duration.ofSeconds(2))) {
      server.faults.plan = SyncMutationChaosTest::plan;
      Recorder<Item, Saved> rec = new Recorder<>();
      SyncMutation<Item, Saved> m = SyncMutation.<Item, Saved>builder("chaos").httpClient(http)
          .endpoint(server.uri("/api/items")).responseType(Saved.class).listener(rec).noResetAfterSuccess()
          .random(RandomSource.seeded(42))
          .retryPolicy(RetryPolicy.builder().maxAttempts(8).initialDelay(Duration.ofMillis(5))
              .maxDelay(Duration.ofMillis(50)).build())
          .attemptTimeout(Duration.ofSeconds(1)).timeout(Duration.ofSeconds(30)).build();

      Semaphore window = new Semaphore(IN_FLIGHT);
      List<MutationCall<Item, Saved>> calls = new ArrayList<>();
      List<CompletableFuture<Saved>> results = new ArrayList<>();
      for (int i = 0; i < MUTATIONS; i++) {
        window.acquire();
        MutationCall<Item, Saved> call = m.mutate(new Item("item-" + i, "text " + i));
        calls.add(call);
        CompletableFuture<Saved> r = call.result();
        r.whenComplete((v, t) -> window.release());
        results.add(r);
      }
      CompletableFuture.allOf(results.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);

      for (int i = 0; i < MUTATIONS; i++) {
        MutationCall<Item, Saved> call = calls.get(i);
        assertThat(results.get(i).join()).isEqualTo(new Saved("item-" + i, "text " + i, call.key()));
        assertThat(server.api.applied.get(call.key())).as("applications of %s", call.key()).hasValue(1);
      }
      assertThat(server.api.applied).hasSize(MUTATIONS);
      assertThat(server.api.requests).hasValue(MUTATIONS);

      // the faults happened, and the idempotency filter answered the retries that followed a drop
      Map<Fault, Integer> injected = server.faults.injected.entrySet().stream()
          .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get()));
      assertThat(injected.keySet()).contains(Fault.DROP_AFTER, Fault.UNAVAILABLE_0, Fault.UNAVAILABLE_1,
          Fault.HOLD_BEFORE, Fault.HOLD_AFTER);
      assertThat(server.faults.dropped.get()).isEqualTo(injected.get(Fault.DROP_AFTER));
      long appliedButUnanswered = calls.stream()
          .filter(c -> plan(c.key(), 1) == Fault.DROP_AFTER || plan(c.key(), 1) == Fault.HOLD_AFTER).count();
      assertThat(appliedButUnanswered).isPositive();
      assertThat(server.idempotency.stats().replayed()).isGreaterThanOrEqualTo(appliedButUnanswered);
      long retried = calls.stream().filter(c -> server.faults.attempts.get(c.key()).get() > 1).count();
      assertThat(retried).isGreaterThan(MUTATIONS / 4);

      // every call was heard moving legally from IDLE to SUCCESS
      org.awaitility.Awaitility.await().until(() -> calls.stream()
          .allMatch(c -> rec.kinds(c.key()).size() >= 3 && rec.kinds(c.key()).get(rec.kinds(c.key()).size() - 1) == Kind.SUCCESS));
      for (MutationCall<Item, Saved> c : calls) {
        assertThat(rec.firstProblem(c.key())).isNull();
        List<Kind> kinds = rec.kinds(c.key());
        assertThat(kinds.get(0)).isEqualTo(Kind.IDLE);
        assertThat(kinds.subList(1, kinds.size() - 1)).containsOnly(Kind.PENDING);
        assertThat(c.state().kind()).isEqualTo(Kind.SUCCESS);
      }
      assertThat(m.inFlight()).isEmpty();
    } finally {
      httpExecutor.shutdownNow();
    }
  }
}
