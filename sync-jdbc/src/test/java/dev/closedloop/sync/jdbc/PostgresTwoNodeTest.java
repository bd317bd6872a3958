package dev.closedloop.sync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.RealtimeListener;
import dev.closedloop.sync.realtime.Subscription;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.VirtualScheduler;
import dev.closedloop.sync.servlet.twonode.AppNode;
import dev.closedloop.sync.servlet.twonode.SseStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two application nodes in one JVM, each an embedded Jetty with its own store, bus and pool,
 * sharing one PostgreSQL schema; and the bus's listening connection terminated under it.
 */
class PostgresTwoNodeTest {
  private final String schema = JdbcTestSupport.newSchemaName();
  private final String suffix = UUID.randomUUID().toString().substring(0, 8);
  private final AtomicInteger executions = new AtomicInteger();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final VirtualScheduler scheduler = new VirtualScheduler();
  private String url;
  private PostgresRealtimeBus busA;
  private PostgresRealtimeBus busB;
  private AppNode nodeA;
  private AppNode nodeB;

  @BeforeEach
  void startNodes() throws Exception {
    url = JdbcTestSupport.url();
    JdbcTestSupport.createSchema(url, schema);
    HikariDataSource poolA = own(JdbcTestSupport.pool(url, "cls-node-a-" + suffix, 6));
    HikariDataSource poolB = own(JdbcTestSupport.pool(url, "cls-node-b-" + suffix, 6));
    String idem = schema + ".idem";
    JdbcIdempotencyStore storeA = own(JdbcIdempotencyStore.builder().dataSource(poolA).tableName(idem)
        .createSchema(true).build());
    JdbcIdempotencyStore storeB = own(JdbcIdempotencyStore.builder().dataSource(poolB).tableName(idem).build());
    busA = own(PostgresRealtimeBus.builder().dataSource(poolA).tableName(schema + ".outbox").createSchema(true)
        .listenerName("cls-listen-a-" + suffix).build());
    // node B reconnects on virtual time, so the test decides when its outage ends
    busB = own(PostgresRealtimeBus.builder().dataSource(poolB).tableName(schema + ".outbox")
        .listenerName("cls-listen-b-" + suffix).scheduler(scheduler).retentionInterval(null)
        .reconnectPolicy(RetryPolicy.builder().initialDelay(Duration.ofSeconds(1)).noDeadline().build()).build());
    nodeA = own(new AppNode("A", storeA, busA, executions));
    nodeB = own(new AppNode("B", storeB, busB, executions));
  }

  private <T extends AutoCloseable> T own(T closeable) {
    closeables.add(0, closeable);
    return closeable;
  }

  @AfterEach
  void stopNodes() throws Exception {
    if (url == null) {
      return; // skipped: no server
    }
    try {
      for (AutoCloseable c : closeables) {
        c.close();
      }
    } finally {
      JdbcTestSupport.dropSchema(url, schema);
    }
  }

  private HttpResponse<String> post(AppNode node, String key) throws Exception {
    return http.send(HttpRequest.newBuilder(node.uri("/orders")).header("Idempotency-Key", key)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"seats\":2}"))
        .build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  @Test
  void thirtyTwoConcurrentRequestsWithOneKeySplitOverBothNodesRunTheHandlerOnce() throws Exception {
    String key = "order-" + suffix;
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      AppNode node = i % 2 == 0 ? nodeA : nodeB;
      responses.add(CompletableFuture.supplyAsync(() -> {
        try {
          go.await();
          return post(node, key);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, runnable -> new Thread(runnable).start()));
    }
    go.countDown();
    Set<String> bodies = new HashSet<>();
    for (CompletableFuture<HttpResponse<String>> f : responses) {
      HttpResponse<String> r = f.get();
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
      bodies.add(r.body());
    }
    assertThat(executions).as("handler runs over both nodes").hasValue(1);
    assertThat(bodies).as("every answer is the one response").hasSize(1);
  }

  @Test
  void sseClientOnNodeBHearsNodeAsEventsInOrderAndResumesOnNodeAWithExactlyTheMissedOnes() throws Exception {
    String topic = "orders-" + suffix;
    String lastId;
    try (SseStream onB = new SseStream(http, nodeB.uri("/realtime?topics=" + topic), "")) {
      assertThat(onB.next(1).get(0).name()).isEqualTo("subscribed");
      List<String> published = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        published.add(Cursor.of(topic, busA.publish(ChangeDraft.insert(topic, "k" + i, "{\"n\":" + i + "}"))).format());
      }
      List<SseStream.Event> heard = onB.next(5);
      assertThat(heard).extracting(SseStream.Event::id).containsExactlyElementsOf(published);
      lastId = heard.get(4).id();
    }
    List<String> missed = new ArrayList<>();
    for (int i = 5; i < 8; i++) {
      missed.add(Cursor.of(topic, busA.publish(ChangeDraft.insert(topic, "k" + i, "{\"n\":" + i + "}"))).format());
    }
    try (SseStream onA = new SseStream(http, nodeA.uri("/realtime?topics=" + topic), lastId)) {
      List<SseStream.Event> resumed = onA.next(4);
      assertThat(resumed.get(0).name()).isEqualTo("subscribed");
      assertThat(resumed.get(0).id()).isEqualTo(lastId);
      assertThat(resumed.subList(1, 4)).extracting(SseStream.Event::id).containsExactlyElementsOf(missed);
      assertThat(resumed.subList(1, 4)).extracting(SseStream.Event::data)
          .allSatisfy(d -> assertThat(d).startsWith("{\"topic\":\"" + topic + "\",\"type\":\"INSERT\""));
      long live = busB.publish(ChangeDraft.insert(topic, "k8", "{\"n\":8}"));
      assertThat(onA.next(1).get(0).id()).as("then live, with nothing repeated").isEqualTo(Cursor.of(topic, live).format());
    }
  }

  @Test
  void terminatedListeningConnectionReconnectsAndCatchesUpFromTheOutboxInOrderOnce() throws Exception {
    String topic = "orders-" + suffix;
    LinkedBlockingQueue<ChangeEvent> heard = new LinkedBlockingQueue<>();
    RealtimeListener listener = heard::add;
    try (Subscription s = busB.subscribe(Set.of(topic), Cursor.EMPTY, listener)) {
      long before = busA.publish(ChangeDraft.insert(topic, "k0", "{\"n\":0}"));
      assertThat(heard.poll(10, TimeUnit.SECONDS)).extracting(ChangeEvent::position).isEqualTo(before);

      assertThat(scheduler.pendingCount()).isZero();
      assertThat(terminate("cls-listen-b-" + suffix)).as("the listening backend, found by application_name").isOne();
      awaitReconnectScheduled();
      List<Long> duringOutage = new ArrayList<>();
      for (int i = 1; i <= 5; i++) {
        duringOutage.add(busA.publish(ChangeDraft.insert(topic, "k" + i, "{\"n\":" + i + "}")));
      }
      assertThat(heard).as("nothing arrives while B is not listening").isEmpty();
      scheduler.advance(Duration.ofSeconds(10)); // the backoff ends: B reconnects and catches up

      List<Long> got = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        ChangeEvent e = heard.poll(10, TimeUnit.SECONDS);
        assertThat(e).as("event %d of the outage", i).isNotNull();
        got.add(e.position());
      }
      assertThat(got).containsExactlyElementsOf(duringOutage);
      long after = busA.publish(ChangeDraft.insert(topic, "k6", "{\"n\":6}"));
      assertThat(heard.poll(10, TimeUnit.SECONDS)).extracting(ChangeEvent::position).isEqualTo(after);
      assertThat(heard).as("nothing twice").isEmpty();
      assertThat(s.isOpen()).isTrue();
    }
  }

  /** Terminates the backends whose application_name is {@code name}; returns how many. */
  private int terminate(String name) throws Exception {
    try (Connection c = DriverManager.getConnection(url);
        PreparedStatement ps = c.prepareStatement(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /** Waits (real time, for the listener thread to notice) until B's reconnect is scheduled. */
  private void awaitReconnectScheduled() {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.pendingCount() > 0);
  }
}
