package dev.closedloop.sync.client;

import dev.closedloop.sync.realtime.ChangeEvent;

/**
 * Hears what the calls of a {@link SyncMutation} do. Every method has a no-op default, so new
 * events can be added without breaking implementations.
 *
 * <p>Contract: listeners are called on the mutation's callback executor (a UI passes its thread's
 * executor), one event at a time and in the order the events happened, in the order the
 * listeners were added. They must be fast, must not throw and must not block. A listener that
 * throws anyway is logged and skipped; the call and the other listeners go on. A listener may call
 * back into the mutation (for example {@code mutate}); that work is ordered after the current
 * event.
 *
 * <p>Implementations need not be threadsafe when the callback executor is serial (the default, or a UI thread's); events for one mutation are never delivered concurrently.
 *
 * @param <V> the type of the variables
 * @param <T> the type of the result
 */
public interface MutationListener<V, T> {

  /**
   * A call moved from {@code from} to {@code to}, a legal move of {@link MutationState.Kind}.
   * {@code call.state()} may already be further along.
   */
  default void onStateChange(MutationCall<V, T> call, MutationState<T> from, MutationState<T> to) {}

  /** A realtime event carrying the call's idempotency key arrived: every client heard the change. */
  default void onConfirmed(MutationCall<V, T> call, ChangeEvent event) {}
}
