package dev.closedloop.sync.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.jdbc.JdbcAuditListener;
import dev.closedloop.sync.jdbc.JdbcAuditLog;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/**
 * The demo's endpoints with the PostgreSQL audit log as a filter listener: after a run of real
 * requests (first runs, a replay, a mismatch, a 404 that is stored), the audit table holds
 * exactly one row per request, as the guide's query reads it.
 */
class AuditedDemoTest {
  @Test
  void theAuditTableMatchesARunOfTheDemosEndpointsExactly() throws Exception {
    String url = System.getenv().getOrDefault("SYNC_JDBC_URL", Backends.DEFAULT_JDBC_URL);
    SharedStoreTest.reachable("postgresql://" + URI.create(url.substring("jdbc:".length())).getAuthority());
    String table = "demo_audit_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (HikariDataSource pool = Backends.postgresPool(url)) {
      JdbcAuditLog audit = JdbcAuditLog.builder().dataSource(pool).tableName(table).createSchema(true)
          .node("demo-1").build();
      try (DemoServer server = DemoServer.builder().filterListener(new JdbcAuditListener(audit)).build().start()) {
        TestHttp http = new TestHttp(server);
        String leads = "{\"ids\":[\"lead-1\",\"lead-2\"],\"status\":\"WON\"}";
        assertThat(http.send("POST", "/api/bookings/1001/confirm", "k-1", "{}").statusCode()).isEqualTo(200);
        assertThat(http.send("POST", "/api/bookings/1001/confirm", "k-1", "{}").statusCode()).isEqualTo(200);
        assertThat(http.send("PATCH", "/api/leads/status", "k-2", leads).statusCode()).isEqualTo(200);
        assertThat(http.send("PATCH", "/api/leads/status", "k-2", leads.replace("WON", "LOST")).statusCode())
            .isEqualTo(422);
        assertThat(http.send("POST", "/api/sms", "k-3", "{\"to\":\"+15550100\",\"text\":\"hi\"}").statusCode())
            .isEqualTo(200);
        assertThat(http.send("POST", "/api/bookings/9999/confirm", "k-4", "{}").statusCode()).isEqualTo(404);

        await().atMost(Duration.ofSeconds(10)).until(() -> audit.written() == 6);
        assertThat(rows(pool, table)).containsExactlyInAnyOrder(
            row("first", "k-1", "POST", "/api/bookings/1001/confirm", 200),
            row("replayed", "k-1", "POST", "/api/bookings/1001/confirm", 200),
            row("first", "k-2", "PATCH", "/api/leads/status", 200),
            row("mismatch", "k-2", "PATCH", "/api/leads/status", 422),
            row("first", "k-3", "POST", "/api/sms", 200),
            row("first", "k-4", "POST", "/api/bookings/9999/confirm", 404));
        assertThat(audit.dropped()).isZero();
      } finally {
        audit.close();
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
          s.execute("DROP TABLE IF EXISTS " + table);
        }
      }
    }
  }

  private static Tuple row(String outcome, String key, String method, String route, int status) {
    String scope = "client:" + TestHttp.CLIENT_ID;
    return tuple(outcome, IdempotencyKey.redact(scope), IdempotencyKey.of(scope, key).redacted(), method, route,
        status, "demo-1");
  }

  private static List<Tuple> rows(HikariDataSource pool, String table) throws Exception {
    List<Tuple> rows = new ArrayList<>();
    try (Connection c = pool.getConnection(); ResultSet rs = c.createStatement().executeQuery(
        "SELECT outcome, scope_hash, key_hash, method, route, status, node FROM " + table)) {
      while (rs.next()) {
        rows.add(tuple(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
            rs.getInt(6), rs.getString(7)));
      }
    }
    return rows;
  }
}
