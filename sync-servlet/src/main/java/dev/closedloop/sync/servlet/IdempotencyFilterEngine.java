package dev.closedloop.sync.servlet;

import dev.closedloop.sync.idempotency.Idempotency;
import dev.closedloop.sync.idempotency.IdempotencyAttempt;
import dev.closedloop.sync.idempotency.IdempotencyBuilder;
import dev.closedloop.sync.idempotency.IdempotencyClaim;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyListener;
import dev.closedloop.sync.idempotency.IdempotencyStats;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.IdempotencyStoreFullException;
import dev.closedloop.sync.idempotency.ScopeResolver;
import dev.closedloop.sync.idempotency.StoredResponse;
import dev.closedloop.sync.servlet.IdempotencyFilterListener.Finished;
import dev.closedloop.sync.spi.Digests;
import dev.closedloop.sync.time.Ticker;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@link IdempotencyFilter} does, with its configuration frozen: the HTTP half (keys from
 * headers, bodies, fingerprints, capture, replay, problem answers) over the protocol half, an
 * {@link Idempotency} from {@code sync-core} (claim, wait, lease renewal, completion retry,
 * release, counters and listener events). Not part of the API.
 *
 * <p>This class is threadsafe: its configuration is immutable and its one counter is an adder.
 */
final class IdempotencyFilterEngine {
  private static final Logger log = LoggerFactory.getLogger(IdempotencyFilter.class);

  final IdempotencyStore store;
  /** The protocol: every claim, wait, renewal, completion and release goes through it. */
  final Idempotency idempotency;
  private final ScopeResolver<? super HttpServletRequest> scopeResolver;
  final Set<String> methods;
  private final KeyRoutes routes;
  private final IdempotencyKeyHeaders keyHeaders;
  final long maxBodyBytes;
  final int captureLimit;
  final Duration lease;
  final Duration retention;
  final boolean storeServerErrors;
  private volatile boolean outOfService;
  /** The headers to replay, lower case; matched ignoring case, without allocating. */
  private final String[] replayHeaders;
  /**
   * Every listener in the order added ({@link IdempotencyFilterListener}s and plain {@link
   * IdempotencyListener}s). The {@link Idempotency} calls them for the protocol's events; the
   * filter for {@code onRejected} and {@code onFinished}.
   */
  private final List<IdempotencyListener> listeners;
  private final Ticker ticker;

  final LongAdder rejected = new LongAdder();

  IdempotencyFilterEngine(IdempotencyFilterBuilder b) {
    this.store = b.storeOrDefault();
    this.scopeResolver = b.scopeResolver;
    this.methods = Set.copyOf(b.methods);
    this.routes = new KeyRoutes(b.routes, b.keyRequired);
    this.keyHeaders = new IdempotencyKeyHeaders(b.maxKeyLength, b.uuidKeysOnly, b.acceptLegacyHeader);
    this.maxBodyBytes = b.maxBodyBytes;
    this.captureLimit = (int) Math.min(Integer.MAX_VALUE - 8, b.effectiveCaptureLimit(store));
    this.lease = b.lease;
    this.retention = b.retention;
    this.storeServerErrors = b.storeServerErrors;
    Set<String> headers = new HashSet<>(IdempotencyFilterBuilder.DEFAULT_REPLAY_HEADERS);
    headers.addAll(b.replayHeaders);
    this.replayHeaders = headers.toArray(new String[0]);
    this.listeners = List.copyOf(b.listeners);
    this.ticker = b.ticker;
    IdempotencyBuilder protocol = Idempotency.builder()
        .store(store)
        .lease(lease)
        .retention(retention)
        .inProgressWait(b.inProgressWait)
        .pollInterval(b.pollInterval)
        .ticker(b.ticker)
        .scheduler(b.scheduler)
        .name("http");
    listeners.forEach(protocol::listener);
    this.idempotency = protocol.build();
  }

  IdempotencyFilterStats stats() {
    IdempotencyStats s = idempotency.stats();
    return new IdempotencyFilterStats(s.first(), s.replayed(), s.conflicts(), s.mismatches(), s.notReplayable(),
        s.stored(), s.storedBytes(), s.released(), s.ownershipLost(), rejected.sum(), s.storeFailures());
  }

  void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (request.getDispatcherType() == DispatcherType.ASYNC) {
      asyncDispatch(request, response, chain);
      return;
    }
    if (request.getDispatcherType() != DispatcherType.REQUEST
        || !methods.contains(request.getMethod().toUpperCase(Locale.ROOT))
        || request.getAttribute(IdempotencyFilter.EXECUTION_ATTRIBUTE) != null) {
      chain.doFilter(request, response);
      return;
    }
    String clientKey;
    try {
      clientKey = keyHeaders.read(request);
    } catch (IdempotencyKeyHeaders.InvalidKeyException e) {
      reject(response, IdempotencyProblem.KEY_INVALID, e.getMessage());
      return;
    }
    if (clientKey == null) {
      if (routes.isRequired(pathWithinApplication(request))) {
        reject(response, IdempotencyProblem.KEY_MISSING, "this endpoint requires an "
            + IdempotencyKeyHeaders.HEADER + " header (an sf-string such as \"8e03978e-40d5-43e8\")");
      } else {
        chain.doFilter(request, response);
      }
      return;
    }

    long declared = request.getContentLengthLong();
    if (declared > maxBodyBytes) {
      if (expectsContinue(request)) {
        // The client waits for "100 Continue" before it uploads: refuse without reading, so the
        // container never sends one, and close, in case it sends the body anyway.
        response.setHeader("Connection", "close");
      } else {
        swallowRest(request, response);
      }
      reject(response, IdempotencyProblem.BODY_TOO_LARGE, tooLarge(declared));
      return;
    }
    MessageDigest bodyDigest = Digests.sha256();
    byte[] body;
    try {
      body = readBody(request, declared, bodyDigest);
    } catch (IllegalStateException readerInUse) {
      body = new byte[0]; // something before us took the body through getReader()
    }
    if (body == null) {
      swallowRest(request, response);
      reject(response, IdempotencyProblem.BODY_TOO_LARGE, tooLarge(-1));
      return;
    }
    boolean containerParameters = false;
    if (bodyConsumedBefore(request, declared, body.length)) {
      // A filter in front (CSRF, login) parsed the form or read the body: what we read is not the
      // request. A form's parameters are still in the container: fingerprint and pass those.
      if (!isForm(request)) {
        log.warn("IdempotencyFilter cannot fingerprint {} {}: its body ({} bytes declared, {} readable) was"
            + " consumed before the filter ran, by a filter or valve in front of it that read the body;"
            + " map IdempotencyFilter before it", request.getMethod(), request.getRequestURI(),
            declared, body.length);
        reject(response, IdempotencyProblem.BODY_UNAVAILABLE, "the request body was consumed before the"
            + " idempotency filter could read it (a filter in front of it read the body); nothing was done");
        return;
      }
      containerParameters = true;
      body = new byte[0];
      bodyDigest = parameterDigest(request.getParameterMap());
    }
    IdempotencyKey key = IdempotencyKey.of(scopeResolver.scope(request), clientKey);
    String fingerprint = fingerprint(request, bodyDigest.digest());

    long claimStart = listeners.isEmpty() ? 0 : ticker.read(); // no one times it: read no clock
    IdempotencyAttempt outcome;
    try {
      outcome = idempotency.begin(key, fingerprint); // claims, waits, counts and reports
    } catch (RuntimeException e) {
      storeUnavailable(response, e);
      return;
    }

    if (outcome instanceof IdempotencyAttempt.Claimed) {
      run(request, response, chain, key, ((IdempotencyAttempt.Claimed) outcome).claim(), body, containerParameters,
          claimStart);
    } else if (outcome instanceof IdempotencyAttempt.Completed) {
      StoredResponse stored = ((IdempotencyAttempt.Completed) outcome).response();
      replay(response, stored);
      report(key, stored.isReplayable() ? Finished.Outcome.REPLAYED : Finished.Outcome.NOT_REPLAYABLE,
          request, stored.isReplayable() ? stored.status() : IdempotencyProblem.NOT_REPLAYABLE.status, claimStart);
    } else if (outcome instanceof IdempotencyAttempt.InProgress) {
      Duration retryAfter = ((IdempotencyAttempt.InProgress) outcome).retryAfter();
      IdempotencyProblem.KEY_IN_USE.write(response, "a request with this key is still being processed;"
          + " retry after " + IdempotencyProblem.retryAfterSeconds(retryAfter) + " s", retryAfter);
      report(key, Finished.Outcome.CONFLICT, request, IdempotencyProblem.KEY_IN_USE.status, claimStart);
    } else {
      IdempotencyProblem.KEY_REUSED.write(response, "this idempotency key was used for a different request"
          + " (method, path, query, content type or body differ); use a new key for a new request", null);
      report(key, Finished.Outcome.MISMATCH, request, IdempotencyProblem.KEY_REUSED.status, claimStart);
    }
  }

  // ---- the first request --------------------------------------------------------------------

  private void run(HttpServletRequest request, HttpServletResponse response, FilterChain chain,
      IdempotencyKey key, IdempotencyClaim claim, byte[] body, boolean containerParameters, long claimStart)
      throws IOException, ServletException {
    CapturingResponse captured = new CapturingResponse(response, captureLimit);
    IdempotentExecution execution = new IdempotentExecution(this, key, claim, captured,
        request.getMethod().toUpperCase(Locale.ROOT), pathWithinApplication(request), claimStart);
    BufferedRequest buffered = new BufferedRequest(request, body, containerParameters, execution);
    buffered.setAttribute(IdempotencyFilter.KEY_ATTRIBUTE, key);
    buffered.setAttribute(IdempotencyFilter.EXECUTION_ATTRIBUTE, execution);
    try {
      chain.doFilter(buffered, captured);
    } catch (IOException | ServletException | RuntimeException | Error e) {
      execution.fail(e);
      throw e;
    }
    if (!execution.isAsync()) {
      execution.finish();
    }
  }

  /** An async dispatch of a request this filter claimed: finish it when the dispatch ends. */
  private void asyncDispatch(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    Object attr = request.getAttribute(IdempotencyFilter.EXECUTION_ATTRIBUTE);
    if (!(attr instanceof IdempotentExecution)) {
      chain.doFilter(request, response);
      return;
    }
    IdempotentExecution execution = (IdempotentExecution) attr;
    execution.dispatched();
    try {
      chain.doFilter(request, response);
    } catch (IOException | ServletException | RuntimeException | Error e) {
      execution.fail(e);
      throw e;
    }
    if (!request.isAsyncStarted()) {
      execution.finish();
    }
  }

  /** Sets whether the application is in service; see {@link IdempotencyFilter#destroy()}. */
  void inService(boolean inService) {
    this.outOfService = !inService;
  }

  /** Whether a response with {@code status} is the request's lasting result. */
  boolean isStorable(int status) {
    if (status >= 200 && status < 400) {
      return true;
    }
    if (outOfService) {
      return false; // maybe the stopped container's answer, not the application's
    }
    if (status >= 400 && status < 500) {
      return status != 408 && status != 409 && status != 425 && status != 429;
    }
    return status == 500 && storeServerErrors;
  }

  /** The allow-listed headers of the real response, in its order. */
  Map<String, List<String>> replayableHeaders(HttpServletResponse response) {
    Map<String, List<String>> kept = new LinkedHashMap<>();
    Collection<String> names = response.getHeaderNames();
    for (String name : names) {
      if (isReplayed(name) && !kept.containsKey(name)) {
        List<String> values = new ArrayList<>(response.getHeaders(name));
        if (!values.isEmpty()) {
          kept.put(name, values);
        }
      }
    }
    return kept;
  }

  private boolean isReplayed(String name) {
    for (String h : replayHeaders) {
      if (h.equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  // ---- replays --------------------------------------------------------------------

  private void replay(HttpServletResponse response, StoredResponse stored) throws IOException {
    if (!stored.isReplayable()) {
      IdempotencyProblem.NOT_REPLAYABLE.write(response, "the request with this key completed with status "
          + stored.status() + ", but its response was too large to keep; it will not run again", null);
      return;
    }
    response.setStatus(stored.status());
    for (Map.Entry<String, List<String>> h : stored.headers().entrySet()) {
      if (h.getKey().equalsIgnoreCase("Content-Type")) {
        response.setContentType(h.getValue().get(0));
        continue;
      }
      boolean firstValue = true;
      for (String v : h.getValue()) {
        if (firstValue) {
          response.setHeader(h.getKey(), v);
          firstValue = false;
        } else {
          response.addHeader(h.getKey(), v);
        }
      }
    }
    response.setHeader(IdempotencyFilter.REPLAYED_HEADER, "true");
    response.setContentLength(stored.bodyLength());
    if (stored.bodyLength() > 0) {
      stored.writeBodyTo(response.getOutputStream());
    }
    response.flushBuffer();
  }

  // ---- refusals -----------------------------------------------------------------------------

  private void reject(HttpServletResponse response, IdempotencyProblem problem, String detail) throws IOException {
    rejected.increment();
    for (IdempotencyListener l : listeners) {
      if (l instanceof IdempotencyFilterListener) {
        try {
          ((IdempotencyFilterListener) l).onRejected(problem.status, problem.type);
        } catch (RuntimeException e) {
          logListener(l, e);
        }
      }
    }
    problem.write(response, detail, null);
  }

  /** The claim failed (counted, logged and reported by the {@link Idempotency}): 503, nothing ran. */
  private static void storeUnavailable(HttpServletResponse response, RuntimeException e) throws IOException {
    String detail = e instanceof IdempotencyStoreFullException
        ? "too many requests are in progress to accept another idempotent request; retry shortly"
        : "the idempotency store could not be reached; nothing was done; retry shortly";
    IdempotencyProblem.STORE_UNAVAILABLE.write(response, detail, Duration.ofSeconds(1));
  }

  /** How much of a refused body is read and dropped so that the client can read the 413. */
  static final long SWALLOW_LIMIT = 4L * 1024 * 1024;

  /**
   * Reads and drops the rest of a body refused as too large, up to {@link #SWALLOW_LIMIT}, as
   * Tomcat's {@code maxSwallowSize} does: a client that sends its whole body before reading (no
   * {@code Expect: 100-continue}) would otherwise see the connection reset instead of the 413.
   * Past the limit, or on a read error, the connection is marked to close and nothing more is
   * read.
   */
  private static void swallowRest(HttpServletRequest request, HttpServletResponse response) {
    long declared = request.getContentLengthLong();
    if (declared > SWALLOW_LIMIT) {
      response.setHeader("Connection", "close");
      return;
    }
    try {
      ServletInputStream in = request.getInputStream();
      byte[] chunk = new byte[8192];
      long dropped = 0;
      int n;
      while ((n = in.read(chunk)) != -1) {
        dropped += n;
        if (dropped > SWALLOW_LIMIT) {
          response.setHeader("Connection", "close");
          return;
        }
      }
    } catch (IOException | IllegalStateException e) {
      response.setHeader("Connection", "close");
    }
  }

  private static boolean expectsContinue(HttpServletRequest request) {
    String expect = request.getHeader("Expect");
    return expect != null && expect.trim().equalsIgnoreCase("100-continue");
  }

  private String tooLarge(long declared) {
    return (declared >= 0 ? "the request body has " + declared + " bytes" : "the request body is larger than allowed")
        + "; idempotent requests may carry at most " + maxBodyBytes + " bytes";
  }

  // ---- body and fingerprint -----------------------------------------------------------------

  /**
   * Reads the whole body, digesting it; null if it is larger than the limit. A declared length
   * (already checked against the limit) sizes the buffer exactly, so the usual body is read in
   * place with no chunk and no copy; the buffer grows only for a body longer than declared or of
   * unknown length.
   */
  private byte @Nullable [] readBody(HttpServletRequest request, long declared, MessageDigest digest)
      throws IOException {
    ServletInputStream in = request.getInputStream();
    byte[] buf = new byte[declared >= 0 ? (int) declared : (int) Math.min(8192, maxBodyBytes + 1)];
    int size = 0;
    while (true) {
      if (size == buf.length) {
        if (size > maxBodyBytes) {
          return null;
        }
        int probe = in.read();
        if (probe == -1) {
          break;
        }
        long grown = Math.min(Math.max(2L * buf.length, 1024), maxBodyBytes + 1);
        buf = Arrays.copyOf(buf, (int) Math.max(grown, size + 1L));
        buf[size++] = (byte) probe;
        continue;
      }
      int n = in.read(buf, size, buf.length - size);
      if (n == -1) {
        break;
      }
      size += n;
    }
    if (size > maxBodyBytes) {
      return null;
    }
    digest.update(buf, 0, size);
    return size == buf.length ? buf : Arrays.copyOf(buf, size);
  }

  /**
   * Whether the body was read before the filter ran: fewer bytes came than the request declares,
   * or a form body came empty (a form sent in chunks declares no length). Containers parse a form
   * POST's body on the first {@code getParameter} call, and afterwards the stream is at its end.
   */
  private static boolean bodyConsumedBefore(HttpServletRequest request, long declared, int read) {
    if (declared > read) {
      return true;
    }
    return declared < 0 && read == 0 && isForm(request);
  }

  static boolean isForm(HttpServletRequest request) {
    String ct = request.getContentType();
    return ct != null && ct.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
  }

  /**
   * A SHA-256 standing in for the body's when the container already parsed the form: over the
   * parameters (query ones included, as the container merges them) sorted by name, each a
   * length-prefixed name, a value count and length-prefixed values in their order.
   */
  static MessageDigest parameterDigest(Map<String, String[]> parameters) {
    MessageDigest d = Digests.sha256();
    byte[] length = new byte[4];
    d.update("container-form-parameters".getBytes(StandardCharsets.US_ASCII));
    for (String name : new TreeSet<>(parameters.keySet())) {
      String[] values = parameters.get(name);
      field(d, length, name);
      Digests.updateInt(d, length, values == null ? 0 : values.length);
      if (values != null) {
        for (String v : values) {
          field(d, length, v);
        }
      }
    }
    return d;
  }

  /**
   * SHA-256 over length-prefixed fields: method, request URI, query (or absent), content type (or
   * absent) and the body's SHA-256. Each field is a 4-byte big-endian length (-1 for absent) and
   * its UTF-8 bytes, so no two different requests share an encoding.
   */
  static String fingerprint(HttpServletRequest request, byte[] bodySha256) {
    MessageDigest d = Digests.sha256();
    byte[] length = new byte[4];
    field(d, length, request.getMethod().toUpperCase(Locale.ROOT));
    field(d, length, request.getRequestURI());
    field(d, length, request.getQueryString());
    field(d, length, request.getContentType());
    Digests.updateInt(d, length, bodySha256.length);
    d.update(bodySha256);
    return Digests.hex(d.digest());
  }

  private static void field(MessageDigest d, byte[] length, @Nullable String value) {
    if (value == null) {
      Digests.updateInt(d, length, -1);
      return;
    }
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    Digests.updateInt(d, length, bytes.length);
    d.update(bytes);
  }

  static String pathWithinApplication(HttpServletRequest request) {
    String uri = request.getRequestURI();
    String context = request.getContextPath();
    return context != null && !context.isEmpty() && uri.startsWith(context) ? uri.substring(context.length()) : uri;
  }

  /** Tells the listeners a keyed request is done ({@code onFinished}); reads no clock without them. */
  void report(IdempotencyKey key, Finished.Outcome outcome, HttpServletRequest request, int status, long startNanos) {
    if (!listeners.isEmpty()) {
      report(key, outcome, request.getMethod().toUpperCase(Locale.ROOT), pathWithinApplication(request), status,
          startNanos);
    }
  }

  void report(IdempotencyKey key, Finished.Outcome outcome, String method, String path, int status, long startNanos) {
    if (listeners.isEmpty()) {
      return;
    }
    long duration = ticker.read() - startNanos;
    Finished finished = null;
    IdempotencyListener.Finished plain = null;
    for (IdempotencyListener l : listeners) {
      try {
        if (l instanceof IdempotencyFilterListener) { // in its own terms, without a conversion
          if (finished == null) {
            finished = new Finished(key, outcome, method, path, status, duration);
          }
          ((IdempotencyFilterListener) l).onFinished(finished);
        } else {
          if (plain == null) {
            plain = new IdempotencyListener.Finished(key, IdempotencyListener.Finished.Outcome.valueOf(outcome.name()),
                method, path, status, duration);
          }
          l.onFinished(plain);
        }
      } catch (RuntimeException e) {
        logListener(l, e);
      }
    }
  }

  private static void logListener(IdempotencyListener l, RuntimeException e) {
    log.warn("Idempotency filter listener {} failed; ignoring it for this event", l, e);
  }
}
