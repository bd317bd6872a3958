package dev.closedloop.sync.servlet;

import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyListener;
import dev.closedloop.sync.idempotency.IdempotencyStats;
import dev.closedloop.sync.servlet.IdempotencyFilterListener.Finished;
import dev.closedloop.sync.spi.Listeners;
import dev.closedloop.sync.time.Ticker;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The filter's events and counters, beside the protocol's (which its {@code Idempotency} counts and
 * reports): requests refused before a claim ({@link IdempotencyFilterListener#onRejected}, counted)
 * and the end of every keyed request ({@code onFinished}, timed from before the claim). The
 * listeners are one {@link Listeners} composite, built once from the builder's list in the order
 * added; the same list is what the filter's {@code Idempotency} reports to. An {@link
 * IdempotencyFilterListener} hears {@code onFinished} in the filter's terms, any other {@link
 * IdempotencyListener} in the protocol's. With no listener nothing is allocated and no clock is
 * read. Not part of the API.
 *
 * <p>This class is threadsafe: its configuration is immutable and its counter is an adder.
 */
final class FilterEvents {
  private static final Logger log = LoggerFactory.getLogger(IdempotencyFilter.class);

  private final Listeners<IdempotencyListener> listeners;
  /** Whether some listener is an {@link IdempotencyFilterListener}: only then is its event made. */
  private final boolean filterListeners;
  /** Whether some listener is a plain {@link IdempotencyListener}: only then is its event made. */
  private final boolean plainListeners;
  private final Ticker ticker;
  private final LongAdder rejected = new LongAdder();

  FilterEvents(List<IdempotencyListener> listeners, Ticker ticker) {
    this.listeners = Listeners.of(listeners, log, "Idempotency filter");
    this.filterListeners = listeners.stream().anyMatch(l -> l instanceof IdempotencyFilterListener);
    this.plainListeners = listeners.stream().anyMatch(l -> !(l instanceof IdempotencyFilterListener));
    this.ticker = ticker;
  }

  /** The listeners, in the order added: what the filter's {@code Idempotency} reports to. */
  List<IdempotencyListener> listeners() {
    return listeners.asList();
  }

  /** When a keyed request starts, for {@link #finished}; 0 without listeners (nobody times it). */
  long start() {
    return listeners.isEmpty() ? 0 : ticker.read();
  }

  /** A request was refused with {@code problem} before anything was claimed. */
  void rejected(IdempotencyProblem problem) {
    rejected.increment();
    listeners.fire("onRejected", FilterEvents::tellRejected, problem);
  }

  /** A keyed request is done ({@code onFinished}); reads no clock without listeners. */
  void finished(IdempotencyKey key, Finished.Outcome outcome, HttpServletRequest request, int status,
      long startNanos) {
    if (!listeners.isEmpty()) {
      finished(key, outcome, request.getMethod().toUpperCase(Locale.ROOT),
          KeyRoutes.pathWithinApplication(request), status, startNanos);
    }
  }

  /** A keyed request is done ({@code onFinished}); reads no clock without listeners. */
  void finished(IdempotencyKey key, Finished.Outcome outcome, String method, String path, int status,
      long startNanos) {
    if (listeners.isEmpty()) {
      return;
    }
    long duration = ticker.read() - startNanos;
    Finished inFilterTerms = filterListeners ? new Finished(key, outcome, method, path, status, duration) : null;
    IdempotencyListener.Finished plain = plainListeners
        ? new IdempotencyListener.Finished(key, IdempotencyListener.Finished.Outcome.valueOf(outcome.name()), method,
            path, status, duration)
        : null;
    listeners.fire("onFinished", FilterEvents::tellFinished, inFilterTerms, plain);
  }

  /** The filter's counters: the protocol's {@code s} and the refusals counted here. */
  IdempotencyFilterStats stats(IdempotencyStats s) {
    return new IdempotencyFilterStats(s.first(), s.replayed(), s.conflicts(), s.mismatches(), s.notReplayable(),
        s.stored(), s.storedBytes(), s.released(), s.ownershipLost(), rejected.sum(), s.storeFailures());
  }

  private static void tellRejected(IdempotencyListener l, IdempotencyProblem problem) {
    if (l instanceof IdempotencyFilterListener) {
      ((IdempotencyFilterListener) l).onRejected(problem.status, problem.type);
    }
  }

  /** Each listener in its own terms, without a conversion; the event it needs was made above. */
  private static void tellFinished(IdempotencyListener l, @Nullable Finished inFilterTerms,
      IdempotencyListener.@Nullable Finished plain) {
    if (l instanceof IdempotencyFilterListener) {
      ((IdempotencyFilterListener) l).onFinished(inFilterTerms);
    } else {
      l.onFinished(plain);
    }
  }
}
