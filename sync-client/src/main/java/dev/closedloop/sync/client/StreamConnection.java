package dev.closedloop.sync.client;

import dev.closedloop.sync.SyncException;
import dev.closedloop.sync.client.RealtimeClient.State;
import dev.closedloop.sync.realtime.Cursor;
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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of a {@link RealtimeClient}'s connection: open a stream ({@link StreamRequests}),
 * parse it ({@link SseStream}) into what was heard ({@link HeardChanges}), and when it ends or
 * fails to open, wait {@code max(server retry:, backoff)} on the {@link Scheduler} and open the
 * next, the backoff being a {@link Backoff} of the client's {@link RetryPolicy}, reset when a
 * stream is confirmed. A 400, 401 (unless the headers rotate), 403, 404, 405, 410 or 422 stops it
 * for good.
 *
 * <p>Concurrency: {@link #lock} guards the state, the generation, the backoff and the current
 * stream. Each connection has a generation; whatever a stream reports is ignored once the
 * generation moved on (a reconnect, a close), so a late callback of an old stream changes
 * nothing. No listener runs under the lock.
 *
 * <p>This class is threadsafe.
 */
final class StreamConnection {
  private static final Logger log = LoggerFactory.getLogger(RealtimeClient.class);
  private static final Set<Integer> FATAL = Set.of(400, 401, 403, 404, 405, 410, 422);

  private final URI endpoint;
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

  StreamConnection(URI endpoint, StreamRequests requests, RealtimeClientListener listener, HttpClient http,
      RetryPolicy<?> policy, Scheduler scheduler, int maxEventChars, String resumeFrom, HeardChanges heard) {
    this.endpoint = endpoint;
    this.requests = requests;
    this.listener = listener;
    this.http = http;
    this.backoff = Backoff.of(policy);
    this.scheduler = scheduler;
    this.maxEventChars = maxEventChars;
    this.lastEventId = resumeFrom;
    this.heard = heard;
  }

  /** See {@link RealtimeClient#start()}. */
  void start() {
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
  void drop() {
    long gen;
    lock.lock();
    try {
      gen = generation;
    } finally {
      lock.unlock();
    }
    lost(gen, new IOException("connection dropped by the client"));
  }

  /** No reconnect, the stream cancelled, pending {@code awaitChange} futures failed. Idempotent. */
  void close() {
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

  State state() {
    lock.lock();
    try {
      return state;
    } finally {
      lock.unlock();
    }
  }

  String lastEventId() {
    return lastEventId;
  }

  long connectAttempts() {
    return connects.get();
  }
}
