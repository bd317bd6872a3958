package dev.closedloop.sync.jdbc;

import dev.closedloop.sync.idempotency.IdempotencyListener;
import java.util.Objects;

/**
 * Writes what the idempotency layer does to a {@link JdbcAuditLog}: one row per call that reached
 * the store (first execution, replay, conflict, mismatch, not replayable), from {@link
 * IdempotencyListener#onFinished}. The row is only queued on the caller's thread; see {@link
 * JdbcAuditLog} for what happens when the database is slow or down.
 *
 * <p>One listener serves both front ends: give it to {@code IdempotencyFilter.builder().listener(..)}
 * (rows carry the request's HTTP method, path and status) and to {@code
 * Idempotency.builder().listener(..)} of a message consumer or job (rows carry method {@code
 * EXECUTE} and the {@code Idempotency}'s name as the route). It needs only {@code sync-core}.
 *
 * <p>This class is threadsafe.
 */
public final class JdbcAuditListener implements IdempotencyListener {
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
