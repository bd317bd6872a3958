package dev.closedloop.sync.client;

import java.net.http.HttpResponse;

/**
 * Hears the outcome of replayed requests of one mutation, registered by the mutation's name with
 * {@link OfflineSyncBuilder#handler}. This is how work queued before the app restarted completes
 * after it: the calls that queued it are gone, the handler is not. It hears every outcome of its
 * mutation's requests, including those whose call is still alive in this process (that call
 * completes too).
 *
 * <p>Contract: called on the replaying thread, once per outcome; must not throw (a throw is
 * logged) and should be quick: the next replay waits for it.
 *
 * <p>Replay passes never overlap, so calls are never concurrent; successive passes may run on
 * different threads, ordered by a lock, so implementations need not be threadsafe.
 */
public interface ReplayHandler {

  /** The server applied {@code request}: {@code response} is its 2xx answer (maybe a replay). */
  default void onReplayed(QueuedRequest request, HttpResponse<byte[]> response) {}

  /** {@code request} was dead-lettered: the server rejected it for good, or the retries ran out. */
  default void onDeadLettered(QueuedRequest request, String reason) {}
}
