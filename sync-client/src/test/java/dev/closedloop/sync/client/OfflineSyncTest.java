package dev.closedloop.sync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.closedloop.sync.client.Fixtures.Item;
import dev.closedloop.sync.client.Fixtures.Recorder;
import dev.closedloop.sync.client.Fixtures.Saved;
import dev.closedloop.sync.client.MutationState.Kind;
import dev.closedloop.sync.queue.OfflineQueue;
import dev.closedloop.sync.queue.OfflineQueueFullException;
import dev.closedloop.sync.queue.QueuedItem;
import dev.closedloop.sync.realtime.InProcessRealtimeBus;
import dev.closedloop.sync.retry.Jitter;
import dev.closedloop.sync.retry.RetryPolicy;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OfflineSyncTest {
  @TempDir Path dir;
  private final ExecutorService httpExecutor = Executors.newFixedThreadPool(4);
  private final HttpClient http = HttpClient.newBuilder().executor(httpExecutor).build();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    httpExecutor.shutdownNow();
  }

  private static RetryPolicy<Object> quick(int attempts) {
    return RetryPolicy.builder().maxAttempts(attempts).initialDelay(Duration.ofMillis(1)).maxDelay(Duration.ofMillis(5))
        .build();
  }

  private SyncMutation<Item, Saved> mutation(String name, int priority, TestServerAddress to, OfflineSync sync) {
    return SyncMutation.<Item, Saved>builder(name).httpClient(http).endpoint(to.uri("/api/items"))
        .responseType(Saved.class).retryPolicy(quick(2)).attemptTimeout(Duration.ofSeconds(5))
        .header("Authorization", "Bearer live").header("X-Client", "desktop").secretHeaders("authorization")
        .offline(sync).priority(priority)
        .scope(v -> {
          int n = Integer.parseInt(v.id().substring(1));
          return n % 5 == 0 ? null : "doc-" + n % 3;
        })
        .noResetAfterSuccess().build();
  }

  /** The base URI of a server that may not be running. */
  record TestServerAddress(int port) {
    java.net.URI uri(String path) {
      return java.net.URI.create("http://127.0.0.1:" + port + path);
    }
  }

  /** The queue's order: among due items, highest priority first, oldest first, one per scope at a time. */
  static List<String> modelOrder(List<PendingRequest> pending) {
    List<PendingRequest> left = new ArrayList<>(pending);
    left.sort(Comparator.comparingLong(PendingRequest::itemId));
    List<String> order = new ArrayList<>();
    while (!left.isEmpty()) {
      Map<String, Long> headOfScope = new HashMap<>();
      for (PendingRequest p : left) {
        if (p.request().scope() != null) {
          headOfScope.merge(p.request().scope(), p.itemId(), Math::min);
        }
      }
      PendingRequest best = null;
      for (PendingRequest p : left) {
        String s = p.request().scope();
        boolean eligible = s == null || headOfScope.get(s) == p.itemId();
        if (eligible && (best == null || p.request().priority() > best.request().priority())) {
          best = p;
        }
      }
      order.add(best.request().idempotencyKey());
      left.remove(best);
    }
    return order;
  }

  @Test
  void aFullQueueFailsTheCallsItCannotTakeAndKeepsExactlyTheOnesItTook() throws Exception {
    TestServer before = new TestServer();
    TestServerAddress address = new TestServerAddress(before.port());
    before.close(); // the server is down: connections are refused

    OfflineQueue queue = OfflineQueue.builder().maxItems(3).open(dir);
    OfflineSync sync = OfflineSync.builder(queue).httpClient(http).autoSync(false).build();
    SyncMutation<Item, Saved> note = SyncMutation.<Item, Saved>builder("note").httpClient(http)
        .endpoint(address.uri("/api/items")).responseType(Saved.class).retryPolicy(quick(2))
        .offline(sync).noResetAfterSuccess().build();
    List<MutationCall<Item, Saved>> calls = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      calls.add(note.mutate(new Item("n" + i, "offline " + i)));
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> calls.stream()
        .allMatch(c -> c.state().kind() == Kind.QUEUED || c.state().kind() == Kind.ERROR));
    List<MutationCall<Item, Saved>> queued = calls.stream().filter(c -> c.state().kind() == Kind.QUEUED)
        .collect(Collectors.toList());
    List<MutationCall<Item, Saved>> refused = calls.stream().filter(c -> c.state().kind() == Kind.ERROR)
        .collect(Collectors.toList());
    assertThat(queued).hasSize(3);
    assertThat(refused).hasSize(2).allSatisfy(c -> assertThatThrownBy(() -> c.result().get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(MutationException.class)
        .hasRootCauseInstanceOf(OfflineQueueFullException.class)
        .hasMessageContaining("could not queue the request offline")
        .hasMessageContaining("offline queue is full (3 of 3 items"));
    assertThat(sync.pending()).extracting(p -> p.request().idempotencyKey())
        .containsExactlyInAnyOrderElementsOf(queued.stream().map(MutationCall::key).collect(Collectors.toList()));

    // The public enqueue refuses the same way, and the queue keeps what it had.
    assertThatThrownBy(() -> sync.enqueue(QueuedRequest.of("note", "POST", address.uri("/api/items"), "by-hand",
        new byte[] {'{', '}'}))).isInstanceOf(OfflineQueueFullException.class);
    assertThat(sync.pending()).hasSize(3);
    sync.close();
    queue.close();
    try (OfflineQueue reopened = OfflineQueue.builder().maxItems(3).open(dir)) {
      assertThat(reopened.pending()).extracting(QueuedItem::idempotencyKey)
          .containsExactlyInAnyOrderElementsOf(queued.stream().map(MutationCall::key).collect(Collectors.toList()));
    }
  }

  @Test
  void mutationsQueuedWhileTheServerIsDownReplayOnceEachInPriorityAndScopeOrderAfterAnAppRestart() throws Exception {
    TestServer before = new TestServer();
    TestServerAddress address = new TestServerAddress(before.port());
    before.close(); // the server is down: connections are refused

    OfflineQueue queue = OfflineQueue.builder().open(dir);
    OfflineSync sync = OfflineSync.builder(queue).httpClient(http).autoSync(false).build();
    List<SyncMutation<Item, Saved>> mutations = List.of(
        mutation("note-low", 0, address, sync), mutation("note-high", 5, address, sync),
        mutation("note-mid", 2, address, sync));
    List<MutationCall<Item, Saved>> calls = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      calls.add(mutations.get(i % 3).mutate(new Item("n" + i, "offline " + i)));
    }
    await().atMost(Duration.ofSeconds(30))
        .until(() -> calls.stream().allMatch(c -> c.state().kind() == Kind.QUEUED));
    assertThat(calls).allSatisfy(c -> assertThat(c.result()).isNotDone());

    List<PendingRequest> pending = sync.pending();
    assertThat(pending).hasSize(100);
    assertThat(pending).allSatisfy(p -> {
      assertThat(p.request().headers()).containsEntry("X-Client", "desktop").containsEntry("Content-Type", "application/json")
          .doesNotContainKey("Authorization");
      assertThat(p.attempts()).isZero();
    });
    // within a scope, the queue holds the calls in the order they were made
    Map<String, Integer> callIndex = new HashMap<>();
    for (int i = 0; i < calls.size(); i++) {
      callIndex.put(calls.get(i).key(), i);
    }
    Map<String, List<Integer>> byScope = pending.stream().filter(p -> p.request().scope() != null)
        .collect(Collectors.groupingBy(p -> p.request().scope(),
            Collectors.mapping(p -> callIndex.get(p.request().idempotencyKey()), Collectors.toList())));
    assertThat(byScope).hasSize(3);
    byScope.values().forEach(indexes -> assertThat(indexes).isSorted());
    List<String> expected = modelOrder(pending);
    sync.close();
    queue.close();

    // the app restarts: new queue over the same directory, new sync with handlers by name; the server is back
    TestServer server = new TestServer(address.port(), InProcessRealtimeBus.builder().build());
    toClose.add(server);
    OfflineQueue reopened = OfflineQueue.builder().open(dir);
    toClose.add(reopened);
    Map<String, List<String>> handled = new java.util.concurrent.ConcurrentHashMap<>();
    OfflineSyncBuilder b = OfflineSync.builder(reopened).httpClient(http).autoSync(false)
        .secretHeaders(r -> Map.of("Authorization", "Bearer fresh-for-" + r.mutationName()));
    for (String name : List.of("note-low", "note-high", "note-mid")) {
      b.handler(name, new ReplayHandler() {
        @Override
        public void onReplayed(QueuedRequest request, HttpResponse<byte[]> response) {
          handled.computeIfAbsent(name, k -> new CopyOnWriteArrayList<>()).add(response.statusCode() + ":"
              + request.idempotencyKey());
        }
      });
    }
    OfflineSync after = b.build();
    toClose.add(after);
    assertThat(after.pending()).hasSize(100);

    SyncSummary summary = after.syncNow().get(60, TimeUnit.SECONDS);

    assertThat(summary).isEqualTo(new SyncSummary(100, 0, 0, false));
    assertThat(server.api.order).containsExactlyElementsOf(expected);
    assertThat(server.api.applied).hasSize(100).allSatisfy((k, n) -> assertThat(n).hasValue(1));
    for (MutationCall<Item, Saved> c : calls) {
      assertThat(server.api.authorization).containsEntry(c.key(), "Bearer fresh-for-" + c.mutationName());
      assertThat(handled.get(c.mutationName())).contains("201:" + c.key());
    }
    assertThat(handled.values().stream().mapToInt(List::size).sum()).isEqualTo(100);
    assertThat(after.pending()).isEmpty();
    assertThat(reopened.stats().pending()).isZero();
    // priorities really differ and were served highest first when no scope held an item back
    List<Integer> unscopedPriorities = expected.stream()
        .map(k -> pending.stream().filter(p -> p.request().idempotencyKey().equals(k)).findFirst().orElseThrow())
        .filter(p -> p.request().scope() == null).map(p -> p.request().priority()).collect(Collectors.toList());
    assertThat(unscopedPriorities).isSortedAccordingTo(Comparator.reverseOrder()).contains(0, 2, 5);
  }

  @Test
  void knownOfflineQueuesAtOnceAndTheCallCompletesWhenConnectivityReturns() throws Exception {
    TestServer server = new TestServer();
    toClose.add(server);
    OfflineQueue queue = OfflineQueue.builder().buildInMemory();
    toClose.add(queue);
    ManualConnectivity connectivity = Connectivity.manual(false);
    List<String> events = new CopyOnWriteArrayList<>();
    OfflineSync sync = OfflineSync.builder(queue).httpClient(http).connectivity(connectivity)
        .listener(new OfflineSyncListener() {
          @Override
          public void onReplayed(QueuedRequest request, int status) {
            events.add("replayed " + status);
          }

          @Override
          public void onSyncFinished(SyncSummary summary) {
            events.add("finished " + summary.replayed());
          }
        }).build();
    toClose.add(sync);
    Recorder<Item, Saved> rec = new Recorder<>();
    List<String> optimistic = new CopyOnWriteArrayList<>();
    SyncMutation<Item, Saved> m = SyncMutation.<Item, Saved>builder("note").httpClient(http)
        .endpoint(server.uri("/api/items")).responseType(Saved.class).offline(sync).listener(rec).noResetAfterSuccess()
        .optimistic(new OptimisticUpdate<Item, Saved, String>() {
          @Override
          public String onMutate(Item v) {
            optimistic.add("mutate " + v.id());
            return v.id();
          }

          @Override
          public void onError(Throwable error, Item v, String ctx) {
            optimistic.add("rollback " + ctx);
          }

          @Override
          public void onSuccess(Saved data, Item v, String ctx) {
            optimistic.add("success " + ctx);
          }
        }).build();

    MutationCall<Item, Saved> call = m.mutate(new Item("q1", "while offline"));

    assertThat(call.state()).isInstanceOf(MutationState.Queued.class);
    assertThat(((MutationState.Queued<Saved>) call.state()).itemId()).isEqualTo(sync.pending().get(0).itemId());
    assertThat(server.faults.attempts).isEmpty();
    assertThat(m.mutate(new Item("q1", "while offline"))).isSameAs(call); // a queued call still joins
    assertThat(optimistic).containsExactly("mutate q1"); // no rollback: the change is still pending

    connectivity.setOnline(true); // auto-sync

    assertThat(call.result().get(10, TimeUnit.SECONDS)).isEqualTo(new Saved("q1", "while offline", call.key()));
    assertThat(rec.kinds(call.key())).containsExactly(Kind.IDLE, Kind.QUEUED, Kind.SUCCESS);
    assertThat(optimistic).containsExactly("mutate q1", "success q1");
    assertThat(server.api.applied.get(call.key())).hasValue(1);
    await().until(() -> events.contains("finished 1"));
    assertThat(events).containsSubsequence("replayed 201", "finished 1");
    assertThat(m.inFlight()).isEmpty();
  }

  @Test
  void aReplayTheServerRejectsIsDeadLetteredAndRollsTheCallBack() throws Exception {
    TestServer server = new TestServer();
    toClose.add(server);
    server.api.behaviour = (req, resp, key, body) -> TestServer.write(resp, 422, "application/problem+json",
        "{\"type\":\"https://example.test/problems/closed\",\"detail\":\"the document is closed\"}");
    OfflineQueue queue = OfflineQueue.builder().buildInMemory();
    toClose.add(queue);
    ManualConnectivity connectivity = Connectivity.manual(false);
    List<String> dead = new CopyOnWriteArrayList<>();
    OfflineSync sync = OfflineSync.builder(queue).httpClient(http).connectivity(connectivity).autoSync(false)
        .handler("note", new ReplayHandler() {
          @Override
          public void onDeadLettered(QueuedRequest request, String reason) {
            dead.add(request.idempotencyKey() + " " + reason);
          }
        }).build();
    toClose.add(sync);
    List<String> optimistic = new CopyOnWriteArrayList<>();
    SyncMutation<Item, Saved> m = SyncMutation.<Item, Saved>builder("note").httpClient(http)
        .endpoint(server.uri("/api/items")).responseType(Saved.class).offline(sync)
        .optimistic(new OptimisticUpdate<Item, Saved, String>() {
          @Override
          public String onMutate(Item v) {
            return "ctx-" + v.id();
          }

          @Override
          public void onError(Throwable error, Item v, String ctx) {
            optimistic.add("rollback " + ctx + " " + error.getClass().getSimpleName());
          }
        }).build();
    MutationCall<Item, Saved> call = m.mutate(new Item("r1", "x"));
    assertThat(call.state().kind()).isEqualTo(Kind.QUEUED);
    connectivity.setOnline(true);

    assertThat(sync.syncNow().get(10, TimeUnit.SECONDS)).isEqualTo(new SyncSummary(0, 0, 1, false));

    String reason = "HTTP 422 https://example.test/problems/closed: the document is closed";
    assertThat(call.state()).isEqualTo(new MutationState.Dead<>(reason));
    assertThatThrownBy(() -> call.result().get(10, TimeUnit.SECONDS)).cause()
        .isInstanceOfSatisfying(MutationDeadLetterException.class, e -> {
          assertThat(e.reason()).isEqualTo(reason);
          assertThat(((MutationHttpException) e.getCause()).status()).isEqualTo(422);
        });
    await().until(() -> optimistic.size() == 1);
    assertThat(optimistic).containsExactly("rollback ctx-r1 MutationDeadLetterException");
    assertThat(dead).containsExactly(call.key() + " " + reason);
    assertThat(queue.deadLetters()).singleElement().satisfies(d -> assertThat(d.lastError()).isEqualTo(reason));
    assertThat(sync.pending()).isEmpty();
  }

  @Test
  void aRetryableReplayWaitsForTheQueuesBackoffAndANetworkFailureStopsThePassWithoutCountingAnAttempt()
      throws Exception {
    TestServer server = new TestServer();
    OfflineQueue queue = OfflineQueue.builder()
        .retryPolicy(RetryPolicy.builder().maxAttempts(5).fixedDelay(Duration.ofHours(1)).jitter(Jitter.none()).build())
        .buildInMemory();
    toClose.add(queue);
    OfflineSync sync = OfflineSync.builder(queue).httpClient(http).autoSync(false).build();
    toClose.add(sync);
    server.faults.plan = (key, attempt) -> attempt == 1 ? FaultFilter.Fault.UNAVAILABLE_0 : FaultFilter.Fault.NONE;
    sync.enqueue(QueuedRequest.of("manual", "POST", server.uri("/api/items"), "key-1",
        "{\"id\":\"m1\",\"text\":\"t\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8)).withHeaders(
            Map.of("Content-Type", "application/json")));

    assertThat(sync.syncNow().get(10, TimeUnit.SECONDS)).isEqualTo(new SyncSummary(0, 1, 0, false));
    assertThat(sync.pending()).singleElement().satisfies(p -> {
      assertThat(p.attempts()).isEqualTo(1);
      assertThat(p.lastError()).contains("HTTP 503");
    });
    assertThat(sync.syncNow().get(10, TimeUnit.SECONDS)).isEqualTo(new SyncSummary(0, 0, 0, false)); // not due

    sync.enqueue(QueuedRequest.of("manual", "POST", server.uri("/api/items"), "key-2", new byte[0]));
    server.close(); // the network goes away
    assertThat(sync.syncNow().get(10, TimeUnit.SECONDS)).isEqualTo(new SyncSummary(0, 0, 0, true));
    assertThat(sync.pending()).extracting(PendingRequest::attempts).containsExactly(1, 0);
    sync.clear();
    assertThat(sync.pending()).isEmpty();
    assertThat(Objects.requireNonNull(queue.stats()).deadLetters()).isZero();
  }

  @Test
  void clearFailsTheCallsWaitingInThisProcess() throws Exception {
    OfflineQueue queue = OfflineQueue.builder().buildInMemory();
    toClose.add(queue);
    OfflineSync sync = OfflineSync.builder(queue).httpClient(http).connectivity(Connectivity.manual(false)).build();
    toClose.add(sync);
    SyncMutation<Item, Saved> m = SyncMutation.<Item, Saved>builder("note").httpClient(http)
        .endpoint(java.net.URI.create("http://127.0.0.1:9/api/items")).offline(sync).build();
    MutationCall<Item, Saved> call = m.mutate(new Item("c1", "x"));
    assertThat(call.state().kind()).isEqualTo(Kind.QUEUED);

    sync.clear();

    assertThatThrownBy(() -> call.result().get(10, TimeUnit.SECONDS)).cause()
        .isInstanceOf(MutationCancelledException.class)
        .hasMessageContaining("removed from the offline queue by clear()");
    assertThat(call.state().kind()).isEqualTo(Kind.ERROR);
    assertThat(m.inFlight()).isEmpty();
  }
}
