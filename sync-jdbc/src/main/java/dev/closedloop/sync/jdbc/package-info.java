/**
 * Closed Loop Sync on a relational database through plain JDBC, PostgreSQL first.
 *
 * <ul>
 *   <li>{@link dev.closedloop.sync.jdbc.JdbcIdempotencyStore}: the idempotency store of many
 *       nodes, one table, database time only, a batched reaper.
 *   <li>{@link dev.closedloop.sync.jdbc.JdbcStoreException}: the database could not be reached or
 *       refused a statement; the caller must run nothing.
 * </ul>
 *
 * <p>The application gives a {@link javax.sql.DataSource} (a pool such as HikariCP) and keeps
 * owning it. Every store passes {@code IdempotencyStoreCompatibilityKit} from {@code sync-testkit}
 * against a real server.
 */
@NullMarked
package dev.closedloop.sync.jdbc;

import org.jspecify.annotations.NullMarked;
