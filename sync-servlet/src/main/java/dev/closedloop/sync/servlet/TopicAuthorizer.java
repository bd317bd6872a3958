package dev.closedloop.sync.servlet;

import java.security.Principal;
import org.jspecify.annotations.Nullable;

/**
 * Decides which topics a caller may hear on a {@link RealtimeSseServlet} stream. It is asked for
 * every requested topic when a stream opens, before anything is replayed, so a denied topic's
 * events are neither streamed nor replayed; one denied topic rejects the whole request with 403.
 *
 * <p>Contract: fast and side-effect free; it runs on the container's request thread. An
 * authorizer that throws fails the request with 500, never opens the stream.
 *
 * <p>Implementations must be threadsafe.
 */
@FunctionalInterface
public interface TopicAuthorizer {

  /** Lets everyone hear every topic. */
  TopicAuthorizer ALLOW_ALL = (principal, topic) -> true;

  /**
   * Returns whether {@code principal} may hear {@code topic}.
   *
   * @param principal the authenticated caller ({@code request.getUserPrincipal()}), or null if
   *     the request is anonymous
   * @param topic a valid topic name
   */
  boolean mayHear(@Nullable Principal principal, String topic);
}
