/**
 * Parts that the library's realtime buses and clients share and that a bus implementer may use;
 * not for applications, which use {@link dev.closedloop.sync.realtime.RealtimeBus} and the
 * client.
 *
 * <ul>
 *   <li>{@link dev.closedloop.sync.realtime.spi.ChangeWaiters}: the futures of {@code
 *       awaitChange}, completed by the first matching event, timed out on a scheduler, failed
 *       when the owner closes;
 *   <li>{@link dev.closedloop.sync.realtime.spi.LatestEvents}: the latest insert or update of
 *       each key of one topic, bounded, least recently changed first out.
 * </ul>
 */
@NullMarked
package dev.closedloop.sync.realtime.spi;

import org.jspecify.annotations.NullMarked;
