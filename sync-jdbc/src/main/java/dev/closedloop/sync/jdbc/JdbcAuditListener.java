package dev.closedloop.sync.jdbc;

import dev.closedloop.sync.servlet.IdempotencyFilterListener;
import java.util.Objects;

/**
 * Writes what {@code IdempotencyFilter} does to a {@link JdbcAuditLog}: one row per keyed
 * request that reached the store (first execution, replay, conflict, mismatch, not replayable),
 * from {@link IdempotencyFilterListener#onFinished}. The row is only queued on the request's
 * thread; see {@link JdbcAuditLog} for what happens when the database is slow or down.
 *
 * <p>Needs {@code sync-servlet} on the classpath (an optional dependency of this module).
 *
 * <p>This class is threadsafe.
 */
public final class JdbcAuditListener implements IdempotencyFilterListener {
  private final JdbcAuditLog log;

  /**
   * Creates the listener.
   *
   * @throws NullPointerException if {@code log} is null
   */
  public JdbcAuditListener(JdbcAuditLog log) {
    this.log = Objects.requireNonNull(log, "log cannot be null");
  }

  @Override
  public void onFinished(Finished finished) {
    log.append(finished.key(), finished.outcome().label(), finished.method(), finished.path(), finished.status(),
        finished.durationNanos());
  }

  @Override
  public String toString() {
    return "JdbcAuditListener[" + log.tableName() + "]";
  }
}
