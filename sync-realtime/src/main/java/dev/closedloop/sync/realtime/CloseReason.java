package dev.closedloop.sync.realtime;

/**
 * Why a {@link Subscription} ended; passed to {@link RealtimeListener#onClosed(CloseReason)}.
 *
 * <p>This enum is threadsafe.
 */
public enum CloseReason {
  /** The subscriber called {@link Subscription#close()}. Queued events are dropped. */
  UNSUBSCRIBED,
  /**
   * The listener fell too far behind: its queue of undelivered events passed its bound. Queued
   * events are dropped; the subscriber resumes from its last position with a new subscription.
   */
  OVERFLOW,
  /** The bus was closed. Events queued before the close are delivered first. */
  BUS_CLOSED,
  /** The bus lost its source (a broken connection to Redis or PostgreSQL, for example). */
  FAILED
}
