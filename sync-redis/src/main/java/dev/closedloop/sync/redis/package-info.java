/**
 * Closed Loop Sync on Redis, through Lettuce.
 *
 * <ul>
 *   <li>{@link dev.closedloop.sync.redis.RedisIdempotencyStore}: the idempotency store of many
 *       nodes. One round trip per claim, owner-checked completion and release, expiry by Redis
 *       TTLs in server time.
 *   <li>{@link dev.closedloop.sync.redis.RedisStoreException}: Redis could not be reached or
 *       refused a command; the caller must run nothing.
 * </ul>
 *
 * <p>Every store passes {@code IdempotencyStoreCompatibilityKit} from {@code sync-testkit} against
 * a real server.
 */
@NullMarked
package dev.closedloop.sync.redis;

import org.jspecify.annotations.NullMarked;
