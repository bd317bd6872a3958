package dev.closedloop.sync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store's database connection is terminated by the server ({@code pg_terminate_backend})
 * while a claim is in flight. To hold the claim in flight deterministically, the test inserts
 * the same key in a transaction it keeps open: the store's {@code INSERT … ON CONFLICT} then
 * waits for that row's lock until its backend is terminated.
 */
class JdbcConnectionFaultTest {
  private final String schema = JdbcTestSupport.newSchemaName();
  private final String table = schema + ".idem";
  private final String applicationName = "cls-fault-" + schema;
  private final IdempotencyKey key = IdempotencyKey.of("fault", "k-1");
  private String url;
  private HikariDataSource pool;
  private JdbcIdempotencyStore store;

  @BeforeEach
  void connect() throws SQLException {
    url = JdbcTestSupport.url();
    JdbcTestSupport.createSchema(url, schema);
    pool = JdbcTestSupport.pool(url, applicationName, 1);
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

  /** Returns the pid of the store's backend while it waits for a lock, or -1. */
  private int waitingStoreBackend(Connection admin) throws SQLException {
    try (PreparedStatement s = admin.prepareStatement("SELECT pid FROM pg_stat_activity"
        + " WHERE application_name = ? AND wait_event_type = 'Lock'")) {
      s.setString(1, applicationName);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getInt(1) : -1;
      }
    }
  }

  private long rows() throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void claimWhoseConnectionIsTerminatedFailsCleanlyStoresNothingAndTheRetrySucceeds() throws Exception {
    assertThat(store.claim(IdempotencyKey.of("fault", "warm-up"), "fp", Duration.ofSeconds(30)))
        .isInstanceOf(ClaimResult.Claimed.class);
    CompletableFuture<ClaimResult> claim;
    try (Connection blocker = DriverManager.getConnection(url); Connection admin = DriverManager.getConnection(url)) {
      blocker.setAutoCommit(false);
      try (PreparedStatement s = blocker.prepareStatement("INSERT INTO " + table + " (key_hash, scope, client_key,"
          + " fingerprint, token, state, lease_expires_at, expires_at) VALUES (?, 'fault', 'k-1', 'fp', 'blocker',"
          + " 'in_progress', now(), now())")) {
        s.setBytes(1, JdbcIdempotencyStore.hash(key));
        s.executeUpdate();
      }
      claim = CompletableFuture.supplyAsync(() -> store.claim(key, "fp", Duration.ofSeconds(30)));
      await().atMost(Duration.ofSeconds(10)).until(() -> waitingStoreBackend(admin) > 0);
      int pid = waitingStoreBackend(admin);
      try (PreparedStatement kill = admin.prepareStatement("SELECT pg_terminate_backend(?)")) {
        kill.setInt(1, pid);
        try (ResultSet rs = kill.executeQuery()) {
          rs.next();
          assertThat(rs.getBoolean(1)).isTrue();
        }
      }
      assertThatThrownBy(() -> claim.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(JdbcStoreException.class)
          .hasMessageContaining("could not claim " + key)
          .hasMessageContaining(table);
      blocker.rollback();
    }

    assertThat(rows()).as("only the warm-up: nothing stored half-way").isOne();
    ClaimResult retry = store.claim(key, "fp", Duration.ofSeconds(30));
    assertThat(retry).as("the pool replaced the dead connection").isInstanceOf(ClaimResult.Claimed.class);
    assertThat(rows()).isEqualTo(2);
  }
}
