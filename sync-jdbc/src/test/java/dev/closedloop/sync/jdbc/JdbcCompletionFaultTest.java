package dev.closedloop.sync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import dev.closedloop.sync.servlet.testing.GatedApp;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, item 1, on PostgreSQL: another session locks the store's table ({@code LOCK TABLE ...
 * IN ACCESS EXCLUSIVE MODE}, this test's own table) after the claim, and the backend of the
 * blocked completing {@code UPDATE} is terminated ({@code pg_terminate_backend}); the handler
 * still runs exactly once.
 */
class JdbcCompletionFaultTest {
  private static final Duration LEASE = Duration.ofSeconds(3);

  private final String schema = JdbcTestSupport.newSchemaName();
  private final String table = schema + ".idem";
  private String url;
  private HikariDataSource pool;
  private JdbcIdempotencyStore store;
  private GatedApp app;

  @BeforeEach
  void start() throws Exception {
    url = JdbcTestSupport.url();
    JdbcTestSupport.createSchema(url, schema);
    pool = JdbcTestSupport.pool(url, "cls-fault-" + schema, 4);
    store = JdbcIdempotencyStore.builder().dataSource(pool).tableName(table).createSchema(true).build();
    app = GatedApp.start(IdempotencyFilter.builder().store(store).lease(LEASE).build());
  }

  @AfterEach
  void stop() throws SQLException {
    if (app != null) {
      app.close();
    }
    if (store != null) {
      store.close();
    }
    if (pool != null) {
      pool.close();
    }
    if (url != null) {
      JdbcTestSupport.dropSchema(url, schema);
    }
  }

  @Test
  void tableLockedAndTheCompletingBackendTerminatedRunsTheHandlerOnce() throws Exception {
    CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> post("k-lock"));
    await().atMost(Duration.ofSeconds(10)).until(() -> app.executions() == 1);

    HttpResponse<String> answer;
    try (Connection locker = DriverManager.getConnection(url); Connection admin = DriverManager.getConnection(url)) {
      locker.setAutoCommit(false);
      try (Statement s = locker.createStatement()) {
        s.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
      }
      app.open();
      int victim = await().atMost(Duration.ofSeconds(10)).until(() -> blockedCompletion(admin), pid -> pid > 0);
      try (PreparedStatement kill = admin.prepareStatement("SELECT pg_terminate_backend(?)")) {
        kill.setInt(1, victim);
        kill.execute();
      }
      // the completion is retried on a new connection and blocks on the lock again
      await().atMost(Duration.ofSeconds(10)).until(() -> blockedCompletion(admin), pid -> pid > 0 && pid != victim);
      assertThat(first).as("the response is held until it is stored").isNotDone();
      locker.commit();
      answer = first.get(30, TimeUnit.SECONDS);
    }
    assertThat(answer.statusCode()).isEqualTo(201);

    await().atMost(Duration.ofSeconds(10)).until(this::storedOrDead);
    HttpResponse<String> retry = post("k-lock");
    assertThat(retry.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(retry.body()).isEqualTo(answer.body());
    assertThat(app.executions()).as("executions").isEqualTo(1);
  }

  /** The pid of a backend whose completing UPDATE of this test's table waits for a lock, or 0. */
  private int blockedCompletion(Connection admin) throws SQLException {
    try (PreparedStatement q = admin.prepareStatement("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        + " AND query LIKE ? AND query LIKE '%state = ''completed''%' LIMIT 1")) {
      q.setString(1, "UPDATE " + table + " %");
      try (ResultSet r = q.executeQuery()) {
        return r.next() ? r.getInt(1) : 0;
      }
    }
  }

  private boolean storedOrDead() throws SQLException {
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT state = 'completed' OR expires_at <= now() FROM " + table)) {
      return r.next() && r.getBoolean(1);
    }
  }

  private HttpResponse<String> post(String key) {
    try {
      return app.post(key);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
