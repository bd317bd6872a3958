package dev.closedloop.sync.client;

import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.spi.ChangeWaiters;
import dev.closedloop.sync.retry.Backoff;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.Scheduler;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A Server-Sent Events subscriber for a {@code RealtimeSseServlet} stream, over {@code
 * java.net.http}.
 *
 * <pre>{@code
 * try (RealtimeClient client = RealtimeClient.builder(URI.create("https://app/realtime"))
 *     .topics("bookings")
 *     .listener(new RealtimeClientListener() {
 *       public void onEvent(ChangeEvent e) { ui.apply(e); }
 *       public void onReset(String topic, String reason) { ui.refetch(topic); }
 *     })
 *     .build()) {
 *   client.start();
 *   ChangeEvent mine = client.awaitChange(e -> e.isCausedBy(key), Duration.ofSeconds(5)).join();
 * }
 * }</pre>
 *
 * <ul>
 *   <li><b>Resume</b>: every reconnect sends the last {@code id:} seen as {@code Last-Event-ID},
 *       so the server replays exactly what was missed. Events at or before a position already
 *       seen are dropped, so nothing is heard twice.
 *   <li><b>Reconnect</b>: after a stream ends or fails to open, the client waits {@code
 *       max(server retry:, backoff)} where the backoff is {@link RetryPolicy#delayNanos} of the
 *       configured policy (default: 500 ms doubling to 30 s, full jitter), counted from the last
 *       stream that opened; the wait runs on the {@link Scheduler}, no thread sleeps. A 400, 401,
 *       403, 404, 405, 410 or 422 answer stops the client ({@link RealtimeClientListener#onFailed});
 *       any other failure is retried for as long as the client is open.
 *   <li><b>Rotating credentials</b>: a {@linkplain RealtimeClientBuilder#headers header supplier}
 *       is asked on every connect, so a rotated token is used by the next one; with a supplier a
 *       401 is retried after the backoff like a lost stream (the supplier may have a new token
 *       by then) instead of stopping the client.
 *   <li><b>Reset</b>: an {@code event: reset} clears the cache of that topic and calls {@link
 *       RealtimeClientListener#onReset} so the application refetches.
 *   <li><b>Latest state</b>: {@link #latest} returns the last insert or update of each key seen
 *       (deletes remove it), bounded per topic (default 10,000 keys, least recently changed first
 *       out).
 *   <li><b>Close</b>: cancels the stream and any pending reconnect and fails pending {@link
 *       #awaitChange} futures with {@link CancellationException}. The client starts no thread of
 *       its own: it runs on the {@link HttpClient} (the caller's, left open; or one shared by
 *       every realtime client of the process, whose idle workers end after 30 s — on Java 17 an
 *       {@code HttpClient} cannot be closed, so one per client would leak its selector thread)
 *       and on the {@link Scheduler}.
 * </ul>
 *
 * <p>The parts: {@link StreamConnection} runs the connection's life (connect, reconnect after a
 * {@link Backoff} of the policy, refuse, close); {@link StreamRequests} builds the request,
 * {@link SseStream} parses one response body, and {@link HeardChanges} keeps what was heard
 * (positions, latest state, {@code awaitChange} futures). This class is their public face.
 *
 * <p>This class is threadsafe.
 */
public final class RealtimeClient implements AutoCloseable {

  /** Where the client stands. */
  public enum State {
    /** Built, not started. */
    NEW,
    /** Opening a stream. */
    CONNECTING,
    /** A stream is open. */
    CONNECTED,
    /** Waiting to reconnect. */
    WAITING,
    /** Refused for good by the server. */
    FAILED,
    /** Closed. */
    CLOSED
  }

  private final URI endpoint;
  private final Set<String> topics;
  private final HeardChanges heard;
  private final StreamConnection connection;

  RealtimeClient(RealtimeClientBuilder b, HttpClient http) {
    this.endpoint = b.endpoint;
    this.topics = Set.copyOf(b.topics);
    Cursor resumeFrom = b.resumeFrom.retain(topics);
    ChangeWaiters waiters = new ChangeWaiters(b.scheduler, () -> state() == State.CLOSED,
        "realtime client is closed", () -> new CancellationException("realtime client closed"));
    this.heard = new HeardChanges(endpoint, resumeFrom, b.maxCachePerTopic, b.listener, waiters);
    this.connection = new StreamConnection(endpoint, new StreamRequests(endpoint, topics, b.headers, b.headerSupplier),
        b.listener, http, b.policy, b.scheduler, b.maxEventChars, resumeFrom.format(), heard);
  }

  /**
   * Returns a builder for a client of the stream at {@code endpoint} (the servlet's URL,
   * without query).
   *
   * @throws NullPointerException if {@code endpoint} is null
   * @throws IllegalArgumentException if {@code endpoint} is not an absolute http(s) URI without
   *     a query
   */
  public static RealtimeClientBuilder builder(URI endpoint) {
    return new RealtimeClientBuilder(endpoint);
  }

  /**
   * Opens the stream (and keeps it open until {@link #close()}). Idempotent.
   *
   * @throws IllegalStateException if the client is closed
   */
  public void start() {
    connection.start();
  }

  /**
   * Closes the client: no reconnect, the stream cancelled, pending {@link #awaitChange} futures
   * failed. Idempotent.
   */
  @Override
  public void close() {
    connection.close();
  }

  /** Drops the current connection as a network failure would; the client reconnects. For tests. */
  void dropConnection() {
    connection.drop();
  }

  // ---- queries ------------------------------------------------------------------------------

  /** Returns the last insert or update of {@code key} in {@code topic} heard, if cached. */
  public Optional<ChangeEvent> latest(String topic, String key) {
    Objects.requireNonNull(topic, "topic cannot be null");
    Objects.requireNonNull(key, "key cannot be null");
    return heard.latest(topic, key);
  }

  /**
   * Returns a future completed with the first event heard after this call that {@code
   * predicate} accepts, failed with a {@link TimeoutException} after {@code timeout} (on the
   * client's {@link Scheduler}), or with a {@link CancellationException} if the client closes.
   * The predicate runs on the stream's thread; keep it cheap.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws IllegalStateException if the client is closed
   */
  public CompletableFuture<ChangeEvent> awaitChange(Predicate<? super ChangeEvent> predicate, Duration timeout) {
    return heard.await(predicate, timeout);
  }

  /** Returns where the client stands. */
  public State state() {
    return connection.state();
  }

  /** Returns the last event id heard: the cursor a reconnect resumes from (empty before any). */
  public String lastEventId() {
    return connection.lastEventId();
  }

  /** Returns how many streams the client has tried to open. */
  public long connectAttempts() {
    return connection.connectAttempts();
  }

  /** Returns how many change events the client has delivered (duplicates excluded). */
  public long eventsReceived() {
    return heard.eventsReceived();
  }

  /** Returns the topics heard. */
  public Set<String> topics() {
    return topics;
  }

  @Override
  public String toString() {
    return "RealtimeClient[" + endpoint + " " + topics + " " + state() + "]";
  }
}
