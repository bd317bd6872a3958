package dev.closedloop.sync.jdbc;

import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.spi.StoreArguments;
import dev.closedloop.sync.time.Clock;
import dev.closedloop.sync.time.Scheduler;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link JdbcAuditLog}. Setters validate at once with fixed messages; {@link #build()}
 * checks the options against each other and copies them, so a builder can be reused.
 *
 * <p>This class is not threadsafe.
 */
public final class JdbcAuditLogBuilder {
  /** The table unless set: {@value}. */
  public static final String DEFAULT_TABLE_NAME = "cls_audit";

  static final int DEFAULT_QUEUE_CAPACITY = 10_000;
  static final int MAX_QUEUE_CAPACITY = 10_000_000;
  static final int DEFAULT_BATCH_SIZE = 500;
  static final int MAX_BATCH_SIZE = 10_000;
  static final int MAX_NODE_LENGTH = 200;

  @Nullable DataSource dataSource;
  String tableName = DEFAULT_TABLE_NAME;
  boolean createSchema;
  String node = ManagementFactory.getRuntimeMXBean().getName();
  int queueCapacity = DEFAULT_QUEUE_CAPACITY;
  int batchSize = DEFAULT_BATCH_SIZE;
  Duration retryInterval = Duration.ofSeconds(1);
  Clock clock = Clock.system();
  @Nullable Duration retention;
  @Nullable Scheduler reaperScheduler;
  Duration reaperInterval = Duration.ofMinutes(10);
  int reaperBatchSize = JdbcIdempotencyStoreBuilder.DEFAULT_REAPER_BATCH_SIZE;

  JdbcAuditLogBuilder() {}

  /**
   * Sets where connections come from: the application's pool, which it keeps owning. The writer
   * borrows one connection per batch. Required.
   *
   * @throws NullPointerException if {@code dataSource} is null
   */
  public JdbcAuditLogBuilder dataSource(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource cannot be null");
    return this;
  }

  /**
   * Sets the table, optionally schema-qualified, with the rules of {@link
   * JdbcIdempotencyStoreBuilder#tableName}. Default {@value #DEFAULT_TABLE_NAME}.
   *
   * @throws NullPointerException if {@code tableName} is null
   * @throws IllegalArgumentException if it is not {@code [schema.]name} in lowercase letters,
   *     digits and underscores, the name at most 49 characters
   */
  public JdbcAuditLogBuilder tableName(String tableName) {
    Objects.requireNonNull(tableName, "tableName cannot be null");
    new AuditSql(tableName); // validates
    this.tableName = tableName;
    return this;
  }

  /**
   * Sets whether {@link #build()} creates the table and its indexes if missing, from the shipped
   * {@code audit-v1.sql}. Default false: the application runs that script in its own migrations.
   */
  public JdbcAuditLogBuilder createSchema(boolean createSchema) {
    this.createSchema = createSchema;
    return this;
  }

  /**
   * Sets the name written in every row's {@code node} column. Default: the JVM's name ({@code
   * pid@host}).
   *
   * @throws NullPointerException if {@code node} is null
   * @throws IllegalArgumentException if it is empty or longer than 200 characters
   */
  public JdbcAuditLogBuilder node(String node) {
    Objects.requireNonNull(node, "node cannot be null");
    if (node.isEmpty() || node.length() > MAX_NODE_LENGTH) {
      throw new IllegalArgumentException("node must have 1 to " + MAX_NODE_LENGTH + " characters: " + node.length());
    }
    this.node = node;
    return this;
  }

  /**
   * Sets how many rows may wait for the writer. A row that finds the queue full is dropped and
   * counted ({@link JdbcAuditLog#dropped()}); the request never waits. Default 10,000.
   *
   * @throws IllegalArgumentException if it is below 1 or above 10,000,000
   */
  public JdbcAuditLogBuilder queueCapacity(int queueCapacity) {
    if (queueCapacity < 1 || queueCapacity > MAX_QUEUE_CAPACITY) {
      throw new IllegalArgumentException(
          "queueCapacity must be between 1 and " + MAX_QUEUE_CAPACITY + ": " + queueCapacity);
    }
    this.queueCapacity = queueCapacity;
    return this;
  }

  /**
   * Sets the most rows one transaction inserts. Default 500.
   *
   * @throws IllegalArgumentException if it is below 1 or above 10,000
   */
  public JdbcAuditLogBuilder batchSize(int batchSize) {
    if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
      throw new IllegalArgumentException("batchSize must be between 1 and " + MAX_BATCH_SIZE + ": " + batchSize);
    }
    this.batchSize = batchSize;
    return this;
  }

  /**
   * Sets how long the writer waits before it tries a failed batch again. Default 1 second.
   *
   * @throws NullPointerException if {@code interval} is null
   * @throws IllegalArgumentException if it is not positive or above 10,000 days
   */
  public JdbcAuditLogBuilder retryInterval(Duration interval) {
    this.retryInterval = StoreArguments.checkDuration(interval, "interval");
    return this;
  }

  /**
   * Sets the wall clock that stamps each row's {@code at}. Default {@link Clock#system()}.
   *
   * @throws NullPointerException if {@code clock} is null
   */
  public JdbcAuditLogBuilder clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    return this;
  }

  /**
   * Keeps rows for {@code retention} (by their {@code at}, against the database's {@code now()}):
   * every {@code interval} on {@code scheduler}, older rows are deleted in batches. The batches
   * block on the database, so give a scheduler whose threads may block. Default: rows are kept
   * until the application deletes them ({@link JdbcAuditLog#reapOlderThan}).
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a duration is not positive or above 10,000 days
   */
  public JdbcAuditLogBuilder retention(Duration retention, Scheduler scheduler, Duration interval) {
    this.retention = StoreArguments.checkDuration(retention, "retention");
    this.reaperScheduler = Objects.requireNonNull(scheduler, "scheduler cannot be null");
    this.reaperInterval = StoreArguments.checkDuration(interval, "interval");
    return this;
  }

  /**
   * Sets how many rows one reaper statement deletes at most. Default 1,000.
   *
   * @throws IllegalArgumentException if it is below 1 or above 100,000
   */
  public JdbcAuditLogBuilder reaperBatchSize(int batchSize) {
    if (batchSize < 1 || batchSize > JdbcIdempotencyStoreBuilder.MAX_REAPER_BATCH_SIZE) {
      throw new IllegalArgumentException("batchSize must be between 1 and "
          + JdbcIdempotencyStoreBuilder.MAX_REAPER_BATCH_SIZE + ": " + batchSize);
    }
    this.reaperBatchSize = batchSize;
    return this;
  }

  /**
   * Builds the log, creating the schema first if asked, and starts its writer thread (and the
   * reaper, if a retention was set).
   *
   * @throws IllegalStateException if no data source was set, or the batch is larger than the queue
   * @throws JdbcStoreException if the schema was to be created and could not be
   */
  public JdbcAuditLog build() {
    if (dataSource == null) {
      throw new IllegalStateException("dataSource must be set");
    }
    if (batchSize > queueCapacity) {
      throw new IllegalStateException("batchSize (" + batchSize + ") cannot exceed queueCapacity (" + queueCapacity + ")");
    }
    JdbcAuditLog log = new JdbcAuditLog(this, dataSource);
    if (createSchema) {
      log.createSchema();
    }
    log.start();
    return log;
  }
}
