package dev.closedloop.sync.jdbc;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * Where the tests find PostgreSQL: {@code SYNC_JDBC_URL}, default {@value #DEFAULT_URL}. Without
 * a reachable server the tests are skipped with a message saying how to start one, except when
 * {@code CI=true}, where they fail. Each test class works in a schema of its own and drops it.
 */
final class JdbcTestSupport {
  static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

  private JdbcTestSupport() {}

  /** Returns the server's JDBC URL, or skips (fails under CI) when it cannot be reached. */
  static String url() {
    String env = System.getenv("SYNC_JDBC_URL");
    String url = env == null || env.isBlank() ? DEFAULT_URL : env;
    DriverManager.setLoginTimeout(3);
    try (Connection c = DriverManager.getConnection(url)) {
      c.isValid(3);
    } catch (SQLException e) {
      String message = "PostgreSQL is not reachable at " + url + " (" + e.getMessage() + "). Start one with"
          + " `pg_ctlcluster 15 main start` (trust auth, `createdb -U postgres test`) or `docker run -d -p"
          + " 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:15`, or point"
          + " SYNC_JDBC_URL at one.";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(message + " CI=true: a missing server fails the build.");
      }
      abort(message);
    }
    return url;
  }

  /** Returns a schema name no other run uses. */
  static String newSchemaName() {
    return "cls_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  /** Returns a pool on {@code url} whose connections carry {@code applicationName}. */
  static HikariDataSource pool(String url, String applicationName, int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(5000);
    config.setPoolName(applicationName);
    config.addDataSourceProperty("ApplicationName", applicationName);
    return new HikariDataSource(config);
  }

  static void execute(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  static void createSchema(String url, String schema) throws SQLException {
    execute(url, "CREATE SCHEMA " + schema);
  }

  static void dropSchema(String url, String schema) throws SQLException {
    execute(url, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }
}
