package dev.closedloop.sync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.StoredResponse;
import dev.closedloop.sync.time.VirtualScheduler;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the JDBC store writes, and how it behaves beyond the kit, on a real PostgreSQL. */
class JdbcIdempotencyStoreTest {
  private final String schema = JdbcTestSupport.newSchemaName();
  private final String table = schema + ".idem";
  private String url;
  private HikariDataSource pool;
  private JdbcIdempotencyStore store;

  @BeforeEach
  void connect() throws SQLException {
    url = JdbcTestSupport.url();
    JdbcTestSupport.createSchema(url, schema);
    pool = JdbcTestSupport.pool(url, "cls-test-" + schema, 8);
    store = JdbcIdempotencyStore.builder().dataSource(pool).tableName(table).createSchema(true).build();
  }

  @AfterEach
  void close() throws SQLException {
    if (url == null) {
      return; // skipped: no server
    }
    if (store != null) {
      store.close();
    }
    if (pool != null) {
      pool.close();
    }
    JdbcTestSupport.dropSchema(url, schema);
  }

  private static IdempotencyKey key(String k) {
    return IdempotencyKey.of("principal:alice", k);
  }

  private String claimed(JdbcIdempotencyStore s, String k) {
    ClaimResult r = s.claim(key(k), "fp", Duration.ofSeconds(30));
    assertThat(r).isInstanceOf(ClaimResult.Claimed.class);
    return ((ClaimResult.Claimed) r).token();
  }

  private long count(String where) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM " + table + " WHERE " + where)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Moves a row's expiry into the past, as if its time had run out. */
  private void kill(String k) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        PreparedStatement s = c.prepareStatement(
            "UPDATE " + table + " SET expires_at = now() - interval '1 second',"
                + " lease_expires_at = least(lease_expires_at, now() - interval '1 second') WHERE key_hash = ?")) {
      s.setBytes(1, JdbcIdempotencyStore.hash(key(k)));
      assertThat(s.executeUpdate()).isOne();
    }
  }

  @Test
  void schemaCreationIsRepeatableAndMakesTheTableAndItsExpiryIndex() throws SQLException {
    store.createSchema();
    try (Connection c = DriverManager.getConnection(url);
        ResultSet rs = c.createStatement().executeQuery(
            "SELECT indexname FROM pg_indexes WHERE schemaname = '" + schema + "' ORDER BY indexname")) {
      List<String> indexes = new ArrayList<>();
      while (rs.next()) {
        indexes.add(rs.getString(1));
      }
      assertThat(indexes).containsExactly("idem_expires_at_idx", "idem_pkey");
    }
  }

  @Test
  void storeOnAMissingTableFailsWithTheTableAndTheSqlState() {
    try (JdbcIdempotencyStore missing = JdbcIdempotencyStore.builder().dataSource(pool)
        .tableName(schema + ".nothing_here").build()) {
      assertThatThrownBy(() -> missing.claim(key("a"), "fp", Duration.ofSeconds(1)))
          .isInstanceOf(JdbcStoreException.class)
          .hasMessageContaining("could not claim")
          .hasMessageContaining(schema + ".nothing_here")
          .satisfies(e -> assertThat(((JdbcStoreException) e).sqlState()).isEqualTo("42P01"));
    }
  }

  @Test
  void claimRowCarriesTheKeyItsOwnerAndTheLeaseInDatabaseTime() throws SQLException {
    String token = claimed(store, "a");
    try (Connection c = DriverManager.getConnection(url);
        ResultSet rs = c.createStatement().executeQuery("SELECT scope, client_key, fingerprint, token, state,"
            + " extract(epoch FROM lease_expires_at - created_at) * 1000 AS lease_ms,"
            + " extract(epoch FROM expires_at - created_at) * 1000 AS life_ms FROM " + table)) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString("scope")).isEqualTo("principal:alice");
      assertThat(rs.getString("client_key")).isEqualTo("a");
      assertThat(rs.getString("fingerprint")).isEqualTo("fp");
      assertThat(rs.getString("token")).isEqualTo(token);
      assertThat(rs.getString("state")).isEqualTo("in_progress");
      assertThat(rs.getLong("lease_ms")).isEqualTo(30_000);
      assertThat(rs.getLong("life_ms")).isEqualTo(30_000);
      assertThat(rs.next()).isFalse();
    }
  }

  @Test
  void longestScopesAndKeysInAnyScriptFitTheHashedPrimaryKey() {
    IdempotencyKey big = IdempotencyKey.of("\u6f22".repeat(1024), "\ud83d\ude00".repeat(512));
    ClaimResult r = store.claim(big, "fp", Duration.ofSeconds(30));
    assertThat(r).isInstanceOf(ClaimResult.Claimed.class);
    StoredResponse response = StoredResponse.of(200, Map.of("X", List.of("\u6f22")), new byte[] {0, -1});
    assertThat(store.complete(big, ((ClaimResult.Claimed) r).token(), response, Duration.ofMinutes(1))).isTrue();
    assertThat(store.claim(big, "fp", Duration.ofSeconds(30))).isEqualTo(new ClaimResult.Completed(response));
  }

  @Test
  void expiredCompletedRowIsReplacedByTheNextClaim() throws SQLException {
    String first = claimed(store, "a");
    store.complete(key("a"), first, StoredResponse.of(200, Map.of(), new byte[3]), Duration.ofHours(1));
    kill("a");
    String second = claimed(store, "a");
    assertThat(second).isNotEqualTo(first);
    assertThat(count("state = 'in_progress' AND body IS NULL AND status IS NULL")).isOne();
  }

  @Test
  void racersForADeadRowTakeItOverExactlyOnce() throws Exception {
    claimed(store, "a");
    kill("a");
    int racers = 16;
    List<Callable<ClaimResult>> calls = new ArrayList<>();
    for (int i = 0; i < racers; i++) {
      calls.add(() -> store.claim(key("a"), "fp", Duration.ofSeconds(30)));
    }
    List<ClaimResult> results = race(calls);
    assertThat(results).filteredOn(r -> r instanceof ClaimResult.Claimed).hasSize(1);
    assertThat(results).filteredOn(r -> r instanceof ClaimResult.InProgress).hasSize(racers - 1);
  }

  @Test
  void reaperDeletesDeadRowsInBatchesAndKeepsLiveOnes() throws SQLException {
    for (int i = 0; i < 5; i++) {
      String t = claimed(store, "done-" + i);
      store.complete(key("done-" + i), t, StoredResponse.of(200, Map.of(), new byte[1]), Duration.ofHours(1));
    }
    for (int i = 0; i < 3; i++) {
      claimed(store, "live-" + i);
    }
    kill("done-0");
    kill("done-1");
    kill("done-2");
    kill("live-0");

    assertThat(store.reapExpired(3)).isEqualTo(3);
    assertThat(store.reapExpired(3)).isEqualTo(1);
    assertThat(store.reapExpired(3)).isZero();
    assertThat(count("true")).isEqualTo(4);
    assertThat(store.claim(key("done-3"), "fp", Duration.ofSeconds(30))).isInstanceOf(ClaimResult.Completed.class);
    assertThat(store.claim(key("live-1"), "fp", Duration.ofSeconds(30))).isInstanceOf(ClaimResult.InProgress.class);
    assertThatThrownBy(() -> store.reapExpired(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("batchSize must be between 1 and 100000: 0");
  }

  @Test
  void scheduledReaperRunsEveryIntervalUntilTheStoreCloses() throws SQLException {
    VirtualScheduler scheduler = new VirtualScheduler();
    JdbcIdempotencyStore reaped = JdbcIdempotencyStore.builder().dataSource(pool).tableName(table)
        .reaper(scheduler, Duration.ofMinutes(1)).reaperBatchSize(2).build();
    try {
      for (int i = 0; i < 5; i++) {
        claimed(reaped, "k-" + i);
        kill("k-" + i);
      }
      assertThat(scheduler.pendingCount()).isOne();
      scheduler.advance(Duration.ofSeconds(59));
      assertThat(count("true")).isEqualTo(5);
      scheduler.advance(Duration.ofSeconds(1));
      assertThat(count("true")).as("three batches of at most 2 in one run").isZero();
      assertThat(scheduler.pendingCount()).as("next run scheduled").isOne();
    } finally {
      reaped.close();
    }
    scheduler.advance(Duration.ofMinutes(5));
    assertThat(scheduler.pendingCount()).isZero();
  }

  @Test
  void poolLendingConnectionsWithoutAutocommitStillCommitsEachStatementAndGetsThemBackAsLent() throws Exception {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(1);
    config.setAutoCommit(false);
    try (HikariDataSource manual = new HikariDataSource(config);
        JdbcIdempotencyStore onManual = JdbcIdempotencyStore.builder().dataSource(manual).tableName(table).build()) {
      String token = claimed(onManual, "a");
      assertThat(onManual.complete(key("a"), token, StoredResponse.of(204, Map.of(), new byte[0]), Duration.ofHours(1)))
          .isTrue();
      assertThat(count("state = 'completed'")).as("visible to another connection: committed").isOne();
      try (Connection c = manual.getConnection()) {
        assertThat(c.getAutoCommit()).isFalse();
      }
    }
  }

  private static <T> List<T> race(List<Callable<T>> calls) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(calls.size());
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (Callable<T> c : calls) {
        futures.add(threads.submit(() -> {
          go.await();
          return c.call();
        }));
      }
      go.countDown();
      List<T> results = new ArrayList<>();
      for (Future<T> f : futures) {
        results.add(f.get(30, TimeUnit.SECONDS));
      }
      return results;
    } finally {
      threads.shutdownNow();
    }
  }
}
