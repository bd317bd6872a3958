package dev.closedloop.sync.client;

import java.util.List;

/**
 * A mutation of server state over HTTP that never double-submits and never loses a click: the
 * seed's {@code useSyncMutation}, for desktop, Android-style and service-to-service Java apps.
 *
 * <pre>{@code
 * SyncMutation<NewBooking, Booking> book = SyncMutation.<NewBooking, Booking>builder("book")
 *     .endpoint(URI.create("https://api.example.com/bookings"))
 *     .responseType(Booking.class)
 *     .offline(offlineSync)                  // optional: queue what cannot be sent now
 *     .build();
 * MutationCall<NewBooking, Booking> call = book.mutate(new NewBooking("room-4", "2026-05-01"));
 * call.result().thenAccept(booking -> ui.show(booking));
 * }</pre>
 *
 * <h2>One key per logical mutation</h2>
 *
 * Each {@link #mutate} creates one idempotency key (a {@link UuidV7} by default) and sends it as
 * {@code Idempotency-Key: "<key>"} (an RFC 9651 sf-string) with every attempt and every offline
 * replay, so the server (see {@code IdempotencyFilter}) applies it once however often it arrives.
 * A {@code mutate} with variables equal (by {@code equals}) to those of a call that is not yet
 * settled (pending or queued) returns that call: a double click is one mutation.
 *
 * <h2>What is retried</h2>
 *
 * <table>
 *   <caption>Classification of an attempt</caption>
 *   <tr><th>the attempt ended with</th><th>retried</th></tr>
 *   <tr><td>2xx, replays ({@code Idempotent-Replayed: true}) included</td><td>no: success</td></tr>
 *   <tr><td>connect error, reset, connection closed before the answer, {@code HttpTimeoutException},
 *       the attempt timeout ({@code AttemptTimeoutException})</td><td>yes</td></tr>
 *   <tr><td>408, 425, 429, 500, 502, 503, 504</td><td>yes</td></tr>
 *   <tr><td>409 whose problem type is the filter's "key in use" (or, with no problem body,
 *       a 409 with {@code Retry-After})</td><td>yes</td></tr>
 *   <tr><td>any other 409 (such as "completed, not replayable"), 400, 401, 403, 404, 422, 501,
 *       any other status</td><td>no</td></tr>
 *   <tr><td>a 2xx whose body does not decode</td><td>no: the server applied it
 *       ({@link MutationDecodeException})</td></tr>
 *   <tr><td>an open circuit breaker</td><td>waits for its next trial (no attempt spent)</td></tr>
 * </table>
 *
 * A {@code Retry-After} (seconds or HTTP-date) raises the next delay to the server's wish; one past
 * the deadline stops the retries. The retry policy's decisions are those of {@link
 * dev.closedloop.sync.retry.RetryPolicy} (seed defaults: 3 attempts, 1 s, ×2, 30 s cap, 30 s
 * deadline); an optional {@link dev.closedloop.sync.retry.RetryBudget} bounds retry traffic, and an
 * optional circuit breaker per host refuses attempts while the host is down.
 *
 * <h2>How a call ends</h2>
 *
 * <ul>
 *   <li>success: {@link MutationState.Success} with the decoded body;
 *   <li>a status that is not retried: {@link MutationState.Error} with the {@link
 *       MutationHttpException}; a 2xx that does not decode: {@link MutationDecodeException};
 *   <li>retries exhausted or refused: with an offline queue ({@link
 *       SyncMutationBuilder#offline}) the request is stored and the call is {@link
 *       MutationState.Queued}; without one, {@link MutationState.Error} with the retry core's
 *       {@link dev.closedloop.sync.retry.RetryExhaustedException} or {@link
 *       dev.closedloop.sync.retry.RetryRejectedException}, whose cause is the last attempt's
 *       failure;
 *   <li>known offline ({@link Connectivity}) before sending: straight to the queue.
 * </ul>
 *
 * Bad input fails fast, in {@code mutate}, before anything is sent: variables Jackson cannot
 * serialize ({@link MutationEncodeException}), an endpoint function that returns null or a
 * relative URI, a key supplier that returns an invalid key ({@link MutationException}).
 *
 * <h2>State, listeners, optimistic updates, confirmation</h2>
 *
 * Every call moves through {@link MutationState} (its graph is documented there and enforced);
 * {@link #state()} is the state of the latest call. {@link MutationListener}s and the {@link
 * OptimisticUpdate} callbacks run on the callback executor in order. A {@link
 * dev.closedloop.sync.client.RealtimeClient} attached with {@link SyncMutationBuilder#realtime}
 * completes {@link MutationCall#confirmed()} when an event carrying the call's key arrives.
 *
 * <p>This class is threadsafe.
 *
 * @param <V> the type of the variables
 * @param <T> the type of the decoded response
 */
public interface SyncMutation<V, T> {

  /**
   * Returns a builder for a mutation called {@code name}. The name identifies its queued requests
   * across restarts of the app (see {@link OfflineSyncBuilder#handler}).
   *
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is blank or longer than 200 characters
   */
  static <V, T> SyncMutationBuilder<V, T> builder(String name) {
    return new SyncMutationBuilder<>(name);
  }

  /** Returns the mutation's name. */
  String name();

  /**
   * Starts a mutation with {@code variables}, or returns the unsettled call with equal variables.
   *
   * @return the call; its result completes as described in the class comment
   * @throws NullPointerException if {@code variables} is null
   * @throws MutationEncodeException if the body cannot be serialized
   * @throws MutationException if the endpoint, the headers or the key cannot be made
   * @throws RuntimeException what {@link OptimisticUpdate#onMutate} threw
   */
  MutationCall<V, T> mutate(V variables);

  /** Returns the state of the latest call, or IDLE before the first. */
  MutationState<T> state();

  /** Returns the calls not yet settled (pending or queued), oldest first. */
  List<MutationCall<V, T>> inFlight();
}
