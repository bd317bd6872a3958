package dev.closedloop.sync.jdbc;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.ChangeType;
import dev.closedloop.sync.realtime.RealtimeBusUnavailableException;
import dev.closedloop.sync.realtime.Replay;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox's statements that run on a borrowed connection, one transaction each: publish,
 * replay, head, latest and the doorbell; and the decoding of an outbox row into an event, which
 * the listener shares. {@link PostgresRealtimeBus} documents what they mean.
 *
 * <p>This class is threadsafe: it holds only the data source and the SQL text.
 */
final class Outbox {
  // the bus's logger, so that operators configure one name for every part of the bus
  private static final Logger log = LoggerFactory.getLogger(PostgresRealtimeBus.class);

  final DataSource dataSource;
  final RealtimeSql sql;

  Outbox(DataSource dataSource, RealtimeSql sql) {
    this.dataSource = dataSource;
    this.sql = sql;
  }

  /** A piece of work on a borrowed connection. */
  interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} on a borrowed connection and commits it (if autocommit is off).
   *
   * @throws RealtimeBusUnavailableException if a statement fails, saying it could not {@code what}
   */
  <T> T inTransaction(String what, Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      boolean auto = c.getAutoCommit();
      try {
        T result = work.run(c);
        if (!auto) {
          c.commit();
        }
        return result;
      } catch (SQLException | RuntimeException e) {
        if (!auto) {
          try {
            c.rollback();
          } catch (SQLException suppressed) {
            e.addSuppressed(suppressed);
          }
        }
        throw e;
      }
    } catch (SQLException e) {
      throw new RealtimeBusUnavailableException("could not " + what + " (" + sql.outbox + "): " + e.getMessage(), e);
    }
  }

  /** Publishes {@code draft}, keeping {@code maxEvents} in its topic's replay log; returns its position. */
  long publish(ChangeDraft draft, int maxEvents) {
    return inTransaction("publish to " + draft.topic(), c -> {
      try (PreparedStatement ps = c.prepareStatement(sql.publish)) {
        ps.setString(1, draft.topic());
        ps.setString(2, draft.type().name());
        setNullable(ps, 3, draft.key());
        setNullable(ps, 4, draft.newData());
        setNullable(ps, 5, draft.oldData());
        setNullable(ps, 6, draft.idempotencyKeyDigest());
        ps.setLong(7, maxEvents);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getLong(1);
        }
      }
    });
  }

  private static void setNullable(PreparedStatement ps, int index, @Nullable String value) throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.VARCHAR);
    } else {
      ps.setString(index, value);
    }
  }

  /** The retained events of {@code topic} after {@code after}, or a gap; arguments valid. */
  Replay replay(String topic, long after) {
    return inTransaction("replay " + topic, c -> {
      try (PreparedStatement ps = c.prepareStatement(sql.replay)) {
        ps.setLong(1, after);
        ps.setString(2, topic);
        try (ResultSet rs = ps.executeQuery()) {
          long head = 0;
          long trimmed = 0;
          List<ChangeEvent> events = new ArrayList<>();
          while (rs.next()) {
            head = rs.getLong("head");
            trimmed = rs.getLong("trimmed_through");
            ChangeEvent e = readEvent(topic, rs);
            if (e != null) {
              events.add(e);
            }
          }
          if (after > head) {
            return Replay.gap("position " + after + " is ahead of topic " + topic + " (head " + head
                + "); the outbox may have been recreated", head);
          }
          if (after < trimmed) {
            return Replay.gap("the replay log of topic " + topic + " no longer reaches back to position " + after
                + " (events up to " + trimmed + " were deleted)", head);
          }
          return Replay.of(events, head);
        }
      }
    });
  }

  /** The position of the newest event of {@code topic}, 0 if none. */
  long head(String topic) {
    return inTransaction("read the head of " + topic, c -> {
      try (PreparedStatement ps = c.prepareStatement(sql.head)) {
        ps.setString(1, topic);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? rs.getLong(1) : 0L;
        }
      }
    });
  }

  /** The newest retained entity change of {@code key}, empty if none or a delete. */
  Optional<ChangeEvent> latest(String topic, String key) {
    return inTransaction("read the latest of " + topic, c -> {
      try (PreparedStatement ps = c.prepareStatement(sql.latest)) {
        ps.setString(1, topic);
        ps.setString(2, key);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return Optional.<ChangeEvent>empty();
          }
          ChangeEvent e = readEvent(topic, rs);
          return e == null || e.type() == ChangeType.DELETE ? Optional.<ChangeEvent>empty() : Optional.of(e);
        }
      }
    });
  }

  /** Rings the doorbell of {@code topic}: {@code pg_notify} on the bus's channel. */
  void ringBell(String topic) {
    inTransaction("notify " + sql.channel, c -> {
      try (PreparedStatement ps = c.prepareStatement(sql.notify)) {
        ps.setString(1, topic);
        ps.executeQuery().close();
      }
      return null;
    });
  }

  /** Returns the event in the current row, null if the row has none (an outer join's miss). */
  static @Nullable ChangeEvent readEvent(String topic, ResultSet rs) throws SQLException {
    long position = rs.getLong("position");
    if (rs.wasNull()) {
      return null;
    }
    try {
      String idempotency = rs.getString("idempotency_key");
      ChangeDraft draft = ChangeDraft.of(topic, ChangeType.valueOf(rs.getString("type")), rs.getString("entity_key"),
          rs.getString("new_data"), rs.getString("old_data"), null);
      if (idempotency != null) {
        // a digest; a raw key only in a row written before digests were kept: digested now
        draft = ChangeDraft.isIdempotencyKeyDigest(idempotency)
            ? draft.withIdempotencyKeyDigest(idempotency)
            : draft.withIdempotencyKey(idempotency);
      }
      Timestamp at = rs.getTimestamp("created_at");
      return ChangeEvent.of(draft, position, at.toInstant().truncatedTo(ChronoUnit.MILLIS));
    } catch (IllegalArgumentException bad) {
      log.error("PostgreSQL realtime bus skips outbox row {}@{} it cannot read: {}", topic, position, bad.getMessage());
      return null;
    }
  }
}
