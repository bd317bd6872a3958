package dev.closedloop.sync.servlet;

import dev.closedloop.sync.idempotency.Idempotency;
import dev.closedloop.sync.idempotency.IdempotencyAttempt;
import dev.closedloop.sync.idempotency.IdempotencyBuilder;
import dev.closedloop.sync.idempotency.IdempotencyClaim;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.ScopeResolver;
import dev.closedloop.sync.idempotency.StoredResponse;
import dev.closedloop.sync.servlet.IdempotencyFilterListener.Finished;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * What {@link IdempotencyFilter} does, with its configuration frozen: it takes a keyed request
 * through its parts and the protocol. The parts are the HTTP half: the key from the headers
 * ({@link IdempotencyKeyHeaders}, {@link KeyRoutes}), the body and {@link RequestFingerprint},
 * the answers that run nothing ({@link Refusals}), the first request's run ({@link
 * IdempotentExecution} over {@link BufferedRequest} and {@link CapturingResponse}), what is kept
 * and replayed ({@link ReplayWriter}) and the filter's own events and counters ({@link
 * FilterEvents}). The protocol is an {@link Idempotency} from {@code sync-core}: claim, the wait
 * for a key in progress, lease renewal, completion retry, release, and the protocol's counters and
 * events. Not part of the API.
 *
 * <p>This class is threadsafe: its configuration and parts are immutable or threadsafe.
 */
final class IdempotencyFilterEngine {
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
  private final ReplayWriter replays;
  private final FilterEvents events;
  private final Refusals refusals;

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
    this.replays = new ReplayWriter(b.replayHeaders, storeServerErrors);
    this.events = new FilterEvents(b.listeners, b.ticker);
    this.refusals = new Refusals(events, maxBodyBytes);
    IdempotencyBuilder protocol = Idempotency.builder()
        .store(store)
        .lease(lease)
        .retention(retention)
        .inProgressWait(b.inProgressWait)
        .pollInterval(b.pollInterval)
        .ticker(b.ticker)
        .scheduler(b.scheduler)
        .name("http");
    events.listeners().forEach(protocol::listener);
    this.idempotency = protocol.build();
  }

  IdempotencyFilterStats stats() {
    return events.stats(idempotency.stats());
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
      refusals.reject(response, IdempotencyProblem.KEY_INVALID, e.getMessage());
      return;
    }
    if (clientKey == null) {
      if (routes.isRequired(KeyRoutes.pathWithinApplication(request))) {
        refusals.reject(response, IdempotencyProblem.KEY_MISSING, "this endpoint requires an "
            + IdempotencyKeyHeaders.HEADER + " header (an sf-string such as \"8e03978e-40d5-43e8\")");
      } else {
        chain.doFilter(request, response);
      }
      return;
    }

    long declared = request.getContentLengthLong();
    if (declared > maxBodyBytes) {
      refusals.declaredTooLarge(request, response, declared);
      return;
    }
    RequestFingerprint read = RequestFingerprint.read(request, declared, maxBodyBytes);
    if (read == null) {
      refusals.readTooLarge(request, response);
      return;
    }
    if (read.consumedBefore()) {
      refusals.consumedBefore(request, response, declared, read.body().length);
      return;
    }
    IdempotencyKey key = IdempotencyKey.of(scopeResolver.scope(request), clientKey);
    String fingerprint = read.value(request);

    long claimStart = events.start(); // no one times it: read no clock
    IdempotencyAttempt outcome;
    try {
      outcome = idempotency.begin(key, fingerprint); // claims, waits, counts and reports
    } catch (RuntimeException e) {
      Refusals.storeUnavailable(response, e);
      return;
    }

    if (outcome instanceof IdempotencyAttempt.Claimed) {
      run(request, response, chain, key, ((IdempotencyAttempt.Claimed) outcome).claim(), read, claimStart);
    } else if (outcome instanceof IdempotencyAttempt.Completed) {
      StoredResponse stored = ((IdempotencyAttempt.Completed) outcome).response();
      replays.replay(response, stored);
      events.finished(key, stored.isReplayable() ? Finished.Outcome.REPLAYED : Finished.Outcome.NOT_REPLAYABLE,
          request, stored.isReplayable() ? stored.status() : IdempotencyProblem.NOT_REPLAYABLE.status, claimStart);
    } else if (outcome instanceof IdempotencyAttempt.InProgress) {
      Refusals.inProgress(response, ((IdempotencyAttempt.InProgress) outcome).retryAfter());
      events.finished(key, Finished.Outcome.CONFLICT, request, IdempotencyProblem.KEY_IN_USE.status, claimStart);
    } else {
      Refusals.mismatch(response);
      events.finished(key, Finished.Outcome.MISMATCH, request, IdempotencyProblem.KEY_REUSED.status, claimStart);
    }
  }

  // ---- the first request --------------------------------------------------------------------

  private void run(HttpServletRequest request, HttpServletResponse response, FilterChain chain,
      IdempotencyKey key, IdempotencyClaim claim, RequestFingerprint read, long claimStart)
      throws IOException, ServletException {
    CapturingResponse captured = new CapturingResponse(response, captureLimit);
    IdempotentExecution execution = new IdempotentExecution(replays, events, key, claim, captured,
        request.getMethod().toUpperCase(Locale.ROOT), KeyRoutes.pathWithinApplication(request), claimStart);
    BufferedRequest buffered = new BufferedRequest(request, read.body(), read.containerParameters(), execution);
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
    replays.inService(inService);
  }
}
