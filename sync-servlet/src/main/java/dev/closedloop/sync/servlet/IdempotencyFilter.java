package dev.closedloop.sync.servlet;

import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Applies each request that carries an idempotency key exactly once, however often and however
 * concurrently it arrives, and answers every repeat with the first response.
 *
 * <h2>What it does</h2>
 *
 * <ol>
 *   <li>Requests with another method than POST, PUT or PATCH (configurable) pass through.
 *   <li>The key is read from {@code Idempotency-Key}, an RFC 9651 sf-string ({@code
 *       Idempotency-Key: "8e03978e-40d5"}) or leniently a bare token ({@code Idempotency-Key:
 *       8e03978e-40d5}, as Stripe's clients send it), or from {@code X-Idempotency-Key}. Several
 *       fields, several values, two headers that disagree, a parse error, a key outside 1–255
 *       visible ASCII characters (or not a UUID in UUID-only mode) → <b>400</b>. No key: 400 on a
 *       route that requires one, else the request passes through untouched.
 *   <li>The body is read and buffered (the application reads the same bytes afterwards); over
 *       the limit (1 MiB) → <b>413</b> and nothing is claimed. The fingerprint is a SHA-256 over
 *       method, request URI, query, content type and the body's SHA-256. If a filter in front
 *       already parsed a form ({@code getParameter} on an {@code
 *       application/x-www-form-urlencoded} POST, as CSRF and login filters do), the container's
 *       parameter map stands in for the body and the application sees the container's parameters
 *       untouched; any other body consumed in front → <b>500</b> {@link #PROBLEM_BODY_UNAVAILABLE}
 *       and a log line naming the cause.
 *   <li>The key is scoped by the {@link dev.closedloop.sync.idempotency.ScopeResolver} (by
 *       default the principal; every anonymous caller shares one scope) and claimed in the store:
 *       <ul>
 *         <li>won → the chain runs; its response is captured, stored, then sent;
 *         <li>completed with the same fingerprint → the stored status, allow-listed headers
 *             (Content-Type, Content-Encoding, Content-Language, Content-Disposition, Location,
 *             Content-Location, ETag, Last-Modified, Link and configured extras; never
 *             Set-Cookie, Authorization or WWW-Authenticate) and body are replayed with {@code
 *             Idempotent-Replayed: true}. The body is stored as the handler wrote it, so the
 *             headers that say what those bytes are (type, encoding, language, disposition) are
 *             always replayed with them: a handler that gzips its own answer replays gzip bytes
 *             with {@code Content-Encoding: gzip}. A compression handler outside the filter (Jetty's
 *             {@code GzipHandler}) compresses first answers and replays alike;
 *         <li>in progress → <b>409</b> with {@code Retry-After}, after an optional bounded wait
 *             for the result;
 *         <li>used with another fingerprint → <b>422</b>;
 *         <li>completed but too large to replay → <b>409</b>;
 *         <li>the store fails → <b>503</b> with {@code Retry-After: 1}; nothing runs.
 *       </ul>
 * </ol>
 *
 * <p>What is stored: 2xx, 3xx (a redirect after a POST is the effect's result) and deterministic
 * 4xx; never 408, 409, 425, 429, and no 4xx once the container has begun to stop the application
 * ({@link #destroy()}): a stopped container answers requests still inside the chain itself. A 500 releases the claim unless {@code storeServerErrors} is
 * set; other 5xx and exceptions always release it, so a retry runs the request again. A
 * response larger than the capture limit (1 MiB) streams through to the client and the claim is
 * completed as not replayable: the effect never runs twice. Every error is an {@code
 * application/problem+json} body (RFC 9457) whose {@code type} is one of the {@code PROBLEM_*}
 * URIs below.
 *
 * <p>The filter is the HTTP adapter over {@link dev.closedloop.sync.idempotency.Idempotency}, the
 * plain-Java API in {@code sync-core}: it reads keys, bodies and fingerprints, captures and
 * replays responses and answers problems; claiming, waiting, lease renewal, completion retries,
 * releases, counters and listener events are the {@code Idempotency}'s, the same for a message
 * consumer as for this filter.
 *
 * <p>While the handler runs, the claim's lease is renewed every third of the lease (one shared
 * {@link IdempotencyFilterBuilder#scheduler timer}), so a handler slower than its lease is not run
 * again by a retry. When storing the response fails with the store unreachable, the response is
 * held and the completion retried with backoff (the lease still renewed) until it is stored or
 * the retention ends: the effect happened, so the key must not run again. The guide's chapter
 * "When the store fails late" says which window remains.
 *
 * <p>Asynchronous handlers ({@code startAsync}) are supported: the claim is completed when the
 * handler calls {@code AsyncContext.complete()} (or an async dispatch returns, if the filter is
 * mapped for {@code ASYNC} too), and released if the container ends the request on an error or
 * timeout. The handler can read the client's key: {@link #currentKey(ServletRequest)}.
 *
 * <h2>Registering it</h2>
 *
 * <p>With a builder: {@code IdempotencyFilter.builder().store(store).requireKey("/api/*").build()},
 * then either your container's API or {@link #register(ServletContext, String...)} (for embedded
 * Jetty: {@code filter.register(contextHandler.getServletContext(), "/api/*")} before the server
 * starts). Or in {@code web.xml} / {@code FilterRegistration} by class name, with these init
 * parameters (all optional; durations in ISO-8601, e.g. {@code PT30S}; lists comma-separated):
 *
 * <table>
 *   <caption>Init parameters</caption>
 *   <tr><th>name</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code store-attribute}</td><td>none</td><td>name of a {@code ServletContext}
 *       attribute holding the {@link IdempotencyStore}; without it the filter makes an
 *       in-memory store of its own</td></tr>
 *   <tr><td>{@code methods}</td><td>{@code POST,PUT,PATCH}</td><td>methods handled</td></tr>
 *   <tr><td>{@code key-required}</td><td>{@code false}</td><td>whether paths no pattern matches
 *       need a key</td></tr>
 *   <tr><td>{@code required-paths}</td><td>none</td><td>servlet-style patterns that need a
 *       key</td></tr>
 *   <tr><td>{@code optional-paths}</td><td>none</td><td>patterns where a key is optional</td></tr>
 *   <tr><td>{@code max-key-length}</td><td>{@code 255}</td><td>longest key accepted</td></tr>
 *   <tr><td>{@code uuid-keys-only}</td><td>{@code false}</td><td>accept only UUID keys</td></tr>
 *   <tr><td>{@code accept-legacy-header}</td><td>{@code true}</td><td>read {@code
 *       X-Idempotency-Key} too</td></tr>
 *   <tr><td>{@code max-body-bytes}</td><td>{@code 1048576}</td><td>largest request body</td></tr>
 *   <tr><td>{@code max-response-bytes}</td><td>{@code 1048576}</td><td>largest response kept
 *       replayable</td></tr>
 *   <tr><td>{@code lease}</td><td>{@code PT30S}</td><td>how long a claim may be in
 *       progress</td></tr>
 *   <tr><td>{@code retention}</td><td>{@code PT24H}</td><td>how long responses are kept</td></tr>
 *   <tr><td>{@code in-progress-wait}</td><td>{@code PT0S}</td><td>how long a repeat waits for
 *       the first to finish before 409</td></tr>
 *   <tr><td>{@code poll-interval}</td><td>{@code PT0.05S}</td><td>how often a waiting repeat asks
 *       the store</td></tr>
 *   <tr><td>{@code store-server-errors}</td><td>{@code false}</td><td>store and replay
 *       500</td></tr>
 *   <tr><td>{@code replay-headers}</td><td>none</td><td>extra response headers to replay</td></tr>
 * </table>
 *
 * <p>Map it for the {@code REQUEST} dispatcher (and {@code ASYNC} if handlers use {@code
 * AsyncContext.dispatch}), with {@code <async-supported>true</async-supported>}. Put it after
 * authentication, so that the principal is known when the scope is resolved. A bad init
 * parameter fails {@link #init(FilterConfig)} with a {@link ServletException} naming it.
 *
 * <p>This class is threadsafe.
 */
public final class IdempotencyFilter implements Filter {
  /** The base of every problem {@code type} URI the filter answers with. */
  public static final String PROBLEM_BASE = "https://closedloop.dev/problems/";
  /** 400: the route requires a key and the request has none. */
  public static final String PROBLEM_KEY_MISSING = PROBLEM_BASE + "idempotency-key-missing";
  /** 400: the key header is repeated, malformed, or breaks the key rules. */
  public static final String PROBLEM_KEY_INVALID = PROBLEM_BASE + "idempotency-key-invalid";
  /** 413: the body is larger than the filter buffers. */
  public static final String PROBLEM_BODY_TOO_LARGE = PROBLEM_BASE + "idempotency-body-too-large";
  /** 409: a request with this key is in progress; see {@code Retry-After}. */
  public static final String PROBLEM_KEY_IN_USE = PROBLEM_BASE + "idempotency-key-in-use";
  /** 409: the request completed but its response was too large to keep. */
  public static final String PROBLEM_NOT_REPLAYABLE = PROBLEM_BASE + "idempotency-response-not-replayable";
  /** 422: the key was used for a different request. */
  public static final String PROBLEM_KEY_REUSED = PROBLEM_BASE + "idempotency-key-reused";
  /**
   * 500: something in front of the filter consumed the request body (it is not a form whose
   * parameters the container kept), so the request cannot be fingerprinted; nothing ran. Map the
   * filter before whatever reads the body.
   */
  public static final String PROBLEM_BODY_UNAVAILABLE = PROBLEM_BASE + "idempotency-body-unavailable";
  /** 503: the store failed; nothing ran. */
  public static final String PROBLEM_STORE_UNAVAILABLE = PROBLEM_BASE + "idempotency-store-unavailable";

  /** The header added to replayed responses, with the value {@code true}. */
  public static final String REPLAYED_HEADER = "Idempotent-Replayed";

  /** The request attribute holding the request's {@link IdempotencyKey}; see {@link #currentKey}. */
  public static final String KEY_ATTRIBUTE = "dev.closedloop.sync.idempotency.key";

  static final String EXECUTION_ATTRIBUTE = "dev.closedloop.sync.idempotency.execution";

  private volatile @Nullable IdempotencyFilterEngine engine;

  /**
   * Creates a filter configured by its init parameters in {@link #init(FilterConfig)}: for
   * {@code web.xml} and {@code ServletContext.addFilter(name, Class)}.
   */
  public IdempotencyFilter() {}

  IdempotencyFilter(IdempotencyFilterEngine engine) {
    this.engine = engine;
  }

  /** Returns a builder with the defaults described in the class comment. */
  public static IdempotencyFilterBuilder builder() {
    return new IdempotencyFilterBuilder();
  }

  /**
   * Returns the key of the request this filter claimed and is running now, scoped, so that a
   * handler can tag what it publishes with it; empty for requests without a key (or not behind
   * the filter).
   *
   * @throws NullPointerException if {@code request} is null
   */
  public static Optional<IdempotencyKey> currentKey(ServletRequest request) {
    Objects.requireNonNull(request, "request cannot be null");
    Object key = request.getAttribute(KEY_ATTRIBUTE);
    return key instanceof IdempotencyKey ? Optional.of((IdempotencyKey) key) : Optional.empty();
  }

  /**
   * Adds this filter to {@code context} under the name {@code closedloop-idempotency} for the
   * {@code REQUEST} and {@code ASYNC} dispatchers, async supported, after filters already
   * mapped. For embedded servers: call it before the context starts, e.g. with Jetty's {@code
   * ServletContextHandler.getServletContext()}.
   *
   * @param urlPatterns the URL patterns to map; {@code /*} if none
   * @return the registration, to adjust further
   * @throws NullPointerException if {@code context} or a pattern is null
   * @throws IllegalStateException if the context is already initialised or has a filter of
   *     that name
   */
  public FilterRegistration.Dynamic register(ServletContext context, String... urlPatterns) {
    Objects.requireNonNull(context, "context cannot be null");
    Objects.requireNonNull(urlPatterns, "urlPatterns cannot be null");
    String[] patterns = urlPatterns.length == 0 ? new String[] {"/*"} : urlPatterns.clone();
    for (String p : patterns) {
      Objects.requireNonNull(p, "urlPattern cannot be null");
    }
    FilterRegistration.Dynamic registration = context.addFilter("closedloop-idempotency", this);
    if (registration == null) {
      throw new IllegalStateException("the context already has a filter named closedloop-idempotency");
    }
    registration.setAsyncSupported(true);
    registration.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC), true, patterns);
    return registration;
  }

  /**
   * Returns the counters so far.
   *
   * @throws IllegalStateException if a filter made by the no-argument constructor is not
   *     initialised yet
   */
  public IdempotencyFilterStats stats() {
    return engine().stats();
  }

  /**
   * Returns the store this filter uses.
   *
   * @throws IllegalStateException if a filter made by the no-argument constructor is not
   *     initialised yet
   */
  public IdempotencyStore store() {
    return engine().store;
  }

  private IdempotencyFilterEngine engine() {
    IdempotencyFilterEngine e = engine;
    if (e == null) {
      throw new IllegalStateException("IdempotencyFilter is not initialised: init(FilterConfig) has not run");
    }
    return e;
  }

  /**
   * Configures a filter made by the no-argument constructor from its init parameters (see the
   * class comment); a filter made by the builder keeps its configuration and ignores them.
   *
   * @throws ServletException if a parameter is malformed or the store attribute is missing
   */
  @Override
  public void init(FilterConfig config) throws ServletException {
    IdempotencyFilterEngine built = engine;
    if (built != null) {
      built.inService(true); // a container that stopped the application and starts it again
      return;
    }
    engine = new IdempotencyFilterEngine(FilterInitParameters.read(config));
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (!(request instanceof HttpServletRequest) || !(response instanceof HttpServletResponse)) {
      chain.doFilter(request, response);
      return;
    }
    engine().doFilter((HttpServletRequest) request, (HttpServletResponse) response, chain);
  }

  /**
   * Takes the filter out of service: the container is stopping the application. A request still
   * inside the chain from now on may get its answer from the stopped container instead of the
   * application (Jetty answers 404 from a stopped servlet), so an error status (4xx or 5xx) it
   * ends with releases its claim instead of being stored: a retry runs it on a node that is up.
   * A 2xx or 3xx is still stored (only the application answers those), and so is everything that
   * ended before. {@link #init} puts the filter back in service if the container starts the
   * application again.
   */
  @Override
  public void destroy() {
    IdempotencyFilterEngine e = engine;
    if (e != null) {
      e.inService(false);
    }
  }
}
