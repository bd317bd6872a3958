package dev.closedloop.sync.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.testkit.RealtimeBusCompatibilityKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The outbox bus passes the bus kit on a real PostgreSQL, in a schema of its own. */
class PostgresRealtimeBusCompatibilityTest extends RealtimeBusCompatibilityKit {
  private static final String SCHEMA = JdbcTestSupport.newSchemaName();
  private static final String TABLE = SCHEMA + ".outbox";
  private static String url;
  private static HikariDataSource pool;

  @BeforeAll
  static void connect() throws Exception {
    url = JdbcTestSupport.url();
    JdbcTestSupport.createSchema(url, SCHEMA);
    pool = JdbcTestSupport.pool(url, "cls-bus-kit-" + SCHEMA, 12);
  }

  @AfterAll
  static void cleanUp() throws Exception {
    if (pool != null) {
      pool.close();
      JdbcTestSupport.dropSchema(url, SCHEMA);
    }
  }

  @Override
  protected RealtimeBus createBus(int replayCapacity) {
    return PostgresRealtimeBus.builder()
        .dataSource(pool)
        .tableName(TABLE)
        .createSchema(true)
        .maxEventsPerTopic(replayCapacity)
        .build();
  }
}
