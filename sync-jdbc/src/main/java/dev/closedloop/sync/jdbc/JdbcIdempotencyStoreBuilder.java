package dev.closedloop.sync.jdbc;

import dev.closedloop.sync.idempotency.ExpiredLeasePolicy;
import dev.closedloop.sync.idempotency.spi.StoreArguments;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.StoredResponse;
import dev.closedloop.sync.time.Scheduler;
import java.time.Duration;
import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link JdbcIdempotencyStore}. Setters validate at once with fixed messages; {@link
 * #build()} checks the options against each other and copies them, so a builder can be reused.
 *
 * <p>This class is not threadsafe.
 */
public final class JdbcIdempotencyStoreBuilder {
  /** The table unless set: {@value}. */
  public static final String DEFAULT_TABLE_NAME = "cls_idempotency";

  static final long DEFAULT_MAX_RESPONSE_BYTES = 1024L * 1024;
  static final long MAX_MAX_RESPONSE_BYTES = 256L * 1024 * 1024;
  static final int DEFAULT_REAPER_BATCH_SIZE = 1000;
  static final int MAX_REAPER_BATCH_SIZE = 100_000;

  @Nullable DataSource dataSource;
  String tableName = DEFAULT_TABLE_NAME;
  boolean createSchema;
  ExpiredLeasePolicy expiredLeasePolicy = ExpiredLeasePolicy.RE_EXECUTE;
  Duration abandonedRetention = IdempotencyStore.DEFAULT_RETENTION;
  long maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
  @Nullable Scheduler reaperScheduler;
  Duration reaperInterval = Duration.ofMinutes(1);
  int reaperBatchSize = DEFAULT_REAPER_BATCH_SIZE;
  private boolean reaperBatchSizeSet;

  JdbcIdempotencyStoreBuilder() {}

  /**
   * Sets where connections come from: the application's pool, which it keeps owning. Required.
   *
   * @throws NullPointerException if {@code dataSource} is null
   */
  public JdbcIdempotencyStoreBuilder dataSource(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource cannot be null");
    return this;
  }

  /**
   * Sets the table, optionally schema-qualified ({@code app.idempotency}). Lowercase letters,
   * digits and underscores only, so it is never quoted and never injected. Default {@value
   * #DEFAULT_TABLE_NAME}.
   *
   * @throws NullPointerException if {@code tableName} is null
   * @throws IllegalArgumentException if it is not {@code [schema.]name} as described, or the name
   *     is longer than 49 characters (the index name adds 14)
   */
  public JdbcIdempotencyStoreBuilder tableName(String tableName) {
    Objects.requireNonNull(tableName, "tableName cannot be null");
    new PostgresDialect(tableName); // validates
    this.tableName = tableName;
    return this;
  }

  /**
   * Sets whether {@link #build()} creates the table and its index if missing (see {@link
   * JdbcIdempotencyStore#createSchema()}). Default false: the application runs the shipped script
   * in its own migrations.
   */
  public JdbcIdempotencyStoreBuilder createSchema(boolean createSchema) {
    this.createSchema = createSchema;
    return this;
  }

  /**
   * Sets what happens when a lease expires before its owner completes. Default {@link
   * ExpiredLeasePolicy#RE_EXECUTE}.
   *
   * @throws NullPointerException if {@code policy} is null
   */
  public JdbcIdempotencyStoreBuilder expiredLeasePolicy(ExpiredLeasePolicy policy) {
    this.expiredLeasePolicy = Objects.requireNonNull(policy, "policy cannot be null");
    return this;
  }

  /**
   * Sets how long, from the claim, an abandoned claim blocks its key under {@link
   * ExpiredLeasePolicy#CONFLICT_UNTIL_EXPIRY}. Default 24 hours; ignored under {@code RE_EXECUTE}.
   *
   * @throws NullPointerException if {@code retention} is null
   * @throws IllegalArgumentException if {@code retention} is not positive or above 10,000 days
   */
  public JdbcIdempotencyStoreBuilder abandonedClaimRetention(Duration retention) {
    this.abandonedRetention = StoreArguments.checkDuration(retention, "retention");
    return this;
  }

  /**
   * Sets the largest response kept replayable, by {@link StoredResponse#size()}; larger ones are
   * completed as not replayable. Default 1 MiB.
   *
   * @throws IllegalArgumentException if it is below 1 or above 256 MiB
   */
  public JdbcIdempotencyStoreBuilder maxResponseBytes(long maxResponseBytes) {
    if (maxResponseBytes < 1 || maxResponseBytes > MAX_MAX_RESPONSE_BYTES) {
      throw new IllegalArgumentException(
          "maxResponseBytes must be between 1 and " + MAX_MAX_RESPONSE_BYTES + ": " + maxResponseBytes);
    }
    this.maxResponseBytes = maxResponseBytes;
    return this;
  }

  /**
   * Runs the reaper every {@code interval} on {@code scheduler}: each run deletes dead rows in
   * batches until none are left. The batches block on the database, so give a scheduler whose
   * threads may block ({@link Scheduler#system()} hands tasks to the common pool; {@link
   * Scheduler#of} with an executor of its own is better under load). Default: no reaper; call
   * {@link JdbcIdempotencyStore#reapExpired(int)} yourself.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code interval} is not positive or above 10,000 days
   */
  public JdbcIdempotencyStoreBuilder reaper(Scheduler scheduler, Duration interval) {
    this.reaperScheduler = Objects.requireNonNull(scheduler, "scheduler cannot be null");
    this.reaperInterval = StoreArguments.checkDuration(interval, "interval");
    return this;
  }

  /**
   * Sets how many rows one reaper statement deletes at most. Default 1,000.
   *
   * @throws IllegalArgumentException if it is below 1 or above 100,000
   */
  public JdbcIdempotencyStoreBuilder reaperBatchSize(int batchSize) {
    if (batchSize < 1 || batchSize > MAX_REAPER_BATCH_SIZE) {
      throw new IllegalArgumentException(
          "batchSize must be between 1 and " + MAX_REAPER_BATCH_SIZE + ": " + batchSize);
    }
    this.reaperBatchSize = batchSize;
    this.reaperBatchSizeSet = true;
    return this;
  }

  /**
   * Builds the store, creating the schema first if asked, then starts the reaper if one was set.
   *
   * @throws IllegalStateException if no data source was set, or a reaper batch size was set
   *     without a reaper
   * @throws JdbcStoreException if the schema was to be created and could not be
   */
  public JdbcIdempotencyStore build() {
    if (dataSource == null) {
      throw new IllegalStateException("dataSource must be set");
    }
    if (reaperBatchSizeSet && reaperScheduler == null) {
      throw new IllegalStateException("reaperBatchSize was set but no reaper: call reaper(scheduler, interval)");
    }
    JdbcIdempotencyStore store = new JdbcIdempotencyStore(this, dataSource);
    if (createSchema) {
      store.createSchema();
    }
    store.start();
    return store;
  }
}
