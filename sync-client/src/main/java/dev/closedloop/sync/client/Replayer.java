package dev.closedloop.sync.client;

import dev.closedloop.sync.queue.DrainVerdict;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays one queued request over HTTP for {@link OfflineSync} and says what the queue should do
 * with it: the live path's steps (idempotency key, classification, send; no breaker) with the
 * request's headers and the secret headers the supplier gives now; on a 401, with an {@link
 * UnauthorizedHandler}, it waits for a new credential and replays once more with the same key.
 * The outcome to verdict table is {@link OfflineSync}'s "One replay".
 *
 * <p>This class is immutable and threadsafe; a replay blocks its thread until the answer.
 */
final class Replayer {
  private static final Logger log = LoggerFactory.getLogger(OfflineSync.class);

  private final List<Interceptor> interceptors;
  private final Function<QueuedRequest, Map<String, String>> secretHeaders;
  private final Duration requestTimeout;
  private final @Nullable UnauthorizedHandler unauthorized;
  private final Duration unauthorizedWait;

  Replayer(OfflineSyncBuilder b) {
    this.interceptors = Interceptor.pipeline(null, b.clock, b.http); // the live path's steps, no breaker
    this.secretHeaders = b.secretHeaders;
    this.requestTimeout = b.requestTimeout;
    this.unauthorized = b.unauthorized;
    this.unauthorizedWait = b.unauthorizedWait;
  }

  /**
   * What became of one replay: the verdict for the queue, and what to tell once it is settled.
   *
   * @param stop true for {@link DrainVerdict#stop()}: the pass ends
   * @param response the answer, for {@link DrainVerdict#done()}
   * @param reason the dead letter's reason, for {@link DrainVerdict#dead}
   * @param failure the cause of a retry or a dead letter; for a stop, the network failure that
   *     shows we are offline (null if the thread was interrupted)
   */
  record Replayed(DrainVerdict verdict, boolean stop, @Nullable HttpResponse<byte[]> response,
      @Nullable String reason, @Nullable Throwable failure) {

    static Replayed stop(@Nullable Throwable networkFailure) {
      return new Replayed(DrainVerdict.stop(), true, null, null, networkFailure);
    }

    static Replayed dead(String reason, @Nullable Throwable cause) {
      return new Replayed(DrainVerdict.dead(reason), false, null, reason, cause);
    }
  }

  Replayed replay(QueuedRequest request) {
    Outcome outcome = send(request);
    boolean renewed = false;
    if (unauthorized != null && outcome.failure instanceof MutationHttpException
        && ((MutationHttpException) outcome.failure).status() == 401) {
      MutationHttpException refused = (MutationHttpException) outcome.failure;
      String noCredential;
      try {
        noCredential = awaitNewCredential(request, refused);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Replayed.stop(null);
      }
      if (noCredential != null) {
        return Replayed.dead(httpReason(refused) + "; no new credential: " + noCredential, refused);
      }
      outcome = send(request); // the same key; the supplier gives the new credential
      renewed = true;
    }
    Throwable f = outcome.failure;
    if (outcome.response != null) {
      return new Replayed(DrainVerdict.done(), false, outcome.response, null, null);
    } else if (f == null) { // interrupted
      Thread.currentThread().interrupt();
      return Replayed.stop(null);
    } else if (f instanceof MutationNetworkException) {
      return Replayed.stop(f);
    } else if (f instanceof MutationHttpException && !((MutationHttpException) f).isRetryable()) {
      MutationHttpException h = (MutationHttpException) f;
      return Replayed.dead(httpReason(h) + (renewed && h.status() == 401 ? " (again, with a new credential)" : ""), h);
    }
    return new Replayed(DrainVerdict.retry(f), false, null, null, f);
  }

  private static String httpReason(MutationHttpException h) {
    return "HTTP " + h.status()
        + (h.problemType() != null ? " " + h.problemType() : "")
        + (h.problemDetail() != null ? ": " + h.problemDetail()
            : h.body().length > 0 ? ": " + MutationHttpException.excerpt(h.body()) : "");
  }

  /** Asks the {@link UnauthorizedHandler} and waits; returns null for a new credential, else why not. */
  private @Nullable String awaitNewCredential(QueuedRequest request, MutationHttpException refused)
      throws InterruptedException {
    UnauthorizedHandler handler = Objects.requireNonNull(unauthorized);
    CompletableFuture<Boolean> answer;
    try {
      answer = handler.onUnauthorized(request, refused).toCompletableFuture();
    } catch (RuntimeException e) {
      log.warn("Unauthorized handler {} threw", handler, e);
      return "the handler threw " + e;
    }
    try {
      return Boolean.TRUE.equals(answer.get(unauthorizedWait.toNanos(), TimeUnit.NANOSECONDS)) ? null
          : "the handler declined";
    } catch (TimeoutException e) {
      answer.cancel(false);
      return "none within " + unauthorizedWait;
    } catch (ExecutionException e) {
      return "the handler failed: " + (e.getCause() != null ? e.getCause() : e);
    } catch (CancellationException e) {
      return "the handler cancelled";
    }
  }

  /** An answer, a failure, or neither when the thread was interrupted. */
  private static final class Outcome {
    @Nullable HttpResponse<byte[]> response;
    @Nullable Throwable failure;
  }

  private Outcome send(QueuedRequest request) {
    Outcome o = new Outcome();
    LinkedHashMap<String, String> headers = new LinkedHashMap<>(request.headers());
    try {
      Map<String, String> secrets = secretHeaders.apply(request);
      if (secrets != null) {
        secrets.forEach((n, v) -> {
          Http.checkHeader(n, v);
          headers.put(n, v);
        });
      }
    } catch (RuntimeException e) {
      o.failure = new MutationException(request.mutationName(), request.idempotencyKey(),
          "the secret header supplier failed: " + e, e);
      return o;
    }
    Exchange exchange = new Exchange(request.mutationName(), request.method(), request.uri(),
        Collections.unmodifiableMap(headers), request.bodyUnsafe(), request.idempotencyKey(), null, requestTimeout);
    CompletableFuture<HttpResponse<byte[]>> f = Interceptor.run(interceptors, exchange);
    try {
      o.response = f.get();
    } catch (InterruptedException e) {
      f.cancel(true);
    } catch (ExecutionException e) {
      o.failure = DefaultSyncMutation.unwrap(e.getCause() != null ? e.getCause() : e);
    }
    return o;
  }
}
