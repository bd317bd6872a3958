package dev.closedloop.sync.client;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.queue.DrainSummary;
import dev.closedloop.sync.queue.Offer;
import dev.closedloop.sync.queue.OfflineQueue;
import dev.closedloop.sync.queue.OfflineQueueListener;
import dev.closedloop.sync.queue.QueuedItem;
import dev.closedloop.sync.retry.Jitter;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.ManualTicker;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What one pass tells, item by item, over real HTTP: the listeners and the replay handler hear each
 * outcome with the reason the queue records, the queue's own listeners hear the pass as a drain,
 * and a pass stops (and says why) when connectivity or the network goes.
 */
class OfflineSyncPassTest {
  static final String REJECTED = "HTTP 422 https://example.test/problems/closed: the document is closed";

  final ManualTicker time = new ManualTicker();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final List<String> told = new CopyOnWriteArrayList<>();
  final List<String> queueHeard = new CopyOnWriteArrayList<>();
  final List<AutoCloseable> toClose = new ArrayList<>();
  TestServer server;
  OfflineQueue queue;

  @AfterEach
  void stop() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  /** A server that answers by key: "flaky" 503, "rejected" 422 with a problem, "offline-after" switches {@code c} off. */
  void start(ManualConnectivity c) throws Exception {
    server = new TestServer();
    toClose.add(server);
    server.api.behaviour = (req, resp, key, body) -> {
      switch (key) {
        case "flaky" -> TestServer.write(resp, 503, "text/plain", "busy");
        case "rejected" -> TestServer.write(resp, 422, "application/problem+json",
            "{\"type\":\"https://example.test/problems/closed\",\"detail\":\"the document is closed\"}");
        default -> {
          if (key.equals("offline-after")) {
            c.setOnline(false);
          }
          TestServer.write(resp, 201, "application/json", "{}");
        }
      }
    };
    queue = OfflineQueue.builder().clock(time).ticker(time)
        .retryPolicy(RetryPolicy.builder().maxAttempts(2).fixedDelay(Duration.ofHours(1)).jitter(Jitter.none()).build())
        .listener(new OfflineQueueListener() {
          @Override
          public void onAcked(QueuedItem item) {
            queueHeard.add("acked " + item.idempotencyKey());
          }

          @Override
          public void onRetryScheduled(QueuedItem item, Throwable failure) {
            queueHeard.add("retry " + item.idempotencyKey());
          }

          @Override
          public void onDeadLettered(QueuedItem item) {
            queueHeard.add("dead " + item.idempotencyKey());
          }

          @Override
          public void onDrained(DrainSummary summary) {
            queueHeard.add("drained " + summary);
          }
        })
        .buildInMemory();
    toClose.add(queue);
  }

  OfflineSync sync(ManualConnectivity c) {
    OfflineSync sync = OfflineSync.builder(queue).httpClient(http).autoSync(false).connectivity(c).clock(time)
        .handler("manual", new ReplayHandler() {
          @Override
          public void onReplayed(QueuedRequest request, HttpResponse<byte[]> response) {
            told.add("handler replayed " + request.idempotencyKey() + " " + response.statusCode());
          }

          @Override
          public void onDeadLettered(QueuedRequest request, String reason) {
            told.add("handler dead " + request.idempotencyKey() + ": " + reason);
          }
        })
        .listener(new OfflineSyncListener() {
          @Override
          public void onReplayed(QueuedRequest request, int status) {
            told.add("replayed " + request.idempotencyKey() + " " + status);
          }

          @Override
          public void onRetryScheduled(QueuedRequest request, Throwable failure) {
            told.add("retry " + request.idempotencyKey() + " " + ((MutationHttpException) failure).status());
          }

          @Override
          public void onDeadLettered(QueuedRequest request, String reason) {
            told.add("dead " + request.idempotencyKey() + ": " + reason);
          }

          @Override
          public void onOffline(QueuedRequest request, Throwable failure) {
            told.add("offline " + (request == null ? null : request.idempotencyKey()) + " "
                + (failure == null ? null : failure.getClass().getSimpleName()));
          }

          @Override
          public void onSyncFinished(SyncSummary summary) {
            told.add("finished " + summary);
          }
        })
        .build();
    toClose.add(sync);
    return sync;
  }

  QueuedRequest request(String key) {
    return QueuedRequest.of("manual", "POST", server.uri("/api/items"), key, "{}".getBytes(UTF_8))
        .withHeaders(Map.of("Content-Type", "application/json"));
  }

  @Test
  void everyOutcomeIsToldWithTheReasonTheQueueRecordsAndExpiredOrUnreadableItemsNeverReachTheServer()
      throws Exception {
    ManualConnectivity c = Connectivity.manual(true);
    start(c);
    OfflineSync sync = sync(c);
    sync.enqueue(request("ok"));
    sync.enqueue(request("flaky"));
    sync.enqueue(request("rejected"));
    queue.offer(Offer.of("stale", request("stale").encode()).expiresAt(time.instant().plusSeconds(1)));
    queue.offer(Offer.of("garbled", "not a request".getBytes(UTF_8)));
    time.advance(Duration.ofSeconds(1));
    String expired = "expired at " + time.instant() + " after 0 attempts";

    SyncSummary first = sync.syncNow().get(20, TimeUnit.SECONDS);

    assertThat(first).isEqualTo(new SyncSummary(1, 1, 3, false));
    assertThat(server.api.order).containsExactly("ok", "flaky", "rejected");
    assertThat(told).containsExactly(
        "handler replayed ok 201", "replayed ok 201",
        "retry flaky 503",
        "handler dead rejected: " + REJECTED, "dead rejected: " + REJECTED,
        "handler dead stale: " + expired, "dead stale: " + expired,
        "finished " + first);
    assertThat(queue.deadLetters()).extracting(QueuedItem::idempotencyKey, QueuedItem::lastError).containsExactly(
        org.assertj.core.groups.Tuple.tuple("rejected", REJECTED),
        org.assertj.core.groups.Tuple.tuple("stale", expired),
        org.assertj.core.groups.Tuple.tuple("garbled",
            "unreadable queued request: unsupported queued request format version 110 (this client reads 1)"));
    assertThat(sync.pending()).singleElement().satisfies(p -> {
      assertThat(p.request().idempotencyKey()).isEqualTo("flaky");
      assertThat(p.attempts()).isEqualTo(1);
      assertThat(p.notBefore()).isEqualTo(time.instant().plus(Duration.ofHours(1)));
    });

    told.clear();
    time.advance(Duration.ofHours(1));
    SyncSummary second = sync.syncNow().get(20, TimeUnit.SECONDS);

    assertThat(second).isEqualTo(new SyncSummary(0, 0, 1, false));
    assertThat(told).hasSize(3).last().isEqualTo("finished " + second);
    assertThat(told.get(0)).startsWith("handler dead flaky: retries exhausted: ").contains("503");
    assertThat(told.get(1)).isEqualTo(told.get(0).substring("handler ".length()));
    assertThat(queue.deadLetters()).filteredOn(d -> d.idempotencyKey().equals("flaky")).singleElement()
        .satisfies(d -> assertThat(d.lastError()).startsWith("attempts exhausted (2)"));
    assertThat(server.api.order).containsExactly("ok", "flaky", "rejected", "flaky");
  }

  @Test
  void thePassIsTheQueuesDrainSoTheQueuesListenersHearEveryReplayAndThePass() throws Exception {
    ManualConnectivity c = Connectivity.manual(true);
    start(c);
    OfflineSync sync = sync(c);
    sync.enqueue(request("ok"));
    sync.enqueue(request("flaky"));
    sync.enqueue(request("rejected"));

    SyncSummary summary = sync.syncNow().get(20, TimeUnit.SECONDS);

    assertThat(summary).isEqualTo(new SyncSummary(1, 1, 1, false));
    assertThat(queueHeard).containsExactly("acked ok", "retry flaky", "dead rejected", "drained "
        + new DrainSummary(1, 1, 1));
  }

  @Test
  void aPassStopsWhenConnectivityOrTheNetworkGoesAndSaysWhichRequestItHandedBack() throws Exception {
    ManualConnectivity c = Connectivity.manual(true);
    start(c);
    OfflineSync sync = sync(c);
    sync.enqueue(request("offline-after"));
    sync.enqueue(request("next"));

    SyncSummary cut = sync.syncNow().get(20, TimeUnit.SECONDS);

    assertThat(cut).isEqualTo(new SyncSummary(1, 0, 0, true));
    assertThat(told).containsExactly("handler replayed offline-after 201", "replayed offline-after 201",
        "offline null null", "finished " + cut);
    assertThat(sync.pending()).singleElement().satisfies(p -> {
      assertThat(p.request().idempotencyKey()).isEqualTo("next");
      assertThat(p.attempts()).isZero();
    });
    assertThat(queue.stats().inFlight()).isZero();

    told.clear();
    c.setOnline(true);
    server.close(); // the network goes: connections are refused
    SyncSummary refused = sync.syncNow().get(20, TimeUnit.SECONDS);

    assertThat(refused).isEqualTo(new SyncSummary(0, 0, 0, true));
    assertThat(told).containsExactly("offline next MutationNetworkException", "finished " + refused);
    assertThat(sync.pending()).singleElement().satisfies(p -> assertThat(p.attempts()).isZero());

    told.clear();
    c.setOnline(false);
    SyncSummary offline = sync.syncNow().get(20, TimeUnit.SECONDS);

    assertThat(offline).isEqualTo(new SyncSummary(0, 0, 0, true));
    assertThat(told).containsExactly("offline null null", "finished " + offline);
    assertThat(server.api.order).containsExactly("offline-after");
    assertThat(queue.stats().inFlight()).isZero();
  }
}
