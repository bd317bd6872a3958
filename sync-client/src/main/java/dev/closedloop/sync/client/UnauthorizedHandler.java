package dev.closedloop.sync.client;

import java.util.concurrent.CompletionStage;

/**
 * What {@link OfflineSync} does when the server answers 401 to a replay: instead of sending the
 * same stale credential again, it asks this hook for a new one and waits.
 *
 * <pre>{@code
 * OfflineSync sync = OfflineSync.builder(queue)
 *     .secretHeaders(request -> Map.of("Authorization", "Bearer " + tokens.current()))
 *     .onUnauthorized((request, refused) -> tokens.refresh(), Duration.ofSeconds(30))
 *     .build();
 * }</pre>
 *
 * <p>Contract: complete the stage with {@code true} once the secret-header supplier returns the
 * new credential; the request is then replayed once more, with the same idempotency key. Complete
 * with {@code false} (no way to get one: the user signed out), fail it, or let the wait run out,
 * and the request becomes a dead letter whose reason says so. A second 401 right after a new
 * credential is a dead letter too: the sync never loops on 401.
 *
 * <p>Called on the sync's pass thread, which waits for the stage (no other request is replayed
 * meanwhile: they would meet the same 401). Implementations must be threadsafe and must not call
 * back into the sync.
 */
@FunctionalInterface
public interface UnauthorizedHandler {
  /**
   * The server refused {@code request} with 401.
   *
   * @param request the queued request, with its key
   * @param refused the 401, with its problem or body
   * @return a stage that completes with true when a new credential is available
   */
  CompletionStage<Boolean> onUnauthorized(QueuedRequest request, MutationHttpException refused);
}
