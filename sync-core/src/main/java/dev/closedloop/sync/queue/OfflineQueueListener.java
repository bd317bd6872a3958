package dev.closedloop.sync.queue;

/**
 * Hears what an {@link OfflineQueue} does. Every method has a no-op default, so new events can be
 * added without breaking implementations.
 *
 * <p>Contract: listeners are called on the thread that caused the event, after the event is
 * durable and outside the queue's locks, in the order they were added. They must be fast, must not
 * throw and must not call back into the queue. A listener that throws anyway is logged and
 * skipped; the queue and the other listeners go on.
 *
 * <p>Implementations must be threadsafe: events arrive on the threads that cause them.
 */
public interface OfflineQueueListener {

  /** A listener that does nothing. */
  OfflineQueueListener NONE = new OfflineQueueListener() {};

  /**
   * A file queue finished opening. Called once, before {@link OfflineQueueBuilder#open} returns.
   */
  default void onRecovered(RecoveryReport report) {}

  /**
   * The queue refused an offer because it is full ({@link OfflineQueueBuilder#maxItems} or {@link
   * OfflineQueueBuilder#maxBytes}); the offer then throws {@code reason}. Nothing was written.
   * Called on the offering thread, before the exception is thrown.
   *
   * @param offer the refused offer
   * @param reason what was full, by how much
   */
  default void onOfferRefused(Offer offer, OfflineQueueFullException reason) {}

  /**
   * An in-flight item was acknowledged ({@link OfflineQueue#ack}, or a drain's handler said {@link
   * DrainVerdict#done()}) and removed.
   *
   * @param item the item as it was handed out
   */
  default void onAcked(QueuedItem item) {}

  /**
   * An attempt failed and the retry policy scheduled another ({@link OfflineQueue#nack}, or a
   * drain's handler said {@link DrainVerdict#retry}). When the policy gives up instead, {@link
   * #onDeadLettered} is called.
   *
   * @param item the item as it now is: its attempts counted, its not-before moved, the failure as
   *     its {@link QueuedItem#lastError()}
   * @param failure the failure passed to {@code nack}
   */
  default void onRetryScheduled(QueuedItem item, Throwable failure) {}

  /**
   * An item became a dead letter.
   *
   * @param item the item as it now is, with the reason as its {@link QueuedItem#lastError()}
   */
  default void onDeadLettered(QueuedItem item) {}

  /**
   * A drain ended normally (no item was due any more, its handler said {@link DrainVerdict#stop()}
   * or its thread was interrupted). Not called when the drain threw.
   *
   * @param summary what the drain did; called even when it took no item
   */
  default void onDrained(DrainSummary summary) {}
}
