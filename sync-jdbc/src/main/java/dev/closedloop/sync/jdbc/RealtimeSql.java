package dev.closedloop.sync.jdbc;

import java.util.List;
import java.util.Map;

/**
 * Every SQL statement of the PostgreSQL realtime bus, with the names derived from the outbox
 * table. Another database gets its own class with the same statements.
 *
 * <p>This class is immutable and threadsafe.
 */
final class RealtimeSql {
  /** The schema script, a classpath resource. */
  static final String SCHEMA_RESOURCE = "/dev/closedloop/sync/jdbc/realtime-v1.sql";

  final String outbox;
  final String topics;
  final String publishFunction;
  final String triggerFunction;
  final String channel;
  private final String keyIndex;

  final String publish;
  final String head;
  final String replay;
  final String readAfter;
  final String latest;
  final String notify;
  final String listen;
  final String trimmedTopics;
  final String deletableThrough;
  final String deleteRows;
  final String markDeleted;

  RealtimeSql(String outbox) {
    if (!PostgresDialect.TABLE_NAME.matcher(outbox).matches()) {
      throw new IllegalArgumentException("tableName must be [schema.]name in lowercase letters, digits and"
          + " underscores, starting with a letter or underscore, the name at most 49 characters: " + outbox);
    }
    String name = outbox.substring(outbox.indexOf('.') + 1);
    this.outbox = outbox;
    this.topics = outbox + "_topics";
    this.publishFunction = outbox + "_publish";
    this.triggerFunction = outbox + "_trigger";
    this.channel = outbox.replace('.', '_');
    this.keyIndex = name + "_key_idx";
    this.publish = "SELECT " + publishFunction + "(?, ?, ?, ?::json, ?::json, ?, ?)";
    this.head = "SELECT head FROM " + topics + " WHERE topic = ?";
    String columns = "o.position, o.type, o.entity_key, o.idempotency_key, o.new_data::text AS new_data,"
        + " o.old_data::text AS old_data, o.created_at";
    // one statement, one snapshot: the head, the retention state and the rows after a position
    this.replay = "SELECT t.head, t.trimmed_through, " + columns + " FROM " + topics + " t LEFT JOIN " + outbox
        + " o ON o.topic = t.topic AND o.position > ? WHERE t.topic = ? ORDER BY o.position";
    this.readAfter = "SELECT t.deleted_through, " + columns + " FROM " + topics + " t LEFT JOIN (SELECT * FROM "
        + outbox + " WHERE topic = ? AND position > ? ORDER BY position LIMIT ?) o ON o.topic = t.topic"
        + " WHERE t.topic = ? ORDER BY o.position";
    this.latest = "SELECT " + columns + " FROM " + outbox + " o WHERE o.topic = ? AND o.entity_key = ?"
        + " AND o.type <> 'BROADCAST' ORDER BY o.position DESC LIMIT 1";
    this.notify = "SELECT pg_notify('" + channel + "', ?)";
    this.listen = "LISTEN " + channel;
    this.trimmedTopics = "SELECT topic, deleted_through, trimmed_through FROM " + topics
        + " WHERE trimmed_through > deleted_through";
    // the newest row of the batch that is out of the replay log and old enough; a position
    // prefix, whatever order the rows' transactions started in
    this.deletableThrough = "SELECT max(position) FROM " + outbox + " WHERE topic = ? AND position > ?"
        + " AND position <= ? AND created_at < now() - ? * interval '1 millisecond'";
    this.deleteRows = "DELETE FROM " + outbox + " WHERE topic = ? AND position > ? AND position <= ?";
    this.markDeleted = "UPDATE " + topics + " SET deleted_through = greatest(deleted_through, ?) WHERE topic = ?";
  }

  /** Returns the statements that attach the row trigger to {@code table}. */
  List<String> installTrigger(String table, String topic, String keyColumn) {
    String trigger = outbox.substring(outbox.indexOf('.') + 1) + "_trg";
    return List.of(
        "DROP TRIGGER IF EXISTS " + trigger + " ON " + table,
        "CREATE TRIGGER " + trigger + " AFTER INSERT OR UPDATE OR DELETE ON " + table
            + " FOR EACH ROW EXECUTE FUNCTION " + triggerFunction + "('" + topic + "', '" + keyColumn + "')");
  }

  /** Returns the statements of the schema script with the names filled in. */
  List<String> schemaStatements() {
    return SqlScript.statements(SCHEMA_RESOURCE, Map.of("outbox", outbox, "topics", topics, "key_index", keyIndex,
        "publish", publishFunction, "trigger", triggerFunction, "channel", channel));
  }
}
