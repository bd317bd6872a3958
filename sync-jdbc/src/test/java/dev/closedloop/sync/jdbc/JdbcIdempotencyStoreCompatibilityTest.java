package dev.closedloop.sync.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.testkit.IdempotencyStoreCompatibilityKit;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The JDBC store passes the compatibility kit on a real PostgreSQL, on database time: short real
 * leases and retentions, and {@link #advanceTime} sleeps (the one place the kit allows it).
 */
class JdbcIdempotencyStoreCompatibilityTest extends IdempotencyStoreCompatibilityKit {
  private static final Duration LEASE = Duration.ofMillis(400);
  private static final String SCHEMA = JdbcTestSupport.newSchemaName();
  private static final String TABLE = SCHEMA + ".idem";
  private static String url;
  private static HikariDataSource pool;

  @BeforeAll
  static void connect() throws Exception {
    url = JdbcTestSupport.url();
    JdbcTestSupport.createSchema(url, SCHEMA);
    pool = JdbcTestSupport.pool(url, "cls-kit-" + SCHEMA, 8);
    JdbcIdempotencyStore.builder().dataSource(pool).tableName(TABLE).createSchema(true).build().close();
  }

  @AfterAll
  static void cleanUp() throws Exception {
    if (pool != null) {
      pool.close();
      JdbcTestSupport.dropSchema(url, SCHEMA);
    }
  }

  @Override
  protected IdempotencyStore newStore(StoreOptions options) {
    return JdbcIdempotencyStore.builder()
        .dataSource(pool)
        .tableName(TABLE)
        .expiredLeasePolicy(options.expiredLeasePolicy())
        .maxResponseBytes(options.maxResponseBytes())
        .abandonedClaimRetention(options.abandonedClaimRetention())
        .build();
  }

  @Override
  protected void closeStore(IdempotencyStore store) {
    ((JdbcIdempotencyStore) store).close();
  }

  @Override
  protected boolean boundsEntries() {
    return false; // the table is bounded by the reaper and the database, not by an entry count
  }

  @Override
  protected Duration lease() {
    return LEASE;
  }

  @Override
  protected Duration retention() {
    return LEASE.multipliedBy(3);
  }

  @Override
  protected Duration abandonedClaimRetention() {
    return LEASE.multipliedBy(4);
  }

  @Override
  protected void advanceTime(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for database time to pass", e);
    }
  }
}
