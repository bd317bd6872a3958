package dev.closedloop.sync.jdbc;

import dev.closedloop.sync.realtime.spi.ServerLogFanout;
import dev.closedloop.sync.realtime.RealtimeBusUnavailableException;
import dev.closedloop.sync.realtime.spi.ServerBusOptions;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.Scheduler;
import java.time.Duration;
import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Configures a {@link PostgresRealtimeBus}. Every setter validates at once; {@link #build()}
 * copies the settings, so a builder can be reused.
 *
 * <p>This class is not threadsafe.
 */
public final class PostgresRealtimeBusBuilder {
  /** The default outbox table. */
  public static final String DEFAULT_TABLE_NAME = "cls_realtime_outbox";

  /** The default {@code application_name} of the listening connection. */
  public static final String DEFAULT_LISTENER_NAME = "closedloop-realtime-listener";

  @Nullable DataSource dataSource;
  String tableName = DEFAULT_TABLE_NAME;
  boolean createSchema;
  final ServerBusOptions options = new ServerBusOptions(1_000_000_000);
  int readBatch = 1_000;
  Duration pollInterval = Duration.ofSeconds(1);
  Duration minRetention = Duration.ofMinutes(5);
  @Nullable Duration retentionInterval = Duration.ofMinutes(1);
  String listenerName = DEFAULT_LISTENER_NAME;

  PostgresRealtimeBusBuilder() {}

  /**
   * Sets where connections come from (required). The bus keeps one of them for {@code LISTEN}
   * for as long as it runs, and borrows others for single statements.
   *
   * @throws NullPointerException if {@code dataSource} is null
   */
  public PostgresRealtimeBusBuilder dataSource(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource cannot be null");
    return this;
  }

  /**
   * Sets the outbox table, {@code [schema.]name} (default {@value #DEFAULT_TABLE_NAME}); the
   * topics table, the functions and the NOTIFY channel are named after it.
   *
   * @throws NullPointerException if {@code tableName} is null
   * @throws IllegalArgumentException if it is not lowercase letters, digits and underscores,
   *     starting with a letter or underscore, with an optional schema, the name at most 49
   *     characters
   */
  public PostgresRealtimeBusBuilder tableName(String tableName) {
    Objects.requireNonNull(tableName, "tableName cannot be null");
    new RealtimeSql(tableName); // validates
    this.tableName = tableName;
    return this;
  }

  /**
   * Creates the tables and functions when the bus is built, if they do not exist (see {@link
   * PostgresRealtimeBus#createSchema()}). Default false: the application runs the shipped script.
   */
  public PostgresRealtimeBusBuilder createSchema(boolean createSchema) {
    this.createSchema = createSchema;
    return this;
  }

  /**
   * Sets how many events the outbox keeps per topic this bus publishes to (default 10,000); it
   * holds up to a tenth more before retention deletes the oldest in one batch.
   *
   * @throws IllegalArgumentException if {@code max} is below 1 or above 1,000,000,000
   */
  public PostgresRealtimeBusBuilder maxEventsPerTopic(int max) {
    options.maxEventsPerTopic(max);
    return this;
  }

  /**
   * Sets the bound of each subscription's queue of undelivered events (default 4,096); past it
   * the subscription ends with {@code OVERFLOW}.
   *
   * @throws IllegalArgumentException if {@code capacity < 1}
   */
  public PostgresRealtimeBusBuilder subscriberQueueCapacity(int capacity) {
    options.subscriberQueueCapacity(capacity);
    return this;
  }

  /**
   * Sets the size of the delivery pool (default one daemon thread per core, {@link
   * ServerLogFanout#defaultDeliveryThreads()}, created on demand).
   *
   * @throws IllegalArgumentException if {@code threads < 1}
   */
  public PostgresRealtimeBusBuilder deliveryThreads(int threads) {
    options.deliveryThreads(threads);
    return this;
  }

  /**
   * Sets how many rows the listener reads per query while catching up (default 1,000).
   *
   * @throws IllegalArgumentException if {@code rows} is below 1 or above 100,000
   */
  public PostgresRealtimeBusBuilder readBatch(int rows) {
    if (rows < 1 || rows > 100_000) {
      throw new IllegalArgumentException("readBatch must be between 1 and 100000: " + rows);
    }
    this.readBatch = rows;
    return this;
  }

  /**
   * Sets how long the listener waits for a notification before it checks the topics' heads
   * anyway, and notices a dead connection (default 1 s).
   *
   * @throws NullPointerException if {@code interval} is null
   * @throws IllegalArgumentException if it is shorter than 10 ms or longer than 1 hour
   */
  public PostgresRealtimeBusBuilder pollInterval(Duration interval) {
    Objects.requireNonNull(interval, "interval cannot be null");
    if (interval.compareTo(Duration.ofMillis(10)) < 0 || interval.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException("pollInterval must be between 10 ms and 1 hour: " + interval);
    }
    this.pollInterval = interval;
    return this;
  }

  /**
   * Sets how long a row stays in the outbox at least, after it left the replay log, so that the
   * listeners of every node read it (default 5 minutes). A node away for longer misses rows and
   * ends the affected subscriptions with {@code FAILED}.
   *
   * @throws NullPointerException if {@code minRetention} is null
   * @throws IllegalArgumentException if it is negative or longer than 30 days
   */
  public PostgresRealtimeBusBuilder minRetention(Duration minRetention) {
    Objects.requireNonNull(minRetention, "minRetention cannot be null");
    if (minRetention.isNegative() || minRetention.compareTo(Duration.ofDays(30)) > 0) {
      throw new IllegalArgumentException("minRetention must be between 0 and 30 days: " + minRetention);
    }
    this.minRetention = minRetention;
    return this;
  }

  /**
   * Sets how often the bus runs {@link PostgresRealtimeBus#deleteTrimmed} on its scheduler
   * (default every minute); null to leave it to the application.
   *
   * @throws IllegalArgumentException if it is shorter than 1 second or longer than 1 day
   */
  public PostgresRealtimeBusBuilder retentionInterval(@Nullable Duration interval) {
    if (interval != null && (interval.compareTo(Duration.ofSeconds(1)) < 0 || interval.compareTo(Duration.ofDays(1)) > 0)) {
      throw new IllegalArgumentException("retentionInterval must be between 1 second and 1 day: " + interval);
    }
    this.retentionInterval = interval;
    return this;
  }

  /**
   * Sets the {@code application_name} of the listening connection, so operators find it in
   * {@code pg_stat_activity} (default {@value #DEFAULT_LISTENER_NAME}).
   *
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if it is empty, longer than 63 characters or not printable
   *     ASCII
   */
  public PostgresRealtimeBusBuilder listenerName(String name) {
    Objects.requireNonNull(name, "name cannot be null");
    if (name.isEmpty() || name.length() > 63 || !name.chars().allMatch(c -> c >= ' ' && c < 127)) {
      throw new IllegalArgumentException("listenerName must be 1 to 63 printable ASCII characters: " + name);
    }
    this.listenerName = name;
    return this;
  }

  /**
   * Sets the policy whose {@link RetryPolicy#delayNanos} spaces the listener's reconnects
   * (default 100 ms doubling to 10 s, full jitter); its attempt limit is ignored.
   *
   * @throws NullPointerException if {@code policy} is null
   */
  public PostgresRealtimeBusBuilder reconnectPolicy(RetryPolicy<?> policy) {
    options.reconnectPolicy(policy);
    return this;
  }

  /**
   * Sets the scheduler the reconnect waits, the retention runs and {@link
   * PostgresRealtimeBus#awaitChange} timeouts run on (default {@link Scheduler#system()}).
   *
   * @throws NullPointerException if {@code scheduler} is null
   */
  public PostgresRealtimeBusBuilder scheduler(Scheduler scheduler) {
    options.scheduler(scheduler);
    return this;
  }

  /**
   * Builds the bus (creating the schema if asked) and starts its listener.
   *
   * @throws IllegalStateException if no data source was set
   * @throws RealtimeBusUnavailableException if the schema cannot be created
   */
  public PostgresRealtimeBus build() {
    if (dataSource == null) {
      throw new IllegalStateException("dataSource must be set");
    }
    PostgresRealtimeBus bus = new PostgresRealtimeBus(this, Objects.requireNonNull(dataSource), new RealtimeSql(tableName));
    if (createSchema) {
      try {
        bus.createSchema();
      } catch (RuntimeException e) {
        bus.close();
        throw e;
      }
    }
    bus.start();
    return bus;
  }
}
