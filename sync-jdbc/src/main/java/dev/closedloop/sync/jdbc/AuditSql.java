package dev.closedloop.sync.jdbc;

import java.util.List;
import java.util.Map;

/**
 * Every SQL statement of the audit log, for PostgreSQL. Durations are bound as milliseconds.
 *
 * <p>This class is immutable and threadsafe.
 */
final class AuditSql {
  /** The schema script, a classpath resource. */
  static final String SCHEMA_RESOURCE = "/dev/closedloop/sync/jdbc/audit-v1.sql";

  final String table;
  final String insert;
  final String reap;
  private final String baseName;

  AuditSql(String table) {
    if (!PostgresDialect.TABLE_NAME.matcher(table).matches()) {
      throw new IllegalArgumentException("tableName must be [schema.]name in lowercase letters, digits and"
          + " underscores, starting with a letter or underscore, the name at most 49 characters: " + table);
    }
    this.table = table;
    this.baseName = table.substring(table.indexOf('.') + 1);
    this.insert = "INSERT INTO " + table
        + " (entry_id, at, node, outcome, scope_hash, key_hash, method, route, status, duration_us)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (entry_id) DO NOTHING";
    this.reap = "DELETE FROM " + table + " WHERE entry_id IN (SELECT entry_id FROM " + table
        + " WHERE at < now() - ? * interval '1 millisecond' LIMIT ?)";
  }

  List<String> schemaStatements() {
    return SqlScript.statements(SCHEMA_RESOURCE,
        Map.of("table", table, "at_index", baseName + "_at_idx", "route_index", baseName + "_route_idx"));
  }
}
