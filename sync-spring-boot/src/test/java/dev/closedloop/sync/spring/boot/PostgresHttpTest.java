package dev.closedloop.sync.spring.boot;

import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.jdbc.JdbcIdempotencyStore;
import org.junit.jupiter.api.AfterAll;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The HTTP scenarios on the real PostgreSQL, found through {@code spring.datasource.url} alone:
 * the default rule picks the JDBC store and the PostgreSQL bus on the application's pool.
 */
class PostgresHttpTest extends HttpTestBase {
  private static final String TABLE = Services.unique("cls_boot_");

  @DynamicPropertySource
  static void postgres(DynamicPropertyRegistry registry) {
    registry.add("spring.datasource.url", Services::jdbcUrl);
    registry.add("closedloop.idempotency.table-name", () -> TABLE);
    registry.add("closedloop.realtime.table-name", () -> TABLE + "_rt");
  }

  @AfterAll
  static void dropTables() throws Exception {
    AutoConfigurationTest.dropTables(TABLE);
  }

  @Override
  Class<? extends IdempotencyStore> expectedStore() {
    return JdbcIdempotencyStore.class;
  }

  @Override
  String expectedBus() {
    return "PostgresRealtimeBus";
  }
}
