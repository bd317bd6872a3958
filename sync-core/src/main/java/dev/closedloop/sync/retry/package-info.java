/**
 * Retry with jitter, server hints, a deadline and a shared budget.
 *
 * <p>{@link dev.closedloop.sync.retry.RetryPolicy#decide} is the single decision core: blocking,
 * {@link java.util.concurrent.CompletableFuture} and queued execution all ask it what to do after
 * an attempt. Time comes from the policy's {@link dev.closedloop.sync.time.Ticker} and {@link
 * dev.closedloop.sync.time.Scheduler}, randomness from its {@link
 * dev.closedloop.sync.time.RandomSource}.
 *
 * <p>Running a call: {@link dev.closedloop.sync.retry.RetryPolicy#execute(java.util.concurrent.Callable)}
 * (blocking), {@link dev.closedloop.sync.retry.RetryPolicy#executeAsync(java.util.function.Supplier)}
 * (a {@link java.util.concurrent.CompletableFuture}, waits on the scheduler), and {@code run}/{@code
 * runAsync} for the explicit {@link dev.closedloop.sync.retry.RetryOutcome}. The engines behind
 * them are package-private.
 */
@NullMarked
package dev.closedloop.sync.retry;

import org.jspecify.annotations.NullMarked;
