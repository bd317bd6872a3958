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
 * RealtimeBusCompatibilityKit} from {@code sync-testkit} against a real server, and against a
 * real Redis Cluster (three masters with a replica each, {@code LocalRedisCluster}).
 *
 * <h2>Redis Cluster</h2>
 *
 * Both build on Redis Cluster with {@code clusterUris(...)}; their clients follow a failover by
 * themselves. Every command of the store touches one key, so its entries spread over all slots
 * and it needs no hash tag. The bus keeps three keys per topic that its publish script updates
 * together, so it picks the hash tag itself: {@code <prefix>{<topic>}}, {@code
 * <prefix>{<topic>}:latest} and {@code <prefix>{<topic>}:meta} share the topic's slot, and topics
 * spread. Keep hash tags out of key prefixes.
 *
 * <p>Replication in Redis is asynchronous, so a failover can lose what a dead master had
 * acknowledged and not yet replicated; for a claim, that means a retry may run the request a
 * second time. {@code RedisIdempotencyStoreBuilder.waitForReplicas} acknowledges claims,
 * completions and renewals only once replicas have them ({@code WAIT}), and reports the store
 * unavailable otherwise. {@link dev.closedloop.sync.redis.RedisIdempotencyStore} says what each
 * lost write means.
 */
@NullMarked
package dev.closedloop.sync.redis;

import org.jspecify.annotations.NullMarked;
