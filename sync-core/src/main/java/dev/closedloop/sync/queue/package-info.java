/**
 * A durable priority queue for requests that could not reach the server, replayed later in the
 * right order with the same idempotency key.
 *
 * <p>{@link dev.closedloop.sync.queue.OfflineQueue} is the API; {@link
 * dev.closedloop.sync.queue.OfflineQueueBuilder} builds an in-memory queue or opens a durable
 * file queue in a directory. Both behave the same (one compatibility kit in {@code sync-testkit}
 * checks it). Delivery is at least once: an item handed out and not acknowledged when the process
 * dies is handed out again after the queue is reopened, and its idempotency key makes the replay
 * safe on the server.
 */
@NullMarked
package dev.closedloop.sync.queue;

import org.jspecify.annotations.NullMarked;
