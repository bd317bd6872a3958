package dev.closedloop.sync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.closedloop.sync.breaker.CircuitBreaker;
import dev.closedloop.sync.client.Fixtures.Item;
import dev.closedloop.sync.client.Fixtures.Recorder;
import dev.closedloop.sync.client.Fixtures.Saved;
import dev.closedloop.sync.client.MutationState.Kind;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.retry.Jitter;
import dev.closedloop.sync.retry.RetryExhaustedException;
import dev.closedloop.sync.retry.RetryOutcome;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.retry.RetryRejectedException;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import dev.closedloop.sync.time.ManualTicker;
import dev.closedloop.sync.time.VirtualScheduler;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SyncMutationTest {
  private final ExecutorService httpExecutor = Executors.newFixedThreadPool(4);
  private final HttpClient http = HttpClient.newBuilder().executor(httpExecutor).build();
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private TestServer server;

  @BeforeEach
  void start() throws Exception {
    server = new TestServer();
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    server.close();
    server.bus.close();
    httpExecutor.shutdownNow();
  }

  private SyncMutationBuilder<Item, Saved> items(String path) {
    return SyncMutation.<Item, Saved>builder("items").httpClient(http).endpoint(server.uri(path))
        .responseType(Saved.class)
        .retryPolicy(RetryPolicy.builder().maxAttempts(4).initialDelay(Duration.ofMillis(5))
            .maxDelay(Duration.ofMillis(20)).build())
        .noResetAfterSuccess();
  }

  @Test
  void aMutationSendsItsKeyAsAnSfStringAndDecodesTheAnswer() throws Exception {
    Recorder<Item, Saved> rec = new Recorder<>();
    SyncMutation<Item, Saved> m = items("/api/items").listener(rec).build();

    MutationCall<Item, Saved> call = m.mutate(new Item("a", "hello"));
    Saved saved = call.result().get(10, TimeUnit.SECONDS);

    assertThat(saved).isEqualTo(new Saved("a", "hello", call.key()));
    assertThat(java.util.UUID.fromString(call.key()).version()).isEqualTo(7);
    assertThat(server.api.applied.get(call.key())).hasValue(1);
    assertThat(call.state()).isEqualTo(new MutationState.Success<>(saved));
    assertThat(m.state()).isEqualTo(call.state());
    await().until(() -> rec.kinds(call.key()).size() == 3);
    assertThat(rec.kinds(call.key())).containsExactly(Kind.IDLE, Kind.PENDING, Kind.SUCCESS);
    assertThat(rec.moves.get(call.key()).get(0).state()).isEqualTo(new MutationState.Pending<>(1, 4, null));
    assertThat(m.inFlight()).isEmpty();
  }

  @Test
  void aNonRetryableAnswerRollsTheOptimisticUpdateBackAndIsSentOnce() throws Exception {
    server.api.behaviour = (req, resp, key, body) -> TestServer.write(resp, 422, "application/problem+json",
        "{\"type\":\"https://example.test/problems/invalid\",\"title\":\"Invalid\",\"status\":422,"
            + "\"detail\":\"text must not be empty\"}");
    List<String> local = new CopyOnWriteArrayList<>(List.of("existing"));
    List<String> callbacks = new CopyOnWriteArrayList<>();
    SyncMutation<Item, Saved> m = items("/api/items").optimistic(new OptimisticUpdate<Item, Saved, Integer>() {
      @Override
      public Integer onMutate(Item v) {
        local.add(v.id());
        callbacks.add("onMutate");
        return local.size() - 1;
      }

      @Override
      public void onError(Throwable error, Item v, Integer index) {
        local.remove((int) index);
        callbacks.add("onError:" + ((MutationHttpException) error).status());
      }

      @Override
      public void onSuccess(Saved data, Item v, Integer ctx) {
        callbacks.add("onSuccess");
      }

      @Override
      public void onSettled(Saved data, Throwable error, Item v, Integer ctx) {
        callbacks.add("onSettled:" + (error != null));
      }
    }).build();

    MutationCall<Item, Saved> call = m.mutate(new Item("b", ""));
    assertThat(local).containsExactly("existing", "b"); // applied before the server answered

    assertThatThrownBy(() -> call.result().get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(MutationHttpException.class, e -> {
          assertThat(e.status()).isEqualTo(422);
          assertThat(e.problemType()).isEqualTo("https://example.test/problems/invalid");
          assertThat(e.problemDetail()).isEqualTo("text must not be empty");
          assertThat(e.isRetryable()).isFalse();
          assertThat(e.mutationName()).isEqualTo("items");
          assertThat(e.getMessage()).startsWith("mutation 'items' (key " + call.key() + "): HTTP 422 from POST");
        });
    assertThat(local).containsExactly("existing");
    assertThat(callbacks).containsExactly("onMutate", "onError:422", "onSettled:true");
    assertThat(server.api.requests).hasValue(1);
    assertThat(call.state().kind()).isEqualTo(Kind.ERROR);
    assertThat(call.confirmed()).isCancelled();
  }

  @Test
  void aRealtimeEventCarryingTheKeyConfirmsTheMutation() throws Exception {
    RealtimeClient realtime = RealtimeClient.builder(server.uri("/sse")).topics("items").httpClient(http).build();
    toClose.add(realtime);
    realtime.start();
    await().until(() -> realtime.state() == RealtimeClient.State.CONNECTED);
    Recorder<Item, Saved> rec = new Recorder<>();
    SyncMutation<Item, Saved> m = items("/api/items").realtime(realtime).listener(rec).build();

    MutationCall<Item, Saved> other = m.mutate(new Item("x", "other"));
    MutationCall<Item, Saved> call = m.mutate(new Item("c", "confirm me"));
    ChangeEvent event = call.confirmed().get(10, TimeUnit.SECONDS);

    assertThat(event.isCausedBy(call.key())).isTrue();
    assertThat(event.idempotencyKeyDigest()).isEqualTo(dev.closedloop.sync.idempotency.IdempotencyKey.digest(call.key()));
    assertThat(event.key()).isEqualTo("c");
    assertThat(other.confirmed().get(10, TimeUnit.SECONDS).isCausedBy(other.key())).isTrue();
    await().until(() -> rec.events.contains(call.key() + ":confirmed"));
  }

  @Test
  void tenConcurrentMutateCallsWithEqualVariablesMakeOneRequest() throws Exception {
    CountDownLatch handlerEntered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    server.api.behaviour = (req, resp, key, body) -> {
      handlerEntered.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      server.created(req, resp, key, body);
    };
    SyncMutation<Item, Saved> m = items("/api/items").build();
    int n = 10;
    CountDownLatch go = new CountDownLatch(1);
    List<MutationCall<Item, Saved>> calls = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Thread t = new Thread(() -> {
        try {
          go.await();
          calls.add(m.mutate(new Item("d", "double click")));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      t.start();
      threads.add(t);
    }
    go.countDown();
    for (Thread t : threads) {
      t.join(10_000);
    }
    assertThat(handlerEntered.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(calls).hasSize(n);
    assertThat(calls).allSatisfy(c -> assertThat(c).isSameAs(calls.get(0)));
    assertThat(m.inFlight()).containsExactly(calls.get(0));
    release.countDown();
    assertThat(calls.get(0).result().get(10, TimeUnit.SECONDS).id()).isEqualTo("d");
    assertThat(server.api.requests).hasValue(1);
    assertThat(server.faults.attempts.get(calls.get(0).key())).hasValue(1);
    // settled: the same variables now make a new logical mutation with a new key
    MutationCall<Item, Saved> again = m.mutate(new Item("d", "double click"));
    assertThat(again.key()).isNotEqualTo(calls.get(0).key());
    again.result().get(10, TimeUnit.SECONDS);
    assertThat(server.api.requests).hasValue(2);
  }

  @Test
  void aTwoHundredWhoseBodyDoesNotDecodeIsNotRetriedAndSaysTheServerAppliedIt() throws Exception {
    server.api.behaviour = (req, resp, key, body) -> TestServer.write(resp, 200, "application/json", "{\"id\": [oops");
    SyncMutation<Item, Saved> m = items("/api/items").build();

    MutationCall<Item, Saved> call = m.mutate(new Item("e", "x"));

    assertThatThrownBy(() -> call.result().get(10, TimeUnit.SECONDS)).cause()
        .isInstanceOfSatisfying(MutationDecodeException.class, e -> {
          assertThat(e.getMessage()).contains("mutation 'items'").contains("the server applied the mutation (HTTP 200)")
              .contains("not retried").contains("Saved");
          assertThat(e.bodyText()).isEqualTo("{\"id\": [oops");
          assertThat(e.status()).isEqualTo(200);
        });
    assertThat(server.api.requests).hasValue(1);
    assertThat(server.faults.attempts.get(call.key())).hasValue(1);
  }

  @Test
  void aBodyJacksonCannotSerializeFailsMutateBeforeAnythingIsSent() {
    SyncMutation<Item, Saved> m = items("/api/items").body(v -> new Object()).build();

    assertThatThrownBy(() -> m.mutate(new Item("f", "x"))).isInstanceOf(MutationEncodeException.class)
        .hasMessageStartingWith("mutation 'items': cannot serialize the request body (java.lang.Object) to JSON");
    assertThat(server.api.requests).hasValue(0);
    assertThat(m.inFlight()).isEmpty();
    assertThat(m.state().kind()).isEqualTo(Kind.IDLE);
  }

  @Test
  void anEndpointFunctionWithoutAnAnswerFailsMutateNamingTheMutation() {
    SyncMutation<Item, Saved> nothing = SyncMutation.<Item, Saved>builder("lookup").endpoint(v -> null).build();
    SyncMutation<Item, Saved> relative =
        SyncMutation.<Item, Saved>builder("lookup").endpoint(v -> java.net.URI.create("/items/" + v.id())).build();

    assertThatThrownBy(() -> nothing.mutate(new Item("g", "x"))).isInstanceOf(MutationException.class)
        .hasMessage("mutation 'lookup': the endpoint function returned null for Item[id=g, text=x]");
    assertThatThrownBy(() -> relative.mutate(new Item("g", "x"))).isInstanceOf(MutationException.class)
        .hasMessage("mutation 'lookup': endpoint must be an absolute http(s) URI: /items/g");
  }

  @Test
  void a503WithRetryAfterWaitsWhatTheServerAskedAndThenReplaysTheSameKey() throws Exception {
    ManualTicker time = new ManualTicker();
    VirtualScheduler scheduler = new VirtualScheduler(time);
    server.faults.plan = (key, attempt) -> attempt == 1 ? FaultFilter.Fault.UNAVAILABLE_1 : FaultFilter.Fault.NONE;
    Recorder<Item, Saved> rec = new Recorder<>();
    SyncMutation<Item, Saved> m = SyncMutation.<Item, Saved>builder("items").httpClient(http)
        .endpoint(server.uri("/api/items")).responseType(Saved.class).listener(rec)
        .retryPolicy(RetryPolicy.builder().initialDelay(Duration.ofMillis(10)).jitter(Jitter.none()).build())
        .attemptTimeout(Duration.ofSeconds(5)).clock(time).ticker(time).scheduler(scheduler)
        .resetAfterSuccess(Duration.ofSeconds(2)).build();

    MutationCall<Item, Saved> call = m.mutate(new Item("h", "x"));
    await().until(() -> call.state() instanceof MutationState.Pending
        && ((MutationState.Pending<Saved>) call.state()).isWaiting());
    assertThat(call.state()).isEqualTo(new MutationState.Pending<>(2, 3, time.instant().plusSeconds(1)));
    assertThat(server.faults.attempts.get(call.key())).hasValue(1);
    scheduler.advance(Duration.ofMillis(999));
    assertThat(server.faults.attempts.get(call.key())).hasValue(1); // the hint (1 s) beat the backoff (10 ms)
    scheduler.advance(Duration.ofMillis(1));
    assertThat(call.result().get(10, TimeUnit.SECONDS).key()).isEqualTo(call.key());
    assertThat(server.faults.attempts.get(call.key())).hasValue(2);
    assertThat(server.api.applied.get(call.key())).hasValue(1);

    scheduler.advance(Duration.ofMillis(1999));
    assertThat(call.state().kind()).isEqualTo(Kind.SUCCESS);
    scheduler.advance(Duration.ofMillis(1));
    assertThat(call.state().kind()).isEqualTo(Kind.IDLE);
    await().untilAsserted(() -> assertThat(rec.kinds(call.key()))
        .containsExactly(Kind.IDLE, Kind.PENDING, Kind.PENDING, Kind.PENDING, Kind.SUCCESS, Kind.IDLE));
  }

  @Test
  void aTimedOutAttemptWhoseRequestIsStillRunningMeets409InProgressWaitsAndGetsTheReplay() throws Exception {
    ManualTicker time = new ManualTicker();
    VirtualScheduler scheduler = new VirtualScheduler(time);
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    server.api.behaviour = (req, resp, key, body) -> {
      entered.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      server.created(req, resp, key, body);
    };
    Recorder<Item, Saved> rec = new Recorder<>();
    SyncMutation<Item, Saved> m = SyncMutation.<Item, Saved>builder("items").httpClient(http)
        .endpoint(server.uri("/api/items")).responseType(Saved.class).listener(rec).noResetAfterSuccess()
        .retryPolicy(RetryPolicy.builder().maxAttempts(5).initialDelay(Duration.ofMillis(10)).jitter(Jitter.none()).build())
        .attemptTimeout(Duration.ofSeconds(20)).timeout(Duration.ofSeconds(120))
        .clock(time).ticker(time).scheduler(scheduler).build();

    MutationCall<Item, Saved> call = m.mutate(new Item("p", "slow"));
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    scheduler.advance(Duration.ofSeconds(20)); // attempt 1 times out; its request still runs on the server
    await().until(() -> call.state().equals(new MutationState.Pending<>(2, 5, time.instant().plusMillis(10))));
    scheduler.advance(Duration.ofMillis(10)); // attempt 2: the filter answers 409 "in progress"
    await().until(() -> call.state() instanceof MutationState.Pending
        && ((MutationState.Pending<Saved>) call.state()).attempt() == 3);
    MutationState.Pending<Saved> waiting = (MutationState.Pending<Saved>) call.state();
    assertThat(waiting.nextRetryAt()).isEqualTo(time.instant().plusSeconds(30)); // the lease left, from Retry-After
    assertThat(server.idempotency.stats().conflicts()).isEqualTo(1);

    release.countDown();
    await().until(() -> server.idempotency.stats().stored() == 1);
    scheduler.advance(Duration.ofSeconds(30));

    assertThat(call.result().get(10, TimeUnit.SECONDS)).isEqualTo(new Saved("p", "slow", call.key()));
    assertThat(server.faults.attempts.get(call.key())).hasValue(3);
    assertThat(server.api.applied.get(call.key())).hasValue(1);
    assertThat(server.idempotency.stats().replayed()).isEqualTo(1);
    await().until(() -> rec.kinds(call.key()).contains(Kind.SUCCESS));
    assertThat(rec.firstProblem(call.key())).isNull();
  }

  @Test
  void retriesThatRunOutWithoutAQueueEndInErrorWithTheLastFailureAsCause() throws Exception {
    server.faults.plan = (key, attempt) -> FaultFilter.Fault.UNAVAILABLE_0;
    SyncMutation<Item, Saved> m = items("/api/items").build();

    MutationCall<Item, Saved> call = m.mutate(new Item("i", "x"));

    assertThatThrownBy(() -> call.result().join()).isInstanceOf(CompletionException.class).cause()
        .isInstanceOfSatisfying(RetryExhaustedException.class, e -> {
          assertThat(e.attempts()).isEqualTo(4);
          assertThat(e.getCause()).isInstanceOf(MutationHttpException.class);
          assertThat(((MutationHttpException) e.getCause()).status()).isEqualTo(503);
        });
    assertThat(server.faults.attempts.get(call.key())).hasValue(4);
    assertThat(server.api.requests).hasValue(0);
  }

  @Test
  void anOpenBreakerKeepsAttemptsFromTheHost() throws Exception {
    CircuitBreaker breaker = CircuitBreaker.ofDefaults("api");
    breaker.forceOpen();
    List<String> hosts = new CopyOnWriteArrayList<>();
    SyncMutation<Item, Saved> m = items("/api/items").circuitBreakers(host -> {
      hosts.add(host);
      return breaker;
    }).build();

    MutationCall<Item, Saved> call = m.mutate(new Item("j", "x"));

    assertThatThrownBy(() -> call.result().join()).cause()
        .isInstanceOfSatisfying(RetryRejectedException.class,
            e -> assertThat(e.rejection()).isEqualTo(RetryOutcome.RejectionCause.CIRCUIT_OPEN));
    assertThat(hosts).contains("127.0.0.1");
    assertThat(server.faults.attempts).isEmpty();
    breaker.reset();
    assertThat(m.mutate(new Item("j2", "x")).result().get(10, TimeUnit.SECONDS).id()).isEqualTo("j2");
    assertThat(breaker.metrics().toString()).isNotEmpty();
  }

  @Test
  void listenersRunInOrderOnTheCallbackExecutorAndAThrowingOneDoesNotSilenceTheRest() throws Exception {
    ExecutorService ui = Executors.newSingleThreadExecutor(r -> new Thread(r, "ui-thread"));
    try {
      AtomicReference<Thread> uiThread = new AtomicReference<>();
      ui.submit(() -> uiThread.set(Thread.currentThread())).get();
      Recorder<Item, Saved> rec = new Recorder<>();
      SyncMutation<Item, Saved> m = items("/api/items").callbackExecutor(ui)
          .listener(new MutationListener<>() {
            @Override
            public void onStateChange(MutationCall<Item, Saved> c, MutationState<Saved> f, MutationState<Saved> t) {
              throw new IllegalStateException("a broken listener");
            }
          })
          .listener(rec).build();

      List<MutationCall<Item, Saved>> calls = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        calls.add(m.mutate(new Item("k" + i, "x")));
      }
      for (MutationCall<Item, Saved> c : calls) {
        c.result().get(10, TimeUnit.SECONDS);
        // the result completes after the listeners heard SUCCESS, on the same serial executor
        assertThat(rec.kinds(c.key())).containsExactly(Kind.IDLE, Kind.PENDING, Kind.SUCCESS);
        assertThat(rec.threads.get(c.key() + ":SUCCESS")).isSameAs(uiThread.get());
        assertThat(rec.firstProblem(c.key())).isNull();
      }
    } finally {
      ui.shutdownNow();
    }
  }

  @Test
  void theInProgressProblemTypeIsTheFiltersOwn() {
    assertThat(Http.PROBLEM_KEY_IN_USE).isEqualTo(IdempotencyFilter.PROBLEM_KEY_IN_USE);
    assertThat(Http.REPLAYED_HEADER).isEqualTo(IdempotencyFilter.REPLAYED_HEADER);
  }

  @Test
  void theDefaultRetrySettingsAreTheSeeds() {
    RetryPolicy<Object> p = MutationRetryPolicy.of(SyncMutation.<Item, Saved>builder("x").endpoint(server.uri("/api/items")));
    assertThat(p.maxAttempts()).isEqualTo(3);
    assertThat(p.initialDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.multiplier()).isEqualTo(2.0);
    assertThat(p.maxDelay()).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.deadline()).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.attemptTimeout()).isEqualTo(Duration.ofSeconds(10));
    RetryPolicy<Object> short_ = MutationRetryPolicy.of(SyncMutation.<Item, Saved>builder("x")
        .endpoint(server.uri("/api/items")).timeout(Duration.ofSeconds(4)));
    assertThat(short_.deadline()).isEqualTo(Duration.ofSeconds(4));
    assertThat(short_.attemptTimeout()).isEqualTo(Duration.ofSeconds(4));
    assertThat(Instant.EPOCH).isNotNull();
  }
}
