package dev.closedloop.sync.jdbc;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.ChangeType;
import dev.closedloop.sync.realtime.CloseReason;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.NodeFanout;
import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.realtime.RealtimeBusUnavailableException;
import dev.closedloop.sync.realtime.RealtimeListener;
import dev.closedloop.sync.realtime.Replay;
import dev.closedloop.sync.realtime.Subscription;
import dev.closedloop.sync.realtime.Topics;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.Cancellable;
import dev.closedloop.sync.time.Scheduler;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RealtimeBus} on PostgreSQL: an outbox table is the truth, {@code NOTIFY} only rings
 * the bell, and every node reads the outbox by position, so a node (or a listener) that was away
 * catches up on its return.
 *
 * <pre>{@code
 * PostgresRealtimeBus bus = PostgresRealtimeBus.builder().dataSource(pool).createSchema(true).build();
 * bus.installTrigger("public.bookings", "bookings", "id");   // row changes become events
 * }</pre>
 *
 * <h2>Schema and positions</h2>
 *
 * The tables and functions are described by the classpath resource {@value
 * RealtimeSql#SCHEMA_RESOURCE} (schema version 1), created only when the application asks. Each
 * topic has a row in {@code <table>_topics} holding its head; publishing (the SQL function {@code
 * <table>_publish}, which both {@link #publish} and the trigger call) increments it with {@code
 * INSERT … ON CONFLICT DO UPDATE … RETURNING}, which locks the row until the transaction ends. So
 * positions are 1, 2, 3… per topic, handed out in commit order and never skipped: a transaction
 * that rolls back gives its number back, and a reader that sees position n has seen every
 * position below it. (A table-wide {@code bigserial} would not do: ids are drawn at insert, not
 * at commit, so a reader could pass an id whose transaction commits later.) The price is that
 * writers of one topic are serialized from their publish to their commit; keep transactions that
 * publish short, spread load over topics, and touch topics in a consistent order in one
 * transaction to avoid deadlocks.
 *
 * <h2>Delivery</h2>
 *
 * Publishing runs {@code pg_notify('<channel>', topic)} in the same transaction, so the doorbell
 * rings on commit with a payload of at most 128 bytes. One listener thread per bus holds one
 * connection with {@code LISTEN}, named by {@code application_name} ({@link
 * PostgresRealtimeBusBuilder#listenerName}); on a notification (or every {@link
 * PostgresRealtimeBusBuilder#pollInterval}, comparing heads) it reads the topic's rows after the
 * last position it dispatched and hands them to this node's subscriptions through a {@link
 * NodeFanout}. If the connection dies, the listener reconnects after {@link
 * RetryPolicy#delayNanos} waits on the {@link Scheduler} and first catches every topic up from
 * the outbox: events published meanwhile are delivered in order, once. If retention removed rows
 * it had not read, the topic's subscriptions end with {@link CloseReason#FAILED} so their clients
 * resume with a reset instead of a gap.
 *
 * <h2>Retention and latest state</h2>
 *
 * The replay log of a topic is its newest {@link PostgresRealtimeBusBuilder#maxEventsPerTopic}
 * events: once it holds a tenth more, the publish function moves the topic's {@code
 * trimmed_through} up (one cheap update per batch), and {@link #replay} from below it is a reset.
 * The rows themselves are deleted later by {@link #deleteTrimmed(int)}, in batches, and only once
 * they are older than {@link PostgresRealtimeBusBuilder#minRetention} (default 5 minutes): so the
 * listeners of every node read each event even when the replay log is short and publishing is
 * fast, and only a node away for longer than that misses rows (its subscriptions then end with
 * {@code FAILED}, as above). {@link PostgresRealtimeBusBuilder#retentionInterval} runs it on the
 * {@link Scheduler}. {@link #latest} is derived from the outbox (the newest row of the key, by an
 * index on {@code (topic, entity_key, position)}), so it forgets what retention deleted.
 *
 * <h2>Trigger</h2>
 *
 * {@link #installTrigger} attaches a row trigger that publishes each {@code INSERT}, {@code
 * UPDATE} and {@code DELETE} of a table, with {@code to_jsonb} of the new and old rows, in the
 * writer's transaction (an event exists exactly when the change commits). A transaction that ran
 * {@code SET LOCAL closedloop.idempotency_key = '…'} stamps its events with that key's digest
 * (computed in the trigger with PostgreSQL's {@code sha256}, the same as {@link
 * dev.closedloop.sync.idempotency.IdempotencyKey#digest}): the outbox's {@code idempotency_key}
 * column holds digests only, never a raw key.
 *
 * <p>{@link #close()} stops the listener, delivers to local subscribers what was published before
 * it, and ends every subscription with {@link CloseReason#BUS_CLOSED}. The data source stays the
 * application's.
 *
 * <p>This class is threadsafe.
 */
public final class PostgresRealtimeBus implements RealtimeBus {
  private static final Logger log = LoggerFactory.getLogger(PostgresRealtimeBus.class);
  private static final Pattern COLUMN = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private final DataSource dataSource;
  private final RealtimeSql sql;
  private final int maxEvents;
  private final int readBatch;
  private final long pollMillis;
  private final long minRetentionMillis;
  private final @Nullable Cancellable retentionTask;
  private final String listenerName;
  private final RetryPolicy<?> reconnectPolicy;
  private final Scheduler scheduler;
  private final NodeFanout node;
  private final Thread listener;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ReentrantLock backoffLock = new ReentrantLock();
  private final Condition backoffOver = backoffLock.newCondition();
  private boolean backoffSignalled;

  PostgresRealtimeBus(PostgresRealtimeBusBuilder b, DataSource dataSource, RealtimeSql sql) {
    this.dataSource = dataSource;
    this.sql = sql;
    this.maxEvents = b.maxEventsPerTopic;
    this.readBatch = b.readBatch;
    this.pollMillis = Math.max(1, b.pollInterval.toMillis());
    this.minRetentionMillis = b.minRetention.toMillis();
    this.listenerName = b.listenerName;
    this.reconnectPolicy = b.reconnectPolicy;
    this.scheduler = b.scheduler;
    this.node = NodeFanout.create(new NodeFanout.Source() {
      @Override
      public Replay replay(String topic, long after) {
        return PostgresRealtimeBus.this.replay(topic, after);
      }

      @Override
      public long head(String topic) {
        return PostgresRealtimeBus.this.head(topic);
      }

      @Override
      public void follow(String topic, long position) {
        ringBell(topic); // the listener catches the new topic up from where it is followed
      }
    }, b.subscriberQueueCapacity, b.deliveryThreads);
    this.listener = new Thread(this::listenLoop, "closedloop-postgres-bus-listener");
    listener.setDaemon(true);
    this.retentionTask = b.retentionInterval == null ? null : new Repeating(b.retentionInterval.toNanos());
  }

  /** Runs {@link #deleteTrimmed} every interval until the bus closes. */
  private final class Repeating implements Cancellable, Runnable {
    private final long intervalNanos;
    private volatile @Nullable Cancellable next;

    Repeating(long intervalNanos) {
      this.intervalNanos = intervalNanos;
    }

    void schedule() {
      if (!closed.get()) {
        next = scheduler.schedule(this, intervalNanos);
      }
    }

    @Override
    public void run() {
      try {
        deleteTrimmed(1_000);
      } catch (RuntimeException e) {
        log.warn("PostgreSQL realtime bus retention failed; next run in {} ms: {}",
            TimeUnit.NANOSECONDS.toMillis(intervalNanos), e.toString());
      }
      schedule();
    }

    @Override
    public boolean cancel() {
      Cancellable n = next;
      return n != null && n.cancel();
    }
  }

  void start() {
    listener.start();
    if (retentionTask instanceof Repeating r) {
      r.schedule();
    }
  }

  /**
   * Deletes outbox rows that left the replay log and are older than the minimum retention, at
   * most {@code batch} rows per topic per transaction, until none is left; returns how many it
   * deleted. Several nodes may run it at once.
   *
   * @throws IllegalArgumentException if {@code batch < 1}
   * @throws RealtimeBusUnavailableException if a statement fails
   */
  public long deleteTrimmed(int batch) {
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be at least 1: " + batch);
    }
    Map<String, long[]> due = inTransaction("find trimmed topics of " + sql.outbox, c -> {
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
        long[] step = inTransaction("delete trimmed rows of " + topic, c -> {
          long cut;
          try (PreparedStatement ps = c.prepareStatement(sql.deletableThrough)) {
            ps.setString(1, topic);
            ps.setLong(2, from);
            ps.setLong(3, Math.min(trimmed, from + batch));
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
        if (step[0] == from) {
          break; // the rest is younger than the minimum retention
        }
        done = step[0];
        deleted += step[1];
      }
    }
    return deleted;
  }

  /** Returns a builder; a data source must be set. */
  public static PostgresRealtimeBusBuilder builder() {
    return new PostgresRealtimeBusBuilder();
  }

  /** Returns the outbox table's name. */
  public String tableName() {
    return sql.outbox;
  }

  /** Returns the {@code NOTIFY} channel. */
  public String channel() {
    return sql.channel;
  }

  // ---- schema and trigger -------------------------------------------------------------------

  /**
   * Creates the tables, index and functions of the shipped schema if they do not exist, in one
   * transaction. Safe to run on every start.
   *
   * @throws RealtimeBusUnavailableException if a statement fails
   */
  public void createSchema() {
    inTransaction("create the schema of " + sql.outbox, c -> {
      try (Statement s = c.createStatement()) {
        for (String statement : sql.schemaStatements()) {
          s.execute(statement);
        }
      }
      return null;
    });
  }

  /**
   * Attaches (or replaces) the row trigger on {@code table} that publishes its changes to {@code
   * topic}, keyed by {@code keyColumn}, and sets the topic's retention to this bus's {@code
   * maxEventsPerTopic}. Needs the schema; the key column must never be null.
   *
   * @param table {@code [schema.]name} of the table, lowercase
   * @param topic a valid topic name
   * @param keyColumn the column whose value is the entity key, lowercase
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a name is invalid
   * @throws RealtimeBusUnavailableException if a statement fails
   */
  public void installTrigger(String table, String topic, String keyColumn) {
    Objects.requireNonNull(table, "table cannot be null");
    Objects.requireNonNull(keyColumn, "keyColumn cannot be null");
    Topics.requireValid(topic);
    if (!PostgresDialect.TABLE_NAME.matcher(table).matches()) {
      throw new IllegalArgumentException("table must be [schema.]name in lowercase letters, digits and underscores: " + table);
    }
    if (!COLUMN.matcher(keyColumn).matches()) {
      throw new IllegalArgumentException("keyColumn must be lowercase letters, digits and underscores: " + keyColumn);
    }
    inTransaction("install the trigger on " + table, c -> {
      try (Statement s = c.createStatement()) {
        for (String statement : sql.installTrigger(table, topic, keyColumn)) {
          s.execute(statement);
        }
      }
      try (PreparedStatement keep = c.prepareStatement("INSERT INTO " + sql.topics + " (topic, keep) VALUES (?, ?)"
          + " ON CONFLICT (topic) DO UPDATE SET keep = excluded.keep")) {
        keep.setString(1, topic);
        keep.setLong(2, maxEvents);
        keep.executeUpdate();
      }
      return null;
    });
  }

  // ---- publishing and reading the outbox ----------------------------------------------------

  /**
   * {@inheritDoc} The event is committed when this returns.
   *
   * @throws RealtimeBusUnavailableException if the database cannot be reached or refuses the
   *     statement
   */
  @Override
  public long publish(ChangeDraft draft) {
    Objects.requireNonNull(draft, "draft cannot be null");
    ensureOpen();
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

  /**
   * {@inheritDoc}
   *
   * @throws RealtimeBusUnavailableException if the database cannot be reached
   */
  @Override
  public Replay replay(String topic, long after) {
    Topics.requireValid(topic);
    if (after < 0) {
      throw new IllegalArgumentException("after must not be negative: " + after);
    }
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

  /** Returns the event in the current row, null if the row has none (an outer join's miss). */
  private static @Nullable ChangeEvent readEvent(String topic, ResultSet rs) throws SQLException {
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

  /**
   * {@inheritDoc}
   *
   * @throws RealtimeBusUnavailableException if the database cannot be reached
   */
  @Override
  public long head(String topic) {
    Topics.requireValid(topic);
    return inTransaction("read the head of " + topic, c -> {
      try (PreparedStatement ps = c.prepareStatement(sql.head)) {
        ps.setString(1, topic);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? rs.getLong(1) : 0L;
        }
      }
    });
  }

  /**
   * {@inheritDoc} Derived from the outbox: the newest retained entity change of the key.
   *
   * @throws RealtimeBusUnavailableException if the database cannot be reached
   */
  @Override
  public Optional<ChangeEvent> latest(String topic, String key) {
    Topics.requireValid(topic);
    Objects.requireNonNull(key, "key cannot be null");
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

  // ---- subscribing --------------------------------------------------------------------------

  /**
   * {@inheritDoc}
   *
   * @throws RealtimeBusUnavailableException if the database cannot be reached to find the
   *     topics' heads or to replay
   */
  @Override
  public Subscription subscribe(Set<String> topics, Cursor after, RealtimeListener listener) {
    Objects.requireNonNull(topics, "topics cannot be null");
    Objects.requireNonNull(listener, "listener cannot be null");
    ensureOpen();
    return node.subscribe(topics, after, listener);
  }

  private void ringBell(String topic) {
    inTransaction("notify " + sql.channel, c -> {
      try (PreparedStatement ps = c.prepareStatement(sql.notify)) {
        ps.setString(1, topic);
        ps.executeQuery().close();
      }
      return null;
    });
  }

  @Override
  public int subscriptionCount() {
    return node.subscriptionCount();
  }

  // ---- the listener -------------------------------------------------------------------------

  private void listenLoop() {
    int failures = 0;
    long previousDelay = 0;
    Connection conn = null;
    while (!closed.get()) {
      try {
        if (conn == null) {
          conn = connectListener();
          catchUp(conn, node.followed()); // whatever happened while not listening
          failures = 0;
          previousDelay = 0;
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
        closeQuietly(conn);
        conn = null;
        if (closed.get()) {
          break;
        }
        failures++;
        long delay = reconnectPolicy.delayNanos(failures, previousDelay == 0
            ? reconnectPolicy.initialDelay().toNanos() : previousDelay, reconnectPolicy.random().nextDouble());
        previousDelay = delay;
        log.warn("PostgreSQL realtime bus lost its listening connection ({} failures in a row); reconnecting in {} ms: {}",
            failures, TimeUnit.NANOSECONDS.toMillis(delay), e.toString());
        awaitBackoff(delay);
      }
    }
    closeQuietly(conn);
  }

  /**
   * Opens the listening connection. A pool may hand back the very connection that just died
   * (it learns it is broken only when it is used); such a connection fails with SQLSTATE class 08
   * and is given back, which makes the pool drop it, and one more is tried at once.
   */
  private Connection connectListener() throws SQLException {
    try {
      return listenOn(dataSource.getConnection());
    } catch (SQLException e) {
      String state = e.getSQLState();
      if (state == null || !state.startsWith("08")) {
        throw e;
      }
      log.debug("PostgreSQL realtime bus got a dead connection from the pool; trying another: {}", e.toString());
      return listenOn(dataSource.getConnection());
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
        s.execute(sql.listen);
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
    try (PreparedStatement ps = conn.prepareStatement("SELECT topic, head FROM " + sql.topics + " WHERE topic = ANY(?)")) {
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
  private void catchUp(Connection conn, java.util.Collection<String> topics) throws SQLException {
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
    try (PreparedStatement ps = conn.prepareStatement(sql.readAfter)) {
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
          ChangeEvent e = readEvent(topic, rs); // null: unreadable, logged, skipped
          if (e != null) {
            events.add(e);
          }
        }
      }
    }
    return node.catchUp(topic, events, through, lost) ? rows : 0;
  }

  private void awaitBackoff(long delayNanos) {
    backoffLock.lock();
    try {
      backoffSignalled = false;
    } finally {
      backoffLock.unlock();
    }
    Cancellable timer = scheduler.schedule(this::endBackoff, delayNanos);
    backoffLock.lock();
    try {
      while (!backoffSignalled && !closed.get()) {
        backoffOver.awaitUninterruptibly();
      }
    } finally {
      backoffLock.unlock();
      timer.cancel();
    }
  }

  private void endBackoff() {
    backoffLock.lock();
    try {
      backoffSignalled = true;
      backoffOver.signalAll();
    } finally {
      backoffLock.unlock();
    }
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

  // ---- plumbing -----------------------------------------------------------------------------

  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /** Runs {@code work} on a borrowed connection and commits it (if autocommit is off). */
  private <T> T inTransaction(String what, Work<T> work) {
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

  // ---- close --------------------------------------------------------------------------------

  /** Returns whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed.get();
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("realtime bus is closed");
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      if (retentionTask != null) {
        retentionTask.cancel();
      }
      endBackoff();
      if (listener.isAlive()) {
        try {
          ringBell("close"); // wakes the listener from getNotifications
        } catch (RuntimeException e) {
          log.debug("Could not wake the listener for close: {}", e.toString());
        }
        listener.join(pollMillis + 5_000);
      }
      if (!node.followed().isEmpty()) {
        try (Connection c = dataSource.getConnection()) {
          c.setAutoCommit(true);
          catchUp(c, node.followed());
        } catch (SQLException | RuntimeException e) {
          log.warn("PostgreSQL realtime bus could not deliver the rest on close: {}", e.toString());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      node.close();
    }
  }

  @Override
  public String toString() {
    return "PostgresRealtimeBus[" + sql.outbox + ", " + node + (closed.get() ? ", closed" : "") + "]";
  }
}
