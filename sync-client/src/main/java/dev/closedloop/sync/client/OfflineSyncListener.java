package dev.closedloop.sync.client;

import org.jspecify.annotations.Nullable;

/**
 * Hears what {@link OfflineSync} does. Every method has a no-op default, so new events can be
 * added without breaking implementations.
 *
 * <p>Contract: called on the replaying thread, in the order the listeners were added; must be
 * fast, must not throw and must not call back into the {@code OfflineSync}. A listener that
 * throws anyway is logged and skipped.
 *
 * <p>Replay passes never overlap, so calls are never concurrent; successive passes may run on
 * different threads, ordered by a lock, so implementations need not be threadsafe.
 */
public interface OfflineSyncListener {

  /** A listener that does nothing. */
  OfflineSyncListener NONE = new OfflineSyncListener() {};

  /** A replay succeeded with {@code status} (2xx). */
  default void onReplayed(QueuedRequest request, int status) {}

  /** A replay failed in a way worth another try; the item waits for its backoff. */
  default void onRetryScheduled(QueuedRequest request, Throwable failure) {}

  /** A request was dead-lettered, with the reason recorded in the queue. */
  default void onDeadLettered(QueuedRequest request, String reason) {}

  /**
   * A pass stopped because the network is down: {@code request} (handed back to the queue, no
   * attempt counted) got no answer with {@code failure}, or both are null when {@link
   * Connectivity} said offline before the next request.
   */
  default void onOffline(@Nullable QueuedRequest request, @Nullable Throwable failure) {}

  /** A pass ended. */
  default void onSyncFinished(SyncSummary summary) {}
}
