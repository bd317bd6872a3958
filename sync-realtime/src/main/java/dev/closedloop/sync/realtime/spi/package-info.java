/**
 * Parts that the library's realtime buses and clients share and that a bus implementer may use;
 * public only because several modules need them, not for applications, which use {@link
 * dev.closedloop.sync.realtime.RealtimeBus} and the client.
 *
 * <ul>
 *   <li>{@link dev.closedloop.sync.realtime.spi.SubscriberQueues}: every bus's local delivery,
 *       one bounded queue per subscription drained on a shared pool, with the overflow and
 *       isolation rules of {@link dev.closedloop.sync.realtime.RealtimeBus};
 *   <li>{@link dev.closedloop.sync.realtime.spi.ServerLogFanout}: on top of those queues, the
 *       node-local half of a bus whose log lives in a server: the topics this node follows, how
 *       far it has dispatched each, gapless subscribe and catch-up;
 *   <li>{@link dev.closedloop.sync.realtime.spi.ChangeEventJson}: the JSON wire form of a change
 *       event, for SSE streams, Redis streams and the client;
 *   <li>{@link dev.closedloop.sync.realtime.spi.ChangeWaiters}: the futures of {@code
 *       awaitChange}, completed by the first matching event, timed out on a scheduler, failed
 *       when the owner closes;
 *   <li>{@link dev.closedloop.sync.realtime.spi.LatestEvents}: the latest insert or update of
 *       each key of one topic, bounded, least recently changed first out.
 *   <li>{@link dev.closedloop.sync.realtime.spi.ServerBusCore}: what a server bus (Redis,
 *       PostgreSQL) is besides its store: the node's fan-out, the {@code awaitChange} futures
 *       fed by its reader, the reader thread with its backoff pause, and the close order;
 *   <li>{@link dev.closedloop.sync.realtime.spi.ServerBusOptions}: the options every server bus
 *       has, validated once, which each bus's builder delegates to.
 * </ul>
 */
@NullMarked
package dev.closedloop.sync.realtime.spi;

import org.jspecify.annotations.NullMarked;
