package dev.closedloop.sync.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.idempotency.IdempotencyKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Builder validation, the entry's redaction and the shipped schema; nothing here needs a server. */
class JdbcAuditLogBuilderTest {
  @Test
  void optionsAreValidatedWithFixedMessages() {
    JdbcAuditLogBuilder b = JdbcAuditLog.builder();
    assertThatThrownBy(() -> b.dataSource(null)).hasMessage("dataSource cannot be null");
    assertThatThrownBy(() -> b.tableName("Audit; DROP")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("tableName must be [schema.]name");
    assertThatThrownBy(() -> b.node("")).hasMessage("node must have 1 to 200 characters: 0");
    assertThatThrownBy(() -> b.queueCapacity(0)).hasMessage("queueCapacity must be between 1 and 10000000: 0");
    assertThatThrownBy(() -> b.batchSize(10_001)).hasMessage("batchSize must be between 1 and 10000: 10001");
    assertThatThrownBy(() -> b.retryInterval(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class).hasMessage("dataSource must be set");
    assertThatThrownBy(() -> JdbcAuditLog.builder().dataSource(new org.postgresql.ds.PGSimpleDataSource())
        .queueCapacity(10).batchSize(20).build())
        .isInstanceOf(IllegalStateException.class).hasMessage("batchSize (20) cannot exceed queueCapacity (10)");
  }

  @Test
  void anEntryKeepsOnlyTheHashesTheLogsShow() {
    IdempotencyKey key = IdempotencyKey.of("user:alice", "secret-key-1");
    AuditEntry e = AuditEntry.of(Instant.EPOCH, key, "first", "POST", "/x".repeat(2000), 201, 1_500_000);
    assertThat(e.keyHash()).isEqualTo(key.redacted()).doesNotContain("secret");
    assertThat(e.scopeHash()).isEqualTo(IdempotencyKey.redact("user:alice")).doesNotContain("alice");
    assertThat(e.route()).hasSize(AuditEntry.MAX_ROUTE_LENGTH);
    assertThat(e.durationMicros()).isEqualTo(1500);
    assertThat(e.toString()).doesNotContain("secret").doesNotContain("alice");
    assertThatThrownBy(() -> AuditEntry.of(Instant.EPOCH, key, "retried", "POST", "/", 200, 0))
        .hasMessageStartingWith("outcome must be one of");
  }

  @Test
  void theShippedSchemaNamesTheTableAndBothIndexes() {
    List<String> statements = new AuditSql("app.audit").schemaStatements();
    assertThat(statements).hasSize(3);
    assertThat(statements.get(0)).startsWith("CREATE TABLE IF NOT EXISTS app.audit (");
    assertThat(statements.get(1)).isEqualTo("CREATE INDEX IF NOT EXISTS audit_at_idx ON app.audit (at)");
    assertThat(statements.get(2)).isEqualTo("CREATE INDEX IF NOT EXISTS audit_route_idx ON app.audit (route, at)");
  }
}
