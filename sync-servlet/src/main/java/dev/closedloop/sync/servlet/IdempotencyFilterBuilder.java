package dev.closedloop.sync.servlet;

import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyListener;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import dev.closedloop.sync.idempotency.ScopeResolver;
import dev.closedloop.sync.idempotency.spi.StoreArguments;
import dev.closedloop.sync.time.Scheduler;
import dev.closedloop.sync.time.Ticker;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Builds an {@link IdempotencyFilter}. Every setter validates its argument at once with a fixed
 * message; {@link #build()} checks the options against each other and copies them, so a builder
 * can be reused. Defaults are listed on each setter and in {@link IdempotencyFilter}.
 *
 * <p>This class is not threadsafe.
 */
public final class IdempotencyFilterBuilder {
  static final int DEFAULT_MAX_KEY_LENGTH = 255;
  static final long DEFAULT_MAX_BODY_BYTES = 1024L * 1024;
  static final long DEFAULT_MAX_RESPONSE_BYTES = 1024L * 1024;
  static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(50);
  static final Set<String> DEFAULT_METHODS = Set.of("POST", "PUT", "PATCH");
  /**
   * Replayed always: what the stored bytes mean (type, encoding, language, disposition: without
   * Content-Encoding a replayed gzip body is garbage) and where the result lives.
   */
  static final Set<String> DEFAULT_REPLAY_HEADERS = Set.of("content-type", "content-encoding",
      "content-language", "content-disposition", "location", "content-location", "etag", "last-modified", "link");
  static final Set<String> NEVER_REPLAYED = Set.of(
      "set-cookie", "set-cookie2", "authorization", "proxy-authorization", "www-authenticate",
      "proxy-authenticate", "content-length", "transfer-encoding", "connection");
  /** Bytes {@code StoredResponse.size()} adds to the body for status and bookkeeping. */
  private static final long RESPONSE_OVERHEAD = 64;

  @Nullable IdempotencyStore store;
  ScopeResolver<? super HttpServletRequest> scopeResolver =
      ScopeResolver.<HttpServletRequest>principal(HttpServletRequest::getUserPrincipal);
  Set<String> methods = new LinkedHashSet<>(DEFAULT_METHODS);
  boolean keyRequired;
  final Map<String, Boolean> routes = new LinkedHashMap<>();
  int maxKeyLength = DEFAULT_MAX_KEY_LENGTH;
  boolean uuidKeysOnly;
  boolean acceptLegacyHeader = true;
  long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
  long maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
  Duration lease = IdempotencyStore.DEFAULT_LEASE;
  Duration retention = IdempotencyStore.DEFAULT_RETENTION;
  Duration inProgressWait = Duration.ZERO;
  Duration pollInterval = DEFAULT_POLL_INTERVAL;
  boolean storeServerErrors;
  final Set<String> replayHeaders = new LinkedHashSet<>();
  final List<IdempotencyListener> listeners = new ArrayList<>();
  Ticker ticker = Ticker.system();
  Scheduler scheduler = Scheduler.system();

  IdempotencyFilterBuilder() {}

  /**
   * Sets where keys and responses are kept. Default: a new {@link InMemoryIdempotencyStore}
   * with its defaults, private to this filter.
   *
   * @throws NullPointerException if {@code store} is null
   */
  public IdempotencyFilterBuilder store(IdempotencyStore store) {
    this.store = Objects.requireNonNull(store, "store cannot be null");
    return this;
  }

  /**
   * Sets how a request's scope is found. Default: the authenticated principal's name, with every
   * unauthenticated caller in one shared scope (see {@link ScopeResolver#principal}).
   *
   * @throws NullPointerException if {@code scopeResolver} is null
   */
  public IdempotencyFilterBuilder scopeResolver(ScopeResolver<? super HttpServletRequest> scopeResolver) {
    this.scopeResolver = Objects.requireNonNull(scopeResolver, "scopeResolver cannot be null");
    return this;
  }

  /**
   * Sets the HTTP methods the filter handles; others pass through untouched. Default POST, PUT,
   * PATCH. Names are upper-cased.
   *
   * @throws NullPointerException if {@code methods} or one of them is null
   * @throws IllegalArgumentException if none is given or one is not an HTTP token
   */
  public IdempotencyFilterBuilder methods(String... methods) {
    Objects.requireNonNull(methods, "methods cannot be null");
    if (methods.length == 0) {
      throw new IllegalArgumentException("methods must name at least one method");
    }
    Set<String> set = new LinkedHashSet<>();
    for (String m : methods) {
      Objects.requireNonNull(m, "method cannot be null");
      if (!m.matches("[A-Za-z]+")) {
        throw new IllegalArgumentException("method must be letters only: " + m);
      }
      set.add(m.toUpperCase(Locale.ROOT));
    }
    this.methods = set;
    return this;
  }

  /**
   * Sets whether a request to a path no route pattern matches must carry a key (missing → 400)
   * or may go without (missing → passes through untouched). Default false.
   */
  public IdempotencyFilterBuilder keyRequired(boolean required) {
    this.keyRequired = required;
    return this;
  }

  /**
   * Requires a key on paths matching these servlet-style patterns ({@code /exact},
   * {@code /prefix/*}, {@code *.ext}, {@code /}); the most specific pattern wins.
   *
   * @throws NullPointerException if a pattern is null
   * @throws IllegalArgumentException if a pattern is malformed
   */
  public IdempotencyFilterBuilder requireKey(String... patterns) {
    return route(patterns, true);
  }

  /**
   * Makes the key optional on paths matching these patterns (see {@link #requireKey}).
   *
   * @throws NullPointerException if a pattern is null
   * @throws IllegalArgumentException if a pattern is malformed
   */
  public IdempotencyFilterBuilder optionalKey(String... patterns) {
    return route(patterns, false);
  }

  private IdempotencyFilterBuilder route(String[] patterns, boolean required) {
    Objects.requireNonNull(patterns, "patterns cannot be null");
    for (String p : patterns) {
      KeyRoutes.checkPattern(p);
    }
    for (String p : patterns) {
      Boolean previous = routes.put(p, required);
      if (previous != null && previous != required) {
        routes.put(p, previous);
        throw new IllegalStateException("pattern " + p + " cannot be both required and optional");
      }
    }
    return this;
  }

  /**
   * Sets the longest key accepted. Default 255.
   *
   * @throws IllegalArgumentException if not between 1 and {@link IdempotencyKey#MAX_CLIENT_KEY_LENGTH}
   */
  public IdempotencyFilterBuilder maxKeyLength(int maxKeyLength) {
    if (maxKeyLength < 1 || maxKeyLength > IdempotencyKey.MAX_CLIENT_KEY_LENGTH) {
      throw new IllegalArgumentException(
          "maxKeyLength must be between 1 and " + IdempotencyKey.MAX_CLIENT_KEY_LENGTH + ": " + maxKeyLength);
    }
    this.maxKeyLength = maxKeyLength;
    return this;
  }

  /** Accepts only UUIDs (8-4-4-4-12 hex digits, any version) as keys. Default false. */
  public IdempotencyFilterBuilder uuidKeysOnly(boolean uuidOnly) {
    this.uuidKeysOnly = uuidOnly;
    return this;
  }

  /** Sets whether {@code X-Idempotency-Key} is read too. Default true. */
  public IdempotencyFilterBuilder acceptLegacyHeader(boolean accept) {
    this.acceptLegacyHeader = accept;
    return this;
  }

  /**
   * Sets the largest request body buffered for fingerprinting; a larger one is answered 413 and
   * nothing is claimed. Default 1 MiB.
   *
   * @throws IllegalArgumentException if negative or above {@code Integer.MAX_VALUE - 8}
   */
  public IdempotencyFilterBuilder maxBodyBytes(long maxBodyBytes) {
    if (maxBodyBytes < 0 || maxBodyBytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("maxBodyBytes must be between 0 and " + (Integer.MAX_VALUE - 8) + ": " + maxBodyBytes);
    }
    this.maxBodyBytes = maxBodyBytes;
    return this;
  }

  /**
   * Sets the largest response body captured for replay; a larger one streams through to the
   * client and is stored as not replayable. The store's own limit applies too. Default 1 MiB.
   *
   * @throws IllegalArgumentException if negative or above {@code Integer.MAX_VALUE - 8}
   */
  public IdempotencyFilterBuilder maxResponseBytes(long maxResponseBytes) {
    if (maxResponseBytes < 0 || maxResponseBytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "maxResponseBytes must be between 0 and " + (Integer.MAX_VALUE - 8) + ": " + maxResponseBytes);
    }
    this.maxResponseBytes = maxResponseBytes;
    return this;
  }

  /**
   * Sets how long a claim may stay in progress. Default 30 s.
   *
   * @throws NullPointerException if {@code lease} is null
   * @throws IllegalArgumentException if it is not positive
   */
  public IdempotencyFilterBuilder lease(Duration lease) {
    this.lease = StoreArguments.checkDuration(lease, "lease");
    return this;
  }

  /**
   * Sets how long a completed response is kept for replays. Default 24 h.
   *
   * @throws NullPointerException if {@code retention} is null
   * @throws IllegalArgumentException if it is not positive
   */
  public IdempotencyFilterBuilder retention(Duration retention) {
    this.retention = StoreArguments.checkDuration(retention, "retention");
    return this;
  }

  /**
   * Sets how long a request whose key is in progress waits for the result before it is
   * answered 409. Default 0 (answer at once). Waits on a local notification when the owner runs
   * in this filter, else polls the store every {@link #pollInterval}; the waits go through the
   * {@link #scheduler} (on a {@link dev.closedloop.sync.time.VirtualScheduler} they move only when
   * the test advances time).
   *
   * @throws NullPointerException if {@code wait} is null
   * @throws IllegalArgumentException if negative or above 60 s
   */
  public IdempotencyFilterBuilder inProgressWait(Duration wait) {
    Objects.requireNonNull(wait, "wait cannot be null");
    if (wait.isNegative() || wait.compareTo(Duration.ofSeconds(60)) > 0) {
      throw new IllegalArgumentException("wait must be between 0 and 60 s: " + wait);
    }
    this.inProgressWait = wait;
    return this;
  }

  /**
   * Sets how often a waiting request asks the store again. Default 50 ms.
   *
   * @throws NullPointerException if {@code interval} is null
   * @throws IllegalArgumentException if it is not positive
   */
  public IdempotencyFilterBuilder pollInterval(Duration interval) {
    this.pollInterval = StoreArguments.checkDuration(interval, "interval");
    return this;
  }

  /**
   * Sets whether a 500 is stored (and replayed) like a deterministic answer, as Stripe does.
   * Default false: a 500 releases the claim so a retry runs again. Other 5xx always release.
   */
  public IdempotencyFilterBuilder storeServerErrors(boolean store) {
    this.storeServerErrors = store;
    return this;
  }

  /**
   * Adds response headers to replay besides Content-Type, Content-Encoding, Content-Language,
   * Content-Disposition, Location, Content-Location, ETag, Last-Modified and Link.
   *
   * @throws NullPointerException if a name is null
   * @throws IllegalArgumentException if a name is empty or is one never replayed (Set-Cookie,
   *     Authorization, WWW-Authenticate, Proxy-Authenticate, Proxy-Authorization and framing
   *     headers)
   */
  public IdempotencyFilterBuilder replayHeaders(String... names) {
    Objects.requireNonNull(names, "names cannot be null");
    for (String n : names) {
      Objects.requireNonNull(n, "header name cannot be null");
      String lower = n.trim().toLowerCase(Locale.ROOT);
      if (lower.isEmpty()) {
        throw new IllegalArgumentException("header name cannot be empty");
      }
      if (NEVER_REPLAYED.contains(lower)) {
        throw new IllegalArgumentException("header is never replayed: " + n);
      }
    }
    for (String n : names) {
      replayHeaders.add(n.trim().toLowerCase(Locale.ROOT));
    }
    return this;
  }

  /**
   * Adds a listener; listeners are called in the order added. Either an {@link
   * IdempotencyFilterListener} (the filter's events in HTTP terms, {@code onRejected} included) or
   * any {@link IdempotencyListener} of the plain-Java {@link dev.closedloop.sync.idempotency.Idempotency},
   * for example an audit log that also hears message consumers: it hears the same protocol events,
   * and {@link IdempotencyListener#onFinished} with each request's HTTP method, path and status.
   *
   * @throws NullPointerException if {@code listener} is null
   */
  public IdempotencyFilterBuilder listener(IdempotencyListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener cannot be null"));
    return this;
  }

  /**
   * Sets the ticker that measures {@link #inProgressWait} and the completion retries (see
   * {@link #scheduler}). Default the system ticker. With a {@link
   * dev.closedloop.sync.time.ManualTicker} (and a {@link dev.closedloop.sync.time.VirtualScheduler}
   * on it) the waits between completion retries move virtual time instead of sleeping.
   *
   * @throws NullPointerException if {@code ticker} is null
   */
  public IdempotencyFilterBuilder ticker(Ticker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker cannot be null");
    return this;
  }

  /**
   * Sets the timer that renews the lease of every claim this filter holds (every third of the
   * lease, while the request runs and while a failed completion is retried): one shared timer,
   * not a thread per request. A renewal is one short store call. Default {@link
   * Scheduler#system()}.
   *
   * @throws NullPointerException if {@code scheduler} is null
   */
  public IdempotencyFilterBuilder scheduler(Scheduler scheduler) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler cannot be null");
    return this;
  }

  /**
   * Builds the filter.
   *
   * @throws IllegalStateException if the in-progress wait exceeds the lease (a wait could outlast
   *     the claim it waits for)
   */
  public IdempotencyFilter build() {
    checkCombination();
    return new IdempotencyFilter(new IdempotencyFilterEngine(this));
  }

  void checkCombination() {
    if (inProgressWait.compareTo(lease) > 0) {
      throw new IllegalStateException(
          "inProgressWait (" + inProgressWait + ") cannot exceed the lease (" + lease + ")");
    }
  }

  /** The capture limit given the store's own: no point capturing what the store will drop. */
  long effectiveCaptureLimit(IdempotencyStore s) {
    long storeLimit = s.maxResponseBytes();
    long byStore = storeLimit >= Long.MAX_VALUE - RESPONSE_OVERHEAD ? Long.MAX_VALUE : Math.max(0, storeLimit - RESPONSE_OVERHEAD);
    return Math.min(maxResponseBytes, byStore);
  }

  IdempotencyStore storeOrDefault() {
    IdempotencyStore s = store;
    return s != null ? s : InMemoryIdempotencyStore.ofDefaults();
  }
}
