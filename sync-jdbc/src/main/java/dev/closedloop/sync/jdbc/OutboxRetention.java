package dev.closedloop.sync.jdbc;

import dev.closedloop.sync.time.Cancellable;
import dev.closedloop.sync.time.Scheduler;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbox's retention: deletes, in batches, the rows that left the replay log and are older
 * than the minimum retention ({@link PostgresRealtimeBus#deleteTrimmed}), and runs that every
 * interval on the scheduler until its owner closes, if asked to.
 *
 * <p>This class is threadsafe: several nodes (and threads) may delete at once; each batch is one
 * transaction that moves the topic's {@code deleted_through} forward only.
 */
final class OutboxRetention implements Cancellable {
  private static final Logger log = LoggerFactory.getLogger(PostgresRealtimeBus.class);

  private final Outbox outbox;
  private final long minRetentionMillis;
  private final Scheduler scheduler;
  private final BooleanSupplier ownerClosed;
  private volatile @Nullable Cancellable next;

  OutboxRetention(Outbox outbox, long minRetentionMillis, Scheduler scheduler, BooleanSupplier ownerClosed) {
    this.outbox = outbox;
    this.minRetentionMillis = minRetentionMillis;
    this.scheduler = scheduler;
    this.ownerClosed = ownerClosed;
  }

  /** Deletes after {@code intervalNanos}, and again every interval after each run, until cancelled or the owner closes. */
  void repeatEvery(long intervalNanos) {
    if (!ownerClosed.getAsBoolean()) {
      next = scheduler.schedule(() -> {
        try {
          deleteTrimmed(1_000);
        } catch (RuntimeException e) {
          log.warn("PostgreSQL realtime bus retention failed; next run in {} ms: {}",
              TimeUnit.NANOSECONDS.toMillis(intervalNanos), e.toString());
        }
        repeatEvery(intervalNanos);
      }, intervalNanos);
    }
  }

  /** Stops the repetition. */
  @Override
  public boolean cancel() {
    Cancellable n = next;
    return n != null && n.cancel();
  }

  /** See {@link PostgresRealtimeBus#deleteTrimmed}; {@code batch} is at least 1. */
  long deleteTrimmed(int batch) {
    RealtimeSql sql = outbox.sql;
    Map<String, long[]> due = outbox.inTransaction("find trimmed topics of " + sql.outbox, c -> {
      Map<String, long[]> out = new LinkedHashMap<>();
      try (PreparedStatement ps = c.prepareStatement(sql.trimmedTopics); ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)});
        }
      }
      return out;
    });
    long deleted = 0;
    for (Map.Entry<String, long[]> e : due.entrySet()) {
      String topic = e.getKey();
      long done = e.getValue()[0];
      long trimmed = e.getValue()[1];
      while (done < trimmed) {
        long from = done;
        long[] step = deleteBatch(topic, from, Math.min(trimmed, from + batch));
        if (step[0] == from) {
          break; // the rest is younger than the minimum retention
        }
        done = step[0];
        deleted += step[1];
      }
    }
    return deleted;
  }

  /** Deletes the old enough rows in {@code (from, upTo]}; returns {the new deleted_through, rows}. */
  private long[] deleteBatch(String topic, long from, long upTo) {
    RealtimeSql sql = outbox.sql;
    return outbox.inTransaction("delete trimmed rows of " + topic, c -> {
      long cut;
      try (PreparedStatement ps = c.prepareStatement(sql.deletableThrough)) {
        ps.setString(1, topic);
        ps.setLong(2, from);
        ps.setLong(3, upTo);
        ps.setLong(4, minRetentionMillis);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          cut = rs.getLong(1);
          if (rs.wasNull()) {
            return new long[] {from, 0};
          }
        }
      }
      int rows;
      try (PreparedStatement ps = c.prepareStatement(sql.deleteRows)) {
        ps.setString(1, topic);
        ps.setLong(2, from);
        ps.setLong(3, cut);
        rows = ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement(sql.markDeleted)) {
        ps.setLong(1, cut);
        ps.setString(2, topic);
        ps.executeUpdate();
      }
      return new long[] {cut, rows};
    });
  }
}
