package dev.closedloop.sync.jdbc;

import dev.closedloop.sync.realtime.Topics;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The outbox's DDL: the shipped schema ({@value RealtimeSql#SCHEMA_RESOURCE}) and the row trigger
 * that turns a table's changes into events. {@link PostgresRealtimeBus#createSchema} and {@link
 * PostgresRealtimeBus#installTrigger} document them.
 *
 * <p>This class is threadsafe: it holds only the outbox.
 */
final class OutboxSchema {
  private static final Pattern COLUMN = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private final Outbox outbox;

  OutboxSchema(Outbox outbox) {
    this.outbox = outbox;
  }

  /** Creates what the schema script describes, if absent, in one transaction. */
  void create() {
    RealtimeSql sql = outbox.sql;
    outbox.inTransaction("create the schema of " + sql.outbox, c -> {
      try (Statement s = c.createStatement()) {
        for (String statement : sql.schemaStatements()) {
          s.execute(statement);
        }
      }
      return null;
    });
  }

  /** Attaches the trigger and sets the topic's retention to {@code keep} events. */
  void installTrigger(String table, String topic, String keyColumn, int keep) {
    Objects.requireNonNull(table, "table cannot be null");
    Objects.requireNonNull(keyColumn, "keyColumn cannot be null");
    Topics.requireValid(topic);
    if (!PostgresDialect.TABLE_NAME.matcher(table).matches()) {
      throw new IllegalArgumentException("table must be [schema.]name in lowercase letters, digits and underscores: " + table);
    }
    if (!COLUMN.matcher(keyColumn).matches()) {
      throw new IllegalArgumentException("keyColumn must be lowercase letters, digits and underscores: " + keyColumn);
    }
    RealtimeSql sql = outbox.sql;
    outbox.inTransaction("install the trigger on " + table, c -> {
      try (Statement s = c.createStatement()) {
        for (String statement : sql.installTrigger(table, topic, keyColumn)) {
          s.execute(statement);
        }
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + sql.topics + " (topic, keep) VALUES (?, ?)"
          + " ON CONFLICT (topic) DO UPDATE SET keep = excluded.keep")) {
        ps.setString(1, topic);
        ps.setLong(2, keep);
        ps.executeUpdate();
      }
      return null;
    });
  }
}
