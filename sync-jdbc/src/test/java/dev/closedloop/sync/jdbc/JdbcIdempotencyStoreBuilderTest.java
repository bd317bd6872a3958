package dev.closedloop.sync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.time.VirtualScheduler;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Builder validation and the shipped schema; nothing here needs a server. */
class JdbcIdempotencyStoreBuilderTest {
  @Test
  void nullsAreRejectedWithTheArgumentsName() {
    JdbcIdempotencyStoreBuilder b = JdbcIdempotencyStore.builder();
    assertThatThrownBy(() -> b.dataSource(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("dataSource cannot be null");
    assertThatThrownBy(() -> b.tableName(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("tableName cannot be null");
    assertThatThrownBy(() -> b.expiredLeasePolicy(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("policy cannot be null");
    assertThatThrownBy(() -> b.reaper(null, Duration.ofMinutes(1))).isInstanceOf(NullPointerException.class)
        .hasMessage("scheduler cannot be null");
  }

  @Test
  void tableNamesThatWouldNeedQuotingOrCouldInjectAreRejected() {
    JdbcIdempotencyStoreBuilder b = JdbcIdempotencyStore.builder();
    for (String bad : List.of("", "Idem", "idem; DROP TABLE users", "a.b.c", "1idem", "idem-x", "\"idem\"",
        "x".repeat(50), "s." + "x".repeat(50))) {
      assertThatThrownBy(() -> b.tableName(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("tableName must be [schema.]name");
    }
    b.tableName("app_1.idempotency_keys");
    b.tableName("x".repeat(49));
  }

  @Test
  void rangesAreCheckedWithTheValue() {
    JdbcIdempotencyStoreBuilder b = JdbcIdempotencyStore.builder();
    assertThatThrownBy(() -> b.maxResponseBytes(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith(": 0");
    assertThatThrownBy(() -> b.reaperBatchSize(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("batchSize must be between 1 and 100000: 0");
    assertThatThrownBy(() -> b.reaper(new VirtualScheduler(), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("interval");
    assertThatThrownBy(() -> b.abandonedClaimRetention(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retention");
  }

  @Test
  void buildNeedsADataSourceAndAReaperForABatchSize() {
    assertThatThrownBy(() -> JdbcIdempotencyStore.builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessage("dataSource must be set");
    assertThatThrownBy(() -> JdbcIdempotencyStore.builder().dataSource(new org.postgresql.ds.PGSimpleDataSource())
        .reaperBatchSize(10).build())
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("reaperBatchSize was set but no reaper");
  }

  @Test
  void shippedSchemaHasTheTableAndIndexWithNamesFilledIn() {
    List<String> statements = new PostgresDialect("app.idem").schemaStatements();
    assertThat(statements).hasSize(2);
    assertThat(statements.get(0)).startsWith("CREATE TABLE IF NOT EXISTS app.idem (")
        .contains("key_hash          bytea       NOT NULL PRIMARY KEY").doesNotContain("${");
    assertThat(statements.get(1)).isEqualTo("CREATE INDEX IF NOT EXISTS idem_expires_at_idx ON app.idem (expires_at)");
  }
}
