package dev.closedloop.sync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.zaxxer.hikari.HikariDataSource;
import dev.closedloop.sync.idempotency.Idempotency;
import dev.closedloop.sync.idempotency.IdempotencyAttempt;
import dev.closedloop.sync.idempotency.IdempotencyInProgressException;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyKeyReusedException;
import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import dev.closedloop.sync.idempotency.ResultCodec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.groups.Tuple;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link JdbcAuditListener} as a listener of the plain-Java {@link Idempotency} (a message
 * consumer's): one row per call, on a real PostgreSQL, with method {@code EXECUTE} and the
 * {@code Idempotency}'s name as the route.
 */
class JdbcAuditListenerPlainApiTest {
  private final String schema = JdbcTestSupport.newSchemaName();
  private final String table = schema + ".audit";
  private String url;
  private HikariDataSource pool;
  private JdbcAuditLog audit;

  @BeforeEach
  void connect() throws SQLException {
    url = JdbcTestSupport.url();
    JdbcTestSupport.createSchema(url, schema);
    pool = JdbcTestSupport.pool(url, "cls-audit-plain-" + schema, 2);
    audit = JdbcAuditLog.builder().dataSource(pool).tableName(table).createSchema(true).node("consumer-1")
        .retryInterval(Duration.ofMillis(100)).build();
  }

  @AfterEach
  void close() throws SQLException {
    if (url == null) {
      return; // skipped: no server
    }
    audit.close(Duration.ofSeconds(2));
    pool.close();
    JdbcTestSupport.dropSchema(url, schema);
  }

  @Test
  void everyCallOfAMessageConsumerIsOneRow() throws SQLException {
    Idempotency idempotency = Idempotency.builder()
        .store(InMemoryIdempotencyStore.ofDefaults())
        .name("ledger-consumer")
        .listener(new JdbcAuditListener(audit))
        .build();
    String fp = Idempotency.fingerprint("credit acc-1 100");

    idempotency.execute("ledger", "m-1", fp, () -> "receipt 1", ResultCodec.utf8());
    idempotency.execute("ledger", "m-1", fp, () -> "receipt 2", ResultCodec.utf8()); // redelivered
    assertThatThrownBy(() -> idempotency.execute("ledger", "m-1", Idempotency.fingerprint("credit acc-1 999"),
        () -> "receipt 3", ResultCodec.utf8())).isInstanceOf(IdempotencyKeyReusedException.class);
    assertThat(idempotency.begin(IdempotencyKey.of("ledger", "m-2"), fp)).isInstanceOf(IdempotencyAttempt.Claimed.class);
    assertThatThrownBy(() -> idempotency.execute("ledger", "m-2", fp, () -> "receipt 4", ResultCodec.utf8()))
        .isInstanceOf(IdempotencyInProgressException.class);

    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> audit.written() == 4);
    assertThat(rows()).containsExactlyInAnyOrder(
        tuple("first", "EXECUTE", "ledger-consumer", 200, IdempotencyKey.of("ledger", "m-1").redacted()),
        tuple("replayed", "EXECUTE", "ledger-consumer", 200, IdempotencyKey.of("ledger", "m-1").redacted()),
        tuple("mismatch", "EXECUTE", "ledger-consumer", 422, IdempotencyKey.of("ledger", "m-1").redacted()),
        tuple("conflict", "EXECUTE", "ledger-consumer", 409, IdempotencyKey.of("ledger", "m-2").redacted()));
    assertThat(audit.dropped()).isZero();
  }

  private List<Tuple> rows() throws SQLException {
    List<Tuple> rows = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url); ResultSet rs = c.createStatement().executeQuery(
        "SELECT outcome, method, route, status, key_hash FROM " + table)) {
      while (rs.next()) {
        rows.add(tuple(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getString(5)));
      }
    }
    return rows;
  }
}
