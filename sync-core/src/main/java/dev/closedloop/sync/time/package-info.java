/**
 * The library's only sources of time and randomness.
 *
 * <ul>
 *   <li>{@link dev.closedloop.sync.time.Ticker}: monotonic nanoseconds, for every duration.
 *   <li>{@link dev.closedloop.sync.time.Clock}: wall-clock milliseconds, only where a time is
 *       persisted (an expiry in a store, a queue record).
 *   <li>{@link dev.closedloop.sync.time.Scheduler}: runs a task after a delay, so asynchronous
 *       code never parks a thread.
 *   <li>{@link dev.closedloop.sync.time.RandomSource}: uniform draws for jitter.
 * </ul>
 *
 * <p>No other class of the library reads the system clock or a global random generator. The
 * fakes shipped here ({@link dev.closedloop.sync.time.ManualTicker},
 * {@link dev.closedloop.sync.time.VirtualScheduler}, {@link RandomSource#seeded(long)} and
 * {@link RandomSource#fixed(double...)}) let tests, ours and our users', move time by hand and
 * never sleep.
 */
@NullMarked
package dev.closedloop.sync.time;

import org.jspecify.annotations.NullMarked;
