package dev.closedloop.sync.client;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A request waiting in the offline queue, as {@link OfflineSync#pending()} lists it.
 *
 * <p>This class is immutable and threadsafe.
 *
 * @param itemId its id in the queue
 * @param request the request
 * @param attempts failed replays so far
 * @param notBefore when it is due (later than now while it backs off)
 * @param lastError the last replay failure, or null
 */
public record PendingRequest(long itemId, QueuedRequest request, int attempts, Instant notBefore,
    @Nullable String lastError) {

  /** Checks the arguments. */
  public PendingRequest {
    Objects.requireNonNull(request, "request cannot be null");
    Objects.requireNonNull(notBefore, "notBefore cannot be null");
  }
}
