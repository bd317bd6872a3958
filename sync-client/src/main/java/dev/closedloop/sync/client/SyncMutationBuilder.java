package dev.closedloop.sync.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.closedloop.sync.breaker.CircuitBreaker;
import dev.closedloop.sync.retry.RetryBudget;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.Clock;
import dev.closedloop.sync.time.RandomSource;
import dev.closedloop.sync.time.Scheduler;
import dev.closedloop.sync.time.Ticker;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link SyncMutation}. Every setter validates its argument at once with a fixed message;
 * {@link #build()} checks the options against each other and copies them, so a builder can be
 * reused.
 *
 * <p>Defaults: method POST; a shared {@link HttpClient}; body = the variables, serialized by a
 * plain Jackson {@link ObjectMapper} as {@code application/json}; the response not decoded (the
 * result is null) until a response type is set; the seed's retry policy (3 attempts, first delay
 * 1 s, ×2, 30 s cap, 30 s deadline, full jitter) with a 10 s attempt timeout; no circuit breaker,
 * no retry budget, no offline queue; UUIDv7 keys; callbacks on the thread that completes the step
 * (a direct executor); a success resets to IDLE after 2 s; the system clock, ticker, scheduler and
 * random source.
 *
 * <p>This class is not threadsafe.
 *
 * @param <V> the type of the variables
 * @param <T> the type of the decoded response
 */
public final class SyncMutationBuilder<V, T> {
  static final ObjectMapper DEFAULT_MAPPER = new ObjectMapper();
  static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(10);
  static final Duration DEFAULT_RESET = Duration.ofSeconds(2);
  static final Duration DEFAULT_CONFIRM_TIMEOUT = Duration.ofMinutes(5);
  static final int MAX_NAME_LENGTH = 200;

  final String name;
  @Nullable HttpClient http;
  @Nullable Function<? super V, URI> endpoint;
  String method = "POST";
  ObjectMapper mapper = DEFAULT_MAPPER;
  Function<? super V, ?> body = v -> v;
  @Nullable String contentType = "application/json";
  @Nullable JavaType responseType;
  final LinkedHashMap<String, String> headers = new LinkedHashMap<>();
  @Nullable Function<? super V, Map<String, String>> variableHeaders;
  final Set<String> secretHeaders = new TreeSet<>();
  @Nullable Duration attemptTimeout;
  @Nullable Duration timeout;
  @Nullable RetryPolicy<?> retryPolicy;
  @Nullable Function<String, @Nullable CircuitBreaker> breakers;
  @Nullable RetryBudget budget;
  @Nullable OfflineSync offline;
  int priority;
  @Nullable Function<? super V, @Nullable String> scope;
  @Nullable Supplier<String> keys;
  Executor callbackExecutor = Runnable::run;
  @Nullable Duration resetAfterSuccess = DEFAULT_RESET;
  final List<MutationListener<V, T>> listeners = new ArrayList<>();
  @Nullable OptimisticUpdate<? super V, ? super T, Object> optimistic;
  @Nullable RealtimeClient realtime;
  Duration confirmTimeout = DEFAULT_CONFIRM_TIMEOUT;
  @Nullable Clock clock;
  @Nullable Ticker ticker;
  @Nullable Scheduler scheduler;
  @Nullable RandomSource random;
  private boolean prioritySet;

  SyncMutationBuilder(String name) {
    Objects.requireNonNull(name, "name cannot be null");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank");
    }
    if (name.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException("name must be at most " + MAX_NAME_LENGTH + " characters: " + name.length());
    }
    this.name = name;
  }

  /**
   * Sets the HTTP client. Default: one shared by every mutation and realtime client of the process.
   *
   * @throws NullPointerException if {@code http} is null
   */
  public SyncMutationBuilder<V, T> httpClient(HttpClient http) {
    this.http = Objects.requireNonNull(http, "http cannot be null");
    return this;
  }

  /**
   * Sends every call to {@code endpoint}.
   *
   * @throws NullPointerException if {@code endpoint} is null
   * @throws IllegalArgumentException if it is not an absolute http(s) URI
   */
  public SyncMutationBuilder<V, T> endpoint(URI endpoint) {
    Objects.requireNonNull(endpoint, "endpoint cannot be null");
    Http.checkUri(endpoint, "endpoint");
    this.endpoint = v -> endpoint;
    return this;
  }

  /**
   * Sends each call to the URI {@code endpoint} makes of its variables (say, {@code
   * /bookings/{id}}). A null or relative result fails that {@code mutate} with a {@link
   * MutationException}.
   *
   * @throws NullPointerException if {@code endpoint} is null
   */
  public SyncMutationBuilder<V, T> endpoint(Function<? super V, URI> endpoint) {
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint cannot be null");
    return this;
  }

  /**
   * Sets the HTTP method. Default POST.
   *
   * @throws NullPointerException if {@code method} is null
   * @throws IllegalArgumentException if it is not an HTTP token
   */
  public SyncMutationBuilder<V, T> method(String method) {
    Objects.requireNonNull(method, "method cannot be null");
    Http.checkMethod(method);
    this.method = method.toUpperCase(Locale.ROOT);
    return this;
  }

  /**
   * Sets the Jackson mapper for the body and the response. Default: a plain {@code ObjectMapper}.
   *
   * @throws NullPointerException if {@code mapper} is null
   */
  public SyncMutationBuilder<V, T> objectMapper(ObjectMapper mapper) {
    this.mapper = Objects.requireNonNull(mapper, "mapper cannot be null");
    return this;
  }

  /**
   * Sets what is serialized as the body: {@code body.apply(variables)}; a null result sends no
   * body. Default: the variables themselves.
   *
   * @throws NullPointerException if {@code body} is null
   */
  public SyncMutationBuilder<V, T> body(Function<? super V, ?> body) {
    this.body = Objects.requireNonNull(body, "body cannot be null");
    return this;
  }

  /**
   * Decodes 2xx bodies as {@code type}; an empty body decodes to null.
   *
   * @throws NullPointerException if {@code type} is null
   * @throws IllegalStateException if a response type is already set
   */
  public SyncMutationBuilder<V, T> responseType(Class<T> type) {
    Objects.requireNonNull(type, "type cannot be null");
    setResponseType(mapper.getTypeFactory().constructType(type));
    return this;
  }

  /**
   * Decodes 2xx bodies as the generic {@code type}, such as {@code new TypeReference<List<Booking>>()
   * {}}; an empty body decodes to null.
   *
   * @throws NullPointerException if {@code type} is null
   * @throws IllegalStateException if a response type is already set
   */
  public SyncMutationBuilder<V, T> responseType(TypeReference<T> type) {
    Objects.requireNonNull(type, "type cannot be null");
    setResponseType(mapper.getTypeFactory().constructType(type));
    return this;
  }

  private void setResponseType(JavaType type) {
    if (responseType != null) {
      throw new IllegalStateException("responseType is already set");
    }
    responseType = type;
  }

  /**
   * Adds a header sent with every call (replacing one of the same name).
   *
   * @throws NullPointerException if {@code name} or {@code value} is null
   * @throws IllegalArgumentException if the name is not a token, the value holds a control
   *     character, or the header is one the client sets itself ({@code Idempotency-Key}, {@code
   *     X-Idempotency-Key}, {@code Content-Length}, {@code Host}, {@code Connection}, {@code
   *     Expect}, {@code Upgrade})
   */
  public SyncMutationBuilder<V, T> header(String name, String value) {
    Http.checkHeader(name, value);
    headers.put(name, value);
    return this;
  }

  /**
   * Adds headers made from each call's variables (checked like {@link #header}, at call time).
   *
   * @throws NullPointerException if {@code headers} is null
   */
  public SyncMutationBuilder<V, T> headers(Function<? super V, Map<String, String>> headers) {
    this.variableHeaders = Objects.requireNonNull(headers, "headers cannot be null");
    return this;
  }

  /**
   * Marks headers as secret (case-insensitive), such as {@code Authorization}: they are sent with
   * live attempts but never written to the offline queue; {@link OfflineSync} asks its header
   * supplier for them when it replays.
   *
   * @throws NullPointerException if a name is null
   */
  public SyncMutationBuilder<V, T> secretHeaders(String... names) {
    Objects.requireNonNull(names, "names cannot be null");
    for (String n : names) {
      secretHeaders.add(Objects.requireNonNull(n, "name cannot be null").toLowerCase(Locale.ROOT));
    }
    return this;
  }

  /**
   * Limits each attempt; overrides the retry policy's attempt timeout. Default 10 s.
   *
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if it is not positive
   */
  public SyncMutationBuilder<V, T> attemptTimeout(Duration timeout) {
    this.attemptTimeout = Durations.positive(timeout, "attemptTimeout");
    return this;
  }

  /**
   * Limits the whole call, attempts and waits included (before it is queued offline); overrides
   * the retry policy's deadline. Default 30 s.
   *
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if it is not positive
   */
  public SyncMutationBuilder<V, T> timeout(Duration timeout) {
    this.timeout = Durations.positive(timeout, "timeout");
    return this;
  }

  /**
   * Sets the retry policy: attempts, backoff, jitter, deadline, attempt timeout, budget and
   * listeners. Its result type is ignored: attempts return raw 2xx responses. Which failures are
   * retried is the client's classification (see {@link SyncMutation}); the policy's own
   * predicates can only narrow it.
   *
   * @throws NullPointerException if {@code policy} is null
   */
  public SyncMutationBuilder<V, T> retryPolicy(RetryPolicy<?> policy) {
    this.retryPolicy = Objects.requireNonNull(policy, "policy cannot be null");
    return this;
  }

  /**
   * Guards every call with {@code breaker}.
   *
   * @throws NullPointerException if {@code breaker} is null
   */
  public SyncMutationBuilder<V, T> circuitBreaker(CircuitBreaker breaker) {
    Objects.requireNonNull(breaker, "breaker cannot be null");
    this.breakers = host -> breaker;
    return this;
  }

  /**
   * Guards each call with the breaker of its URI's host: {@code perHost} is asked on every attempt
   * and should return the same breaker for the same host (say, {@code map::computeIfAbsent}), or
   * null for none.
   *
   * @throws NullPointerException if {@code perHost} is null
   */
  public SyncMutationBuilder<V, T> circuitBreakers(Function<String, @Nullable CircuitBreaker> perHost) {
    this.breakers = Objects.requireNonNull(perHost, "perHost cannot be null");
    return this;
  }

  /**
   * Shares {@code budget} with the other users of one downstream: retries only while it has tokens.
   *
   * @throws NullPointerException if {@code budget} is null
   */
  public SyncMutationBuilder<V, T> retryBudget(RetryBudget budget) {
    this.budget = Objects.requireNonNull(budget, "budget cannot be null");
    return this;
  }

  /**
   * Queues what cannot be sent now in {@code offline}'s queue, and completes queued calls when it
   * replays them. See {@link SyncMutation}.
   *
   * @throws NullPointerException if {@code offline} is null
   */
  public SyncMutationBuilder<V, T> offline(OfflineSync offline) {
    this.offline = Objects.requireNonNull(offline, "offline cannot be null");
    return this;
  }

  /**
   * Sets the priority lane of queued requests; higher lanes replay first. Default 0.
   *
   * @throws IllegalArgumentException if {@code priority} is negative
   */
  public SyncMutationBuilder<V, T> priority(int priority) {
    if (priority < 0) {
      throw new IllegalArgumentException("priority must not be negative: " + priority);
    }
    this.priority = priority;
    this.prioritySet = true;
    return this;
  }

  /**
   * Sets the scope of each queued request, made from its variables (null for none): requests of one
   * scope replay one at a time, in the order they were queued.
   *
   * @throws NullPointerException if {@code scope} is null
   */
  public SyncMutationBuilder<V, T> scope(Function<? super V, @Nullable String> scope) {
    this.scope = Objects.requireNonNull(scope, "scope cannot be null");
    return this;
  }

  /**
   * Sets where idempotency keys come from: one per call, 1–255 visible ASCII characters. Default:
   * a {@link UuidV7} on the builder's clock and random source.
   *
   * @throws NullPointerException if {@code keys} is null
   */
  public SyncMutationBuilder<V, T> idempotencyKeys(Supplier<String> keys) {
    this.keys = Objects.requireNonNull(keys, "keys cannot be null");
    return this;
  }

  /**
   * Sets the executor listeners and optimistic callbacks run on (a UI passes its thread's, e.g.
   * {@code SwingUtilities::invokeLater}); they run one at a time, in order. Default: direct.
   *
   * @throws NullPointerException if {@code executor} is null
   */
  public SyncMutationBuilder<V, T> callbackExecutor(Executor executor) {
    this.callbackExecutor = Objects.requireNonNull(executor, "executor cannot be null");
    return this;
  }

  /**
   * Moves a successful call back to IDLE after {@code delay} (the seed's button shows its success
   * for a while, then is ready again). Default 2 s.
   *
   * @throws NullPointerException if {@code delay} is null
   * @throws IllegalArgumentException if it is negative
   */
  public SyncMutationBuilder<V, T> resetAfterSuccess(Duration delay) {
    Objects.requireNonNull(delay, "delay cannot be null");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative: " + delay);
    }
    this.resetAfterSuccess = delay;
    return this;
  }

  /** Keeps a successful call in SUCCESS. */
  public SyncMutationBuilder<V, T> noResetAfterSuccess() {
    this.resetAfterSuccess = null;
    return this;
  }

  /**
   * Adds a listener; listeners are called in the order added.
   *
   * @throws NullPointerException if {@code listener} is null
   */
  public SyncMutationBuilder<V, T> listener(MutationListener<V, T> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener cannot be null"));
    return this;
  }

  /**
   * Sets the optimistic update callbacks (see {@link OptimisticUpdate}).
   *
   * @throws NullPointerException if {@code update} is null
   * @throws IllegalStateException if one is already set
   */
  @SuppressWarnings("unchecked")
  public <C> SyncMutationBuilder<V, T> optimistic(OptimisticUpdate<? super V, ? super T, C> update) {
    Objects.requireNonNull(update, "update cannot be null");
    if (optimistic != null) {
      throw new IllegalStateException("optimistic update is already set");
    }
    this.optimistic = (OptimisticUpdate<? super V, ? super T, Object>) update;
    return this;
  }

  /**
   * Completes {@link MutationCall#confirmed()} when {@code realtime} hears an event carrying the
   * call's idempotency key. The client must be subscribed to the topics the server publishes to.
   *
   * @throws NullPointerException if {@code realtime} is null
   */
  public SyncMutationBuilder<V, T> realtime(RealtimeClient realtime) {
    this.realtime = Objects.requireNonNull(realtime, "realtime cannot be null");
    return this;
  }

  /**
   * Sets how long after {@code mutate} a confirmation may arrive. Default 5 min.
   *
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if it is not positive
   */
  public SyncMutationBuilder<V, T> confirmTimeout(Duration timeout) {
    this.confirmTimeout = Durations.positive(timeout, "confirmTimeout");
    return this;
  }

  /**
   * Sets the wall clock for keys, {@code Retry-After} dates and {@code nextRetryAt}. Default system.
   *
   * @throws NullPointerException if {@code clock} is null
   */
  public SyncMutationBuilder<V, T> clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock cannot be null");
    return this;
  }

  /**
   * Sets the ticker of the retry deadline and the breaker's call durations; also given to the
   * retry policy. Default: the policy's (system).
   *
   * @throws NullPointerException if {@code ticker} is null
   */
  public SyncMutationBuilder<V, T> ticker(Ticker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker cannot be null");
    return this;
  }

  /**
   * Sets the scheduler of retry waits, attempt timeouts and the success reset; also given to the
   * retry policy. Default: the policy's (system).
   *
   * @throws NullPointerException if {@code scheduler} is null
   */
  public SyncMutationBuilder<V, T> scheduler(Scheduler scheduler) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler cannot be null");
    return this;
  }

  /**
   * Sets the random source of keys and jitter; also given to the retry policy. Default system.
   *
   * @throws NullPointerException if {@code random} is null
   */
  public SyncMutationBuilder<V, T> random(RandomSource random) {
    this.random = Objects.requireNonNull(random, "random cannot be null");
    return this;
  }

  /**
   * Builds the mutation from a copy of this builder's settings.
   *
   * @throws IllegalStateException if no endpoint is set; if a priority or scope is set without
   *     {@link #offline}; if an attempt timeout set here is longer than the overall timeout
   */
  public SyncMutation<V, T> build() {
    if (endpoint == null) {
      throw new IllegalStateException("endpoint must be set");
    }
    if (offline == null && (prioritySet || scope != null)) {
      throw new IllegalStateException("priority and scope need an offline queue: call offline(...)");
    }
    return new DefaultSyncMutation<>(this, MutationRetryPolicy.of(this));
  }

}
