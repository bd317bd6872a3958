package dev.closedloop.sync.client;

import dev.closedloop.sync.realtime.ChangeEvent;
import java.util.concurrent.CompletableFuture;

/**
 * One logical mutation, started by {@link SyncMutation#mutate}: one idempotency key, sent with
 * every attempt and every offline replay, one result.
 *
 * <ul>
 *   <li>{@link #result()} completes with the decoded response once the server applied the
 *       mutation, or exceptionally when it failed for good. While the request waits in the
 *       offline queue it stays pending and completes when {@link OfflineSync} replays it in this
 *       process (success, or {@link MutationDeadLetterException}); after a restart of the app,
 *       replay results go to the {@link ReplayHandler} registered under the mutation's name.
 *   <li>{@link #confirmed()} completes with the realtime event that carries this call's key, if
 *       the mutation has a {@link dev.closedloop.sync.client.RealtimeClient} attached: the server
 *       applied it and every client heard so. Without one it is already cancelled. It fails with
 *       a {@link java.util.concurrent.TimeoutException} when no such event arrives within the
 *       mutation's confirm timeout, and is cancelled when the call ends in ERROR or DEAD.
 *   <li>{@link #state()} is a snapshot of the call's {@link MutationState}; the mutation's
 *       listeners hear every change, in order.
 * </ul>
 *
 * <p>Each call to {@link #result()} or {@link #confirmed()} returns a new dependent future:
 * cancelling it affects no one else and does not stop the mutation (a mutation that may already
 * be applied cannot be taken back).
 *
 * <p>This class is threadsafe.
 *
 * @param <V> the type of the variables
 * @param <T> the type of the result
 */
public interface MutationCall<V, T> {

  /** Returns the name of the mutation this call belongs to. */
  String mutationName();

  /** Returns the variables the call was started with. */
  V variables();

  /** Returns the idempotency key sent with every attempt and replay. */
  String key();

  /** Returns the current state. */
  MutationState<T> state();

  /** Returns a future of the result; see the class comment. */
  CompletableFuture<T> result();

  /** Returns a future of the realtime confirmation; see the class comment. */
  CompletableFuture<ChangeEvent> confirmed();
}
