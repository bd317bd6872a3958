package dev.closedloop.sync.client;

import dev.closedloop.sync.retry.RetryAfter;
import dev.closedloop.sync.time.Clock;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Turns what the server did into the attempt's outcome: a 2xx response (a replay with {@code
 * Idempotent-Replayed: true} included) passes; any other status fails the attempt with a {@link
 * MutationHttpException} that knows whether it is retryable and the {@code Retry-After}; an
 * {@link IOException} (refused, reset, closed before the answer, timed out) fails it with a
 * {@link MutationNetworkException}.
 */
final class ClassifyInterceptor implements Interceptor {
  private final Clock clock;

  ClassifyInterceptor(Clock clock) {
    this.clock = clock;
  }

  @Override
  public CompletableFuture<HttpResponse<byte[]>> intercept(Chain chain) {
    Exchange e = chain.exchange();
    CompletableFuture<HttpResponse<byte[]>> inner = chain.proceed(e);
    CompletableFuture<HttpResponse<byte[]>> outer = inner.handle((response, failure) -> {
      if (failure != null) {
        Throwable f = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (f instanceof IOException) {
          throw new CompletionException(new MutationNetworkException(e.mutationName, e.key, e.method, e.uri.toString(), f));
        }
        throw failure instanceof CompletionException ? (CompletionException) failure : new CompletionException(f);
      }
      int status = response.statusCode();
      if (status >= 200 && status < 300) {
        return response;
      }
      throw new CompletionException(toException(e, response, clock));
    });
    return Interceptor.linkCancel(outer, inner);
  }

  static MutationHttpException toException(Exchange e, HttpResponse<byte[]> response, Clock clock) {
    int status = response.statusCode();
    Http.Problem problem = Http.problem(response);
    Duration retryAfter = RetryAfter.parse(response.headers().firstValue("Retry-After").orElse(null), clock).orElse(null);
    boolean retryable = Classifier.isRetryableStatus(status, problem.type(), retryAfter != null);
    byte[] body = response.body() == null ? new byte[0] : response.body();
    return new MutationHttpException(e.mutationName, e.key, e.method, e.uri.toString(), status, problem.type(),
        problem.detail(), body, retryAfter, retryable);
  }
}
