package dev.closedloop.sync.jdbc;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.ExpiredLeasePolicy;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.IdempotencyStoreStats;
import dev.closedloop.sync.idempotency.StoredResponse;
import dev.closedloop.sync.idempotency.IdempotencyStoreCounters;
import dev.closedloop.sync.idempotency.spi.OwnerTokens;
import dev.closedloop.sync.idempotency.spi.StoreArguments;
import dev.closedloop.sync.idempotency.spi.StoredResponseCodec;
import dev.closedloop.sync.spi.Digests;
import dev.closedloop.sync.time.Scheduler;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link IdempotencyStore} in one database table, shared by every node of a deployment:
 * a retry that lands on another node finds the claim or the response the first node left.
 *
 * <pre>{@code
 * JdbcIdempotencyStore store = JdbcIdempotencyStore.builder()
 *     .dataSource(hikari)
 *     .tableName("app.idempotency")
 *     .createSchema(true)                                   // or run the shipped SQL yourself
 *     .reaper(Scheduler.system(), Duration.ofMinutes(1))
 *     .build();
 * }</pre>
 *
 * <h2>Schema</h2>
 *
 * The table is described by the classpath resource {@value PostgresDialect#SCHEMA_RESOURCE}
 * (schema version 1). It is created only when the application asks ({@link
 * JdbcIdempotencyStoreBuilder#createSchema(boolean)} or {@link #createSchema()}); otherwise the
 * application runs that script (with its table name) in its own migrations. A row is keyed by the
 * SHA-256 of {@link IdempotencyKey#storageKey()}, so arbitrarily long scopes and keys fit the
 * index; scope and client key are kept beside it (in their strict storage form, {@link
 * IdempotencyKey#storageScope()}) and compared on every read.
 *
 * <h2>Operations</h2>
 *
 * Every statement runs in autocommit, its own short transaction, on a connection borrowed from
 * the application's {@link DataSource} for the one call and given back at once, failure or not.
 * Times are the database's {@code now()} only; the nodes' clocks never enter.
 *
 * <ul>
 *   <li><b>Claim</b>: {@code INSERT … ON CONFLICT DO NOTHING}; one statement when the key is
 *       new. If a row exists it is read: a live row answers {@link ClaimResult.InProgress},
 *       {@link ClaimResult.Completed} or {@link ClaimResult.Mismatch}; a dead row (lease over
 *       under re-execute, abandoned-claim retention or response retention over) is taken over by
 *       an {@code UPDATE … WHERE token = <the token read> AND expires_at <= now()}, a
 *       compare-and-set that exactly one of several racing claimers wins. A claimer that loses a
 *       race starts over.
 *   <li><b>Complete</b>: {@code UPDATE … WHERE token = ? AND state = 'in_progress'}.
 *   <li><b>Renew</b>: {@code UPDATE … SET lease_expires_at = now() + lease WHERE token = ? AND
 *       state = 'in_progress'}.
 *   <li><b>Release</b>: {@code DELETE … WHERE token = ? AND state = 'in_progress'}.
 *   <li><b>Reap</b>: {@link #reapExpired(int)} deletes dead rows in batches; {@link
 *       JdbcIdempotencyStoreBuilder#reaper} runs it on a {@link Scheduler}. Dead rows are
 *       harmless meanwhile: they answer as free.
 * </ul>
 *
 * <p>Use the READ COMMITTED isolation level (PostgreSQL's default). Under a stricter level a
 * concurrent update can fail a statement with a serialization error, reported as {@link
 * JdbcStoreException}.
 *
 * <h2>Failures</h2>
 *
 * When no connection can be had, the connection breaks or a statement fails, the operation
 * throws {@link JdbcStoreException}; the caller must run nothing. The store has no entry bound of
 * its own; the reaper keeps the table to the live entries. Responses larger than {@link
 * #maxResponseBytes()} are kept as not replayable.
 *
 * <p>{@link #close()} stops the reaper; the data source stays the application's.
 *
 * <p>This class is threadsafe.
 */
public final class JdbcIdempotencyStore implements IdempotencyStore, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JdbcIdempotencyStore.class);
  private static final ClaimResult MISMATCH = new ClaimResult.Mismatch();
  private static final int MAX_CLAIM_ROUNDS = 100;

  private final DataSource dataSource;
  private final PostgresDialect sql;
  private final ExpiredLeasePolicy policy;
  private final long abandonedRetentionMillis;
  private final long maxResponseBytes;
  private final @Nullable Reaper reaper;
  private final IdempotencyStoreCounters counters = new IdempotencyStoreCounters();
  private final OwnerTokens tokens = OwnerTokens.create();
  private final AtomicBoolean closed = new AtomicBoolean();

  JdbcIdempotencyStore(JdbcIdempotencyStoreBuilder b, DataSource dataSource) {
    this.dataSource = dataSource;
    this.sql = new PostgresDialect(b.tableName);
    this.policy = b.expiredLeasePolicy;
    this.abandonedRetentionMillis = StoreArguments.ceilMillis(b.abandonedRetention);
    this.maxResponseBytes = b.maxResponseBytes;
    this.reaper = b.reaperScheduler == null ? null : new Reaper(b.reaperScheduler, b.reaperInterval,
        b.reaperBatchSize, this::reapExpired, log, "idempotency reaper on " + sql.table);
  }

  /** Starts the reaper, if one was configured; called once by the builder. */
  void start() {
    if (reaper != null) {
      reaper.start();
    }
  }

  /**
   * Returns a builder: table {@value JdbcIdempotencyStoreBuilder#DEFAULT_TABLE_NAME}, schema not
   * created, re-execute, 1 MiB per response, no reaper. The data source must be set.
   */
  public static JdbcIdempotencyStoreBuilder builder() {
    return new JdbcIdempotencyStoreBuilder();
  }

  /**
   * {@inheritDoc}
   *
   * @throws JdbcStoreException if the database cannot be reached or refuses a statement
   * @throws IllegalStateException if the store is closed
   */
  @Override
  public ClaimResult claim(IdempotencyKey key, String fingerprint, Duration lease) {
    long leaseMillis = StoreArguments.claim(key, fingerprint, lease);
    checkOpen();
    long lifeMillis = policy == ExpiredLeasePolicy.RE_EXECUTE
        ? leaseMillis
        : Math.max(leaseMillis, abandonedRetentionMillis);
    byte[] hash = hash(key);
    String token = tokens.next();
    return counters.claimed(withConnection("claim", key, c -> {
      for (int round = 0; round < MAX_CLAIM_ROUNDS; round++) {
        try (PreparedStatement insert = c.prepareStatement(sql.insertClaim)) {
          insert.setBytes(1, hash);
          insert.setString(2, key.storageScope());
          insert.setString(3, key.storageClientKey());
          insert.setString(4, fingerprint);
          insert.setString(5, token);
          insert.setLong(6, leaseMillis);
          insert.setLong(7, lifeMillis);
          if (insert.executeUpdate() == 1) {
            return new ClaimResult.Claimed(token);
          }
        }
        String deadToken;
        try (PreparedStatement select = c.prepareStatement(sql.selectEntry)) {
          select.setBytes(1, hash);
          try (ResultSet row = select.executeQuery()) {
            if (!row.next()) {
              continue; // released or reaped since the insert: insert again
            }
            if (!row.getBoolean("dead")) {
              return answer(key, fingerprint, row);
            }
            deadToken = row.getString("token");
          }
        }
        try (PreparedStatement takeOver = c.prepareStatement(sql.takeOver)) {
          takeOver.setString(1, key.storageScope());
          takeOver.setString(2, key.storageClientKey());
          takeOver.setString(3, fingerprint);
          takeOver.setString(4, token);
          takeOver.setLong(5, leaseMillis);
          takeOver.setLong(6, lifeMillis);
          takeOver.setBytes(7, hash);
          takeOver.setString(8, deadToken);
          if (takeOver.executeUpdate() == 1) {
            counters.takeover();
            return new ClaimResult.Claimed(token);
          }
        }
        // another claimer took the dead row first: read it again
      }
      throw new SQLException("claim lost " + MAX_CLAIM_ROUNDS + " races in a row");
    }));
  }

  private ClaimResult answer(IdempotencyKey key, String fingerprint, ResultSet row) throws SQLException {
    if (!fingerprint.equals(row.getString("fingerprint"))
        || !key.storageScope().equals(row.getString("scope"))
        || !key.storageClientKey().equals(row.getString("client_key"))) {
      return MISMATCH;
    }
    if ("completed".equals(row.getString("state"))) {
      byte[] response = row.getBytes("response");
      if (response == null) {
        throw new SQLException("completed entry has no response");
      }
      try {
        return new ClaimResult.Completed(StoredResponseCodec.decode(response));
      } catch (IllegalArgumentException e) {
        throw new SQLException("stored response cannot be read: " + e.getMessage(), e);
      }
    }
    long leaseLeft = row.getLong("lease_left_ms");
    long left = leaseLeft > 0 ? leaseLeft : row.getLong("life_left_ms");
    return new ClaimResult.InProgress(Duration.ofMillis(Math.max(1, left)));
  }

  /**
   * {@inheritDoc}
   *
   * @throws JdbcStoreException if the database cannot be reached or refuses a statement
   * @throws IllegalStateException if the store is closed
   */
  @Override
  public boolean complete(IdempotencyKey key, String token, StoredResponse response, Duration retention) {
    long retentionMillis = StoreArguments.complete(key, token, response, retention);
    checkOpen();
    StoredResponse kept = response.isReplayable() && response.size() > maxResponseBytes
        ? StoredResponse.notReplayable(response.status())
        : response;
    byte[] hash = hash(key);
    boolean done = withConnection("complete", key, c -> {
      try (PreparedStatement update = c.prepareStatement(sql.complete)) {
        update.setInt(1, kept.status());
        update.setBytes(2, StoredResponseCodec.encode(kept));
        update.setLong(3, retentionMillis);
        update.setBytes(4, hash);
        update.setString(5, token);
        return update.executeUpdate() == 1;
      }
    });
    if (done) {
      counters.completed(kept);
    } else {
      counters.staleOwner();
    }
    return done;
  }

  /**
   * {@inheritDoc}
   *
   * @throws JdbcStoreException if the database cannot be reached or refuses a statement
   * @throws IllegalStateException if the store is closed
   */
  @Override
  public boolean release(IdempotencyKey key, String token) {
    StoreArguments.release(key, token);
    checkOpen();
    byte[] hash = hash(key);
    boolean done = withConnection("release", key, c -> {
      try (PreparedStatement delete = c.prepareStatement(sql.release)) {
        delete.setBytes(1, hash);
        delete.setString(2, token);
        return delete.executeUpdate() == 1;
      }
    });
    if (done) {
      counters.released();
    } else {
      counters.staleOwner();
    }
    return done;
  }

  /**
   * {@inheritDoc}
   *
   * <p>One {@code UPDATE … WHERE token = ? AND state = 'in_progress'} that moves the lease end to
   * {@code now()} plus {@code lease}.
   *
   * @throws JdbcStoreException if the database cannot be reached or refuses a statement
   * @throws IllegalStateException if the store is closed
   */
  @Override
  public boolean renew(IdempotencyKey key, String token, Duration lease) {
    long leaseMillis = StoreArguments.renew(key, token, lease);
    checkOpen();
    byte[] hash = hash(key);
    boolean done = withConnection("renew", key, c -> {
      try (PreparedStatement update = c.prepareStatement(sql.renew)) {
        update.setLong(1, leaseMillis);
        update.setBoolean(2, policy == ExpiredLeasePolicy.RE_EXECUTE);
        update.setLong(3, leaseMillis);
        update.setLong(4, leaseMillis);
        update.setBytes(5, hash);
        update.setString(6, token);
        return update.executeUpdate() == 1;
      }
    });
    if (done) {
      counters.renewed();
    } else {
      counters.staleOwner();
    }
    return done;
  }

  /**
   * Deletes at most {@code batchSize} dead rows (whose lease, abandoned-claim retention or
   * retention has passed, by database time). Rows locked by a concurrent claim are skipped, and
   * a row taken over meanwhile is kept.
   *
   * @return how many rows were deleted; less than {@code batchSize} means none are left for now
   * @throws IllegalArgumentException if {@code batchSize} is below 1 or above 100,000
   * @throws JdbcStoreException if the database cannot be reached or refuses the statement
   * @throws IllegalStateException if the store is closed
   */
  public int reapExpired(int batchSize) {
    if (batchSize < 1 || batchSize > JdbcIdempotencyStoreBuilder.MAX_REAPER_BATCH_SIZE) {
      throw new IllegalArgumentException("batchSize must be between 1 and "
          + JdbcIdempotencyStoreBuilder.MAX_REAPER_BATCH_SIZE + ": " + batchSize);
    }
    checkOpen();
    return withConnection("reap", null, c -> {
      try (PreparedStatement delete = c.prepareStatement(sql.reap)) {
        delete.setInt(1, batchSize);
        return delete.executeUpdate();
      }
    });
  }

  /**
   * Creates the table and its index if they do not exist, from the shipped script, in one
   * transaction. Safe to call on every start.
   *
   * @throws JdbcStoreException if the database refuses it (for example, no CREATE permission)
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
        rollbackQuietly(c, e);
        throw e;
      } finally {
        c.setAutoCommit(auto);
      }
    } catch (SQLException e) {
      throw new JdbcStoreException("jdbc idempotency store could not create table " + sql.table + ": "
          + e.getMessage(), e);
    }
  }

  @Override
  public long maxResponseBytes() {
    return maxResponseBytes;
  }

  /** Returns the policy for claims whose lease expired. */
  public ExpiredLeasePolicy expiredLeasePolicy() {
    return policy;
  }

  /** Returns the table, as configured. */
  public String tableName() {
    return sql.table;
  }

  /**
   * Stops the reaper (a batch already running finishes). The data source is the application's
   * and stays open. Idempotent. Operations after close throw {@link IllegalStateException}.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true) && reaper != null) {
      reaper.stop();
    }
  }

  @Override
  public String toString() {
    return "JdbcIdempotencyStore[table=" + sql.table + ", " + policy + ", maxResponseBytes=" + maxResponseBytes
        + (reaper != null ? ", reaper" : "") + (closed.get() ? ", closed" : "")
        + "]";
  }

  // ---- plumbing -----------------------------------------------------------------------------

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} on a connection borrowed for this call, in autocommit, and gives the
   * connection back whatever happens; a connection lent with autocommit off gets it back off.
   */
  private <T> T withConnection(String operation, @Nullable IdempotencyKey key, Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      boolean auto = c.getAutoCommit();
      if (!auto) {
        c.setAutoCommit(true);
      }
      T result;
      try {
        result = work.run(c);
      } catch (SQLException | RuntimeException e) {
        if (!auto) {
          restoreQuietly(c, e);
        }
        throw e;
      }
      if (!auto) {
        c.setAutoCommit(false);
      }
      return result;
    } catch (SQLException e) {
      counters.unavailable();
      throw new JdbcStoreException("jdbc idempotency store could not " + operation
          + (key == null ? "" : " " + key) + " in " + sql.table + ": " + e.getMessage(), e);
    }
  }

  /**
   * Returns what this store (this instance, on this node) asked the database and was answered:
   * claims by answer (takeovers of expired leases among them), completions, releases, renewals,
   * refusals to a stale owner, and operations that failed with the database unreachable. Entries
   * and bytes live in the table and read -1. Nothing is added to the store's path but a counter
   * increment.
   */
  @Override
  public IdempotencyStoreStats stats() {
    return counters.snapshot(-1, -1);
  }

  private static void restoreQuietly(Connection c, Exception primary) {
    try {
      c.setAutoCommit(false);
    } catch (SQLException e) {
      primary.addSuppressed(e);
    }
  }

  private static void rollbackQuietly(Connection c, Exception primary) {
    try {
      c.rollback();
    } catch (SQLException e) {
      primary.addSuppressed(e);
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("store is closed");
    }
  }

  /** Returns the SHA-256 of the key's storage form in UTF-8: the table's primary key. */
  static byte[] hash(IdempotencyKey key) {
    return Digests.sha256(key.storageKey().getBytes(StandardCharsets.UTF_8));
  }
}
