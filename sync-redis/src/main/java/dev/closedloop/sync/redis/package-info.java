/**
 * Closed Loop Sync on Redis, through Lettuce (and, for a store built from a plain {@code
 * redis://} URI, blocking connections of the store's own, its fast path).
 *
 * <ul>
 *   <li>{@link dev.closedloop.sync.redis.RedisIdempotencyStore}: the idempotency store of many
 *       nodes. One round trip per claim (a native {@code SET NX PX GET} on Redis 7+),
 *       owner-checked completion and release, expiry by Redis TTLs in server time.
 *   <li>{@link dev.closedloop.sync.redis.RedisStoreException}: Redis could not be reached or
 *       refused a command; the caller must run nothing.
 *   <li>{@link dev.closedloop.sync.redis.RedisRealtimeBus}: the realtime bus of many nodes, on a
 *       stream per topic (the replay log and the truth) with Pub/Sub as the live path.
 * </ul>
 *
 * <p>The store passes {@code IdempotencyStoreCompatibilityKit} and the bus {@code
 * RealtimeBusCompatibilityKit} from {@code sync-testkit} against a real server.
 */
@NullMarked
package dev.closedloop.sync.redis;

import org.jspecify.annotations.NullMarked;
