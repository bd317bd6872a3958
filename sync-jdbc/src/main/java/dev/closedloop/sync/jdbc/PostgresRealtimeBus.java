package dev.closedloop.sync.jdbc;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.CloseReason;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.spi.ServerLogFanout;
import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.realtime.RealtimeBusUnavailableException;
import dev.closedloop.sync.realtime.RealtimeListener;
import dev.closedloop.sync.realtime.Replay;
import dev.closedloop.sync.realtime.Subscription;
import dev.closedloop.sync.realtime.Topics;
import dev.closedloop.sync.realtime.spi.ServerBusCore;
import dev.closedloop.sync.retry.Backoff;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.Scheduler;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
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
 * ServerLogFanout}. If the connection dies, the listener reconnects after {@link
 * RetryPolicy#delayNanos} waits ({@link Backoff}) on the {@link Scheduler} and first catches every topic up from
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
 * index on {@code (topic, entity_key, position)}), so every node answers the same, a restart
 * forgets nothing, and it forgets what retention deleted.
 *
 * <h2>Waiting for a change</h2>
 *
 * {@link #awaitChange} completes from what this node's listener reads: the events of the topics
 * this node has subscribers for, published by any node or by a trigger, each once. It does not
 * hear topics nobody here subscribes to (the listener reads only followed topics), nor anything
 * from before the bus started; its timeouts run on the builder's {@link
 * PostgresRealtimeBusBuilder#scheduler scheduler}.
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

  private final Outbox outbox;
  private final OutboxSchema schema;
  private final int maxEvents;
  private final long pollMillis;
  private final ServerBusCore core;
  private final OutboxListener listener;
  private final OutboxRetention retention;
  private final @Nullable Duration retentionInterval;

  PostgresRealtimeBus(PostgresRealtimeBusBuilder b, DataSource dataSource, RealtimeSql sql) {
    this.outbox = new Outbox(dataSource, sql);
    this.schema = new OutboxSchema(outbox);
    this.maxEvents = b.options.maxEventsPerTopic();
    this.pollMillis = Math.max(1, b.pollInterval.toMillis());
    this.core = new ServerBusCore(b.options, new ServerLogFanout.Source() {
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
        outbox.ringBell(topic); // the listener catches the new topic up from where it is followed
      }
    });
    this.listener = new OutboxListener(outbox, core, Backoff.of(b.options.reconnectPolicy()), b.listenerName,
        b.readBatch, pollMillis);
    this.retention = new OutboxRetention(outbox, b.minRetention.toMillis(), b.options.scheduler(), core::isClosed);
    this.retentionInterval = b.retentionInterval;
  }

  void start() {
    core.startReader("closedloop-postgres-bus-listener", listener);
    if (retentionInterval != null) {
      retention.repeatEvery(retentionInterval.toNanos());
    }
  }

  /** Returns a builder; a data source must be set. */
  public static PostgresRealtimeBusBuilder builder() {
    return new PostgresRealtimeBusBuilder();
  }

  /** Returns the outbox table's name. */
  public String tableName() {
    return outbox.sql.outbox;
  }

  /** Returns the {@code NOTIFY} channel. */
  public String channel() {
    return outbox.sql.channel;
  }

  /**
   * Creates the tables, index and functions of the shipped schema if they do not exist, in one
   * transaction. Safe to run on every start.
   *
   * @throws RealtimeBusUnavailableException if a statement fails
   */
  public void createSchema() {
    schema.create();
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
    schema.installTrigger(table, topic, keyColumn, maxEvents);
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
    return retention.deleteTrimmed(batch);
  }

  /**
   * {@inheritDoc} The event is committed when this returns.
   *
   * @throws RealtimeBusUnavailableException if the database cannot be reached or refuses the
   *     statement
   */
  @Override
  public long publish(ChangeDraft draft) {
    Objects.requireNonNull(draft, "draft cannot be null");
    core.ensureOpen();
    return outbox.publish(draft, maxEvents);
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
    return outbox.replay(topic, after);
  }

  /**
   * {@inheritDoc}
   *
   * @throws RealtimeBusUnavailableException if the database cannot be reached
   */
  @Override
  public long head(String topic) {
    Topics.requireValid(topic);
    return outbox.head(topic);
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
    return outbox.latest(topic, key);
  }

  /**
   * {@inheritDoc}
   *
   * @throws RealtimeBusUnavailableException if the database cannot be reached to find the
   *     topics' heads or to replay
   */
  @Override
  public Subscription subscribe(Set<String> topics, Cursor after, RealtimeListener listener) {
    return core.subscribe(topics, after, listener);
  }

  /**
   * {@inheritDoc} This node hears what its listener reads: see "Waiting for a change" in the
   * class comment.
   */
  @Override
  public CompletableFuture<ChangeEvent> awaitChange(Predicate<? super ChangeEvent> predicate, Duration timeout) {
    return core.awaitChange(predicate, timeout);
  }

  @Override
  public int subscriptionCount() {
    return core.subscriptionCount();
  }

  /** Returns whether {@link #close()} was called. */
  public boolean isClosed() {
    return core.isClosed();
  }

  @Override
  public void close() {
    core.close(Duration.ofMillis(pollMillis + 5_000), new ServerBusCore.Shutdown() {
      @Override
      public void cancelTimers() {
        retention.cancel();
      }

      @Override
      public void wakeReader() {
        try {
          outbox.ringBell("close"); // wakes the listener from getNotifications
        } catch (RuntimeException e) {
          log.debug("Could not wake the listener for close: {}", e.toString());
        }
      }

      @Override
      public void deliverRest() {
        listener.deliverRest();
      }
    });
  }

  @Override
  public String toString() {
    return "PostgresRealtimeBus[" + outbox.sql.outbox + ", " + core.node() + (core.isClosed() ? ", closed" : "") + "]";
  }
}
