package dev.closedloop.sync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.RealtimeListener;
import dev.closedloop.sync.realtime.Subscription;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.servlet.twonode.TwoNodeScenarios;
import dev.closedloop.sync.time.VirtualScheduler;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two application nodes in one JVM, each an embedded Jetty with its own store, bus and pool,
 * sharing one PostgreSQL schema (the scenarios every shared backend passes, from {@link
 * TwoNodeScenarios}); and the bus's listening connection terminated under it.
 */
class PostgresTwoNodeTest extends TwoNodeScenarios {
  private final String schema = JdbcTestSupport.newSchemaName();
  private final VirtualScheduler scheduler = new VirtualScheduler();
  private String url;

  @BeforeEach
  void startNodes() throws Exception {
    url = JdbcTestSupport.url();
    JdbcTestSupport.createSchema(url, schema);
    own(() -> JdbcTestSupport.dropSchema(url, schema)); // once everything opened later is closed
    HikariDataSource poolA = own(JdbcTestSupport.pool(url, "cls-node-a-" + suffix, 6));
    HikariDataSource poolB = own(JdbcTestSupport.pool(url, "cls-node-b-" + suffix, 6));
    String idem = schema + ".idem";
    JdbcIdempotencyStore storeA = own(JdbcIdempotencyStore.builder().dataSource(poolA).tableName(idem)
        .createSchema(true).build());
    JdbcIdempotencyStore storeB = own(JdbcIdempotencyStore.builder().dataSource(poolB).tableName(idem).build());
    PostgresRealtimeBus busA = own(PostgresRealtimeBus.builder().dataSource(poolA).tableName(schema + ".outbox")
        .createSchema(true).listenerName("cls-listen-a-" + suffix).build());
    // node B reconnects on virtual time, so the test decides when its outage ends
    PostgresRealtimeBus busB = own(PostgresRealtimeBus.builder().dataSource(poolB).tableName(schema + ".outbox")
        .listenerName("cls-listen-b-" + suffix).scheduler(scheduler).retentionInterval(null)
        .reconnectPolicy(RetryPolicy.builder().initialDelay(Duration.ofSeconds(1)).noDeadline().build()).build());
    startNodes(storeA, busA, storeB, busB);
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
