package dev.closedloop.sync.jdbc;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Every SQL statement of the JDBC idempotency store, for PostgreSQL. Times come from the
 * database's {@code now()} only; durations are bound as milliseconds. Another database gets its
 * own class with the same statements.
 *
 * <p>This class is immutable and threadsafe.
 */
final class PostgresDialect {
  /** The schema script, a classpath resource. */
  static final String SCHEMA_RESOURCE = "/dev/closedloop/sync/jdbc/idempotency-v1.sql";

  /** {@code [schema.]table}, lowercase, so that unquoted SQL names it exactly. */
  static final Pattern TABLE_NAME = Pattern.compile("([a-z_][a-z0-9_]{0,62}\\.)?[a-z_][a-z0-9_]{0,48}");

  private static final String MS = " * interval '1 millisecond'";

  final String table;
  final String index;

  final String selectEntry;
  final String insertClaim;
  final String takeOver;
  final String complete;
  final String release;
  final String renew;
  final String reap;

  PostgresDialect(String table) {
    if (!TABLE_NAME.matcher(table).matches()) {
      throw new IllegalArgumentException("tableName must be [schema.]name in lowercase letters, digits and"
          + " underscores, starting with a letter or underscore, the name at most 49 characters: " + table);
    }
    this.table = table;
    this.index = table.substring(table.indexOf('.') + 1) + "_expires_at_idx";
    this.insertClaim = "INSERT INTO " + table
        + " (key_hash, scope, client_key, fingerprint, token, state, lease_expires_at, expires_at, created_at)"
        + " VALUES (?, ?, ?, ?, ?, 'in_progress', now() + ?" + MS + ", now() + ?" + MS + ", now())"
        + " ON CONFLICT (key_hash) DO NOTHING";
    this.selectEntry = "SELECT scope, client_key, fingerprint, token, state, status, response,"
        + " expires_at <= now() AS dead,"
        + " ceil(extract(epoch FROM lease_expires_at - now()) * 1000)::bigint AS lease_left_ms,"
        + " ceil(extract(epoch FROM expires_at - now()) * 1000)::bigint AS life_left_ms"
        + " FROM " + table + " WHERE key_hash = ?";
    // Compare-and-set on the dead row's token: only one of several racing claimers wins.
    this.takeOver = "UPDATE " + table + " SET scope = ?, client_key = ?, fingerprint = ?, token = ?,"
        + " state = 'in_progress', lease_expires_at = now() + ?" + MS + ", expires_at = now() + ?" + MS + ","
        + " status = NULL, response = NULL, created_at = now()"
        + " WHERE key_hash = ? AND token = ? AND expires_at <= now()";
    this.complete = "UPDATE " + table + " SET state = 'completed', status = ?, response = ?,"
        + " expires_at = now() + ?" + MS
        + " WHERE key_hash = ? AND token = ? AND state = 'in_progress'";
    // under RE_EXECUTE the row dies with its lease; under CONFLICT_UNTIL_EXPIRY it lives at least
    // as long as it did (the abandoned-claim retention from the claim), and at least the new lease
    this.renew = "UPDATE " + table + " SET lease_expires_at = now() + ?" + MS + ","
        + " expires_at = CASE WHEN ? THEN now() + ?" + MS + " ELSE greatest(expires_at, now() + ?" + MS + ") END"
        + " WHERE key_hash = ? AND token = ? AND state = 'in_progress'";
    this.release = "DELETE FROM " + table + " WHERE key_hash = ? AND token = ? AND state = 'in_progress'";
    // The outer "expires_at <= now()" is checked again on the row version the DELETE locks, so a
    // row taken over between the subquery and the delete survives.
    this.reap = "DELETE FROM " + table + " WHERE key_hash IN (SELECT key_hash FROM " + table
        + " WHERE expires_at <= now() LIMIT ? FOR UPDATE SKIP LOCKED) AND expires_at <= now()";
  }

  /** Returns the statements of the schema script with the table and index names filled in. */
  List<String> schemaStatements() {
    return SqlScript.statements(SCHEMA_RESOURCE, Map.of("table", table, "index", index));
  }
}
