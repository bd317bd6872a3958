/**
 * Realtime change events: the {@link dev.closedloop.sync.realtime.RealtimeBus} SPI that every bus
 * implements (in-process here; Redis Streams and a PostgreSQL outbox in their modules), the
 * {@link dev.closedloop.sync.realtime.ChangeEvent} value, the multi-topic
 * {@link dev.closedloop.sync.realtime.Cursor}, the embedded
 * {@link dev.closedloop.sync.realtime.InProcessRealtimeBus} and
 * {@link dev.closedloop.sync.realtime.RealtimeBusUnavailableException}. What only bus
 * implementations need (the JSON wire form, the subscribers' queues, the fan-out of a log kept
 * in a server) is in {@link dev.closedloop.sync.realtime.spi}.
 *
 * <h2>Positions</h2>
 *
 * <p>Every event has a position in its topic: a non-negative {@code long}, strictly increasing
 * within the topic, not necessarily dense; {@code 0} means "before the first event". Positions of
 * different topics are unrelated. Longs were chosen over opaque strings because every planned
 * backend maps onto them without loss and plain {@code <} then orders them everywhere (servlet,
 * client, kit): the in-process bus and the PostgreSQL outbox count 1, 2, 3… per topic (the
 * outbox hands them out in commit order); a Redis stream id {@code ms-seq} maps to {@code (ms << 20) | seq} (a
 * stream gets at most 2<sup>20</sup> entries in one millisecond, and 43 bits of milliseconds last
 * until the year 2248).
 */
@NullMarked
package dev.closedloop.sync.realtime;

import org.jspecify.annotations.NullMarked;
