package dev.closedloop.sync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.ChangeType;
import dev.closedloop.sync.realtime.CloseReason;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.RealtimeListener;
import dev.closedloop.sync.realtime.Replay;
import dev.closedloop.sync.realtime.Subscription;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.VirtualScheduler;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the outbox bus writes, its trigger, its retention and a listener that fell behind it. */
class PostgresRealtimeBusTest {
  private final String schema = JdbcTestSupport.newSchemaName();
  private final String suffix = UUID.randomUUID().toString().substring(0, 8);
  private String url;
  private HikariDataSource pool;
  private PostgresRealtimeBus bus;

  @BeforeEach
  void connect() throws Exception {
    url = JdbcTestSupport.url();
    JdbcTestSupport.createSchema(url, schema);
    pool = JdbcTestSupport.pool(url, "cls-bus-" + suffix, 6);
    bus = PostgresRealtimeBus.builder().dataSource(pool).tableName(schema + ".outbox").createSchema(true)
        .maxEventsPerTopic(10).minRetention(Duration.ZERO).retentionInterval(null).build();
  }

  @AfterEach
  void close() throws Exception {
    if (pool == null) {
      return; // skipped: no server
    }
    try {
      bus.close();
      pool.close();
    } finally {
      JdbcTestSupport.dropSchema(url, schema);
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

  private long count(String sql) throws Exception {
    try (Connection c = pool.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private void execute(String... sql) throws Exception {
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      for (String statement : sql) {
        s.execute(statement);
      }
      c.commit();
    }
  }

  @Test
  void positionsAreDensePerTopicAndARolledBackPublishGivesItsNumberBack() throws Exception {
    assertThat(bus.publish(ChangeDraft.broadcast("a", null))).isEqualTo(1);
    assertThat(bus.publish(ChangeDraft.broadcast("b", null))).isEqualTo(1);
    try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.execute("SELECT " + schema + ".outbox_publish('a', 'BROADCAST', NULL, NULL, NULL, NULL, NULL)");
      c.rollback();
    }
    assertThat(bus.publish(ChangeDraft.broadcast("a", null))).isEqualTo(2);
    assertThat(bus.head("a")).isEqualTo(2);
  }

  @Test
  void replayLogIsCutLogicallyAndRowsAreDeletedInBatchesOnlyWhenOldEnough() throws Exception {
    for (int i = 1; i <= 12; i++) {
      bus.publish(ChangeDraft.insert("t", "k", "{\"n\":" + i + "}"));
    }
    assertThat(bus.replay("t", 1).isGap()).as("position 1 left the log of 10 (+1)").isTrue();
    Replay kept = bus.replay("t", 2);
    assertThat(kept.isGap()).isFalse();
    assertThat(kept.events()).extracting(ChangeEvent::position).containsExactly(3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
    assertThat(count("SELECT count(*) FROM " + schema + ".outbox")).as("rows stay until retention runs").isEqualTo(12);

    try (PostgresRealtimeBus patient = PostgresRealtimeBus.builder().dataSource(pool).tableName(schema + ".outbox")
        .minRetention(Duration.ofHours(1)).retentionInterval(null).build()) {
      assertThat(patient.deleteTrimmed(100)).as("too young to delete").isZero();
    }
    assertThat(bus.deleteTrimmed(1)).isEqualTo(2);
    assertThat(count("SELECT count(*) FROM " + schema + ".outbox")).isEqualTo(10);
    assertThat(count("SELECT deleted_through FROM " + schema + ".outbox_topics WHERE topic = 't'")).isEqualTo(2);
    assertThat(bus.replay("t", 2).events()).hasSize(10);
  }

  @Test
  void triggerTurnsRowChangesIntoEventsWithRowsAsJsonAndTheTransactionsIdempotencyKey() throws Exception {
    execute("CREATE TABLE " + schema + ".bookings (id bigint PRIMARY KEY, seats int NOT NULL)");
    bus.installTrigger(schema + ".bookings", "bookings", "id");
    LinkedBlockingQueue<ChangeEvent> heard = new LinkedBlockingQueue<>();
    RealtimeListener listener = heard::add;
    try (Subscription s = bus.subscribe(Set.of("bookings"), Cursor.EMPTY, listener)) {
      execute("SET LOCAL closedloop.idempotency_key = 'req-1'",
          "INSERT INTO " + schema + ".bookings VALUES (42, 2)");
      execute("UPDATE " + schema + ".bookings SET seats = 3 WHERE id = 42");
      execute("DELETE FROM " + schema + ".bookings WHERE id = 42");
      ChangeEvent insert = heard.poll(10, TimeUnit.SECONDS);
      ChangeEvent update = heard.poll(10, TimeUnit.SECONDS);
      ChangeEvent delete = heard.poll(10, TimeUnit.SECONDS);
      assertThat(insert).isNotNull();
      assertThat(insert.type()).isEqualTo(ChangeType.INSERT);
      assertThat(insert.key()).isEqualTo("42");
      assertThat(insert.newData()).isEqualTo("{\"id\":42,\"seats\":2}");
      // digested in the trigger exactly as IdempotencyKey.digest does: SHA-256, base64url, no padding
      assertThat(insert.idempotencyKeyDigest()).isEqualTo("lFa9-hLqdpWclKNXL12Rxz2DhiLfCo2bToFcJ2xreIA");
      assertThat(insert.isCausedBy("req-1")).isTrue();
      assertThat(update.type()).isEqualTo(ChangeType.UPDATE);
      assertThat(update.newData()).isEqualTo("{\"id\":42,\"seats\":3}");
      assertThat(update.oldData()).isEqualTo("{\"id\":42,\"seats\":2}");
      assertThat(update.idempotencyKeyDigest()).isNull();
      assertThat(count("SELECT count(*) FROM " + schema + ".outbox WHERE idempotency_key LIKE '%req-1%'"))
          .as("the outbox keeps the digest, never the key").isZero();
      assertThat(delete.type()).isEqualTo(ChangeType.DELETE);
      assertThat(delete.oldData()).isEqualTo("{\"id\":42,\"seats\":3}");
      assertThat(List.of(insert.position(), update.position(), delete.position())).containsExactly(1L, 2L, 3L);
      assertThat(bus.latest("bookings", "42")).isEmpty();
    }
    try {
      execute("INSERT INTO " + schema + ".bookings VALUES (7, 1)", "SELECT 1/0");
    } catch (java.sql.SQLException expected) {
      // the writer's transaction failed: its event must not exist
    }
    assertThat(bus.head("bookings")).as("a rolled-back change publishes nothing").isEqualTo(3);
  }

  @Test
  void listenerThatFellBehindDeletedRowsEndsItsSubscriptionsSoTheyResumeWithAReset() throws Exception {
    VirtualScheduler scheduler = new VirtualScheduler();
    String listenerName = "cls-behind-" + suffix;
    try (PostgresRealtimeBus away = PostgresRealtimeBus.builder().dataSource(pool).tableName(schema + ".outbox")
        .listenerName(listenerName).scheduler(scheduler).retentionInterval(null)
        .reconnectPolicy(RetryPolicy.builder().initialDelay(Duration.ofSeconds(1)).noDeadline().build()).build()) {
      CompletableFuture<CloseReason> closed = new CompletableFuture<>();
      Subscription s = away.subscribe(Set.of("t"), Cursor.EMPTY, new RealtimeListener() {
        @Override
        public void onEvent(ChangeEvent event) {}

        @Override
        public void onClosed(CloseReason reason) {
          closed.complete(reason);
        }
      });
      // the listener connects on its own thread after build(): under load it may not be
      // connected (or named) yet, and a termination that finds no backend would leave it
      // connected and this case waiting for a reconnect that never comes; so terminate until
      // one backend of that name was hit
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
          .until(() -> terminate(listenerName) == 1);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.pendingCount() > 0);
      for (int i = 0; i < 30; i++) {
        bus.publish(ChangeDraft.broadcast("t", null));
      }
      assertThat(bus.deleteTrimmed(1_000)).as("30 published, 10 kept").isEqualTo(20);
      scheduler.advance(Duration.ofSeconds(10));
      assertThat(closed.get(10, TimeUnit.SECONDS)).isEqualTo(CloseReason.FAILED);
      assertThat(s.isOpen()).isFalse();
      Replay r = away.replay("t", 0);
      assertThat(r.isGap()).as("the client resuming from 0 is told to reset").isTrue();
    }
  }

  @Test
  void schemaScriptSplitsAroundFunctionBodiesAndIsIdempotent() {
    List<String> statements = new RealtimeSql("s.outbox").schemaStatements();
    assertThat(statements).hasSize(5);
    assertThat(statements.get(3)).startsWith("CREATE OR REPLACE FUNCTION s.outbox_publish(").endsWith("END $$");
    assertThat(statements.get(4)).contains("TG_OP = 'DELETE'").endsWith("END $$");
    bus.createSchema(); // again: nothing changes, nothing fails
  }

  @Test
  void builderAndTriggerArgumentsAreValidatedEagerly() {
    assertThatThrownBy(() -> PostgresRealtimeBus.builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessage("dataSource must be set");
    assertThatThrownBy(() -> PostgresRealtimeBus.builder().tableName("Bad-Name")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PostgresRealtimeBus.builder().maxEventsPerTopic(0))
        .hasMessage("maxEventsPerTopic must be between 1 and 1000000000: 0");
    assertThatThrownBy(() -> PostgresRealtimeBus.builder().pollInterval(Duration.ofMillis(1)))
        .hasMessage("pollInterval must be between 10 ms and 1 hour: PT0.001S");
    assertThatThrownBy(() -> PostgresRealtimeBus.builder().listenerName("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PostgresRealtimeBus.builder().minRetention(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> bus.installTrigger("x; drop table y", "t", "id")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> bus.installTrigger("x", "t", "Id")).hasMessage("keyColumn must be lowercase letters, digits and underscores: Id");
    assertThatThrownBy(() -> bus.installTrigger("x", "bad topic", "id")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> bus.deleteTrimmed(0)).hasMessage("batch must be at least 1: 0");
  }
}
