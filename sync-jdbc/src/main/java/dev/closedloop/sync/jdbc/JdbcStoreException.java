package dev.closedloop.sync.jdbc;

import dev.closedloop.sync.SyncException;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * The database could not be reached, dropped the connection, or refused a statement (a missing
 * table, a permission, stored data this version cannot read). Each statement of the store is its
 * own transaction, so a failed call left either its whole effect or none; a claim that did land
 * without its caller hearing of it is freed by its lease. A caller must run nothing when {@code
 * claim} throws this; an HTTP front end answers 503.
 *
 * <p>The message names the operation, the table and the cause; {@link #sqlState()} gives the
 * SQLSTATE when the driver reported one.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class JdbcStoreException extends SyncException {
  private static final long serialVersionUID = 1L;

  private final @Nullable String sqlState;

  /**
   * Creates the exception.
   *
   * @param message what failed, on which table
   * @param cause the driver's exception
   */
  public JdbcStoreException(String message, Throwable cause) {
    super(message, cause);
    this.sqlState = cause instanceof SQLException ? ((SQLException) cause).getSQLState() : null;
  }

  /** Returns the SQLSTATE of the driver's exception, or null if it gave none. */
  public @Nullable String sqlState() {
    return sqlState;
  }
}
