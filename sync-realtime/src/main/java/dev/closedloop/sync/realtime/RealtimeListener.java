package dev.closedloop.sync.realtime;

/**
 * Receives a subscription's events. For one subscription, calls are serial (never two at once)
 * and in this order: {@link #onSubscribed}, then {@link #onReset} for every topic the cursor
 * could not resume, then events (per topic in position order), then exactly one
 * {@link #onClosed}.
 *
 * <p>Contract: return quickly, do not throw, do not block. A listener that throws is logged and
 * keeps its subscription; one that blocks holds one delivery thread and lets its own queue fill,
 * without delaying publishers or other subscriptions, until the queue overflows and the
 * subscription ends with {@link CloseReason#OVERFLOW}.
 *
 * <p>Implementations are called from the bus's delivery threads; they need not be threadsafe
 * for one subscription, but a listener shared by several subscriptions must be.
 */
@FunctionalInterface
public interface RealtimeListener {

  /** Receives one event. */
  void onEvent(ChangeEvent event);

  /**
   * Called first: the subscription starts after {@code start}, one position per topic. A client
   * that loads a snapshot "as of" these positions and applies the following events misses
   * nothing and sees nothing twice.
   */
  default void onSubscribed(Cursor start) {}

  /**
   * The requested position in {@code topic} could not be resumed from ({@code reason}); the
   * subscription continues after {@code head}. The subscriber should refetch its state.
   */
  default void onReset(String topic, long head, String reason) {}

  /** The subscription ended; called exactly once, last. */
  default void onClosed(CloseReason reason) {}
}
