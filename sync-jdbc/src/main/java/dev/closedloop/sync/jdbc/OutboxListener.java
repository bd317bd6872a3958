package dev.closedloop.sync.jdbc;

import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.spi.ServerLogFanout;
import dev.closedloop.sync.realtime.spi.ServerBusCore;
import dev.closedloop.sync.retry.Backoff;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bus's reader: one connection with {@code LISTEN} on the bus's channel. On a notification
 * for a topic this node follows (or every poll interval, for each followed topic whose head is
 * past what was dispatched) it reads the topic's rows after the node's position, in batches, and
 * hands them to the {@link ServerBusCore}. A connection that fails is closed and, after the
 * {@link Backoff}'s delay (a {@link ServerBusCore#pause}), opened again, and every followed topic
 * caught up first. {@link PostgresRealtimeBus} documents the whole.
 *
 * <p>This class is not threadsafe: {@link #run} runs on the core's reader thread, and {@link
 * #deliverRest} on the closing thread once that thread ended.
 */
final class OutboxListener implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(PostgresRealtimeBus.class);

  private final Outbox outbox;
  private final ServerBusCore core;
  private final ServerLogFanout node;
  private final Backoff backoff;
  private final String listenerName;
  private final int readBatch;
  private final long pollMillis;

  OutboxListener(Outbox outbox, ServerBusCore core, Backoff backoff, String listenerName, int readBatch,
      long pollMillis) {
    this.outbox = outbox;
    this.core = core;
    this.node = core.node();
    this.backoff = backoff;
    this.listenerName = listenerName;
    this.readBatch = readBatch;
    this.pollMillis = pollMillis;
  }

  @Override
  public void run() {
    Connection conn = null;
    while (!core.isClosed()) {
      try {
        if (conn == null) {
          conn = connect();
          catchUp(conn, node.followed()); // whatever happened while not listening
          backoff.reset();
        }
        PGNotification[] notes = conn.unwrap(PGConnection.class).getNotifications((int) Math.min(Integer.MAX_VALUE, pollMillis));
        Set<String> due = new LinkedHashSet<>();
        if (notes == null || notes.length == 0) {
          due.addAll(behind(conn));
        } else {
          for (PGNotification n : notes) {
            if (node.position(n.getParameter()).isPresent()) {
              due.add(n.getParameter());
            }
          }
        }
        catchUp(conn, due);
      } catch (SQLException | RuntimeException e) {
        giveBack(conn);
        conn = null;
        if (core.isClosed()) {
          break;
        }
        long delay = backoff.nextDelayNanos();
        log.warn("PostgreSQL realtime bus lost its listening connection ({} failures in a row); reconnecting in {} ms: {}",
            backoff.failures(), TimeUnit.NANOSECONDS.toMillis(delay), e.toString());
        core.pause(delay);
      }
    }
    giveBack(conn);
  }

  /**
   * Gives the listening connection back to the pool clean, or broken in a way the pool can see.
   * Notifications are read on the driver's own connection ({@code unwrap}), so a pool never sees
   * that read fail: without this, a connection whose backend died would be lent to the
   * application next (HikariCP checks a connection only when idle for 500 ms). Statements through
   * the pool's handle stop listening and drop the name when it lives, and fail where the pool
   * sees it (SQLSTATE class 08: HikariCP then discards it) when it does not.
   */
  private static void giveBack(@Nullable Connection c) {
    if (c == null) {
      return;
    }
    try (Statement s = c.createStatement()) {
      s.execute("UNLISTEN *");
      s.execute("SELECT set_config('application_name', '', false)");
    } catch (SQLException | RuntimeException e) {
      log.debug("The listening connection is broken; the pool drops it: {}", e.toString());
    }
    closeQuietly(c);
  }

  /** Delivers, on a connection of its own, what the followed topics hold past the node's position. */
  void deliverRest() {
    if (node.followed().isEmpty()) {
      return;
    }
    try (Connection c = outbox.dataSource.getConnection()) {
      c.setAutoCommit(true);
      catchUp(c, node.followed());
    } catch (SQLException | RuntimeException e) {
      log.warn("PostgreSQL realtime bus could not deliver the rest on close: {}", e.toString());
    }
  }

  /**
   * Opens the listening connection. A pool may hand back the very connection that just died
   * (it learns it is broken only when it is used); such a connection fails with SQLSTATE class 08
   * and is given back, which makes the pool drop it, and one more is tried at once.
   */
  private Connection connect() throws SQLException {
    try {
      return listenOn(outbox.dataSource.getConnection());
    } catch (SQLException e) {
      String state = e.getSQLState();
      if (state == null || !state.startsWith("08")) {
        throw e;
      }
      log.debug("PostgreSQL realtime bus got a dead connection from the pool; trying another: {}", e.toString());
      return listenOn(outbox.dataSource.getConnection());
    }
  }

  private Connection listenOn(Connection c) throws SQLException {
    try {
      c.setAutoCommit(true);
      try (PreparedStatement name = c.prepareStatement("SELECT set_config('application_name', ?, false)")) {
        name.setString(1, listenerName);
        name.executeQuery().close();
      }
      try (Statement s = c.createStatement()) {
        s.execute(outbox.sql.listen);
      }
      return c;
    } catch (SQLException | RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
  }

  /** Returns the topics followed here whose head is past what was dispatched: the safety poll. */
  private List<String> behind(Connection conn) throws SQLException {
    Set<String> topics = node.followed();
    if (topics.isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    Array names = conn.createArrayOf("text", topics.toArray());
    try (PreparedStatement ps = conn.prepareStatement("SELECT topic, head FROM " + outbox.sql.topics + " WHERE topic = ANY(?)")) {
      ps.setArray(1, names);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          OptionalLong at = node.position(rs.getString(1));
          if (at.isPresent() && rs.getLong(2) > at.getAsLong()) {
            out.add(rs.getString(1));
          }
        }
      }
    } finally {
      names.free();
    }
    return out;
  }

  /** Reads each topic's rows after what was dispatched and dispatches them, in batches. */
  private void catchUp(Connection conn, Collection<String> topics) throws SQLException {
    for (String topic : topics) {
      while (readBatch(conn, topic) == readBatch) {
        // a full batch: there may be more
      }
    }
  }

  /** Reads and dispatches one batch; returns how many rows it read. */
  private int readBatch(Connection conn, String topic) throws SQLException {
    OptionalLong at = node.position(topic);
    if (at.isEmpty()) {
      return 0;
    }
    List<ChangeEvent> events = new ArrayList<>();
    long lost = 0;
    long through = at.getAsLong();
    int rows = 0;
    try (PreparedStatement ps = conn.prepareStatement(outbox.sql.readAfter)) {
      ps.setString(1, topic);
      ps.setLong(2, through);
      ps.setInt(3, readBatch);
      ps.setString(4, topic);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          lost = rs.getLong("deleted_through");
          long position = rs.getLong("position");
          if (rs.wasNull()) {
            continue;
          }
          rows++;
          through = position;
          ChangeEvent e = Outbox.readEvent(topic, rs); // null: unreadable, logged, skipped
          if (e != null) {
            events.add(e);
          }
        }
      }
    }
    return core.catchUp(topic, events, through, lost) ? rows : 0;
  }

  private static void closeQuietly(@Nullable Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        log.debug("Closing a broken listening connection failed: {}", e.toString());
      }
    }
  }
}
