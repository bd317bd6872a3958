package dev.closedloop.sync.servlet;

import dev.closedloop.sync.idempotency.IdempotencyClaim;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.StoredResponse;
import dev.closedloop.sync.servlet.IdempotencyFilterListener.Finished;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One claimed request from the claim to its end: it ends exactly once, either by {@link
 * #finish()} (store or release by status, then send the captured response) or by {@link
 * #fail(Throwable)} (release; the container answers the failure). Synchronous requests end when
 * the chain returns; asynchronous ones when the application calls {@code AsyncContext.complete()}
 * on the context this class wraps, or when an async dispatch returns, or, if the container ends
 * them (timeout, error) without either, on the listener's {@code onComplete}/{@code onError}, as
 * a failure. Storing, releasing, their retries and the events they report are the {@link
 * IdempotencyClaim}'s; what is kept of the response is the {@link ReplayWriter}'s to say, and the
 * request's end is reported through the {@link FilterEvents}. Not part of the API.
 *
 * <p>This class is threadsafe: the end is decided by one compare-and-set.
 */
final class IdempotentExecution {
  private static final Logger log = LoggerFactory.getLogger(IdempotencyFilter.class);

  private final ReplayWriter replays;
  private final FilterEvents events;
  private final IdempotencyKey key;
  private final IdempotencyClaim claim;
  private final CapturingResponse response;
  private final AtomicBoolean ended = new AtomicBoolean();
  private final String method;
  private final String path;
  private final long startNanos;
  private volatile boolean async;

  IdempotentExecution(ReplayWriter replays, FilterEvents events, IdempotencyKey key, IdempotencyClaim claim,
      CapturingResponse response, String method, String path, long startNanos) {
    this.replays = replays;
    this.events = events;
    this.key = key;
    this.claim = claim;
    this.response = response;
    this.method = method;
    this.path = path;
    this.startNanos = startNanos;
  }

  CapturingResponse response() {
    return response;
  }

  IdempotencyKey key() {
    return key;
  }

  boolean isAsync() {
    return async;
  }

  /** The application started async processing: hand it a context whose complete() ends us. */
  AsyncContext asyncStarted(AsyncContext real) {
    async = true;
    real.addListener(new AsyncListener() {
      @Override
      public void onComplete(AsyncEvent event) {
        fail(null); // completed without passing through our complete(): we never saw the response
      }

      @Override
      public void onTimeout(AsyncEvent event) {
        // the application's listeners may still answer and complete through our context
      }

      @Override
      public void onError(AsyncEvent event) {
        fail(event.getThrowable());
      }

      @Override
      public void onStartAsync(AsyncEvent event) {
        // a restart goes through BufferedRequest.startAsync, which registers a new listener
      }
    });
    return new Context(real);
  }

  /** An async dispatch re-entered the filter; it finishes the request when it returns. */
  void dispatched() {
    async = false;
  }

  /** Stores or releases by the captured status, then sends the captured response. Once. */
  void finish() throws IOException {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    int status = response.getStatus();
    try {
      if (replays.isStorable(status)) {
        StoredResponse stored = StoredResponse.notReplayable(status); // the effect happened: complete anyway
        try {
          if (!response.overflowed()) {
            stored = StoredResponse.of(status, replays.replayableHeaders(response), response.capturedBody());
          }
        } finally {
          claim.complete(stored);
        }
      } else {
        claim.release(status, null);
      }
    } finally {
      try {
        response.sendCaptured();
      } finally {
        events.finished(key, Finished.Outcome.FIRST, method, path, status, startNanos);
      }
    }
  }

  /** Releases the claim after a failure; the container answers it. Once. */
  void fail(@Nullable Throwable failure) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    try {
      claim.release(-1, failure); // the application threw, or the container ended the request
    } finally {
      events.finished(key, Finished.Outcome.FIRST, method, path, -1, startNanos);
    }
  }

  /** The application's view of the async context: complete() stores and sends first. */
  private final class Context implements AsyncContext {
    private final AsyncContext real;

    Context(AsyncContext real) {
      this.real = real;
    }

    @Override
    public void complete() {
      try {
        finish();
      } catch (IOException | RuntimeException e) {
        log.warn("Could not send the captured response for key {}", key.redacted(), e);
      } finally {
        real.complete();
      }
    }

    @Override
    public ServletRequest getRequest() {
      return real.getRequest();
    }

    @Override
    public ServletResponse getResponse() {
      return real.getResponse();
    }

    @Override
    public boolean hasOriginalRequestAndResponse() {
      return real.hasOriginalRequestAndResponse();
    }

    @Override
    public void dispatch() {
      real.dispatch();
    }

    @Override
    public void dispatch(String path) {
      real.dispatch(path);
    }

    @Override
    public void dispatch(ServletContext context, String path) {
      real.dispatch(context, path);
    }

    @Override
    public void start(Runnable run) {
      real.start(run);
    }

    @Override
    public void addListener(AsyncListener listener) {
      real.addListener(listener);
    }

    @Override
    public void addListener(AsyncListener listener, ServletRequest request, ServletResponse response) {
      real.addListener(listener, request, response);
    }

    @Override
    public <T extends AsyncListener> T createListener(Class<T> clazz) throws ServletException {
      return real.createListener(clazz);
    }

    @Override
    public void setTimeout(long timeout) {
      real.setTimeout(timeout);
    }

    @Override
    public long getTimeout() {
      return real.getTimeout();
    }
  }
}
