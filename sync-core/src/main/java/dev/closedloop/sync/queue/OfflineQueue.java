package dev.closedloop.sync.queue;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A durable priority queue of requests waiting to reach the server.
 *
 * <h2>Order</h2>
 *
 * {@link #poll()} hands out the next <em>due</em> item (its {@link QueuedItem#notBefore()} has
 * passed): highest priority lane first, oldest first within a lane. Items of one {@linkplain
 * QueuedItem#scope() scope} run strictly one at a time and in offer order, across lanes: while a
 * scope's oldest item is in flight or waits for its backoff, no later item of that scope is handed
 * out. Dead letters leave their scope and block nothing.
 *
 * <h2>Lifecycle of an item</h2>
 *
 * {@link #offer} queues it; {@link #poll()} leases it (it is then <em>in flight</em>); the holder
 * settles it with {@link #ack} (done), {@link #nack} (failed: another attempt after the retry
 * policy's backoff, or a dead letter once the policy gives up), {@link #deadLetter} or {@link
 * #release} (handed back, no attempt counted). {@link #drain} does all of this for a handler: the
 * queue owns the loop, the handler only says what became of each item.
 * Dead letters are listed by {@link #deadLetters()} and go back to the queue with {@link
 * #requeue} or away with {@link #discard}.
 *
 * <h2>Delivery and durability</h2>
 *
 * Delivery is at least once. Leases live in memory only: when the process dies, items in flight
 * are simply not acknowledged and are handed out again after the queue is reopened; the
 * idempotency key makes that replay safe on the server. A file queue's operations return once
 * their record is as durable as its {@link Durability} says; an operation that throws {@link
 * IOException} changed nothing, and the queue stays usable.
 *
 * <h2>Errors</h2>
 *
 * Invalid arguments throw {@link NullPointerException} or {@link IllegalArgumentException} and
 * write nothing; any operation on a closed queue throws {@link IllegalStateException}; storage
 * failures throw {@link IOException}.
 *
 * <h2>Bounds</h2>
 *
 * A queue holds at most {@link OfflineQueueBuilder#maxItems} items and {@link
 * OfflineQueueBuilder#maxBytes} bytes of records (waiting, in flight and dead letters alike). A
 * full queue refuses {@link #offer} with {@link OfflineQueueFullException} and never drops or
 * rewrites what it holds to make room; acknowledging or discarding items makes room again.
 *
 * <p>This class is threadsafe.
 */
public interface OfflineQueue extends Closeable {

  /** Returns a builder for an in-memory or a file queue. */
  static OfflineQueueBuilder builder() {
    return new OfflineQueueBuilder();
  }

  /**
   * Queues an item, or collapses it into an item already queued under the same key (see {@link
   * Collapse}).
   *
   * @return the item now queued for the offer's key: the new item, or with {@link Collapse#KEEP}
   *     the one already there
   * @throws NullPointerException if {@code offer} is null
   * @throws IllegalArgumentException if the payload is larger than the queue's maximum
   * @throws OfflineQueueFullException if taking the item would pass the queue's bound on items or
   *     on bytes ({@link OfflineQueueBuilder#maxItems}, {@link OfflineQueueBuilder#maxBytes});
   *     nothing is written and the queue is unchanged
   * @throws IOException if the record could not be written (the disk is full, say); the queue is
   *     unchanged
   */
  QueuedItem offer(Offer offer) throws IOException;

  /**
   * Queues {@code payload} under {@code idempotencyKey} with the defaults of {@link Offer#of}.
   *
   * @see #offer(Offer)
   */
  default QueuedItem offer(String idempotencyKey, byte[] payload) throws IOException {
    return offer(Offer.of(idempotencyKey, payload));
  }

  /** Returns the item {@link #poll()} would hand out now, without leasing it. */
  Optional<QueuedItem> peek();

  /** Leases and returns the next due item (see the order above), or empty if none is due. */
  Optional<QueuedItem> poll();

  /**
   * Settles an in-flight item as done: it is removed.
   *
   * @return false if no item with that id is in flight
   * @throws IOException if the record could not be written; the item is waiting again
   */
  boolean ack(long id) throws IOException;

  /**
   * Settles an in-flight item as failed. The retry policy decides, from the attempt count and
   * {@code failure}: another attempt after its backoff (the item's not-before moves), or a dead
   * letter (attempts exhausted, failure not retryable or aborted, or a {@link
   * PermanentFailureException}). The policy's deadline is not used: an item's expiry plays that
   * role.
   *
   * @throws NullPointerException if {@code failure} is null
   * @throws IOException if the record could not be written; the item is waiting again, unchanged
   */
  NackResult nack(long id, Throwable failure) throws IOException;

  /**
   * Hands an in-flight item back without counting an attempt (the app went offline mid-send, say).
   *
   * @return false if no item with that id is in flight
   */
  boolean release(long id);

  /**
   * Makes a waiting or in-flight item a dead letter now.
   *
   * @return false if no such item is waiting or in flight
   * @throws NullPointerException if {@code reason} is null
   * @throws IOException if the record could not be written; the item is unchanged
   */
  boolean deadLetter(long id, String reason) throws IOException;

  /**
   * Returns the items not yet settled and not dead (waiting, backing off or in flight), oldest id
   * first: what a client shows as "waiting to sync".
   */
  List<QueuedItem> pending();

  /** Returns the dead letters, oldest id first; each carries its reason as the last error. */
  List<QueuedItem> deadLetters();

  /**
   * Puts a dead letter back in the queue, due now, with its attempts reset to zero. It keeps its
   * id, so it takes its original place in its lane and scope.
   *
   * @return false if no dead letter has that id
   * @throws IOException if the record could not be written; the dead letter is unchanged
   */
  boolean requeue(long id) throws IOException;

  /**
   * Removes a dead letter for good.
   *
   * @return false if no dead letter has that id
   * @throws IOException if the record could not be written; the dead letter is unchanged
   */
  boolean discard(long id) throws IOException;

  /** Returns the queue's statistics at this moment. */
  QueueStats stats();

  /**
   * Removes every item: waiting, in flight (their later settlement reports "not in flight") and
   * dead.
   *
   * @throws IOException if the record could not be written; the queue is unchanged
   */
  void clear() throws IOException;

  /**
   * Runs every due item through {@code handler} until none is due, and settles each as the
   * handler's outcome says (see {@link DrainHandler}). An item past its expiry, or whose attempts
   * already reach the policy's maximum, is dead-lettered without running. Safe to call from
   * several threads at once: they share the work, and a scope never runs twice at once. Items that
   * become due while it runs are taken too.
   *
   * @throws NullPointerException if {@code handler} is null
   * @throws IOException if settling an item could not be written (the item is waiting again);
   *     the drain stops
   */
  default DrainSummary drain(DrainHandler handler) throws IOException {
    return drain(DrainVerdict.of(handler), OfflineQueueListener.NONE);
  }

  /**
   * Runs every due item through {@code handler} as {@link #drain(DrainHandler)} does (the same
   * order, expiry and maximum attempts, the same sharing between threads), and settles each as the
   * handler's {@link DrainVerdict} says. The queue owns the loop; the handler only judges one item.
   *
   * <p>{@code listener} hears this drain's events after the queue's own listeners, on the drain's
   * thread, under the same contract: {@link OfflineQueueListener#onAcked}, {@link
   * OfflineQueueListener#onRetryScheduled} and {@link OfflineQueueListener#onDeadLettered} for
   * each item the drain settles (also those dead-lettered without running), once the settlement is
   * durable, then {@link OfflineQueueListener#onDrained}.
   *
   * <p>The handler should not throw. If it throws (or returns null), the item is handed back
   * without counting an attempt and the drain throws that exception (a {@link
   * NullPointerException} for null).
   *
   * @param listener {@link OfflineQueueListener#NONE} if only the queue's listeners should hear
   * @throws NullPointerException if an argument is null
   * @throws IOException if settling an item could not be written (the item is waiting again);
   *     the drain stops
   */
  DrainSummary drain(Function<? super QueuedItem, DrainVerdict> handler, OfflineQueueListener listener)
      throws IOException;

  /**
   * Closes the queue: a file queue finishes its pending writes, forces them and releases its
   * directory. Items in flight are not acknowledged (they are handed out again when the queue is
   * reopened). Idempotent.
   */
  @Override
  void close() throws IOException;
}
