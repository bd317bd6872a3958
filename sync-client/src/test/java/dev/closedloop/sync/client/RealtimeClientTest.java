package dev.closedloop.sync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.closedloop.sync.SyncException;
import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.InProcessRealtimeBus;
import dev.closedloop.sync.retry.Jitter;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.servlet.RealtimeSseServlet;
import dev.closedloop.sync.time.RandomSource;
import dev.closedloop.sync.time.VirtualScheduler;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RealtimeClientTest {
  private final VirtualScheduler scheduler = new VirtualScheduler();
  private final InProcessRealtimeBus bus = InProcessRealtimeBus.builder().maxEventsPerTopic(20).build();
  private final ExecutorService httpExecutor = Executors.newFixedThreadPool(2);
  private final HttpClient http = HttpClient.newBuilder().executor(httpExecutor).build();
  private final Recorder rec = new Recorder();
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private JettySse server;

  @AfterEach
  void stop() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    if (server != null) {
      server.close();
    }
    bus.close();
    httpExecutor.shutdownNow();
  }

  private JettySse startServer() throws Exception {
    server = new JettySse(RealtimeSseServlet.builder(bus).retry(Duration.ZERO)
        .authorizer((p, t) -> !t.equals("secret")).build());
    return server;
  }

  private RealtimeClientBuilder client(String... topics) {
    return RealtimeClient.builder(server.endpoint()).topics(topics).httpClient(http).scheduler(scheduler).listener(rec);
  }

  private RealtimeClient started(RealtimeClientBuilder b) {
    RealtimeClient c = b.build();
    toClose.add(c);
    c.start();
    return c;
  }

  private long publish(String topic, String key, int n) {
    return bus.publish(ChangeDraft.update(topic, key, "{\"n\":" + n + "}", null));
  }

  @Test
  void eventsArriveInOrderFillTheLatestCacheAndCloseTheLoopOnAnIdempotencyKey() throws Exception {
    startServer();
    RealtimeClient c = started(client("orders"));
    await().atMost(Duration.ofSeconds(10)).until(() -> !rec.connected.isEmpty());
    assertThat(c.state()).isEqualTo(RealtimeClient.State.CONNECTED);
    assertThat(rec.connected).containsExactly(Cursor.of("orders", 0));
    CompletableFuture<ChangeEvent> mine = c.awaitChange(e -> e.isCausedBy("my-key"), Duration.ofSeconds(30));
    bus.publish(ChangeDraft.insert("orders", "1", "{\"v\":1}"));
    bus.publish(ChangeDraft.insert("orders", "2", "{\"v\":2}"));
    bus.publish(ChangeDraft.update("orders", "1", "{\"v\":3}", "{\"v\":1}").withIdempotencyKey("my-key"));
    bus.publish(ChangeDraft.delete("orders", "2", null));
    ChangeEvent confirmed = mine.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(confirmed.newData()).isEqualTo("{\"v\":3}");
    await().atMost(Duration.ofSeconds(10)).until(() -> rec.positions().size() == 4);
    assertThat(rec.positions()).containsExactly(1L, 2L, 3L, 4L);
    assertThat(c.latest("orders", "1")).get().extracting(ChangeEvent::newData).isEqualTo("{\"v\":3}");
    assertThat(c.latest("orders", "2")).isEmpty();
    assertThat(c.lastEventId()).isEqualTo("orders:4");
    assertThat(scheduler.pendingCount()).isZero(); // the awaitChange timer was cancelled
  }

  @Test
  void awaitChangeTimesOutOnTheSchedulerAndFailsWhenTheClientCloses() throws Exception {
    startServer();
    RealtimeClient c = started(client("orders"));
    CompletableFuture<ChangeEvent> never = c.awaitChange(e -> false, Duration.ofSeconds(5));
    CompletableFuture<ChangeEvent> pending = c.awaitChange(e -> false, Duration.ofMinutes(5));
    scheduler.advance(Duration.ofSeconds(5));
    assertThatThrownBy(never::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TimeoutException.class);
    c.close();
    assertThat(pending).isCompletedExceptionally();
    assertThatThrownBy(pending::get).isInstanceOf(CancellationException.class);
    assertThatThrownBy(() -> c.awaitChange(e -> true, Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aClientSideDropThenReconnectReceivesExactlyTheMissedEventsInOrder() throws Exception {
    startServer();
    RealtimeClient c = started(client("orders"));
    await().atMost(Duration.ofSeconds(10)).until(() -> c.state() == RealtimeClient.State.CONNECTED);
    for (int i = 1; i <= 3; i++) {
      publish("orders", "k", i);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> rec.positions().size() == 3);
    c.dropConnection();
    assertThat(c.state()).isEqualTo(RealtimeClient.State.WAITING);
    List<Long> missed = new ArrayList<>();
    for (int i = 4; i <= 8; i++) {
      missed.add(publish("orders", "k", i));
    }
    scheduler.advance(Duration.ofMinutes(1)); // the reconnect wait
    await().atMost(Duration.ofSeconds(10)).until(() -> rec.positions().size() == 8);
    long live = publish("orders", "k", 9);
    await().atMost(Duration.ofSeconds(10)).until(() -> rec.positions().size() == 9);
    List<Long> expected = new ArrayList<>(List.of(1L, 2L, 3L));
    expected.addAll(missed);
    expected.add(live);
    assertThat(rec.positions()).containsExactlyElementsOf(expected);
    assertThat(rec.connected).containsExactly(Cursor.of("orders", 0), Cursor.of("orders", 3));
    assertThat(c.connectAttempts()).isEqualTo(2);
  }

  @Test
  void aServerSideDropThenReconnectReceivesExactlyTheMissedEventsInOrder() throws Exception {
    startServer();
    RealtimeClient c = started(client("orders", "sms"));
    await().atMost(Duration.ofSeconds(10)).until(() -> c.state() == RealtimeClient.State.CONNECTED);
    publish("orders", "k", 1);
    publish("sms", "k", 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> rec.positions().size() == 2);
    server.dropAllConnections();
    await().atMost(Duration.ofSeconds(10)).until(() -> rec.disconnects.size() == 1);
    assertThat(c.state()).isEqualTo(RealtimeClient.State.WAITING);
    publish("sms", "k", 2);
    publish("orders", "k", 2);
    publish("orders", "k", 3);
    scheduler.advance(Duration.ofMinutes(1));
    await().atMost(Duration.ofSeconds(10)).until(() -> rec.events().size() == 5);
    // Order holds per topic (positions are per topic); topics interleave as the server replays them.
    assertThat(rec.events().stream().filter(e -> e.topic().equals("orders")).map(ChangeEvent::position))
        .containsExactly(1L, 2L, 3L);
    assertThat(rec.events().stream().filter(e -> e.topic().equals("sms")).map(ChangeEvent::position))
        .containsExactly(1L, 2L);
    assertThat(c.lastEventId()).isEqualTo("orders:3,sms:2");
    assertThat(rec.disconnects).hasSize(1);
    // The events written to the dropped connection found it dead: one stream is left.
    await().atMost(Duration.ofSeconds(10)).until(() -> server.servlet.stats().openConnections() == 1);
    assertThat(bus.subscriptionCount()).isEqualTo(1);
  }

  @Test
  void aGapBeyondTheReplayLogResetsTheTopicClearsItsCacheAndContinuesLive() throws Exception {
    startServer();
    RealtimeClient c = started(client("orders"));
    await().atMost(Duration.ofSeconds(10)).until(() -> c.state() == RealtimeClient.State.CONNECTED);
    publish("orders", "a", 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> c.latest("orders", "a").isPresent());
    c.dropConnection();
    for (int i = 2; i <= 60; i++) {
      publish("orders", "b", i); // the log keeps 20
    }
    scheduler.advance(Duration.ofMinutes(1));
    await().atMost(Duration.ofSeconds(10)).until(() -> !rec.resets.isEmpty());
    assertThat(rec.resets).containsExactly("orders");
    assertThat(c.latest("orders", "a")).isEmpty();
    long live = publish("orders", "a", 61);
    await().atMost(Duration.ofSeconds(10)).until(() -> rec.positions().contains(live));
    assertThat(rec.positions()).containsExactly(1L, live);
  }

  @Test
  void aDeniedTopicFailsTheClientForGoodWithoutReconnecting() throws Exception {
    startServer();
    RealtimeClient c = started(client("orders", "secret"));
    await().atMost(Duration.ofSeconds(10)).until(() -> !rec.failures.isEmpty()); // state is set just before
    assertThat(c.state()).isEqualTo(RealtimeClient.State.FAILED);
    assertThat(rec.failures).hasSize(1);
    assertThat(rec.failures.peek().getMessage()).contains("403", "topic-denied", "secret");
    assertThat(scheduler.pendingCount()).isZero();
    assertThat(c.connectAttempts()).isEqualTo(1);
  }

  @Test
  void reconnectsBackOffWithJitterFromTheRetryCoreUntilTheServerIsBack() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    RetryPolicy<Object> policy = RetryPolicy.builder().initialDelay(Duration.ofMillis(500)).maxDelay(Duration.ofSeconds(30))
        .jitter(Jitter.full()).random(RandomSource.fixed(0.5)).noDeadline().build();
    RealtimeClient c = RealtimeClient.builder(URI.create("http://127.0.0.1:" + port + "/sse")).topics("orders")
        .httpClient(http).scheduler(scheduler).listener(rec).reconnectPolicy(policy).build();
    toClose.add(c);
    c.start();
    List<Duration> waits = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int n = i + 1;
      await().atMost(Duration.ofSeconds(10)).until(() -> rec.disconnects.size() == n);
      waits.add(rec.disconnects.stream().skip(i).findFirst().orElseThrow());
      assertThat(c.state()).isEqualTo(RealtimeClient.State.WAITING);
      if (i < 2) {
        scheduler.advance(waits.get(i));
      }
    }
    // full jitter at draw 0.5: half of 500 ms, 1 s, 2 s
    assertThat(waits).containsExactly(Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1));
    server = new JettySse(RealtimeSseServlet.builder(bus).retry(Duration.ZERO).build(), port);
    scheduler.advance(waits.get(2));
    await().atMost(Duration.ofSeconds(10)).until(() -> c.state() == RealtimeClient.State.CONNECTED);
    assertThat(c.connectAttempts()).isEqualTo(4);
  }

  @Test
  void manyClientsOnOneHttpClientEachReceiveEveryEventOnce() throws Exception {
    startServer();
    int clients = 20;
    int events = 200;
    List<Recorder> recorders = new ArrayList<>();
    List<RealtimeClient> all = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      Recorder r = new Recorder();
      recorders.add(r);
      all.add(started(client("fanout").listener(r)));
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> all.stream().allMatch(c -> c.state() == RealtimeClient.State.CONNECTED));
    for (int n = 1; n <= events; n++) {
      publish("fanout", "k" + (n % 7), n);
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> recorders.stream().allMatch(r -> r.positions().size() >= events));
    List<Long> expected = new ArrayList<>();
    for (long n = 1; n <= events; n++) {
      expected.add(n);
    }
    for (Recorder r : recorders) {
      assertThat(r.positions()).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void closedClientsLeaveNoThreadTimerOrStreamBehind() throws Exception {
    startServer();
    // Warm the process-wide HTTP client up, so its one selector thread is in the baseline.
    runAndClose(RealtimeClient.builder(server.endpoint()).topics("orders").scheduler(scheduler).listener(rec), 1);
    Set<String> before = clientThreads();
    for (int i = 0; i < 5; i++) {
      runAndClose(RealtimeClient.builder(server.endpoint()).topics("orders").scheduler(scheduler).listener(new Recorder()), 0);
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      publish("orders", "k", 0); // a write finds the server ends of the cancelled streams
      return server.servlet.stats().openConnections() == 0;
    });
    assertThat(bus.subscriptionCount()).isZero();
    Set<String> selectors = clientThreads().stream().filter(n -> n.contains("Selector")).collect(Collectors.toSet());
    assertThat(selectors).isEqualTo(before.stream().filter(n -> n.contains("Selector")).collect(Collectors.toSet()));
    assertThat(scheduler.pendingCount()).isZero();
  }

  private void runAndClose(RealtimeClientBuilder b, int expectEvents) {
    RealtimeClient c = b.build();
    c.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> c.state() == RealtimeClient.State.CONNECTED);
    if (expectEvents > 0) {
      publish("orders", "k", 1);
      await().atMost(Duration.ofSeconds(10)).until(() -> c.eventsReceived() == expectEvents);
    }
    c.close();
    assertThat(c.state()).isEqualTo(RealtimeClient.State.CLOSED);
    c.close(); // idempotent
    assertThatThrownBy(c::start).isInstanceOf(IllegalStateException.class);
  }

  private static Set<String> clientThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith("closedloop-realtime-client") || n.startsWith("HttpClient-"))
        .collect(Collectors.toCollection(java.util.TreeSet::new));
  }

  @Test
  void builderRejectsBadSettingsWithClearMessages() {
    URI ok = URI.create("http://127.0.0.1:1/sse");
    assertThatThrownBy(() -> RealtimeClient.builder(null)).isInstanceOf(NullPointerException.class).hasMessage("endpoint cannot be null");
    assertThatThrownBy(() -> RealtimeClient.builder(URI.create("/sse"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RealtimeClient.builder(URI.create("ftp://h/sse"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RealtimeClient.builder(URI.create("http://h/sse?topics=a"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("query");
    assertThatThrownBy(() -> RealtimeClient.builder(ok).topics("a b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RealtimeClient.builder(ok).build()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> RealtimeClient.builder(ok).header("Last-Event-ID", "x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RealtimeClient.builder(ok).maxCachePerTopic(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RealtimeClient.builder(ok).maxEventChars(10)).isInstanceOf(IllegalArgumentException.class);
  }

  /** Records what a client hears. */
  static final class Recorder implements RealtimeClientListener {
    final ConcurrentLinkedQueue<ChangeEvent> events = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Cursor> connected = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> resets = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Duration> disconnects = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<SyncException> failures = new ConcurrentLinkedQueue<>();

    @Override
    public void onConnected(Cursor start) {
      connected.add(start);
    }

    @Override
    public void onEvent(ChangeEvent event) {
      events.add(event);
    }

    @Override
    public void onReset(String topic, String reason) {
      resets.add(topic);
    }

    @Override
    public void onDisconnected(@Nullable Throwable cause, Duration reconnectIn) {
      disconnects.add(reconnectIn);
    }

    @Override
    public void onFailed(SyncException error) {
      failures.add(error);
    }

    List<ChangeEvent> events() {
      return List.copyOf(events);
    }

    List<Long> positions() {
      return events.stream().map(ChangeEvent::position).collect(Collectors.toList());
    }
  }
}
