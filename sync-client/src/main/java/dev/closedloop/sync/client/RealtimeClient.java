package dev.closedloop.sync.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.closedloop.sync.SyncException;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.ChangeEventJson;
import dev.closedloop.sync.realtime.ChangeType;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.Cancellable;
import dev.closedloop.sync.time.Scheduler;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.function.Supplier;
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
 * <p>This class is threadsafe.
 */
public final class RealtimeClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RealtimeClient.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
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
  private final Map<String, String> headers;
  private final @Nullable Supplier<Map<String, String>> headerSupplier;
  private final RealtimeClientListener listener;
  private final HttpClient http;
  private final RetryPolicy<?> policy;
  private final Scheduler scheduler;
  private final int maxCachePerTopic;
  private final int maxEventChars;

  private final ReentrantLock lock = new ReentrantLock(); // guards the connection lifecycle
  private State state = State.NEW;
  private long generation;
  private int attempt;
  private long previousDelayNanos;
  private @Nullable Cancellable reconnectTask;
  private @Nullable CompletableFuture<?> inFlight;
  private @Nullable Stream stream;
  private volatile String lastEventId;
  private volatile long serverRetryMillis;

  private final ConcurrentHashMap<String, Long> seen = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, LinkedHashMap<String, ChangeEvent>> cache = new ConcurrentHashMap<>();
  private final ReentrantLock cacheLock = new ReentrantLock();
  private final ConcurrentLinkedQueue<Watcher> watchers = new ConcurrentLinkedQueue<>();
  private final AtomicLong connects = new AtomicLong();
  private final AtomicLong events = new AtomicLong();

  RealtimeClient(RealtimeClientBuilder b, HttpClient http) {
    this.endpoint = b.endpoint;
    this.topics = Set.copyOf(b.topics);
    this.headers = Map.copyOf(b.headers);
    this.headerSupplier = b.headerSupplier;
    this.listener = b.listener;
    this.http = http;
    this.policy = b.policy;
    this.scheduler = b.scheduler;
    this.maxCachePerTopic = b.maxCachePerTopic;
    this.maxEventChars = b.maxEventChars;
    this.lastEventId = b.resumeFrom.retain(topics).format();
    b.resumeFrom.retain(topics).positions().forEach(seen::put);
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
    StringBuilder query = new StringBuilder("topics=");
    query.append(URLEncoder.encode(String.join(",", new java.util.TreeSet<>(topics)), StandardCharsets.UTF_8));
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(endpoint + "?" + query))
            .GET()
            .header("Accept", "text/event-stream")
            .header("Cache-Control", "no-cache");
    headers.forEach(req::header);
    if (headerSupplier != null) {
      try { // asked on every connect: a rotated token is picked up here
        Map<String, String> supplied = headerSupplier.get();
        if (supplied != null) {
          supplied.forEach((name, value) -> {
            if (RealtimeClientBuilder.isReserved(name)) {
              throw new IllegalArgumentException("header " + name + " is set by the client itself");
            }
            req.setHeader(name, value);
          });
        }
      } catch (RuntimeException e) {
        lost(gen, new SyncException("realtime stream " + endpoint + ": the header supplier failed: " + e, e));
        return;
      }
    }
    String resumeId = lastEventId;
    if (!resumeId.isEmpty()) {
      req.header("Last-Event-ID", resumeId);
    }
    Stream s = new Stream(gen);
    CompletableFuture<HttpResponse<String>> f;
    try {
      f = http.sendAsync(req.build(), info -> {
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
        lost(gen, failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure);
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
    if (FATAL.contains(status) && !(status == 401 && headerSupplier != null)) {
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
      call(() -> listener.onFailed(error));
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
      Stream s = stream;
      if (s != null) {
        s.cancel();
      }
      stream = null;
      inFlight = null;
      attempt++;
      long backoff = policy.delayNanos(attempt, previousDelayNanos == 0 ? policy.initialDelay().toNanos() : previousDelayNanos, policy.random().nextDouble());
      previousDelayNanos = backoff;
      delayNanos = Math.max(backoff, Duration.ofMillis(serverRetryMillis).toNanos());
      state = State.WAITING;
      reconnectTask = scheduler.schedule(this::connect, delayNanos);
    } finally {
      lock.unlock();
    }
    Duration in = Duration.ofNanos(delayNanos);
    log.debug("Realtime stream {} lost ({}); reconnecting in {}", endpoint, cause, in);
    call(() -> listener.onDisconnected(cause, in));
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
    Stream s;
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
    for (Watcher w : watchers) {
      w.future.completeExceptionally(new CancellationException("realtime client closed"));
    }
  }

  // ---- the stream ---------------------------------------------------------------------------

  /** One HTTP response body, parsed as it arrives. */
  private final class Stream implements Flow.Subscriber<List<ByteBuffer>>, SseParser.Handler {
    private final long gen;
    private final SseParser parser = new SseParser(this, maxEventChars);
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private volatile Flow.@Nullable Subscription subscription;

    Stream(long gen) {
      this.gen = gen;
      parser.lastEventId(lastEventId);
    }

    void cancel() {
      if (cancelled.compareAndSet(false, true)) {
        Flow.Subscription sub = subscription;
        if (sub != null) {
          sub.cancel();
        }
      }
    }

    @Override
    public void onSubscribe(Flow.Subscription sub) {
      subscription = sub;
      if (cancelled.get()) {
        sub.cancel();
        return;
      }
      sub.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (cancelled.get()) {
        return;
      }
      try {
        for (ByteBuffer b : items) {
          parser.feed(b);
        }
      } catch (IllegalStateException tooLarge) {
        log.warn("Realtime stream {} sent bad input: {}", endpoint, tooLarge.getMessage());
        lost(gen, tooLarge);
      }
    }

    @Override
    public void onError(Throwable t) {
      lost(gen, t);
    }

    @Override
    public void onComplete() {
      parser.end();
      lost(gen, null);
    }

    @Override
    public void onRetry(long millis) {
      serverRetryMillis = millis;
    }

    @Override
    public void onEvent(String type, String data, String id) {
      if (cancelled.get()) {
        return;
      }
      lastEventId = id;
      switch (type) {
        case "subscribed" -> onSubscribed(id);
        case "reset" -> onResetFrame(data);
        case "insert", "update", "delete", "broadcast" -> onChange(data);
        default -> log.debug("Realtime stream {} sent an unknown event type '{}'", endpoint, type);
      }
    }

    private void onSubscribed(String id) {
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
        attempt = 0;
        previousDelayNanos = 0;
      } finally {
        lock.unlock();
      }
      start.positions().forEach((t, p) -> seen.merge(t, p, Math::max));
      Cursor c = start;
      call(() -> listener.onConnected(c));
    }

    private void onResetFrame(String data) {
      String topic;
      String reason;
      long position;
      try {
        JsonNode n = MAPPER.readTree(data);
        topic = n.path("topic").asText("");
        reason = n.path("reason").asText("");
        position = n.path("position").asLong(0);
      } catch (IOException e) {
        log.warn("Realtime stream {} sent a malformed reset ({} chars): {}", endpoint, data.length(), e.getMessage());
        return;
      }
      seen.put(topic, position);
      cacheLock.lock();
      try {
        cache.remove(topic);
      } finally {
        cacheLock.unlock();
      }
      call(() -> listener.onReset(topic, reason));
    }

    private void onChange(String data) {
      ChangeEvent e;
      try {
        e = ChangeEventJson.fromJson(data);
      } catch (IllegalArgumentException bad) {
        log.warn("Realtime stream {} sent a malformed event: {}", endpoint, bad.getMessage());
        return;
      }
      Long before = seen.get(e.topic());
      if (before != null && e.position() <= before) {
        return; // already heard
      }
      seen.put(e.topic(), e.position());
      events.incrementAndGet();
      remember(e);
      for (Watcher w : watchers) {
        try {
          if (!w.future.isDone() && w.predicate.test(e)) {
            w.future.complete(e);
          }
        } catch (RuntimeException | Error t) {
          w.future.completeExceptionally(t);
        }
      }
      call(() -> listener.onEvent(e));
    }
  }

  private void remember(ChangeEvent e) {
    String key = e.key();
    if (key == null || !e.type().isEntityChange() || maxCachePerTopic == 0) {
      return;
    }
    cacheLock.lock();
    try {
      LinkedHashMap<String, ChangeEvent> m = cache.computeIfAbsent(e.topic(), t -> new LinkedHashMap<>());
      m.remove(key);
      if (e.type() != ChangeType.DELETE) {
        m.put(key, e);
        if (m.size() > maxCachePerTopic) {
          String eldest = m.keySet().iterator().next();
          m.remove(eldest);
        }
      }
    } finally {
      cacheLock.unlock();
    }
  }

  private void call(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException | Error t) {
      log.warn("Realtime client listener {} threw", listener, t);
    }
  }

  // ---- queries ------------------------------------------------------------------------------

  /** Returns the last insert or update of {@code key} in {@code topic} heard, if cached. */
  public Optional<ChangeEvent> latest(String topic, String key) {
    Objects.requireNonNull(topic, "topic cannot be null");
    Objects.requireNonNull(key, "key cannot be null");
    cacheLock.lock();
    try {
      Map<String, ChangeEvent> m = cache.get(topic);
      return m == null ? Optional.empty() : Optional.ofNullable(m.get(key));
    } finally {
      cacheLock.unlock();
    }
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
    Objects.requireNonNull(predicate, "predicate cannot be null");
    Objects.requireNonNull(timeout, "timeout cannot be null");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: " + timeout);
    }
    if (state() == State.CLOSED) {
      throw new IllegalStateException("realtime client is closed");
    }
    Watcher w = new Watcher(predicate);
    watchers.add(w);
    Cancellable timer = scheduler.schedule(
        () -> w.future.completeExceptionally(new TimeoutException("no matching change within " + timeout)), timeout);
    w.future.whenComplete((e, t) -> {
      timer.cancel();
      watchers.remove(w);
    });
    if (state() == State.CLOSED) {
      w.future.completeExceptionally(new CancellationException("realtime client closed"));
    }
    return w.future;
  }

  private static final class Watcher {
    final Predicate<? super ChangeEvent> predicate;
    final CompletableFuture<ChangeEvent> future = new CompletableFuture<>();

    Watcher(Predicate<? super ChangeEvent> predicate) {
      this.predicate = predicate;
    }
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
    return events.get();
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
