package dev.closedloop.sync.realtime;

import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A live subscription to one or more topics, returned by {@link RealtimeBus#subscribe}.
 *
 * <p>Subscribe-then-snapshot: {@link #start()} reports, per topic, the position after which this
 * subscription's events begin (the requested position when it was resumed, else the topic's
 * head when the subscription was made). Events at or before it are never delivered; every event
 * after it is, until the subscription closes.
 *
 * <p>Implementations are threadsafe.
 */
public interface Subscription extends AutoCloseable {

  /** Returns the topics heard. */
  Set<String> topics();

  /** Returns the position each topic starts after. */
  Cursor start();

  /** Returns the topics whose requested position could not be resumed (reset to the head). */
  Set<String> resetTopics();

  /** Returns whether the subscription still delivers events. */
  boolean isOpen();

  /** Returns why the subscription ended, or null while it is open. */
  @Nullable
  CloseReason closeReason();

  /**
   * Ends the subscription ({@link CloseReason#UNSUBSCRIBED}); undelivered events are dropped and
   * the listener's {@link RealtimeListener#onClosed} follows. Idempotent.
   */
  @Override
  void close();
}
