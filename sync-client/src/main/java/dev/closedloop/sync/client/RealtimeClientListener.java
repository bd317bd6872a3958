package dev.closedloop.sync.client;

import dev.closedloop.sync.SyncException;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.Cursor;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Hears what a {@link RealtimeClient} hears. Every method has a no-op default; implement what
 * you need.
 *
 * <p>Contract: return quickly, do not throw, do not call back into the client's {@code close()}
 * expecting it to wait for this call. Calls for one client are serial, on the HTTP client's
 * executor; each is made in its own try/catch and a failure is logged.
 *
 * <p>Implementations shared by several clients must be threadsafe.
 */
public interface RealtimeClientListener {

  /** Does nothing. */
  RealtimeClientListener NONE = new RealtimeClientListener() {};

  /**
   * A stream opened; its events follow {@code start}. Load a snapshot "as of" it if you keep
   * state beyond the client's cache.
   */
  default void onConnected(Cursor start) {}

  /** A change event, after the client updated its cache; never a duplicate or an older one. */
  default void onEvent(ChangeEvent event) {}

  /**
   * The server could not replay {@code topic} from where this client stood: events were missed.
   * The client has cleared its cache of the topic; refetch its state.
   */
  default void onReset(String topic, String reason) {}

  /**
   * The stream ended or could not open ({@code cause} null when the server ended it normally);
   * the client reconnects after {@code reconnectIn}.
   */
  default void onDisconnected(@Nullable Throwable cause, Duration reconnectIn) {}

  /**
   * The server refused the subscription for good (400, 401, 403, 404, 405, 410 or 422): the
   * client stops and will not reconnect.
   */
  default void onFailed(SyncException error) {}
}
