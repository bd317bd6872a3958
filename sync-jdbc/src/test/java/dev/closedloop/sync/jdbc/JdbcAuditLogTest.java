package dev.closedloop.sync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import dev.closedloop.sync.servlet.testing.EmbeddedJetty;
import dev.closedloop.sync.time.VirtualScheduler;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.groups.Tuple;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The audit log through the real path: requests over HTTP to embedded Jetty, the idempotency
 * filter, {@link JdbcAuditListener}, the writer thread, PostgreSQL. The database is made slow (a
 * lock held on the audit table) and down ({@code pg_terminate_backend} on the writer's backend)
 * while requests run.
 */
class JdbcAuditLogTest {
  private final String schema = JdbcTestSupport.newSchemaName();
  private final String table = schema + ".audit";
  private final String applicationName = "cls-audit-" + schema;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final Bookings app = new Bookings();
  private String url;
  private HikariDataSource pool;
  private JdbcAuditLog audit;
  private EmbeddedJetty jetty;

  @BeforeEach
  void connect() throws SQLException {
    url = JdbcTestSupport.url();
    JdbcTestSupport.createSchema(url, schema);
    pool = JdbcTestSupport.pool(url, applicationName, 1);
  }

  @AfterEach
  void close() throws SQLException {
    if (url == null) {
      return; // skipped: no server
    }
    if (jetty != null) {
      jetty.close();
    }
    if (audit != null) {
      audit.close(Duration.ofSeconds(2));
    }
    pool.close();
    JdbcTestSupport.dropSchema(url, schema);
  }

  /** Confirms bookings; {@code /api/bookings/slow/confirm} waits for {@link #gate}. */
  static final class Bookings extends HttpServlet {
    private static final long serialVersionUID = 1L;
    final AtomicInteger runs = new AtomicInteger();
    volatile CountDownLatch gate = new CountDownLatch(0);

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      runs.incrementAndGet();
      req.getInputStream().readAllBytes();
      if (req.getRequestURI().contains("/slow/")) {
        try {
          gate.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      resp.setStatus(201);
      resp.setContentType("application/json");
      resp.getWriter().print("{\"confirmed\":true}");
    }
  }

  private void start(JdbcAuditLogBuilder builder) throws Exception {
    audit = builder.dataSource(pool).tableName(table).createSchema(true).node("node-a")
        .retryInterval(Duration.ofMillis(100)).build();
    IdempotencyFilter filter = IdempotencyFilter.builder()
        .store(InMemoryIdempotencyStore.ofDefaults())
        .scopeResolver(request -> "user:" + request.getHeader("X-User"))
        .requireKey("/api/*")
        .listener(new JdbcAuditListener(audit))
        .build();
    jetty = EmbeddedJetty.start(context -> {
      filter.register(context.getServletContext(), "/api/*");
      context.addServlet(new ServletHolder(app), "/api/*");
    });
  }

  private HttpResponse<String> confirm(String user, String booking, String key, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(jetty.uri("/api/bookings/" + booking + "/confirm"))
        .header("X-User", user).header("Idempotency-Key", key).header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private List<Tuple> rows() throws SQLException {
    List<Tuple> rows = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url); ResultSet rs = c.createStatement().executeQuery(
        "SELECT outcome, scope_hash, key_hash, method, route, status, node FROM " + table)) {
      while (rs.next()) {
        rows.add(tuple(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
            rs.getInt(6), rs.getString(7)));
      }
    }
    return rows;
  }

  private long count() throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static Tuple row(String outcome, String user, String key, String booking, int status) {
    return tuple(outcome, IdempotencyKey.redact("user:" + user), IdempotencyKey.of("user:" + user, key).redacted(),
        "POST", "/api/bookings/" + booking + "/confirm", status, "node-a");
  }

  /** The writer's backend while it waits for a lock, or -1. */
  private int writerWaitingForLock(Connection admin) throws SQLException {
    try (PreparedStatement s = admin.prepareStatement("SELECT pid FROM pg_stat_activity"
        + " WHERE application_name = ? AND wait_event_type = 'Lock'")) {
      s.setString(1, applicationName);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getInt(1) : -1;
      }
    }
  }

  @Test
  void rowsMatchTheRequestsExactlyAndTheGuideQueryAnswersWhoConfirmedBooking42() throws Exception {
    Instant before = Instant.now();
    start(JdbcAuditLog.builder());
    assertThat(confirm("alice", "42", "k-42", "{}").statusCode()).isEqualTo(201);
    assertThat(confirm("alice", "42", "k-42", "{}").headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(confirm("alice", "42", "k-42", "{}").statusCode()).isEqualTo(201);
    assertThat(confirm("alice", "42", "k-42", "{\"seats\":2}").statusCode()).isEqualTo(422);
    assertThat(confirm("bob", "7", "k-7", "{}").statusCode()).isEqualTo(201);
    app.gate = new CountDownLatch(1);
    CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> {
      try {
        return confirm("bob", "slow", "k-slow", "{}");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> app.runs.get() == 3);
    assertThat(confirm("bob", "slow", "k-slow", "{}").statusCode()).isEqualTo(409);
    app.gate.countDown();
    assertThat(slow.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(201);

    await().atMost(Duration.ofSeconds(10)).until(() -> audit.written() == 7);
    assertThat(rows()).containsExactlyInAnyOrder(
        row("first", "alice", "k-42", "42", 201),
        row("replayed", "alice", "k-42", "42", 201),
        row("replayed", "alice", "k-42", "42", 201),
        row("mismatch", "alice", "k-42", "42", 422),
        row("first", "bob", "k-7", "7", 201),
        row("first", "bob", "k-slow", "slow", 201),
        row("conflict", "bob", "k-slow", "slow", 409));
    assertThat(count()).isEqualTo(7);
    assertThat(audit.written()).isEqualTo(7);
    assertThat(audit.dropped()).isZero();

    // the guide's query, as printed there
    String guideQuery = "SELECT f.scope_hash AS who, f.at AS confirmed_at, f.status,"
        + " count(r.*) FILTER (WHERE r.outcome <> 'first') AS retries_that_reached_us"
        + " FROM " + table + " f LEFT JOIN " + table + " r ON r.key_hash = f.key_hash AND r.route = f.route"
        + " WHERE f.route = '/api/bookings/42/confirm' AND f.outcome = 'first'"
        + " GROUP BY f.entry_id, f.scope_hash, f.at, f.status ORDER BY f.at";
    try (Connection c = DriverManager.getConnection(url); ResultSet rs = c.createStatement().executeQuery(guideQuery)) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString("who")).isEqualTo(IdempotencyKey.redact("user:alice"));
      assertThat(rs.getTimestamp("confirmed_at").toInstant()).isBetween(before.minusSeconds(1), Instant.now());
      assertThat(rs.getInt("status")).isEqualTo(201);
      assertThat(rs.getLong("retries_that_reached_us")).isEqualTo(3);
      assertThat(rs.next()).isFalse();
    }
    try (Connection c = DriverManager.getConnection(url); ResultSet rs = c.createStatement().executeQuery(
        "SELECT '#' || left(encode(sha256(convert_to('user:alice', 'UTF8')), 'hex'), 8)")) {
      rs.next();
      assertThat(rs.getString(1)).as("a known caller's hash, computed in SQL").isEqualTo(IdempotencyKey.redact("user:alice"));
    }
  }

  @Test
  void aSlowDatabaseAndAKilledWriterCostNoRequestAndTheWriterResumes() throws Exception {
    start(JdbcAuditLog.builder());
    int requests = 30;
    try (Connection locker = DriverManager.getConnection(url); Connection admin = DriverManager.getConnection(url)) {
      locker.setAutoCommit(false);
      locker.createStatement().execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
      assertThat(confirm("alice", "1", "k-1", "{}").statusCode()).isEqualTo(201);
      await().atMost(Duration.ofSeconds(10)).until(() -> writerWaitingForLock(admin) > 0);
      int firstBackend = writerWaitingForLock(admin);

      long start = System.nanoTime();
      for (int i = 2; i <= requests / 2; i++) {
        assertThat(confirm("alice", String.valueOf(i), "k-" + i, "{}").statusCode()).isEqualTo(201);
      }
      try (PreparedStatement kill = admin.prepareStatement("SELECT pg_terminate_backend(?)")) {
        kill.setInt(1, firstBackend);
        kill.executeQuery();
      }
      for (int i = requests / 2 + 1; i <= requests; i++) {
        assertThat(confirm("alice", String.valueOf(i), "k-" + i, "{}").statusCode()).isEqualTo(201);
      }
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(elapsedMs).as("29 requests while the audit table was locked").isLessThan(8_000);
      await().atMost(Duration.ofSeconds(10))
          .until(() -> writerWaitingForLock(admin) > 0 && writerWaitingForLock(admin) != firstBackend);
      assertThat(audit.failedBatches()).as("the killed batch").isGreaterThanOrEqualTo(1);
      assertThat(audit.written()).isZero();
      locker.rollback();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> audit.written() == requests);
    assertThat(count()).as("every row once: none lost, none twice").isEqualTo(requests);
    assertThat(audit.dropped()).isZero();
    assertThat(app.runs.get()).isEqualTo(requests);
  }

  @Test
  void aFullQueueDropsRowsCountsThemAndNeverHoldsARequest() throws Exception {
    start(JdbcAuditLog.builder().queueCapacity(5).batchSize(1));
    try (Connection locker = DriverManager.getConnection(url); Connection admin = DriverManager.getConnection(url)) {
      locker.setAutoCommit(false);
      locker.createStatement().execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
      assertThat(confirm("alice", "1", "k-1", "{}").statusCode()).isEqualTo(201);
      await().atMost(Duration.ofSeconds(10)).until(() -> writerWaitingForLock(admin) > 0);
      for (int i = 2; i <= 20; i++) {
        assertThat(confirm("alice", String.valueOf(i), "k-" + i, "{}").statusCode()).isEqualTo(201);
      }
      // a first execution is reported just after its response is sent: wait for the last report
      await().atMost(Duration.ofSeconds(5)).until(() -> audit.dropped() + audit.pending() == 20);
      assertThat(audit.dropped()).as("1 in the writer's hand, 5 queued, the rest dropped").isEqualTo(14);
      assertThat(audit.pending()).isEqualTo(6);
      locker.rollback();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> audit.written() == 6);
    assertThat(count()).isEqualTo(6);
  }

  @Test
  void theReaperDeletesRowsOlderThanTheRetentionInBatches() throws Exception {
    VirtualScheduler scheduler = new VirtualScheduler();
    audit = JdbcAuditLog.builder().dataSource(pool).tableName(table).createSchema(true)
        .retention(Duration.ofDays(30), scheduler, Duration.ofMinutes(10)).reaperBatchSize(2).build();
    IdempotencyKey key = IdempotencyKey.of("user:alice", "k");
    Instant now = Instant.now();
    for (int i = 0; i < 5; i++) {
      audit.append(AuditEntry.of(now.minus(Duration.ofDays(31 + i)), key, "first", "POST", "/old", 201, 1000));
    }
    for (int i = 0; i < 3; i++) {
      audit.append(AuditEntry.of(now.minus(Duration.ofDays(29)), key, "replayed", "POST", "/kept", 201, 1000));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> audit.written() == 8);

    assertThat(scheduler.advance(Duration.ofMinutes(10))).isEqualTo(1);
    assertThat(count()).as("three batches of at most 2 in one run").isEqualTo(3);
    assertThat(rows()).extracting(t -> t.toList().get(4)).containsOnly("/kept");
    assertThat(scheduler.pendingCount()).as("the next run is scheduled").isEqualTo(1);
    audit.close();
    assertThat(scheduler.pendingCount()).isZero();
  }
}
