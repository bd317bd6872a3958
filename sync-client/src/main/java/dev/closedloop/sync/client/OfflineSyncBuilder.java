package dev.closedloop.sync.client;

import dev.closedloop.sync.queue.OfflineQueue;
import dev.closedloop.sync.time.Clock;
import dev.closedloop.sync.time.Scheduler;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Builds an {@link OfflineSync}. Every setter validates its argument at once with a fixed
 * message; {@link #build()} copies the settings, so a builder can be reused.
 *
 * <p>Defaults: a shared {@link HttpClient}; no secret headers; no handlers or listeners; always
 * online (no {@link Connectivity}); auto-sync on; 30 s per replayed request; a pass again 10 s
 * after one that left work; the system scheduler and clock; one daemon thread of its own for the
 * passes (ended by {@link OfflineSync#close()}).
 *
 * <p>This class is not threadsafe.
 */
public final class OfflineSyncBuilder {
  final OfflineQueue queue;
  @Nullable HttpClient http;
  Function<QueuedRequest, Map<String, String>> secretHeaders = r -> Map.of();
  final Map<String, ReplayHandler> handlers = new LinkedHashMap<>();
  final List<OfflineSyncListener> listeners = new ArrayList<>();
  @Nullable Connectivity connectivity;
  boolean autoSync = true;
  Duration requestTimeout = Duration.ofSeconds(30);
  Duration resyncDelay = Duration.ofSeconds(10);
  Scheduler scheduler = Scheduler.system();
  Clock clock = Clock.system();
  @Nullable Executor executor;
  @Nullable UnauthorizedHandler unauthorized;
  Duration unauthorizedWait = Duration.ofSeconds(30);

  OfflineSyncBuilder(OfflineQueue queue) {
    this.queue = Objects.requireNonNull(queue, "queue cannot be null");
  }

  /**
   * Sets the HTTP client replays go through. Default: the shared one.
   *
   * @throws NullPointerException if {@code http} is null
   */
  public OfflineSyncBuilder httpClient(HttpClient http) {
    this.http = Objects.requireNonNull(http, "http cannot be null");
    return this;
  }

  /**
   * Supplies the secret headers (never stored in the queue) of each request at replay time, say a
   * fresh {@code Authorization} token. Called before every replay, so a rotated token is picked
   * up by the next one.
   *
   * @throws NullPointerException if {@code supplier} is null
   */
  public OfflineSyncBuilder secretHeaders(Function<QueuedRequest, Map<String, String>> supplier) {
    this.secretHeaders = Objects.requireNonNull(supplier, "supplier cannot be null");
    return this;
  }

  /**
   * On a 401 to a replay, waits (at most {@code maxWait}) for {@code handler} to get a new
   * credential, then replays the request once more with the same key; see {@link
   * UnauthorizedHandler}. Default: a 401 dead-letters the request at once, as other 4xx do.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code maxWait} is not positive
   */
  public OfflineSyncBuilder onUnauthorized(UnauthorizedHandler handler, Duration maxWait) {
    this.unauthorized = Objects.requireNonNull(handler, "handler cannot be null");
    this.unauthorizedWait = Durations.positive(maxWait, "maxWait");
    return this;
  }

  /**
   * Registers the handler of the requests queued by the mutation called {@code mutationName}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if that name already has a handler
   */
  public OfflineSyncBuilder handler(String mutationName, ReplayHandler handler) {
    Objects.requireNonNull(mutationName, "mutationName cannot be null");
    Objects.requireNonNull(handler, "handler cannot be null");
    if (handlers.putIfAbsent(mutationName, handler) != null) {
      throw new IllegalStateException("a handler is already registered for mutation '" + mutationName + "'");
    }
    return this;
  }

  /**
   * Adds a listener; listeners are called in the order added.
   *
   * @throws NullPointerException if {@code listener} is null
   */
  public OfflineSyncBuilder listener(OfflineSyncListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener cannot be null"));
    return this;
  }

  /**
   * Uses {@code connectivity}: mutations queue at once while it says offline, passes stop when it
   * does, and (with auto-sync) a pass starts when it comes back online.
   *
   * @throws NullPointerException if {@code connectivity} is null
   */
  public OfflineSyncBuilder connectivity(Connectivity connectivity) {
    this.connectivity = Objects.requireNonNull(connectivity, "connectivity cannot be null");
    return this;
  }

  /**
   * Turns auto-sync on or off. On (the default): a pass starts when connectivity returns, shortly
   * after a mutation queues a request while online, and again {@link #resyncDelay} after a pass
   * that left work behind. Off: only {@link OfflineSync#syncNow()} replays.
   */
  public OfflineSyncBuilder autoSync(boolean on) {
    this.autoSync = on;
    return this;
  }

  /**
   * Limits each replayed request. Default 30 s.
   *
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if it is not positive
   */
  public OfflineSyncBuilder requestTimeout(Duration timeout) {
    this.requestTimeout = Durations.positive(timeout, "timeout");
    return this;
  }

  /**
   * Sets how long auto-sync waits before another pass when work is left. Default 10 s.
   *
   * @throws NullPointerException if {@code delay} is null
   * @throws IllegalArgumentException if it is not positive
   */
  public OfflineSyncBuilder resyncDelay(Duration delay) {
    this.resyncDelay = Durations.positive(delay, "delay");
    return this;
  }

  /**
   * Sets the scheduler of auto-sync timers. Default system.
   *
   * @throws NullPointerException if {@code scheduler} is null
   */
  public OfflineSyncBuilder scheduler(Scheduler scheduler) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler cannot be null");
    return this;
  }

  /**
   * Sets the wall clock for {@code Retry-After} dates. Default system. (Whether an item has
   * expired is the queue's to decide, by its own clock: see {@link
   * dev.closedloop.sync.queue.OfflineQueueBuilder#clock}.)
   *
   * @throws NullPointerException if {@code clock} is null
   */
  public OfflineSyncBuilder clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    return this;
  }

  /**
   * Runs passes on {@code executor} instead of a thread of its own (passes never overlap either
   * way). The executor is not shut down by {@link OfflineSync#close()}.
   *
   * @throws NullPointerException if {@code executor} is null
   */
  public OfflineSyncBuilder executor(Executor executor) {
    this.executor = Objects.requireNonNull(executor, "executor cannot be null");
    return this;
  }

  /** Builds the sync from a copy of this builder's settings and, with auto-sync, starts listening. */
  public OfflineSync build() {
    return new OfflineSync(this);
  }
}
