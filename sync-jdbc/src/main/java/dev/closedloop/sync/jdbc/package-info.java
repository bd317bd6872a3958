/**
 * Closed Loop Sync on a relational database through plain JDBC, PostgreSQL first.
 *
 * <ul>
 *   <li>{@link dev.closedloop.sync.jdbc.JdbcIdempotencyStore}: the idempotency store of many
 *       nodes, one table, database time only, a batched reaper.
 *   <li>{@link dev.closedloop.sync.jdbc.JdbcStoreException}: the database could not be reached or
 *       refused a statement; the caller must run nothing.
 *   <li>{@link dev.closedloop.sync.jdbc.PostgresRealtimeBus}: the realtime bus of many nodes on
 *       PostgreSQL: an outbox table is the truth, {@code NOTIFY} the doorbell, and a trigger helper
 *       turns a table's row changes into events. It needs the PostgreSQL driver at runtime.
 *   <li>{@link dev.closedloop.sync.jdbc.JdbcAuditLog} and {@link
 *       dev.closedloop.sync.jdbc.JdbcAuditListener}: an append-only audit table of what the
 *       idempotency layer did, written in batches off the request thread; the listener hears
 *       the servlet filter and the plain-Java {@code Idempotency} alike.
 * </ul>
 *
 * <p>The application gives a {@link javax.sql.DataSource} (a pool such as HikariCP) and keeps
 * owning it. The store passes {@code IdempotencyStoreCompatibilityKit} and the bus {@code
 * RealtimeBusCompatibilityKit} from {@code sync-testkit} against a real server.
 */
@NullMarked
package dev.closedloop.sync.jdbc;

import org.jspecify.annotations.NullMarked;
