package dev.closedloop.sync.client;

import dev.closedloop.sync.SyncException;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.spi.ChangeWaiters;
import dev.closedloop.sync.retry.Backoff;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.Cancellable;
import dev.closedloop.sync.time.Scheduler;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * <p>The parts: this class runs the connection's life (connect, reconnect after a {@link Backoff}
 * of the policy, refuse, close); {@link StreamRequests} builds the request, {@link SseStream}
 * parses one response body, and {@link HeardChanges} keeps what was heard (positions, latest
 * state, {@code awaitChange} futures).
 *
 * <p>This class is threadsafe.
 */
public final class RealtimeClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RealtimeClient.class);
  private static final Set<Integer> FATAL = Set.of(400, 401, 403, 404, 405, 410, 422);

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
  private final StreamRequests requests;
  private final RealtimeClientListener listener;
  private final HttpClient http;
  private final Scheduler scheduler;
  private final int maxEventChars;
  private final HeardChanges heard;

  private final ReentrantLock lock = new ReentrantLock(); // guards the connection lifecycle
  private State state = State.NEW;
  private long generation;
  private final Backoff backoff; // guarded by lock
  private @Nullable Cancellable reconnectTask;
  private @Nullable CompletableFuture<?> inFlight;
  private @Nullable SseStream stream;
  private volatile String lastEventId;
  private volatile long serverRetryMillis;
  private final AtomicLong connects = new AtomicLong();
  private final SseStream.Receiver frames = new Frames();

  RealtimeClient(RealtimeClientBuilder b, HttpClient http) {
    this.endpoint = b.endpoint;
    this.topics = Set.copyOf(b.topics);
    this.requests = new StreamRequests(endpoint, topics, b.headers, b.headerSupplier);
    this.listener = b.listener;
    this.http = http;
    this.backoff = Backoff.of(b.policy);
    this.scheduler = b.scheduler;
    this.maxEventChars = b.maxEventChars;
    Cursor resumeFrom = b.resumeFrom.retain(topics);
    this.lastEventId = resumeFrom.format();
    ChangeWaiters waiters = new ChangeWaiters(scheduler, () -> state() == State.CLOSED, "realtime client is closed",
        () -> new CancellationException("realtime client closed"));
    this.heard = new HeardChanges(endpoint, resumeFrom, b.maxCachePerTopic, listener, waiters);
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

  // ---- lifecycle ----------------------------------------------------------------------------

  /**
   * Opens the stream (and keeps it open until {@link #close()}). Idempotent.
   *
   * @throws IllegalStateException if the client is closed
   */
  public void start() {
    lock.lock();
    try {
      if (state == State.CLOSED) {
        throw new IllegalStateException("realtime client is closed");
      }
      if (state != State.NEW) {
        return;
      }
      state = State.CONNECTING;
    } finally {
      lock.unlock();
    }
    connect();
  }

  private void connect() {
    long gen;
    lock.lock();
    try {
      if (state == State.CLOSED || state == State.FAILED) {
        return;
      }
      state = State.CONNECTING;
      reconnectTask = null;
      gen = ++generation;
    } finally {
      lock.unlock();
    }
    connects.incrementAndGet();
    String resumeId = lastEventId;
    HttpRequest request;
    try { // the header supplier is asked on every connect: a rotated token is picked up here
      request = requests.build(resumeId);
    } catch (RuntimeException e) {
      lost(gen, new SyncException("realtime stream " + endpoint + ": the header supplier failed: " + e, e));
      return;
    }
    SseStream s = new SseStream(gen, endpoint, maxEventChars, resumeId, frames);
    CompletableFuture<HttpResponse<String>> f;
    try {
      f = http.sendAsync(request, info -> {
        if (info.statusCode() == 200) {
          return HttpResponse.BodySubscribers.fromSubscriber(s, x -> "");
        }
        return HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8);
      });
    } catch (RuntimeException e) {
      lost(gen, e);
      return;
    }
    lock.lock();
    try {
      if (gen != generation || state == State.CLOSED) {
        f.cancel(true);
        return;
      }
      inFlight = f;
      stream = s;
    } finally {
      lock.unlock();
    }
    f.whenComplete((resp, failure) -> {
      if (failure != null) {
        lost(gen, failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure);
      } else if (resp.statusCode() != 200) {
        refused(gen, resp);
      }
      // a 200 ends through the stream's onComplete/onError
    });
  }

  private void refused(long gen, HttpResponse<String> resp) {
    int status = resp.statusCode();
    String body = resp.body() == null ? "" : resp.body();
    SyncException error =
        new SyncException("realtime stream " + endpoint + " answered " + status + ": "
            + (body.length() > 500 ? body.substring(0, 500) + "…" : body));
    if (FATAL.contains(status) && !(status == 401 && requests.rotatesHeaders())) {
      lock.lock();
      try {
        if (gen != generation || state == State.CLOSED) {
          return;
        }
        state = State.FAILED;
        inFlight = null;
        stream = null;
      } finally {
        lock.unlock();
      }
      log.warn("Realtime stream {} refused for good: {}", endpoint, error.getMessage());
      heard.tell("onFailed", () -> listener.onFailed(error));
      return;
    }
    lost(gen, error);
  }

  /** The stream of generation {@code gen} ended; schedule the next one. */
  private void lost(long gen, @Nullable Throwable cause) {
    long delayNanos;
    lock.lock();
    try {
      if (gen != generation || state == State.CLOSED || state == State.FAILED || state == State.WAITING) {
        return;
      }
      SseStream s = stream;
      if (s != null) {
        s.cancel();
      }
      stream = null;
      inFlight = null;
      delayNanos = Math.max(backoff.nextDelayNanos(), Duration.ofMillis(serverRetryMillis).toNanos());
      state = State.WAITING;
      reconnectTask = scheduler.schedule(this::connect, delayNanos);
    } finally {
      lock.unlock();
    }
    Duration in = Duration.ofNanos(delayNanos);
    log.debug("Realtime stream {} lost ({}); reconnecting in {}", endpoint, cause, in);
    heard.tell("onDisconnected", () -> listener.onDisconnected(cause, in));
  }

  /** Drops the current connection as a network failure would; the client reconnects. For tests. */
  void dropConnection() {
    long gen;
    lock.lock();
    try {
      gen = generation;
    } finally {
      lock.unlock();
    }
    lost(gen, new IOException("connection dropped by the client"));
  }

  /**
   * Closes the client: no reconnect, the stream cancelled, pending {@link #awaitChange} futures
   * failed. Idempotent.
   */
  @Override
  public void close() {
    Cancellable task;
    SseStream s;
    CompletableFuture<?> f;
    lock.lock();
    try {
      if (state == State.CLOSED) {
        return;
      }
      state = State.CLOSED;
      generation++;
      task = reconnectTask;
      s = stream;
      f = inFlight;
      reconnectTask = null;
      stream = null;
      inFlight = null;
    } finally {
      lock.unlock();
    }
    if (task != null) {
      task.cancel();
    }
    if (s != null) {
      s.cancel();
    }
    if (f != null) {
      f.cancel(true);
    }
    heard.closed();
  }

  // ---- what the stream says ----------------------------------------------------------------

  /** Hears the streams; kept off the public type. */
  private final class Frames implements SseStream.Receiver {
    @Override
    public void onFrame(long gen, String type, String data, String id) {
      lastEventId = id;
      switch (type) {
        case "subscribed" -> connected(gen, id);
        case "reset" -> heard.reset(data);
        case "insert", "update", "delete", "broadcast" -> heard.change(data);
        default -> log.debug("Realtime stream {} sent an unknown event type '{}'", endpoint, type);
      }
    }

    @Override
    public void onServerRetry(long millis) {
      serverRetryMillis = millis;
    }

    @Override
    public void onEnded(long gen, @Nullable Throwable cause) {
      lost(gen, cause);
    }
  }

  /** The server confirmed the subscription of connection {@code gen}: the backoff starts over. */
  private void connected(long gen, String id) {
    Cursor start;
    try {
      start = Cursor.parse(id);
    } catch (IllegalArgumentException e) {
      start = Cursor.EMPTY;
    }
    lock.lock();
    try {
      if (gen != generation || state == State.CLOSED) {
        return;
      }
      state = State.CONNECTED;
      backoff.reset();
    } finally {
      lock.unlock();
    }
    heard.subscribed(start);
    Cursor c = start;
    heard.tell("onConnected", () -> listener.onConnected(c));
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
    lock.lock();
    try {
      return state;
    } finally {
      lock.unlock();
    }
  }

  /** Returns the last event id heard: the cursor a reconnect resumes from (empty before any). */
  public String lastEventId() {
    return lastEventId;
  }

  /** Returns how many streams the client has tried to open. */
  public long connectAttempts() {
    return connects.get();
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
