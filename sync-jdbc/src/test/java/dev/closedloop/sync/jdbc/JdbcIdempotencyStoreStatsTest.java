package dev.closedloop.sync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyStoreStats;
import dev.closedloop.sync.idempotency.IdempotencyStoreUnavailableException;
import dev.closedloop.sync.idempotency.StoredResponse;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/** {@link JdbcIdempotencyStore#stats()} on a real PostgreSQL: what this instance asked and was answered. */
class JdbcIdempotencyStoreStatsTest {
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final Duration DAY = Duration.ofDays(1);

  private final String schema = JdbcTestSupport.newSchemaName();
  private final String table = schema + ".idem";
  private String url;
  private HikariDataSource pool;
  private JdbcIdempotencyStore store;

  @BeforeEach
  void connect() throws SQLException {
    url = JdbcTestSupport.url();
    JdbcTestSupport.createSchema(url, schema);
    pool = JdbcTestSupport.pool(url, "cls-test-" + schema, 4);
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
    return IdempotencyKey.of("principal:ann", k);
  }

  private static StoredResponse ok(String body) {
    return StoredResponse.of(200, Map.of(), body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void everyAnswerIsCountedTakeoversAmongTheClaims() throws SQLException {
    String t1 = ((ClaimResult.Claimed) store.claim(key("a"), "fp", LEASE)).token();
    assertThat(store.claim(key("a"), "fp", LEASE)).isInstanceOf(ClaimResult.InProgress.class);
    assertThat(store.claim(key("a"), "other", LEASE)).isInstanceOf(ClaimResult.Mismatch.class);
    assertThat(store.renew(key("a"), t1, LEASE)).isTrue();
    assertThat(store.complete(key("a"), "not-the-owner", ok("x"), DAY)).isFalse();
    assertThat(store.complete(key("a"), t1, ok("{\"id\":1}"), DAY)).isTrue();
    assertThat(store.claim(key("a"), "fp", LEASE)).isInstanceOf(ClaimResult.Completed.class);
    String t2 = ((ClaimResult.Claimed) store.claim(key("b"), "fp", LEASE)).token();
    assertThat(store.release(key("b"), t2)).isTrue();
    assertThat(store.release(key("b"), t2)).isFalse();
    store.claim(key("c"), "fp", LEASE);
    try (Connection c = pool.getConnection()) { // c's lease ran out: the next claim takes it over
      c.createStatement().execute("UPDATE " + table + " SET lease_expires_at = now() - interval '1 second',"
          + " expires_at = now() - interval '1 second' WHERE client_key = 'c'");
    }
    assertThat(store.claim(key("c"), "fp", LEASE)).isInstanceOf(ClaimResult.Claimed.class);

    IdempotencyStoreStats s = store.stats();
    assertThat(s.claims()).isEqualTo(4);
    assertThat(s.takeovers()).isEqualTo(1);
    assertThat(s.conflicts()).isEqualTo(1);
    assertThat(s.mismatches()).isEqualTo(1);
    assertThat(s.replays()).isEqualTo(1);
    assertThat(s.completions()).isEqualTo(1);
    assertThat(s.releases()).isEqualTo(1);
    assertThat(s.renewals()).isEqualTo(1);
    assertThat(s.staleOwnerRejections()).isEqualTo(2);
    assertThat(s.unavailable()).isZero();
    assertThat(s.entries()).as("kept in the table").isEqualTo(-1);
  }

  @Test
  void anUnreachableDatabaseCountsAsUnavailable() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    PGSimpleDataSource nowhere = new PGSimpleDataSource();
    nowhere.setServerNames(new String[] {"127.0.0.1"});
    nowhere.setPortNumbers(new int[] {closedPort});
    nowhere.setDatabaseName("test");
    nowhere.setConnectTimeout(1);
    try (JdbcIdempotencyStore down = JdbcIdempotencyStore.builder().dataSource(nowhere).tableName(table).build()) {
      assertThatThrownBy(() -> down.claim(key("a"), "fp", LEASE))
          .isInstanceOf(IdempotencyStoreUnavailableException.class);
      assertThatThrownBy(() -> down.renew(key("a"), "t", LEASE))
          .isInstanceOf(IdempotencyStoreUnavailableException.class);
      assertThat(down.stats().unavailable()).isEqualTo(2);
      assertThat(down.stats().claims()).isZero();
    }
  }
}
