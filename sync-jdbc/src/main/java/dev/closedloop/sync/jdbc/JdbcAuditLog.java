package dev.closedloop.sync.jdbc;

import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.time.Clock;
import dev.closedloop.sync.time.Scheduler;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only audit table of what the idempotency layer did: one row per first execution and
 * one per replay, conflict and mismatch (see {@link AuditEntry}). Rows are written off the request
 * thread, in batches, by one writer thread; {@link #append} only puts the row in a bounded queue.
 *
 * <pre>{@code
 * JdbcAuditLog audit = JdbcAuditLog.builder()
 *     .dataSource(hikari)
 *     .tableName("app.idempotency_audit")
 *     .node("api-1")
 *     .createSchema(true)                                        // or run audit-v1.sql yourself
 *     .retention(Duration.ofDays(90), Scheduler.system(), Duration.ofMinutes(10))
 *     .build();
 * IdempotencyFilter filter = IdempotencyFilter.builder()
 *     .store(store)
 *     .listener(new JdbcAuditListener(audit))
 *     .build();
 * }</pre>
 *
 * <h2>Guarantees</h2>
 *
 * <ul>
 *   <li><b>A request never waits for the audit and never fails because of it.</b> {@link
 *       #append} is a non-blocking offer; when the queue is full (the database is slow or down
 *       for longer than the queue covers) the row is dropped, counted in {@link #dropped()}, and
 *       one WARN is logged per outage.
 *   <li><b>Nothing is written twice.</b> Each row gets a random id before its first attempt; a
 *       failed batch is tried again every {@code retryInterval} with the same ids, and {@code ON
 *       CONFLICT DO NOTHING} makes a batch whose commit was lost in transit harmless.
 *   <li><b>It resumes by itself.</b> The writer borrows a connection per batch, so a connection
 *       the server killed is replaced by the pool and the batch goes through on the next try;
 *       the rows that waited meanwhile follow. The end of an outage is logged once, with the
 *       number of rows dropped during it.
 *   <li><b>Append-only.</b> The writer only inserts; the reaper (if a retention is set) deletes
 *       rows older than the retention in batches of {@code reaperBatchSize}.
 * </ul>
 *
 * <p>The table is described by the classpath resource {@value AuditSql#SCHEMA_RESOURCE} (schema
 * version 1). {@link #close()} writes what is queued (waiting at most the given time when the
 * database is down), stops the writer and the reaper; the data source stays the application's.
 *
 * <p>This class is threadsafe.
 */
public final class JdbcAuditLog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JdbcAuditLog.class);

  private final DataSource dataSource;
  private final AuditSql sql;
  private final String node;
  private final int batchSize;
  private final long retryNanos;
  private final Clock clock;
  private final @Nullable Duration retention;
  private final @Nullable Reaper reaper;

  private final ArrayBlockingQueue<AuditEntry> queue;
  private final Thread writer;
  private final CountDownLatch stopSignal = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final LongAdder written = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder failedBatches = new LongAdder();
  /** Whether the drop of this outage was logged; the writer clears it when a batch goes through. */
  private final AtomicBoolean dropLogged = new AtomicBoolean();
  /** Rows taken from the queue and not yet written (the batch in hand). */
  private volatile int inHand;

  JdbcAuditLog(JdbcAuditLogBuilder b, DataSource dataSource) {
    this.dataSource = dataSource;
    this.sql = new AuditSql(b.tableName);
    this.node = b.node;
    this.batchSize = b.batchSize;
    this.retryNanos = b.retryInterval.toNanos();
    this.clock = b.clock;
    this.retention = b.retention;
    Duration keep = b.retention;
    this.reaper = b.reaperScheduler == null || keep == null ? null : new Reaper(b.reaperScheduler,
        b.reaperInterval, b.reaperBatchSize, batch -> reapOlderThan(keep, batch), log, "audit reaper on " + sql.table);
    this.queue = new ArrayBlockingQueue<>(b.queueCapacity);
    this.writer = new Thread(this::writeLoop, "cls-audit-writer-" + sql.table);
    this.writer.setDaemon(true);
  }

  /**
   * Returns a builder: table {@value JdbcAuditLogBuilder#DEFAULT_TABLE_NAME}, schema not created,
   * 10,000 queued rows, batches of 500, a retry every second, no retention. The data source must
   * be set.
   */
  public static JdbcAuditLogBuilder builder() {
    return new JdbcAuditLogBuilder();
  }

  void start() {
    writer.start();
    if (reaper != null) {
      reaper.start();
    }
  }

  /**
   * Queues a row for the writer, without waiting. After {@link #close()}, or when the queue is
   * full, the row is dropped and counted.
   *
   * @return whether the row was queued
   * @throws NullPointerException if {@code entry} is null
   */
  public boolean append(AuditEntry entry) {
    Objects.requireNonNull(entry, "entry cannot be null");
    if (!closed.get() && queue.offer(entry)) {
      return true;
    }
    dropped.increment();
    if (dropLogged.compareAndSet(false, true)) {
      log.warn("audit log {}: {}; rows are dropped and counted until the writer catches up", sql.table,
          closed.get() ? "closed" : "the queue of " + (queue.size() + queue.remainingCapacity()) + " rows is full");
    }
    return false;
  }

  /**
   * Queues a row for a request under {@code key}, stamped now on the log's clock; see {@link
   * AuditEntry#of}.
   *
   * @return whether the row was queued
   */
  public boolean append(IdempotencyKey key, String outcome, String method, String route, int status,
      long durationNanos) {
    return append(AuditEntry.of(clock.instant(), key, outcome, method, route, status, durationNanos));
  }

  /** Returns the rows written so far. */
  public long written() {
    return written.sum();
  }

  /** Returns the rows dropped so far: the queue was full, or the log closed before they were written. */
  public long dropped() {
    return dropped.sum();
  }

  /** Returns the batches that failed and were (or will be) tried again. */
  public long failedBatches() {
    return failedBatches.sum();
  }

  /** Returns the rows queued or in the writer's hand, not yet written. */
  public int pending() {
    return queue.size() + inHand;
  }

  /** Returns the table, as configured. */
  public String tableName() {
    return sql.table;
  }

  /**
   * Creates the table and its indexes if they do not exist, from the shipped script, in one
   * transaction. Safe to call on every start.
   *
   * @throws JdbcStoreException if the database refuses it
   */
  public void createSchema() {
    try (Connection c = dataSource.getConnection()) {
      boolean auto = c.getAutoCommit();
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        for (String statement : sql.schemaStatements()) {
          s.execute(statement);
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(auto);
      }
    } catch (SQLException e) {
      throw new JdbcStoreException("jdbc audit log could not create table " + sql.table + ": " + e.getMessage(), e);
    }
  }

  /**
   * Deletes at most {@code batchSize} rows whose {@code at} is older than {@code age} before the
   * database's {@code now()}.
   *
   * @return how many rows were deleted; less than {@code batchSize} means none are left for now
   * @throws NullPointerException if {@code age} is null
   * @throws IllegalArgumentException if {@code batchSize} is below 1 or above 100,000
   * @throws JdbcStoreException if the database cannot be reached or refuses the statement
   */
  public int reapOlderThan(Duration age, int batchSize) {
    Objects.requireNonNull(age, "age cannot be null");
    if (batchSize < 1 || batchSize > JdbcIdempotencyStoreBuilder.MAX_REAPER_BATCH_SIZE) {
      throw new IllegalArgumentException("batchSize must be between 1 and "
          + JdbcIdempotencyStoreBuilder.MAX_REAPER_BATCH_SIZE + ": " + batchSize);
    }
    try (Connection c = dataSource.getConnection(); PreparedStatement delete = c.prepareStatement(sql.reap)) {
      delete.setLong(1, age.toMillis());
      delete.setInt(2, batchSize);
      return delete.executeUpdate();
    } catch (SQLException e) {
      throw new JdbcStoreException("jdbc audit log could not reap " + sql.table + ": " + e.getMessage(), e);
    }
  }

  /**
   * Stops taking rows, writes what is queued (giving up after {@code timeout} if the database
   * does not take it; what is left is counted as dropped), and stops the reaper. Idempotent.
   *
   * @return whether every queued row was written
   * @throws NullPointerException if {@code timeout} is null
   */
  public boolean close(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout cannot be null");
    if (closed.compareAndSet(false, true) && reaper != null) {
      reaper.stop();
    }
    try {
      writer.join(Math.max(1, timeout.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stopSignal.countDown(); // a writer still retrying gives up now
    try {
      writer.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return pending() == 0 && !writer.isAlive();
  }

  /** {@link #close(Duration)} with 5 seconds. */
  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }

  @Override
  public String toString() {
    return "JdbcAuditLog[table=" + sql.table + ", node=" + node + ", written=" + written() + ", dropped=" + dropped()
        + ", pending=" + pending() + (retention != null ? ", retention " + retention : "")
        + (closed.get() ? ", closed" : "") + "]";
  }

  // ---- the writer ---------------------------------------------------------------------------

  /** A queued entry with the id it keeps across retries. */
  private static final class Row {
    final UUID id = UUID.randomUUID();
    final AuditEntry entry;

    Row(AuditEntry entry) {
      this.entry = entry;
    }
  }

  private void writeLoop() {
    List<Row> batch = new ArrayList<>(batchSize);
    List<AuditEntry> taken = new ArrayList<>(batchSize);
    boolean outage = false;
    long droppedAtOutage = 0;
    while (true) {
      if (batch.isEmpty()) {
        if (closed.get() && queue.isEmpty()) {
          return;
        }
        AuditEntry first;
        try {
          first = queue.poll(100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          continue; // nobody interrupts this thread on purpose: close() asks through `closed`
        }
        if (first == null) {
          continue;
        }
        batch.add(new Row(first));
        queue.drainTo(taken, batchSize - 1);
        for (AuditEntry e : taken) {
          batch.add(new Row(e));
        }
        taken.clear();
        inHand = batch.size();
      }
      try {
        insert(batch);
        written.add(batch.size());
        batch.clear();
        inHand = 0;
        if (outage) {
          outage = false;
          log.warn("audit log {} writes again; {} rows were dropped during the outage", sql.table,
              dropped.sum() - droppedAtOutage);
        }
        dropLogged.set(false);
      } catch (SQLException | RuntimeException e) {
        failedBatches.increment();
        if (!outage) {
          outage = true;
          droppedAtOutage = dropped.sum();
          log.warn("audit log {} cannot write ({}); requests go on, rows wait in memory (up to {}) and the"
              + " batch is tried again every {} ms", sql.table, e.toString(), queue.size() + queue.remainingCapacity(),
              TimeUnit.NANOSECONDS.toMillis(retryNanos));
        }
        boolean giveUp;
        try {
          giveUp = stopSignal.await(retryNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException ie) {
          giveUp = false;
        }
        if (giveUp) {
          int lost = batch.size();
          batch.clear();
          while (queue.poll() != null) {
            lost++;
          }
          inHand = 0;
          dropped.add(lost);
          log.warn("audit log {} closed while the database was unreachable; {} rows were not written", sql.table, lost);
          return;
        }
      }
    }
  }

  private void insert(List<Row> batch) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      boolean auto = c.getAutoCommit();
      c.setAutoCommit(false);
      try (PreparedStatement s = c.prepareStatement(sql.insert)) {
        for (Row row : batch) {
          AuditEntry e = row.entry;
          s.setObject(1, row.id);
          s.setTimestamp(2, Timestamp.from(e.at()));
          s.setString(3, node);
          s.setString(4, e.outcome());
          s.setString(5, e.scopeHash());
          s.setString(6, e.keyHash());
          s.setString(7, e.method());
          s.setString(8, e.route());
          s.setInt(9, e.status());
          s.setLong(10, e.durationMicros());
          s.addBatch();
        }
        s.executeBatch();
        c.commit();
      } catch (SQLException | RuntimeException e) {
        try {
          c.rollback();
        } catch (SQLException re) {
          e.addSuppressed(re);
        }
        throw e;
      } finally {
        try {
          c.setAutoCommit(auto);
        } catch (SQLException ignored) {
          // a broken connection: the pool finds out itself
        }
      }
    }
  }
}
